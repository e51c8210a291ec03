/**
 * Test helper: start a real uWSGI (Debian `uwsgi-core` + `uwsgi-plugin-python3`)
 * on loopback / a temp-dir unix socket, wait until it is ready by condition,
 * and stop it — master, workers and temp dir — on demand.
 *
 * Rules this helper enforces for its users:
 * - every instance lives in its own temp dir (`os.tmpdir()/tsgitop-XXXX`) and
 *   its own process group (spawned detached), binds only 127.0.0.1 and unix
 *   sockets in that dir;
 * - readiness is a condition: the log shows the workers spawned and the stats
 *   server enabled, and the stats socket accepts a connection (polled with a
 *   deadline), never a fixed sleep;
 * - `stop()` sends SIGINT to the whole process group (uWSGI: immediate
 *   shutdown of master and workers), escalates to SIGKILL after a deadline,
 *   waits until no process of the group is left, removes the temp dir; it is
 *   idempotent. `stopAllUwsgi()` stops everything still running (use it in an
 *   `after` hook) and a process 'exit' hook SIGKILLs whatever a crashed test
 *   left behind.
 *
 * Typical use:
 * ```ts
 * const avail = uwsgiAvailable();
 * test('...', async (t) => {
 *   if (!avail.ok) return t.skip(avail.reason);
 *   const u = await startUwsgi({ processes: 2, stats: 'unix' });
 *   t.after(() => u.stop());
 *   await u.request('/');
 *   // read u.statsAddress ...
 * });
 * ```
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Debian installs uWSGI plugins. */
export const UWSGI_PLUGIN_DIR = '/usr/lib/uwsgi/plugins';

export type UwsgiAvailability = { ok: true; version: string } | { ok: false; reason: string };

let availability: UwsgiAvailability | undefined;

/**
 * Whether a usable uWSGI is installed: the `uwsgi` binary runs and the
 * python3 plugin exists. Cached. Tests call `t.skip(reason)` when not ok.
 */
export function uwsgiAvailable(): UwsgiAvailability {
  if (availability) return availability;
  const r = spawnSync('uwsgi', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    availability = {
      ok: false,
      reason:
        code === 'ENOENT'
          ? 'uwsgi not installed (apt-get install uwsgi-core uwsgi-plugin-python3)'
          : `uwsgi --version failed: ${r.error.message}`,
    };
  } else if (r.status !== 0) {
    availability = { ok: false, reason: `uwsgi --version exited with ${String(r.status)}` };
  } else if (!existsSync(join(UWSGI_PLUGIN_DIR, 'python3_plugin.so'))) {
    availability = {
      ok: false,
      reason: `uwsgi python3 plugin missing in ${UWSGI_PLUGIN_DIR} (apt-get install uwsgi-plugin-python3)`,
    };
  } else {
    availability = { ok: true, version: r.stdout.trim() };
  }
  return availability;
}

export { freePort } from './net.js';
import { freePort } from './net.js';

/** The WSGI app the fixtures were captured with (routes: /, /slow, /error, /big, /status/N). */
export const FIXTURE_APP = fileURLToPath(new URL('../../../scripts/fixtures/app.py', import.meta.url));

export type StatsKind = 'unix' | 'tcp' | 'http-unix' | 'http-tcp';

export interface StartOptions {
  /** Worker processes (default 2). */
  processes?: number;
  /** Threads per worker (omitted: uWSGI's default of 1, no --threads). */
  threads?: number;
  /** Where the stats server listens; `http-*` adds --stats-http. */
  stats: StatsKind;
  /** Add --stats-minified. */
  minified?: boolean;
  /** Add --memory-report (rss/vsz filled once a worker served a request). */
  memoryReport?: boolean;
  /** Appended verbatim to the uWSGI command line. */
  extraArgs?: string[];
  /** Run on when the app fails to load (uWSGI 2.0's default: "no app loaded. going in full dynamic mode") instead of exiting (`--need-app`, the default here). */
  allowNoApp?: boolean;
  /** Path to a WSGI file; default: {@link FIXTURE_APP}. */
  app?: string;
  /**
   * How many "spawned uWSGI worker" log lines mean ready (default
   * `processes`; lower it for --cheaper, where fewer start).
   */
  readyWorkers?: number;
  /** Deadline for readiness in ms (default 20000). */
  readyTimeoutMs?: number;
}

export interface UwsgiInstance {
  /**
   * The stats address as tsgitop takes it: an absolute unix path,
   * `127.0.0.1:PORT`, or `http://127.0.0.1:PORT`. For `http-unix` it is the
   * unix path (whose bytes are an HTTP response: tsgitop has no http-over-unix
   * address form).
   */
  statsAddress: string;
  /** Exactly what was passed to --stats. */
  statsArg: string;
  /**
   * The app's --http-socket port (auto-assigned, read from the log). Updated
   * by restart(): a reload re-binds 127.0.0.1:0 to a new port.
   */
  httpPort: number;
  /** The master's pid; also the process-group id of master and workers. */
  pid: number;
  /** The instance's temp dir (removed by stop()). */
  dir: string;
  /** Full command line (for messages). */
  args: readonly string[];
  /** Everything uWSGI logged so far. */
  log(): string;
  /** Worker pids seen in the log so far (including respawned ones). */
  workerPids(): number[];
  /** GET http://127.0.0.1:httpPort + path; resolves with the status (body discarded). */
  request(path: string, timeoutMs?: number): Promise<number>;
  /** Whether any process of the group is still alive. */
  alive(): boolean;
  /**
   * Graceful reload (SIGHUP): resolves when the re-exec'ed master logged the
   * stats server again, respawned its workers and the stats socket accepts.
   * The master keeps its pid; workers get new pids.
   */
  restart(): Promise<void>;
  /** Stop master and workers, wait until gone, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<{ stop(): Promise<void>; pgid: number; dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test process ends without stopping its instances:
  // synchronous SIGKILL of every group we started, and remove the temp dirs.
  process.once('exit', () => {
    for (const inst of live) {
      try {
        process.kill(-inst.pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      try {
        rmSync(inst.dir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  });
}

/** Stop every instance started by this process that is still running. */
export async function stopAllUwsgi(): Promise<void> {
  await Promise.all([...live].map((i) => i.stop()));
}

/**
 * Pids of the running (non-zombie) processes in process group `pgid`, from
 * /proc. A zombie is already dead; it only waits for its parent (or, for
 * orphans, a possibly non-reaping pid 1) to collect it.
 */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return groupSignalable(pgid) ? [pgid] : [];
  }
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ..." — comm may contain spaces/parens.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X') out.push(Number(name));
  }
  return out;
}

function groupSignalable(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while any live (non-zombie) process of process group `pgid` exists. */
function groupAlive(pgid: number): boolean {
  return groupSignalable(pgid) && groupMembers(pgid).length > 0;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `cond` every `stepMs` until it is true or `deadline` (epoch ms) passes. */
export async function until(cond: () => boolean | Promise<boolean>, deadline: number, stepMs = 25): Promise<boolean> {
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await delay(stepMs);
  }
}

/**
 * Read one stats document from a unix path or 127.0.0.1:port (to EOF; for
 * --stats-http the HTTP head is stripped) and JSON.parse it. Undefined on
 * any failure: this is a readiness probe, not the code under test.
 */
function probeStats(target: { path: string } | { port: number }, http: boolean): Promise<unknown> {
  return new Promise((resolve) => {
    const s = 'path' in target ? connect({ path: target.path }) : connect({ host: '127.0.0.1', port: target.port });
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (v: unknown) => {
      if (settled) return;
      settled = true;
      s.removeAllListeners();
      s.on('error', () => {});
      s.destroy();
      resolve(v);
    };
    s.setTimeout(2000, () => done(undefined));
    s.once('connect', () => {
      if (http) s.write('GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
    });
    s.on('data', (b: Buffer) => chunks.push(b));
    s.once('end', () => {
      let body = Buffer.concat(chunks);
      if (http) {
        const sep = body.indexOf('\r\n\r\n');
        if (sep < 0) return done(undefined);
        body = body.subarray(sep + 4);
      }
      try {
        done(JSON.parse(body.toString('utf8')));
      } catch {
        done(undefined);
      }
    });
    s.once('error', () => done(undefined));
  });
}

/** Workers that finished their init: `accepting` 1 and a pid. */
function acceptingWorkers(doc: unknown): number {
  const ws = (doc as { workers?: unknown } | undefined)?.workers;
  if (!Array.isArray(ws)) return 0;
  return ws.filter((w: { accepting?: unknown; pid?: unknown }) => w.accepting === 1 && typeof w.pid === 'number' && w.pid > 0).length;
}

function countMatches(text: string, re: RegExp): number {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  return [...text.matchAll(g)].length;
}

const SPAWNED_RE = /spawned uWSGI worker \d+ \(pid: (\d+)/g;
const STATS_ENABLED_RE = /\*\*\* Stats server enabled on /g;
const HTTP_PORT_RE = /bound to TCP address 127\.0\.0\.1:(\d+) \(port auto-assigned\)/g;

class StartError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Start a uWSGI master with a WSGI app on `--http-socket 127.0.0.1:0` and a
 * stats server as asked. Resolves once ready (see module doc); rejects with
 * the tail of the uWSGI log if it exits or is not ready within the deadline
 * (nothing is left running or on disk then). A TCP stats port taken between
 * {@link freePort} and uWSGI's bind is retried with a new port.
 */
export async function startUwsgi(opts: StartOptions): Promise<UwsgiInstance> {
  const avail = uwsgiAvailable();
  if (!avail.ok) throw new Error(avail.reason);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (e instanceof StartError && e.retryable && attempt < 3) continue;
      throw e;
    }
  }
}

async function startOnce(opts: StartOptions): Promise<UwsgiInstance> {
  const processes = opts.processes ?? 2;
  const readyWorkers = opts.readyWorkers ?? processes;
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-'));
  const app = opts.app ?? FIXTURE_APP;

  let statsArg: string;
  let statsAddress: string;
  let probe: { path: string } | { port: number };
  if (opts.stats === 'unix' || opts.stats === 'http-unix') {
    statsArg = join(dir, 'stats.sock');
    statsAddress = statsArg;
    probe = { path: statsArg };
  } else {
    const port = await freePort();
    statsArg = `127.0.0.1:${port}`;
    statsAddress = opts.stats === 'http-tcp' ? `http://127.0.0.1:${port}` : statsArg;
    probe = { port };
  }

  const args = ['--plugin', 'python3', '--master', '--processes', String(processes)];
  if (opts.threads !== undefined) args.push('--threads', String(opts.threads));
  args.push('--http-socket', '127.0.0.1:0', '--wsgi-file', app, ...(opts.allowNoApp === true ? [] : ['--need-app']), '--die-on-term');
  args.push('--stats', statsArg);
  if (opts.stats === 'http-unix' || opts.stats === 'http-tcp') args.push('--stats-http');
  if (opts.minified) args.push('--stats-minified');
  if (opts.memoryReport) args.push('--memory-report');
  args.push(...(opts.extraArgs ?? []));

  let logText = '';
  const child: ChildProcess = spawn('uwsgi', args, {
    cwd: dir,
    detached: true, // own process group: stop() signals master and workers at once
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid;
  if (pgid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('could not spawn uwsgi');
  }
  const onData = (b: Buffer) => {
    logText += b.toString('utf8');
    if (logText.length > 4_000_000) logText = logText.slice(-2_000_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  child.once('error', () => {
    /* reported through 'exit' / readiness */
  });

  let stopping: Promise<void> | undefined;
  const entry = {
    pgid,
    dir,
    stop: (): Promise<void> => {
      stopping ??= (async () => {
        if (groupAlive(pgid)) {
          try {
            process.kill(-pgid, 'SIGINT');
          } catch {
            /* gone meanwhile */
          }
          const graceful = await until(() => exited && !groupAlive(pgid), Date.now() + 10_000);
          if (!graceful) {
            try {
              process.kill(-pgid, 'SIGKILL');
            } catch {
              /* gone meanwhile */
            }
            await until(() => exited && !groupAlive(pgid), Date.now() + 5_000);
          }
        }
        if (!exited) await Promise.race([exitPromise, delay(2000)]);
        child.stdout?.destroy();
        child.stderr?.destroy();
        rmSync(dir, { recursive: true, force: true });
        live.delete(entry);
        if (groupAlive(pgid)) throw new Error(`uwsgi process group ${pgid} survived SIGKILL`);
      })();
      return stopping;
    },
  };
  live.add(entry);
  installExitHook();

  const http = opts.stats === 'http-unix' || opts.stats === 'http-tcp';
  const probeIsUnix = 'path' in probe;
  const tail = () => logText.split('\n').slice(-15).join('\n');
  const waitReady = async (statsLines: number, workerLines: number, what: string): Promise<void> => {
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
    // Ready = the log shows the workers spawned and the stats server up, and
    // the stats document shows `readyWorkers` workers accepting. (uWSGI
    // ignores a SIGHUP that arrives before its workers are accepting, and a
    // request would just wait in the backlog.)
    const ok = await until(async () => {
      if (exited) return true;
      if (countMatches(logText, STATS_ENABLED_RE) < statsLines) return false;
      if (countMatches(logText, SPAWNED_RE) < workerLines) return false;
      return acceptingWorkers(await probeStats(probe, http)) >= readyWorkers;
    }, deadline);
    if (exited || !ok) {
      const state = exited ? 'exited' : 'not ready';
      const inUse = /Address already in use/.test(logText) && !probeIsUnix;
      await entry.stop().catch(() => {});
      throw new StartError(`uwsgi ${state} ${what} (${args.join(' ')}); log tail:\n${tail()}`, inUse);
    }
  };

  await waitReady(1, readyWorkers, 'during start');
  /** The last auto-assigned http port in the log (a reload binds a new one). */
  const lastHttpPort = async (): Promise<number> => {
    const all = [...logText.matchAll(HTTP_PORT_RE)];
    const port = Number(all[all.length - 1]?.[1] ?? NaN);
    if (Number.isInteger(port) && port > 0) return port;
    await entry.stop().catch(() => {});
    throw new Error(`uwsgi log shows no auto-assigned http port; log tail:\n${tail()}`);
  };
  const httpPort = await lastHttpPort();

  const inst: UwsgiInstance = {
    statsAddress,
    statsArg,
    httpPort,
    pid: pgid,
    dir,
    args,
    log: () => logText,
    workerPids: () => [...logText.matchAll(SPAWNED_RE)].map((x) => Number(x[1])),
    alive: () => groupAlive(pgid),
    request: (path: string, timeoutMs = 30_000) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: inst.httpPort, path, method: 'GET', agent: false, headers: { 'User-Agent': 'tsgitop-test/1' } },
          (res) => {
            res.resume();
            res.once('end', () => resolve(res.statusCode ?? 0));
            res.once('error', reject);
          },
        );
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`request ${path} timed out after ${timeoutMs} ms`)));
        req.once('error', reject);
        req.end();
      }),
    restart: async () => {
      const statsBefore = countMatches(logText, STATS_ENABLED_RE);
      const workersBefore = countMatches(logText, SPAWNED_RE);
      const portsBefore = countMatches(logText, HTTP_PORT_RE);
      process.kill(pgid, 'SIGHUP');
      await waitReady(statsBefore + 1, workersBefore + readyWorkers, 'after SIGHUP reload');
      // uWSGI re-binds 127.0.0.1:0 after the re-exec: the app gets a new port
      if (countMatches(logText, HTTP_PORT_RE) > portsBefore) inst.httpPort = await lastHttpPort();
    },
    stop: () => entry.stop(),
  };
  return inst;
}

/** What `uwsgi --connect-and-read ADDR` prints (on stderr, as uWSGI does). */
export function uwsgiConnectAndRead(addr: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('uwsgi', ['--connect-and-read', addr], { stdio: ['ignore', 'ignore', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * Reads `ours` between two reads by uWSGI itself and returns the triple only
 * when uWSGI's two reads agree (the document did not change in between: a
 * freshly started master fills some fields, e.g. sockets[].max_queue, a
 * moment later). Bounded: gives up after 20 tries.
 */
export async function bracketed<T>(addr: string, ours: () => Promise<T>): Promise<{ theirs: Buffer; ours: T }> {
  for (let i = 0; i < 20; i++) {
    const before = await uwsgiConnectAndRead(addr);
    const mine = await ours();
    const afterRead = await uwsgiConnectAndRead(addr);
    if (before.equals(afterRead)) return { theirs: before, ours: mine };
  }
  throw new Error(`uWSGI at ${addr} never served the same document twice in a row`);
}
