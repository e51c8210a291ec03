/**
 * Issue 13, point 2 ("bounded over a 10-minute run"): the monitor's and the
 * floor's RSS sampled every 10 s for 10 minutes, side by side in tmux 160x50,
 * reading the same synthetic 64×2 document at 1 Hz (bench/synth.ts, every
 * counter advancing every second). `--runs N` runs N independent pairs (a
 * floor and a monitor each) at the same time, so the runs share the machine's
 * conditions; with `--with-default-heap` each run also has a monitor with V8's
 * default heap growth (TSGITOP_V8_SIZE=0, src/cli/jit.ts). Reports each
 * series, the growth over the second half (least squares, MB per minute), the
 * medians over the runs, and writes bench/results/rss.md.
 *
 *   node dist/bench/rss.js [--seconds 600] [--every 10] [--workers 64] [--threads 2] [--runs 3] [--with-default-heap]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needTmux, startInTmux, synthServers } from './tmux.js';
import { numArg } from './args.js';
import { quantiles } from './stats.js';
import { cpuSeconds } from './proc.js';
import { requireCurrentBundles } from './built.js';

await requireCurrentBundles('rss');

const seconds = numArg('--seconds', 600);
const every = numArg('--every', 10);
const workers = numArg('--workers', 64);
const threads = numArg('--threads', 2);
const runs = numArg('--runs', 3);
const withDefaultHeap = process.argv.includes('--with-default-heap');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

needTmux('rss');
const dir = mkdtempSync(join(tmpdir(), 'tsgitop-rss-'));
const sock = join(dir, 'stats.sock');
const [srv] = await synthServers([sock], workers, threads);

const bin = fileURLToPath(new URL('../../bin/tsgitop', import.meta.url));
const floor = fileURLToPath(new URL('./floor.js', import.meta.url));
type Who = 'floor' | 'mon' | 'heap';
const whos: Who[] = withDefaultHeap ? ['floor', 'mon', 'heap'] : ['floor', 'mon'];
const cmds: Record<Who, string> = {
  floor: `node ${floor} --interval 1000 ${sock}`,
  mon: `node ${bin} -f 1 ${sock}`,
  heap: `env TSGITOP_V8_SIZE=0 node ${bin} -f 1 ${sock}`,
};
const session = (k: number, n: Who): string => `tsgitop-rss-${n}-${process.pid}-${k}`;

function rssMB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

type Row = { t: number } & Record<Who, number>;
const loadStart = loadavg();
const pids: Record<Who, number>[] = [];
const rows: Row[][] = Array.from({ length: runs }, () => []);
const cpu: { start: Record<Who, number>; end: Record<Who, number> }[] = [];
const t0 = Date.now();
try {
  for (let k = 0; k < runs; k++) {
    const p = { floor: 0, mon: 0, heap: 0 };
    // Started together; the order alternates between runs.
    for (const n of k % 2 === 0 ? whos : [...whos].reverse()) p[n] = await startInTmux(dir, session(k, n), cmds[n], 160, 50);
    pids.push(p);
  }
  const cpuNow = (p: Record<Who, number>): Record<Who, number> => ({ floor: cpuSeconds(p.floor), mon: cpuSeconds(p.mon), heap: withDefaultHeap ? cpuSeconds(p.heap) : 0 });
  for (let t = every; t <= seconds; t += every) {
    await sleep(t0 + t * 1000 - Date.now());
    if (t === 60) for (const p of pids) cpu.push({ start: cpuNow(p), end: cpuNow(p) });
    for (let k = 0; k < runs; k++) {
      const p = pids[k]!;
      rows[k]!.push({ t, floor: rssMB(p.floor), mon: rssMB(p.mon), heap: withDefaultHeap ? rssMB(p.heap) : NaN });
    }
    if (t % 60 === 0) console.log(`t=${t}s ` + rows.map((r, k) => `run ${k + 1}: floor ${r.at(-1)!.floor.toFixed(1)} MB, monitor ${r.at(-1)!.mon.toFixed(1)} MB`).join('; '));
  }
  for (let k = 0; k < runs; k++) if (cpu[k]) cpu[k]!.end = cpuNow(pids[k]!);
} finally {
  for (let k = 0; k < runs; k++) for (const n of whos) spawnSync('tmux', ['kill-session', '-t', session(k, n)]);
  srv!.close();
  rmSync(dir, { recursive: true, force: true });
}

const med = (xs: number[]): number => quantiles(xs).median;
const half = (k: number): Row[] => rows[k]!.filter((r) => r.t > seconds / 2);
const perMin = (k: number, n: Who): number => slope(half(k).map((r) => r.t / 60), half(k).map((r) => r[n]));
const last = (k: number): Row => rows[k]!.at(-1)!;
const stats = (k: number, n: Who): string => {
  const v = rows[k]!.map((r) => r[n]);
  return `first ${v[0]!.toFixed(1)}, min ${Math.min(...v).toFixed(1)}, max ${Math.max(...v).toFixed(1)}, last ${v.at(-1)!.toFixed(1)} MB; second half ${perMin(k, n) >= 0 ? '+' : ''}${perMin(k, n).toFixed(3)} MB/min`;
};
/** Each run's monitor − floor: at the end, and the mean of the samples of the second half (the sawtooth of V8's heap averaged). */
const endDelta = (k: number, n: Who): number => last(k)[n] - last(k).floor;
const halfDelta = (k: number, n: Who): number => half(k).reduce((a, r) => a + r[n] - r.floor, 0) / half(k).length;
const bounded = (k: number): boolean => perMin(k, 'mon') <= Math.max(0.1, perMin(k, 'floor') + 0.1);
const cpuRatio = (k: number, n: Who): number => (cpu[k] ? (cpu[k]!.end[n] - cpu[k]!.start[n]) / (cpu[k]!.end.mon - cpu[k]!.start.mon) : NaN);
const endMed = med(rows.map((_, k) => endDelta(k, 'mon')));
const halfMed = med(rows.map((_, k) => halfDelta(k, 'mon')));
const maxDelta = (k: number, n: Who): number => Math.max(...half(k).map((r) => r[n] - r.floor));

const lines = [
  '# Monitor RSS over 10 minutes (issue 13, point 2)',
  '',
  `Command: \`npm run build && node dist/bench/rss.js --seconds ${seconds} --every ${every} --workers ${workers} --threads ${threads} --runs ${runs}${withDefaultHeap ? ' --with-default-heap' : ''}\` (also \`npm run bench -- rss\`)`,
  '',
  `Machine: nproc ${cpus().length}, ${(cpus()[0]?.model ?? '?').replace(/\s+/g, ' ')}, node ${process.version}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end, ${new Date().toISOString()}.`,
  '',
  `${runs} runs side by side (started together, each its own processes): in each, the floor (bench/floor.ts) and the monitor (\`bin/tsgitop -f 1\`)${withDefaultHeap ? ' and the monitor with V8\'s default heap growth (`TSGITOP_V8_SIZE=0`)' : ''}, each in tmux 160x50, reading the same synthetic ${workers}×${threads} document (every counter advancing every second) at 1 Hz; VmRSS every ${every} s.`,
  '',
  ...rows.flatMap((_, k) => [
    `Run ${k + 1}:`,
    `- floor: ${stats(k, 'floor')}`,
    `- monitor: ${stats(k, 'mon')}`,
    ...(withDefaultHeap ? [`- monitor, V8's default heap growth: ${stats(k, 'heap')}`] : []),
    `- monitor − floor: at the end ${endDelta(k, 'mon').toFixed(1)} MB, mean of the second half ${halfDelta(k, 'mon').toFixed(1)} MB, largest sample of the second half ${maxDelta(k, 'mon').toFixed(1)} MB` +
      (withDefaultHeap ? ` (default heap growth: ${endDelta(k, 'heap').toFixed(1)} / ${halfDelta(k, 'heap').toFixed(1)} / ${maxDelta(k, 'heap').toFixed(1)} MB; its CPU from 60 s to the end ${cpuRatio(k, 'heap').toFixed(2)}× the monitor's)` : ''),
    `- bounded: over the second half the monitor's RSS grew ${perMin(k, 'mon').toFixed(3)} MB/min against the floor's ${perMin(k, 'floor').toFixed(3)} MB/min: ${bounded(k) ? 'bounded (no faster than the floor)' : 'NOT bounded: growing faster than the floor'}.`,
    '',
  ]),
  `**Medians over the ${runs} runs: monitor − floor at the end ${endMed.toFixed(1)} MB, mean of the second half ${halfMed.toFixed(1)} MB** (target ≤ 10 MB: ${endMed <= 10 && halfMed <= 10 ? 'met' : 'NOT met'}); ` +
    `bounded in ${rows.filter((_, k) => bounded(k)).length} of ${runs} runs.` +
    (withDefaultHeap
      ? ` With V8's default heap growth, same runs: ${med(rows.map((_, k) => endDelta(k, 'heap'))).toFixed(1)} MB at the end, ${med(rows.map((_, k) => halfDelta(k, 'heap'))).toFixed(1)} MB mean of the second half; CPU from 60 s to the end, monitor / default heap growth: ${med(rows.map((_, k) => 1 / cpuRatio(k, 'heap'))).toFixed(2)}×.`
      : ''),
  '',
  `| t (s) | ${rows.map((_, k) => `run ${k + 1} floor | monitor${withDefaultHeap ? ' | default heap' : ''}`).join(' | ')} |`,
  `|---:|${rows.map(() => (withDefaultHeap ? '---:|---:|---:' : '---:|---:')).join('|')}|`,
  ...rows[0]!
    .map((r, i) => ({ t: r.t, i }))
    .filter((r) => r.t % 60 === 0 || r.t === every)
    .map(({ t, i }) => `| ${t} | ${rows.map((rs) => [rs[i]!.floor, rs[i]!.mon, ...(withDefaultHeap ? [rs[i]!.heap] : [])].map((x) => x.toFixed(1)).join(' | ')).join(' | ')} |`),
  '',
];
writeFileSync(fileURLToPath(new URL('../../bench/results/rss.md', import.meta.url)), lines.join('\n'));
console.log(lines.join('\n'));
