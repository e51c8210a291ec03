/**
 * gunicorn stats module benchmark: `node dist/bench/gunicorn.js [--quick]`
 *
 * Three real gunicorn 20.1 masters side by side, 2 sync workers each, one hello-world WSGI app:
 * A and C plain (C is the control: it shows how big a difference the method reads where there is
 * none), B with python/tsgitop_gunicorn.py as its config file (TSGITOP_STATS set, every hook active)
 * and its stats document read once a second. One load generator per side (`wrk` when installed,
 * else a Node client in a child process) loads all three at the same time, so they see the same
 * background noise. Worker CPU per request comes from /proc/<pid>/stat of each side's workers
 * around each run. Then the hooks alone: pre_request + post_request per request in one process (µs).
 * Writes bench/results/gunicorn.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CLK_TCK, cpuTicks, readStats } from './proc.js';

const SELF = fileURLToPath(import.meta.url);
const MODULE = fileURLToPath(new URL('../../python/tsgitop_gunicorn.py', import.meta.url));
const OUT = fileURLToPath(new URL('../../bench/results/gunicorn.md', import.meta.url));
const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 12;
const SECONDS = QUICK ? 1 : 3;
const CONNS = 4;
const WORKERS = 2;

const HELLO = `def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '12')])
    return [b'hello world\\n']
`;

// The hooks alone, in one process: what one request costs in pre_request + post_request.
const MICRO = `
import sys, time, types
sys.path.insert(0, sys.argv[1])
import os
os.environ['TSGITOP_STATS'] = os.path.join(sys.argv[2], 'micro.sock')
import tsgitop_gunicorn as m
cfg = types.SimpleNamespace(workers=1, threads=1, worker_connections=1000, backlog=2048)
server = types.SimpleNamespace(cfg=cfg, worker_class=type('SyncWorker', (), {}), log=None, WORKERS={}, LISTENERS=[])
m.on_starting(server)
worker = types.SimpleNamespace(wsgi=lambda e, s: [b'hello world\\n'])
m.pre_fork(server, worker)
m.post_worker_init(worker)
req = types.SimpleNamespace(method='GET', path='/')
resp = types.SimpleNamespace(status_code=200, sent=12)
env = {}
n = 200000
best = None
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(n):
        m.pre_request(worker, req)
        m.post_request(worker, req, env, resp)
    dt = (time.perf_counter() - t0) / n * 1e6
    best = dt if best is None else min(best, dt)
m.on_exit(server)
print('%.3f' % best)
`;

interface Side {
  name: string;
  port: number;
  master: ChildProcess;
  stats?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const hasWrk = !spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error;

/** One load run on `port` in a child process (wrk, else this file's --loadgen): requests done. */
function load(port: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = hasWrk ? ['-t1', `-c${CONNS}`, `-d${seconds}s`, `http://127.0.0.1:${port}/`] : [SELF, '--loadgen', String(port), String(seconds)];
    const p = spawn(hasWrk ? 'wrk' : process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('error', reject);
    p.on('close', () => {
      const n = hasWrk ? /(\d+) requests in/.exec(out)?.[1] : out.trim();
      if (n === undefined || !/^\d+$/.test(n)) return reject(new Error(`cannot parse the load generator's output:\n${out}`));
      resolve(Number(n));
    });
  });
}

/** --loadgen PORT SECONDS: CONNS lanes of GET / (a new connection each: sync workers close them). */
function loadgen(port: number, seconds: number): void {
  let done = 0;
  const end = Date.now() + seconds * 1000;
  const lane = async (): Promise<void> => {
    while (Date.now() < end) {
      await new Promise<void>((r) => {
        http
          .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
            res.resume();
            res.on('end', () => {
              done++;
              r();
            });
          })
          .on('error', () => r());
      });
    }
  };
  void Promise.all(Array.from({ length: CONNS }, lane)).then(() => process.stdout.write(`${done}\n`));
}


async function start(name: string, dir: string, withModule: boolean): Promise<Side> {
  const port = await freePort();
  const stats = withModule ? join(dir, 'stats.sock') : undefined;
  const args = withModule ? ['-c', MODULE, '--env', `TSGITOP_STATS=${stats}`] : [];
  args.push('--chdir', dir, '-w', String(WORKERS), '-b', `127.0.0.1:${port}`, '--log-level', 'warning', 'hello:app');
  const master = spawn('/usr/bin/gunicorn', args, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => { res.resume(); r(res.statusCode === 200); }).on('error', () => r(false)));
    if (ok && childPids(master.pid!).length === WORKERS) break;
    if (Date.now() > deadline) throw new Error(`gunicorn ${name} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, port, master, stats };
}

interface Result {
  rps: number;
  cpuUs: number;
}

/** Every side under load at the same time (same background noise), each by its own load generator. */
async function runAll(sides: Side[]): Promise<Result[]> {
  const ticks = (ps: number[]): number => ps.reduce((x, p) => x + cpuTicks(p), 0);
  const workers = sides.map((x) => childPids(x.master.pid!));
  const t0 = workers.map(ticks);
  let reading = true;
  const readers = sides.map(async (x) => {
    while (reading && x.stats) {
      await readStats(x.stats);
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
  const n = await Promise.all(sides.map((x) => load(x.port, SECONDS)));
  reading = false;
  await Promise.all(readers);
  return sides.map((_, i) => ({ rps: n[i]! / SECONDS, cpuUs: n[i]! > 0 ? (((ticks(workers[i]!) - t0[i]!) / CLK_TCK) * 1e6) / n[i]! : 0 }));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-bench-gunicorn-'));
  writeFileSync(join(dir, 'hello.py'), HELLO);
  const sides: Side[] = [];
  try {
    const a = await start('A', dir, false);
    sides.push(a);
    const b = await start('B', dir, true);
    sides.push(b);
    const c = await start('C', dir, false);
    sides.push(c);
    await runAll(sides); // warm-up
    const load0 = loadavg()[0]!;
    const rows: Array<{ a: Result; b: Result; c: Result }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const [ra, rb, rc] = await runAll(sides);
      rows.push({ a: ra!, b: rb!, c: rc! });
      console.log(`round ${i + 1}: A ${ra!.rps.toFixed(0)} req/s ${ra!.cpuUs.toFixed(0)} µs/req, B ${rb!.rps.toFixed(0)} req/s ${rb!.cpuUs.toFixed(0)} µs/req, C ${rc!.rps.toFixed(0)} req/s ${rc!.cpuUs.toFixed(0)} µs/req`);
    }
    const load1 = loadavg()[0]!;
    const doc = await new Promise<string>((resolve) => {
      let s = '';
      const c = createConnection({ path: b.stats! });
      c.on('data', (x: Buffer) => (s += x.toString()));
      c.on('close', () => resolve(s));
    });
    const served = (JSON.parse(doc) as { workers: Array<{ requests: number }> }).workers.reduce((x, w) => x + w.requests, 0);
    const micro = spawnSync('/usr/bin/python3', ['-c', MICRO, join(MODULE, '..'), dir], { encoding: 'utf8' });
    if (micro.status !== 0) throw new Error(`micro benchmark failed: ${micro.stderr}`);
    const hookUs = Number(micro.stdout.trim());

    const mA = median(rows.map((r) => r.a.rps));
    const mB = median(rows.map((r) => r.b.rps));
    const mC = median(rows.map((r) => r.c.rps));
    const cA = median(rows.map((r) => r.a.cpuUs));
    const cB = median(rows.map((r) => r.b.cpuUs));
    const cC = median(rows.map((r) => r.c.cpuUs));
    // the plain side as reference: the mean of A and C (both without the module)
    const ratio = median(rows.map((r) => (2 * r.b.rps) / (r.a.rps + r.c.rps)));
    const cratio = median(rows.map((r) => (2 * r.b.cpuUs) / (r.a.cpuUs + r.c.cpuUs)));
    const control = median(rows.map((r) => r.c.cpuUs / r.a.cpuUs));
    const pct = (x: number): string => `${((x - 1) * 100).toFixed(1)} %`;
    const gver = spawnSync('/usr/bin/gunicorn', ['--version'], { encoding: 'utf8' });
    const lines = [
      '# gunicorn stats module benchmark',
      '',
      `Command: \`node dist/bench/gunicorn.js${QUICK ? ' --quick' : ''}\` (after \`npm run build\`)`,
      '',
      `Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ${(gver.stdout || gver.stderr).trim()}, ${spawnSync('/usr/bin/python3', ['--version'], { encoding: 'utf8' }).stdout.trim()}, load: ${hasWrk ? '`wrk -t1 -c' + CONNS + '`' : 'Node client, ' + CONNS + ' connections'}.`,
      `Load average (1 min) at start / end: ${load0.toFixed(2)} / ${load1.toFixed(2)} (other jobs share this machine: compare the side-by-side ratios).`,
      `Date: ${new Date().toISOString()}`,
      '',
      '## 1. Hello world with vs without the module',
      '',
      `Three gunicorn masters, ${WORKERS} sync workers each, the same hello-world WSGI app (12-byte body): A and C plain, B with`,
      '`-c python/tsgitop_gunicorn.py --env TSGITOP_STATS=…` (every hook active) and its stats socket read once a second',
      `during the runs. ${ROUNDS} rounds of ${SECONDS} s after a warm-up, A, B and C loaded at the same time (each by its own load`,
      'generator process, so all see the same background load on this shared machine). Worker CPU per request from',
      "/proc/<pid>/stat (utime+stime) of that side's workers around each run. C is the control: A and C differ in nothing,",
      'so C/A shows what this method reads as a difference where there is none.',
      '',
      '| round | A req/s | B module req/s | C req/s | A CPU µs/req | B CPU µs/req | C CPU µs/req |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((r, i) => `| ${i + 1} | ${r.a.rps.toFixed(0)} | ${r.b.rps.toFixed(0)} | ${r.c.rps.toFixed(0)} | ${r.a.cpuUs.toFixed(1)} | ${r.b.cpuUs.toFixed(1)} | ${r.c.cpuUs.toFixed(1)} |`),
      `| **median** | **${mA.toFixed(0)}** | **${mB.toFixed(0)}** | **${mC.toFixed(0)}** | **${cA.toFixed(1)}** | **${cB.toFixed(1)}** | **${cC.toFixed(1)}** |`,
      '',
      `Median per round, B against the mean of A and C: throughput **${ratio.toFixed(3)}** (${pct(ratio)}), worker CPU per request **${cratio.toFixed(3)}** (${pct(cratio)}).`,
      `Control, C against A (no difference but noise): worker CPU per request **${control.toFixed(3)}** (${pct(control)}). Target for B: < 3 %.`,
      `B's document after the runs counted ${served} requests.`,
      '',
      '## 2. The hooks alone',
      '',
      `pre_request + post_request for one request, in one process (best of 5 × 200 000): **${hookUs.toFixed(2)} µs**,`,
      `that is ${((hookUs / cA) * 100).toFixed(1)} % of a hello-world request's worker CPU (A's median, ${cA.toFixed(1)} µs): the part of`,
      "B's cost that is the module's own work per request, measured without the machine's noise.",
      '',
    ];
    mkdirSync(join(OUT, '..'), { recursive: true });
    writeFileSync(OUT, lines.join('\n'));
    console.log(lines.join('\n'));
  } finally {
    for (const s of sides) {
      try {
        process.kill(-s.master.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const s of sides) {
      try {
        process.kill(-s.master.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--loadgen') loadgen(Number(process.argv[3]), Number(process.argv[4]));
else void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
