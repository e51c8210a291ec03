/**
 * Issue 13, points 1 and 2: the real monitor beside the floor (bench/floor.ts,
 * the leanest Node reader), in the same run, against the same stats server.
 *
 * Each run starts both at once, each in its own tmux session of 160x50, reading
 * one unix socket that serves a synthetic uWSGI document of W workers × T
 * threads (bench/synth.ts; the same text to every reader within one second,
 * counters advancing each second) at 1 Hz. CPU = utime+stime from
 * /proc/PID/stat; the "first" window opens at the start of the process (start-up
 * included), the "steady" one after a warm-up. RSS = VmRSS at the end of the
 * run (and VmHWM, the peak). Three runs; the ratios' medians decide.
 *
 * With `--targets N` (N > 1) it is the fleet: N sockets serving the same
 * document, `tsgitop S1 … SN` (the fleet view) beside the floor reading all
 * N each second (one line per target); results in bench/results/side-fleet.md.
 *
 * With `--uwsgi` (single target) the server is a real uWSGI 2.0 of W
 * processes × T threads (Debian uwsgi-core + uwsgi-plugin-python3) on a unix
 * stats socket, under light load (a keep-alive client here sends
 * `--rps` requests per second to its app), as the issue measured it.
 *
 * CPU is the sum of the per-thread `schedstat` run times (ns; V8's GC and
 * compiler threads included), read at the window's edges; /proc/PID/stat
 * ticks (10 ms) were too coarse for the floor's few ms per second.
 *
 * With `--with-turbofan` a third process runs beside them: the monitor with
 * V8's optimizing compiler kept on (TSGITOP_V8_OPT=1, see src/cli/jit.ts).
 * With `--with-default-heap` another runs beside them: the monitor with V8's
 * default heap growth (TSGITOP_V8_SIZE=0, src/cli/jit.ts), measured alike.
 * With `--with-datapath` another: the monitor without its screen
 * (bench/datapath.ts: the same source, session and V8 policy, frames kept and
 * not drawn), to split the monitor's cost into reading into a model and drawing.
 * With `--with-blessed-floor` two more: the floor drawn through blessed
 * (bench/floor-blessed.ts: the floor's lines in one box, with tsgitop's screen
 * and box paths, and with stock blessed), the leanest monitor on blessed — what
 * the screen library alone costs over the floor, before any of the monitor's
 * features.
 * With `--with-build DIR` another: the monitor of another build (DIR: a checkout
 * with `npm run build` done, e.g. `git worktree add /tmp/base COMMIT`), for an
 * A/B of two versions beside the same floor in the same runs.
 * `--out FILE` writes the results there instead of bench/results/ (an A/B whose
 * figures go into a section of their own).
 *
 *   node dist/bench/side.js [--runs 3] [--first 60] [--warm 30] [--steady 60] [--workers 64] [--threads 2] [--targets 1] [--uwsgi [--rps 20]] [--with-turbofan] [--with-default-heap] [--with-datapath] [--with-blessed-floor] [--with-build DIR] [--out FILE]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, get } from 'node:http';
import { rng, synthDocument } from './synth.js';
import { startUwsgi, uwsgiAvailable, type UwsgiInstance } from '../test/helpers/uwsgi.js';
import { quantiles } from './stats.js';
import { cpuSeconds } from './proc.js';
import { needTmux, startInTmux, synthServers } from './tmux.js';
import { numArg, strArg } from './args.js';
import { requireCurrentBundles } from './built.js';

await requireCurrentBundles('side');

const runs = numArg('--runs', 3);
const firstS = numArg('--first', 60);
const warmS = numArg('--warm', 30);
const steadyS = numArg('--steady', 60);
const realUwsgi = process.argv.includes('--uwsgi');
const loadRps = numArg('--rps', 20);
const workers = numArg('--workers', 64);
const threads = numArg('--threads', 2);
const nTargets = numArg('--targets', 1);
/** Also run the monitor with TurboFan kept on (TSGITOP_V8_OPT=1, src/cli/jit.ts) beside the two, measured alike. */
const withTurbofan = process.argv.includes('--with-turbofan');
/** Also run the monitor with V8's default heap growth (TSGITOP_V8_SIZE=0, src/cli/jit.ts) beside them, measured alike. */
const withDefaultHeap = process.argv.includes('--with-default-heap');
/** Also run the monitor without its screen (bench/datapath.ts) beside them, measured alike (single target only). */
const withDatapath = process.argv.includes('--with-datapath');
/** Also run the floor drawn through blessed (bench/floor-blessed.ts), with tsgitop's screen paths and stock, beside them. */
const withBlessedFloor = process.argv.includes('--with-blessed-floor');
/** Also run the monitor of another build (a built checkout) beside them, measured alike. */
const baseDir = strArg('--with-build');
/** Where to write the results (default bench/results/side*.md). */
const outArg = strArg('--out');
const isFleet = nTargets > 1;
const baseBin = baseDir === undefined ? undefined : join(resolve(baseDir), 'bin', 'tsgitop');
if (baseDir !== undefined && !(existsSync(baseBin!) && existsSync(join(resolve(baseDir), 'dist', 'src', 'cli', 'main.js')))) {
  console.error(`bench side: --with-build ${baseDir}: no built checkout there (bin/tsgitop and dist/; run npm ci && npm run build in it)`);
  process.exit(1);
}
if (isFleet && (withDatapath || withBlessedFloor)) {
  console.error('bench side: --with-datapath and --with-blessed-floor are for one target');
  process.exit(1);
}
const COLS = 160;
const ROWS = 50;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

needTmux('side');

const dir = mkdtempSync(join(tmpdir(), 'tsgitop-side-'));
const socks = Array.from({ length: nTargets }, (_, i) => join(dir, `stats${i}.sock`));
const servers = realUwsgi ? [] : await synthServers(socks, workers, threads);
let uwsgi: UwsgiInstance | undefined;
let loadTimer: NodeJS.Timeout | undefined;
let served = 0;
let uwsgiVersion = '';
if (realUwsgi) {
  if (isFleet) throw new Error('bench side: --uwsgi is for one target');
  const avail = uwsgiAvailable();
  if (!avail.ok) {
    console.error(`bench side: ${avail.reason}`);
    process.exit(1);
  }
  uwsgiVersion = `uWSGI ${avail.version}`;
  uwsgi = await startUwsgi({ processes: workers, threads, stats: 'unix', readyTimeoutMs: 120_000, memoryReport: true });
  socks[0] = uwsgi.statsAddress;
  // Light load: a steady trickle of requests on a few keep-alive connections.
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const port = uwsgi.httpPort;
  loadTimer = setInterval(() => {
    get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => served++);
    }).on('error', () => {});
  }, Math.max(1, Math.round(1000 / loadRps)));
}

const bin = fileURLToPath(new URL('../../bin/tsgitop', import.meta.url));
const floor = fileURLToPath(new URL('./floor.js', import.meta.url));
const datapath = fileURLToPath(new URL('./datapath.js', import.meta.url));
const floorBlessed = fileURLToPath(new URL('./floor-blessed.js', import.meta.url));

function stat(pid: number): { ticks: number; rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { ticks: cpuSeconds(pid), rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** ` (commit abc1234)` of the checkout at `dir`, or '' when git cannot tell. */
function gitHead(dir: string): string {
  const r = spawnSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? ` (commit ${r.stdout.trim()})` : '';
}

function startIn(session: string, cmd: string): Promise<number> {
  return startInTmux(dir, session, cmd, COLS, ROWS);
}

interface Proc {
  first: number;
  steady: number;
  rss: number;
  hwm: number;
  screen: string;
}

type Who = 'floor' | 'mon' | 'opt' | 'heap' | 'data' | 'base' | 'bfast' | 'bstock';

interface RunResult {
  floor: Proc;
  mon: Proc;
  opt?: Proc;
  heap?: Proc;
  data?: Proc;
  base?: Proc;
  bfast?: Proc;
  bstock?: Proc;
}

async function oneRun(k: number): Promise<RunResult> {
  const names = { floor: `tsgitop-floor-${process.pid}-${k}`, mon: `tsgitop-mon-${process.pid}-${k}`, opt: `tsgitop-opt-${process.pid}-${k}`, heap: `tsgitop-heap-${process.pid}-${k}`, data: `tsgitop-data-${process.pid}-${k}`, base: `tsgitop-base-${process.pid}-${k}`, bfast: `tsgitop-bfast-${process.pid}-${k}`, bstock: `tsgitop-bstock-${process.pid}-${k}` };
  // Started together; the order alternates between runs (the other build's monitor next to this one, on the other side).
  const pair: Who[] = k % 2 === 0 ? ['floor', 'mon', ...(baseBin ? (['base'] as const) : [])] : [...(baseBin ? (['base'] as const) : []), 'mon', 'floor'];
  const order: Who[] = [...pair, ...(withTurbofan ? (['opt'] as const) : []), ...(withDefaultHeap ? (['heap'] as const) : []), ...(withDatapath ? (['data'] as const) : []), ...(withBlessedFloor ? (['bfast', 'bstock'] as const) : [])];
  const on = (n: Who): boolean => order.includes(n);
  const cmds = {
    floor: `node ${floor} --interval 1000 ${socks.join(' ')}`,
    mon: `node ${bin} -f 1 ${socks.join(' ')}`,
    opt: `env TSGITOP_V8_OPT=1 node ${bin} -f 1 ${socks.join(' ')}`,
    heap: `env TSGITOP_V8_SIZE=0 node ${bin} -f 1 ${socks.join(' ')}`,
    data: `node ${datapath} --interval 1000 ${socks[0]}`,
    base: `node ${baseBin} -f 1 ${socks.join(' ')}`,
    bfast: `node ${floorBlessed} --interval 1000 ${socks[0]}`,
    bstock: `node ${floorBlessed} --interval 1000 --stock ${socks[0]}`,
  };
  const pids = { floor: 0, mon: 0, opt: 0, heap: 0, data: 0, base: 0, bfast: 0, bstock: 0 };
  for (const n of order) pids[n] = await startIn(names[n], cmds[n]);
  try {
    // Ticks at the start: the shell's exec of node happens right after the pid is written.
    const ticks = (): Record<Who, number> => {
      const t = { floor: 0, mon: 0, opt: 0, heap: 0, data: 0, base: 0, bfast: 0, bstock: 0 };
      for (const n of order) t[n] = stat(pids[n]).ticks;
      return t;
    };
    const t0 = ticks();
    await sleep(firstS * 1000);
    const t1 = ticks();
    await sleep(Math.max(0, warmS - firstS) * 1000);
    const t2 = ticks();
    await sleep(steadyS * 1000);
    const end = {} as Record<Who, ReturnType<typeof stat>>;
    for (const n of order) end[n] = stat(pids[n]);
    const out = (n: Who): Proc => ({
      first: t1[n] - t0[n],
      steady: end[n].ticks - t2[n],
      rss: end[n].rss,
      hwm: end[n].hwm,
      screen: execFileSync('tmux', ['capture-pane', '-p', '-t', names[n]], { encoding: 'utf8' }),
    });
    return { floor: out('floor'), mon: out('mon'), ...(on('opt') ? { opt: out('opt') } : {}), ...(on('heap') ? { heap: out('heap') } : {}), ...(on('data') ? { data: out('data') } : {}), ...(on('base') ? { base: out('base') } : {}), ...(on('bfast') ? { bfast: out('bfast'), bstock: out('bstock') } : {}) };
  } finally {
    for (const n of order) spawnSync('tmux', ['kill-session', '-t', names[n]]);
  }
}

const loadStart = loadavg();
const results: RunResult[] = [];
try {
  for (let k = 0; k < runs; k++) {
    const r = await oneRun(k);
    results.push(r);
    console.log(
      `run ${k + 1}: first ${firstS} s CPU floor ${r.floor.first.toFixed(2)} s, monitor ${r.mon.first.toFixed(2)} s (${(r.mon.first / r.floor.first).toFixed(2)}×); ` +
        `steady ${steadyS} s floor ${r.floor.steady.toFixed(2)} s, monitor ${r.mon.steady.toFixed(2)} s (${(r.mon.steady / r.floor.steady).toFixed(2)}×); ` +
        `RSS floor ${(r.floor.rss / 1048576).toFixed(1)} MB, monitor ${(r.mon.rss / 1048576).toFixed(1)} MB` +
        (r.opt ? `; with TurboFan: first ${(r.opt.first / r.floor.first).toFixed(2)}×, steady ${(r.opt.steady / r.floor.steady).toFixed(2)}×, RSS ${(r.opt.rss / 1048576).toFixed(1)} MB` : '') +
        (r.heap ? `; default heap growth: first ${(r.heap.first / r.floor.first).toFixed(2)}×, steady ${(r.heap.steady / r.floor.steady).toFixed(2)}×, RSS ${(r.heap.rss / 1048576).toFixed(1)} MB` : '') +
        (r.data ? `; without the screen: first ${(r.data.first / r.floor.first).toFixed(2)}×, steady ${(r.data.steady / r.floor.steady).toFixed(2)}×, RSS ${(r.data.rss / 1048576).toFixed(1)} MB` : '') +
        (r.bfast ? `; the floor through blessed: steady ${(r.bfast.steady / r.floor.steady).toFixed(2)}× (stock ${(r.bstock!.steady / r.floor.steady).toFixed(2)}×)` : '') +
        (r.base ? `; the other build: first ${(r.base.first / r.floor.first).toFixed(2)}×, steady ${(r.base.steady / r.floor.steady).toFixed(2)}×, RSS ${(r.base.rss / 1048576).toFixed(1)} MB; this build / that one: steady ${(r.mon.steady / r.base.steady).toFixed(2)}` : ''),
    );
  }
} finally {
  for (const srv of servers) srv.close();
  if (loadTimer) clearInterval(loadTimer);
  await uwsgi?.stop();
  rmSync(dir, { recursive: true, force: true });
}

const med = (xs: number[]): number => quantiles(xs).median;
const mb = (b: number): string => (b / 1048576).toFixed(1);
const firstRatio = med(results.map((r) => r.mon.first / r.floor.first));
const steadyRatio = med(results.map((r) => r.mon.steady / r.floor.steady));
const rssDelta = med(results.map((r) => r.mon.rss - r.floor.rss));
const screensOk = results.every(
  (r) => [r.mon, r.opt, r.heap, r.base].every((p) => !p || (isFleet ? /TARGET/.test(p.screen) : /WID/.test(p.screen))) && /busy|idle/.test(r.floor.screen) && (!r.data || /datapath: [1-9]\d* frames, [1-9]/.test(r.data.screen)) && [r.bfast, r.bstock].every((p) => !p || /busy|idle/.test(p.screen)),
);
const others = spawnSync('sh', ['-c', "ps -eo pcpu,comm --sort=-pcpu | awk 'NR>1 && $1>5 {print $2\" \"$1\"%\"}' | head -8 | tr '\\n' ','"], { encoding: 'utf8' }).stdout.trim();
const lines = [
  isFleet ? `# Fleet view of ${nTargets} targets beside the floor (issue 13, point 1)` : '# Monitor beside the floor (issue 13, points 1 and 2)',
  '',
  `Command: \`npm run build && node dist/bench/side.js --runs ${runs} --first ${firstS} --warm ${warmS} --steady ${steadyS} --workers ${workers} --threads ${threads}${isFleet ? ` --targets ${nTargets}` : ''}${realUwsgi ? ` --uwsgi --rps ${loadRps}` : ''}${withTurbofan ? ' --with-turbofan' : ''}${withDefaultHeap ? ' --with-default-heap' : ''}${withDatapath ? ' --with-datapath' : ''}${withBlessedFloor ? ' --with-blessed-floor' : ''}${baseDir !== undefined ? ` --with-build ${baseDir}` : ''}${outArg !== undefined ? ` --out ${outArg}` : ''}\` (also \`npm run bench -- ${isFleet ? 'side-fleet' : realUwsgi ? 'side-uwsgi' : 'side'}\`)`,
  '',
  `Machine: nproc ${cpus().length}, ${(cpus()[0]?.model ?? '?').replace(/\s+/g, ' ')}, node ${process.version}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end, ${new Date().toISOString()}.`,
  `Shared with other engineers building and testing on the same 2 cores (busiest processes at the end: ${others || 'none over 5 %'}): absolute CPU is noisy, the ratios are what count.`,
  '',
  isFleet
    ? `Both in tmux ${COLS}x${ROWS}, started together, reading the same ${nTargets} unix sockets at 1 Hz (the fleet view: \`tsgitop S1 … S${nTargets}\`; the floor writes one line per target), each serving a **synthetic** uWSGI-shaped document`
    : realUwsgi
      ? `Both in tmux ${COLS}x${ROWS}, started together, reading the stats unix socket of a **real uWSGI** (${uwsgiVersion}) of ${workers} processes × ${threads} threads at 1 Hz,`
      : `Both in tmux ${COLS}x${ROWS}, started together, reading the same unix socket at 1 Hz: a **synthetic** uWSGI-shaped document`,
  realUwsgi
    ? `under light load: ${loadRps} requests per second to its app on 4 keep-alive connections (${served} served in the whole bench), --memory-report on.`
    : `(bench/synth.ts) of ${workers} workers × ${threads} threads, ${(synthDocument(workers, threads, 1, rng(1)).length / 1024).toFixed(0)} KiB, one text per second served to both, counters of every worker advancing every second (a busier server than the issue's lightly loaded one: every row changes on every read).`,
  'The floor (bench/floor.ts): connect, read to EOF,',
  isFleet ? '`JSON.parse` of each, one line per target after cursor-home. The monitor: `bin/tsgitop -f 1 S1 … SN` (the fleet view).' : '`JSON.parse`, one line per worker after cursor-home. The monitor: `bin/tsgitop -f 1 SOCKET`.',
  `CPU = the run time of every thread of the process (the sum of /proc/PID/task/*/schedstat, ns: V8's GC and compiler threads included). "first" = the first ${firstS} s from the process start (start-up included);`,
  `"steady" = ${steadyS} s from ${Math.max(firstS, warmS)} s after the start. ${runs} runs, the order of the two starts alternating; medians of the per-run ratios.`,
  '',
  '| run | floor first | monitor first | ratio | floor steady | monitor steady | ratio | floor RSS (peak) | monitor RSS (peak) | Δ RSS |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map(
    (r, i) =>
      `| ${i + 1} | ${r.floor.first.toFixed(2)} s | ${r.mon.first.toFixed(2)} s | ${(r.mon.first / r.floor.first).toFixed(2)}× | ${r.floor.steady.toFixed(2)} s | ${r.mon.steady.toFixed(2)} s | ${(r.mon.steady / r.floor.steady).toFixed(2)}× | ${mb(r.floor.rss)} MB (${mb(r.floor.hwm)}) | ${mb(r.mon.rss)} MB (${mb(r.mon.hwm)}) | ${mb(r.mon.rss - r.floor.rss)} MB |`,
  ),
  '',
  `**Medians: first ${firstS} s ${firstRatio.toFixed(2)}× the floor, steady ${steadyRatio.toFixed(2)}× the floor** (target ≤ 2×: first ${firstRatio <= 2 ? 'met' : 'NOT met'}, steady ${steadyRatio <= 2 ? 'met' : 'NOT met'});`,
  `**RSS: monitor − floor = ${mb(rssDelta)} MB** (target ≤ 10 MB: ${rssDelta <= 10 * 1048576 ? 'met' : 'NOT met'}).`,
  '',
  ...(withTurbofan
    ? [
        `**With TurboFan kept on** (a third process beside the two, \`TSGITOP_V8_OPT=1\`: the monitor before src/cli/jit.ts turned V8's optimizing compiler off for small documents), same runs:`,
        '',
        '| run | first | ratio to the floor | steady | ratio to the floor | RSS | Δ RSS to the floor |',
        '|---:|---:|---:|---:|---:|---:|---:|',
        ...results.map(
          (r, i) =>
            `| ${i + 1} | ${r.opt!.first.toFixed(2)} s | ${(r.opt!.first / r.floor.first).toFixed(2)}× | ${r.opt!.steady.toFixed(2)} s | ${(r.opt!.steady / r.floor.steady).toFixed(2)}× | ${mb(r.opt!.rss)} MB | ${mb(r.opt!.rss - r.floor.rss)} MB |`,
        ),
        '',
        `Medians with TurboFan: first ${med(results.map((r) => r.opt!.first / r.floor.first)).toFixed(2)}×, steady ${med(results.map((r) => r.opt!.steady / r.floor.steady)).toFixed(2)}×, RSS monitor − floor ${mb(med(results.map((r) => r.opt!.rss - r.floor.rss)))} MB.`,
        '',
      ]
    : []),
  ...(withDefaultHeap
    ? [
        `**With V8's default heap growth** (another process beside them, \`TSGITOP_V8_SIZE=0\`: the monitor before src/cli/jit.ts let V8 grow the heap in small steps for small documents), same runs:`,
        '',
        '| run | first | ratio to the floor | steady | ratio to the floor | RSS (peak) | Δ RSS to the floor | monitor/default: first CPU | steady CPU | RSS |',
        '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...results.map(
          (r, i) =>
            `| ${i + 1} | ${r.heap!.first.toFixed(2)} s | ${(r.heap!.first / r.floor.first).toFixed(2)}× | ${r.heap!.steady.toFixed(2)} s | ${(r.heap!.steady / r.floor.steady).toFixed(2)}× | ${mb(r.heap!.rss)} MB (${mb(r.heap!.hwm)}) | ${mb(r.heap!.rss - r.floor.rss)} MB | ${(r.mon.first / r.heap!.first).toFixed(2)}× | ${(r.mon.steady / r.heap!.steady).toFixed(2)}× | ${mb(r.mon.rss - r.heap!.rss)} MB |`,
        ),
        '',
        `Medians with V8's default heap growth: first ${med(results.map((r) => r.heap!.first / r.floor.first)).toFixed(2)}×, steady ${med(results.map((r) => r.heap!.steady / r.floor.steady)).toFixed(2)}×, RSS monitor − floor ${mb(med(results.map((r) => r.heap!.rss - r.floor.rss)))} MB; ` +
          `the monitor against it: first CPU ${med(results.map((r) => r.mon.first / r.heap!.first)).toFixed(2)}×, steady CPU ${med(results.map((r) => r.mon.steady / r.heap!.steady)).toFixed(2)}×, RSS ${mb(med(results.map((r) => r.mon.rss - r.heap!.rss)))} MB.`,
        '',
      ]
    : []),
  ...(withDatapath
    ? [
        `**The monitor without its screen** (another process beside them, bench/datapath.ts: the same V8 policy, source — reading, parsing, validation — and session — model, events, history, diagnosis — with each frame kept and not drawn; modules, not the bundle, so its first window is not comparable), same runs:`,
        '',
        '| run | steady | ratio to the floor | share of the monitor\'s steady CPU | RSS | Δ RSS to the floor |',
        '|---:|---:|---:|---:|---:|---:|',
        ...results.map(
          (r, i) =>
            `| ${i + 1} | ${r.data!.steady.toFixed(2)} s | ${(r.data!.steady / r.floor.steady).toFixed(2)}× | ${((100 * r.data!.steady) / r.mon.steady).toFixed(0)} % | ${mb(r.data!.rss)} MB | ${mb(r.data!.rss - r.floor.rss)} MB |`,
        ),
        '',
        `Medians without the screen: steady ${med(results.map((r) => r.data!.steady / r.floor.steady)).toFixed(2)}× the floor, ${med(results.map((r) => (100 * r.data!.steady) / r.mon.steady)).toFixed(0)} % of the monitor's steady CPU (the rest is drawing: rows, blessed's screen, the terminal).`,
        '',
      ]
    : []),
  ...(withBlessedFloor
    ? [
        `**The floor drawn through blessed** (two more processes beside them, bench/floor-blessed.ts: the floor's read and lines, shown in one full-screen blessed box with \`screen.render()\` after each read — with tsgitop's screen and box paths (src/tui/terminal.ts, fastdraw.ts, fastbox.ts) and its V8 policy, and with a stock blessed screen and box): the leanest monitor on blessed, no model, no columns, no colours. Same runs:`,
        '',
        '| run | tsgitop paths: first | ratio | steady | ratio | stock blessed: first | ratio | steady | ratio | the monitor − the floor through blessed (tsgitop paths), steady, in floors |',
        '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...results.map(
          (r, i) =>
            `| ${i + 1} | ${r.bfast!.first.toFixed(2)} s | ${(r.bfast!.first / r.floor.first).toFixed(2)}× | ${r.bfast!.steady.toFixed(2)} s | ${(r.bfast!.steady / r.floor.steady).toFixed(2)}× | ${r.bstock!.first.toFixed(2)} s | ${(r.bstock!.first / r.floor.first).toFixed(2)}× | ${r.bstock!.steady.toFixed(2)} s | ${(r.bstock!.steady / r.floor.steady).toFixed(2)}× | ${((r.mon.steady - r.bfast!.steady) / r.floor.steady).toFixed(2)} |`,
        ),
        '',
        `Medians of the floor through blessed: tsgitop's paths first ${med(results.map((r) => r.bfast!.first / r.floor.first)).toFixed(2)}×, steady ${med(results.map((r) => r.bfast!.steady / r.floor.steady)).toFixed(2)}× the floor; stock blessed first ${med(results.map((r) => r.bstock!.first / r.floor.first)).toFixed(2)}×, steady ${med(results.map((r) => r.bstock!.steady / r.floor.steady)).toFixed(2)}×. ` +
          `What the monitor's features cost over the leanest blessed reader (steady, in floors): ${med(results.map((r) => (r.mon.steady - r.bfast!.steady) / r.floor.steady)).toFixed(2)}.`,
        '',
      ]
    : []),
  ...(baseBin
    ? [
        `**Another build beside them** (\`node ${baseBin} -f 1 …\`: the monitor of the checkout at ${baseDir}${gitHead(baseDir!)}, against this one${gitHead(fileURLToPath(new URL('../..', import.meta.url)))}), same runs:`,
        '',
        '| run | that build: first | ratio to the floor | steady | ratio to the floor | RSS | this build / that one: first CPU | steady CPU | Δ RSS |',
        '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...results.map(
          (r, i) =>
            `| ${i + 1} | ${r.base!.first.toFixed(2)} s | ${(r.base!.first / r.floor.first).toFixed(2)}× | ${r.base!.steady.toFixed(2)} s | ${(r.base!.steady / r.floor.steady).toFixed(2)}× | ${mb(r.base!.rss)} MB | ${(r.mon.first / r.base!.first).toFixed(2)} | ${(r.mon.steady / r.base!.steady).toFixed(2)} | ${mb(r.mon.rss - r.base!.rss)} MB |`,
        ),
        '',
        `Medians, this build against that one: first CPU ${med(results.map((r) => r.mon.first / r.base!.first)).toFixed(2)}, steady CPU ${med(results.map((r) => r.mon.steady / r.base!.steady)).toFixed(2)}, RSS ${mb(med(results.map((r) => r.mon.rss - r.base!.rss)))} MB; that build's steady ratio to the floor ${med(results.map((r) => r.base!.steady / r.floor.steady)).toFixed(2)}×.`,
        '',
      ]
    : []),
  screensOk ? 'Both screens showed their tables at the end of every run.' : 'WARNING: a screen did not show its table at the end of a run.',
  '',
];
const outFile = outArg ?? fileURLToPath(new URL(`../../bench/results/${isFleet ? 'side-fleet' : realUwsgi ? 'side-uwsgi' : 'side'}.md`, import.meta.url));
writeFileSync(outFile, lines.join('\n'));
console.log(lines.join('\n'));
process.exit(screensOk ? 0 : 1);
