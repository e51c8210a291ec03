/**
 * Start-up benchmark: `node dist/bench/start.js [--runs N]`
 *
 * Time from the command to the first screen with worker rows, in a real
 * terminal (tmux 120x40), for (issue 13 target 4, ≤ 2 s):
 * - `npm start` in the package directory with dist/ current (what a user
 *   sees after `npm ci`, which builds: no rebuild happens);
 * - `npx tsgitop SOCKET` against a stats server (the same document every
 *   read), run in the package directory;
 * - `node bin/tsgitop SOCKET` as the reference (no npm in between).
 * The clock starts just before tmux starts the command and stops when
 * capture-pane (polled every 20 ms) first shows a worker row; the session is
 * then killed (SIGHUP: the demo removes its processes and socket). N runs of
 * each (default 5), alternating; medians. Writes bench/results/start.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numArg } from './args.js';
import { requireCurrentBundles } from './built.js';

await requireCurrentBundles('start');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = readFileSync(join(ROOT, 'fixtures/uwsgi/idle-4p.json'));
const ROW = /^\s*\d+\s+\S+\s+\d{2,}\s+\d+/m; // WID  %  PID  REQ …


function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let seq = 0;
async function timeToFirstScreen(command: string): Promise<number> {
  const name = `tsgitop-bench-start-${process.pid}-${++seq}`;
  const t0 = performance.now();
  execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-c', ROOT, command]);
  try {
    for (;;) {
      const screen = spawnSync('tmux', ['capture-pane', '-p', '-t', name], { encoding: 'utf8' }).stdout ?? '';
      if (ROW.test(screen)) return performance.now() - t0;
      if (performance.now() - t0 > 60_000) throw new Error(`no first screen within 60 s for ${command}; last screen:\n${screen}`);
      await delay(20);
    }
  } finally {
    spawnSync('tmux', ['kill-session', '-t', name]);
  }
}

async function main(): Promise<void> {
  if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('tmux is not installed');
  const runs = numArg('--runs', 5);
  const bundle = statSync(join(ROOT, 'dist/src/cli/oneshot.bundle.cjs')).mtimeMs;
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-bench-start-'));
  const sock = join(dir, 'stats.sock');
  const srv = createServer((c) => {
    c.on('error', () => {});
    c.end(DOC);
  });
  await new Promise<void>((r) => srv.listen(sock, r));
  const cases: [string, string][] = [
    ['npm start (the demo)', 'npm start'],
    ['npx tsgitop SOCKET', `npx tsgitop ${sock}`],
    ['node bin/tsgitop SOCKET', `node bin/tsgitop ${sock}`],
  ];
  const times = cases.map(() => [] as number[]);
  const load0 = loadavg()[0]!;
  try {
    for (let r = 0; r < runs; r++) {
      for (const [i, [, cmd]] of cases.entries()) times[i]!.push(await timeToFirstScreen(cmd));
    }
  } finally {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const load1 = loadavg()[0]!;
  if (statSync(join(ROOT, 'dist/src/cli/oneshot.bundle.cjs')).mtimeMs !== bundle) throw new Error('npm start rebuilt dist/ although it was current');
  const md = [
    '# Start-up benchmark',
    '',
    'Command: `npm run build && node dist/bench/start.js` (also `npm run bench -- start`)',
    '',
    `Machine: ${cpus().length} CPUs (${(cpus()[0]?.model ?? '?').trim()}), Node ${process.version}, npm ${execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim()}; load average (1 min) ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end (a shared machine).`,
    `Date: ${new Date().toISOString()}`,
    '',
    'Time from the command (tmux starting it in a 120x40 pane, in the package directory, dist/ current — as after `npm ci`,',
    `which builds) to the first screen with worker rows; ${runs} runs of each, alternating. Target (issue 13): ≤ 2 s. dist/ was`,
    'not rebuilt by any run (checked).',
    '',
    '| command | median ms | runs (ms) |',
    '| --- | ---: | --- |',
    ...cases.map(([label], i) => `| \`${label}\` | ${median(times[i]!).toFixed(0)} | ${times[i]!.map((x) => x.toFixed(0)).join(', ')} |`),
    '',
    `**npm start: ${(median(times[0]!) / 1000).toFixed(2)} s to the first screen** — target ≤ 2 s: ${median(times[0]!) <= 2000 ? 'met' : '**not met**'}.`,
    '',
  ];
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/start.md'), md.join('\n'));
  console.log(md.join('\n'));
}

void main().catch((e) => {
  console.error(`bench start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
