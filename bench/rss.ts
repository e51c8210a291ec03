/**
 * Issue 13, point 2 ("bounded over a 10-minute run"): the monitor's and the
 * floor's RSS sampled every 10 s for 10 minutes, side by side in tmux 160x50,
 * reading the same synthetic 64×2 document at 1 Hz (bench/synth.ts, every
 * counter advancing every second). Reports the series, the growth over the
 * second half (least squares, MB per minute) and writes bench/results/rss.md.
 *
 *   node dist/bench/rss.js [--seconds 600] [--every 10] [--workers 64] [--threads 2]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needTmux, startInTmux, synthServers } from './tmux.js';
import { numArg } from './args.js';

const seconds = numArg('--seconds', 600);
const every = numArg('--every', 10);
const workers = numArg('--workers', 64);
const threads = numArg('--threads', 2);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

needTmux('rss');
const dir = mkdtempSync(join(tmpdir(), 'tsgitop-rss-'));
const sock = join(dir, 'stats.sock');
const [srv] = await synthServers([sock], workers, threads);

const bin = fileURLToPath(new URL('../../bin/tsgitop', import.meta.url));
const floor = fileURLToPath(new URL('./floor.js', import.meta.url));
const names = { floor: `tsgitop-rss-floor-${process.pid}`, mon: `tsgitop-rss-mon-${process.pid}` };
const cmds = { floor: `node ${floor} --interval 1000 ${sock}`, mon: `node ${bin} -f 1 ${sock}` };

function start(n: 'floor' | 'mon'): Promise<number> {
  return startInTmux(dir, names[n], cmds[n], 160, 50);
}

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

const loadStart = loadavg();
const pids = { floor: await start('floor'), mon: await start('mon') };
const t0 = Date.now();
const rows: { t: number; floor: number; mon: number }[] = [];
try {
  for (let t = every; t <= seconds; t += every) {
    await sleep(t0 + t * 1000 - Date.now());
    rows.push({ t, floor: rssMB(pids.floor), mon: rssMB(pids.mon) });
    if (t % 60 === 0) console.log(`t=${t}s floor ${rows.at(-1)!.floor.toFixed(1)} MB, monitor ${rows.at(-1)!.mon.toFixed(1)} MB`);
  }
} finally {
  for (const n of ['floor', 'mon'] as const) spawnSync('tmux', ['kill-session', '-t', names[n]]);
  srv!.close();
  rmSync(dir, { recursive: true, force: true });
}

const half = rows.filter((r) => r.t > seconds / 2);
const perMin = (k: 'floor' | 'mon'): number => slope(half.map((r) => r.t / 60), half.map((r) => r[k]));
const stats = (k: 'floor' | 'mon'): string => {
  const v = rows.map((r) => r[k]);
  return `first ${v[0]!.toFixed(1)}, min ${Math.min(...v).toFixed(1)}, max ${Math.max(...v).toFixed(1)}, last ${v.at(-1)!.toFixed(1)} MB; second half ${perMin(k) >= 0 ? '+' : ''}${perMin(k).toFixed(3)} MB/min`;
};
const lines = [
  '# Monitor RSS over 10 minutes (issue 13, point 2)',
  '',
  `Command: \`npm run build && node dist/bench/rss.js --seconds ${seconds} --every ${every} --workers ${workers} --threads ${threads}\` (also \`npm run bench -- rss\`)`,
  '',
  `Machine: nproc ${cpus().length}, ${(cpus()[0]?.model ?? '?').replace(/\s+/g, ' ')}, node ${process.version}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end, ${new Date().toISOString()}.`,
  '',
  `The floor (bench/floor.ts) and the monitor (\`bin/tsgitop -f 1\`), each in tmux 160x50, started together, reading the same synthetic ${workers}×${threads} document (every counter advancing every second) at 1 Hz; VmRSS every ${every} s.`,
  '',
  `- floor: ${stats('floor')}`,
  `- monitor: ${stats('mon')}`,
  `- monitor − floor at the end: ${(rows.at(-1)!.mon - rows.at(-1)!.floor).toFixed(1)} MB (target ≤ 10 MB: ${rows.at(-1)!.mon - rows.at(-1)!.floor <= 10 ? 'met' : 'NOT met'}).`,
  `- bounded: over the second half the monitor's RSS grew ${perMin('mon').toFixed(3)} MB/min against the floor's ${perMin('floor').toFixed(3)} MB/min (the allocator's own drift, which a program that keeps nothing shows too): ${perMin('mon') <= Math.max(0.1, perMin('floor') + 0.1) ? 'bounded (no faster than the floor)' : 'NOT bounded: growing faster than the floor'}.`,
  '',
  '| t (s) | floor RSS (MB) | monitor RSS (MB) |',
  '|---:|---:|---:|',
  ...rows.filter((r) => r.t % 60 === 0 || r.t === every).map((r) => `| ${r.t} | ${r.floor.toFixed(1)} | ${r.mon.toFixed(1)} |`),
  '',
];
writeFileSync(fileURLToPath(new URL('../../bench/results/rss.md', import.meta.url)), lines.join('\n'));
console.log(lines.join('\n'));
