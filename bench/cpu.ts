/**
 * CPU used by the real monitor over a wall-clock window: `bin/tsgitop ADDR`
 * runs in a real terminal (tmux, 200x50) and reads a unix socket that serves
 * a fresh 64-worker x 8-core document on every connection. CPU time is
 * utime+stime of the tsgitop process from /proc/PID/stat, so it includes
 * the socket read, parse, model and render — everything a tick costs.
 *
 *   node dist/bench/cpu.js [--seconds 60] [--workers 64] [--frequency 1]
 *
 * Target: under 1 % of one core at 64 workers and 1 Hz.
 */
import { createServer } from 'node:net';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng, synthDocument } from './synth.js';
import { numArg } from './args.js';
import { CLK_TCK } from './proc.js';
import { requireCurrentBundles } from './built.js';

await requireCurrentBundles('cpu');

const seconds = numArg('--seconds', 60);
const workers = numArg('--workers', 64);
const frequency = numArg('--frequency', 1);
/** Reads before the window opens (start-up and JIT warm-up are not steady state). */
const warmup = numArg('--warmup', 3);

if (spawnSync('tmux', ['-V']).status !== 0) {
  console.error('bench cpu: tmux is needed (apt-get install -y tmux)');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'tsgitop-cpu-'));
const sock = join(dir, 'stats.sock');
const rand = rng(42);
let tick = 0;
let served = 0;
const server = createServer((c) => {
  served++;
  c.end(synthDocument(workers, 8, ++tick, rand));
  c.on('error', () => {});
});
await new Promise<void>((r) => server.listen(sock, r));

const bin = fileURLToPath(new URL('../../bin/tsgitop', import.meta.url));
const session = `tsgitop-cpu-${process.pid}`;
const pidFile = join(dir, 'pid');
execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', `echo $$ > ${pidFile}; exec node ${bin} -f ${frequency} ${sock}`]);

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
}
let pid = 0;
for (let i = 0; i < 100 && !pid; i++) {
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}
/** Give up (exit 1, cleaned up) when the monitor is not reading: it died or never started. */
function abort(why: string): never {
  const screen = spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).stdout ?? '';
  spawnSync('tmux', ['kill-session', '-t', session]);
  server.close();
  rmSync(dir, { recursive: true, force: true });
  console.error(`bench cpu: ${why}; last screen:\n${screen}`);
  process.exit(1);
}
if (!pid) abort('the monitor did not start');
// Let start-up (module loading, first frames) pass before the window opens.
const warmDeadline = Date.now() + 30_000 + warmup * frequency * 1000;
while (served < warmup) {
  if (Date.now() > warmDeadline) abort(`the monitor made ${served} of ${warmup} warm-up reads in time`);
  await new Promise((r) => setTimeout(r, 100));
}
/** One measurement window: CPU seconds, wall seconds, reads served. */
async function window(): Promise<{ cpu: number; wall: number; reads: number }> {
  const s0 = served;
  const c0 = cpuTicks(pid);
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  if (served === s0) abort(`no read in a ${seconds} s window: the monitor stopped`);
  return { cpu: (cpuTicks(pid) - c0) / CLK_TCK, wall: Number(process.hrtime.bigint() - t0) / 1e9, reads: served - s0 };
}
// Two windows back to back in one run: the first minute (JIT still warming
// up at one tick a second) and the next one (steady state).
const first = await window();
const second = await window();
const screen = execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
spawnSync('tmux', ['kill-session', '-t', session]);
server.close();
rmSync(dir, { recursive: true, force: true });

const docBytes = synthDocument(workers, 8, 1, rng(1)).length;
const pct = (w: { cpu: number; wall: number }): number => (w.cpu / w.wall) * 100;
const row = (name: string, w: { cpu: number; wall: number; reads: number }): string =>
  `| ${name} | ${workers} | ${frequency} s | ${w.wall.toFixed(1)} s | ${w.reads} | ${w.cpu.toFixed(2)} s | **${pct(w).toFixed(2)} %** | ${pct(w) < 1 ? 'met' : 'NOT met'} |`;
const reads = first.reads + second.reads;
const ok = /WID/.test(screen) && reads > 0;
const lines = [
  '# Monitor CPU use',
  '',
  `Command: \`npm run build && node dist/bench/cpu.js --seconds ${seconds} --workers ${workers} --frequency ${frequency} --warmup ${warmup}\``,
  '',
  `Machine: nproc ${cpus().length}, ${(cpus()[0]?.model ?? '?').replace(/\s+/g, ' ')}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end, ${new Date().toISOString()}`,
  '',
  `The real \`bin/tsgitop\` in tmux (200x50) reading a unix socket that serves a fresh ${workers}-worker x 8-core`,
  `document (${(docBytes / 1024).toFixed(0)} KiB) on each connection, every ${frequency} s. CPU = utime+stime of the tsgitop process`,
  `(/proc/PID/stat, CLK_TCK ${CLK_TCK}) over two back-to-back windows of ${seconds} s, the first opening after ${warmup} reads (process start-up excluded).`,
  '',
  '| window | workers | frequency | length | reads | CPU time | CPU use (of one core) | target < 1 % |',
  '|---|---:|---:|---:|---:|---:|---:|---|',
  row('first minute (warming up)', first),
  row('second minute (steady)', second),
  '',
  ok ? 'The screen showed the worker table during the run.' : 'WARNING: the screen did not show the worker table.',
  '',
];
const out = fileURLToPath(new URL(`../../bench/results/cpu.md`, import.meta.url));
writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
process.exit(ok ? 0 : 1);
