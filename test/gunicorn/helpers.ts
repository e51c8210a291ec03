/**
 * Test helper: a real gunicorn (Debian `gunicorn` 20.1) with the shipped stats module
 * (python/tsgitop_gunicorn.py) as its config file, in its own temp dir and process group,
 * bound to 127.0.0.1:0. Ready = the log shows the listening port and the stats document lists
 * the expected number of workers with their pids (polled with a deadline, never a fixed sleep).
 * stop() signals the whole group (SIGTERM, then SIGKILL), waits until nothing of it is left and
 * removes the temp dir; it is idempotent, and a process 'exit' hook kills whatever a crashed test
 * left behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '../helpers/uwsgi.js';
import { spawnGroup } from '../helpers/group.js';
import { freePort } from '../helpers/net.js';

export const GUNICORN = '/usr/bin/gunicorn';
export const MODULE = fileURLToPath(new URL('../../../python/tsgitop_gunicorn.py', import.meta.url));
export const APP_DIR = fileURLToPath(new URL('../../../test/gunicorn/', import.meta.url));

export type Availability = { ok: true } | { ok: false; reason: string };
const cache = new Map<string, Availability>();

/** Whether gunicorn runs and the given Python modules import (with gunicorn's own python3). */
export function pythonAvailable(...modules: string[]): Availability {
  const key = modules.join(',');
  const hit = cache.get(key);
  if (hit) return hit;
  const r = spawnSync('/usr/bin/python3', ['-c', `import ${['gunicorn', ...modules].join(', ')}`], { encoding: 'utf8', timeout: 20_000 });
  let a: Availability;
  if (r.error) a = { ok: false, reason: `/usr/bin/python3 not runnable (${r.error.message}); apt-get install gunicorn` };
  else if (r.status !== 0) {
    const missing = /No module named '([^']+)'/.exec(r.stderr)?.[1] ?? key;
    const pkg = missing === 'gunicorn' ? 'gunicorn' : `python3-${missing}`;
    a = { ok: false, reason: `python module ${missing} missing (apt-get install ${pkg})` };
  } else a = { ok: true };
  cache.set(key, a);
  return a;
}

export interface GunicornOptions {
  workers: number;
  threads?: number;
  workerClass?: string;
  /** `app:wsgi_app` (default) or `app:flask_app`. */
  app?: string;
  stats?: 'unix' | 'tcp' | 'http';
  /** gunicorn's -c file (default: the shipped module itself). */
  config?: string;
  /** The app's socket: 127.0.0.1:0 (default) or `unix` (DIR/app.sock; `port` stays 0). */
  bind?: 'tcp' | 'unix';
  backlog?: number;
  timeout?: number;
  env?: Record<string, string>;
  extraArgs?: string[];
}

export interface Gunicorn {
  pid: number;
  port: number;
  dir: string;
  /** As tsgitop takes it: a unix path, 127.0.0.1:PORT or http://127.0.0.1:PORT. */
  statsAddress: string;
  log(): string;
  /** GET path on the app; resolves with the status. */
  request(path: string, headers?: Record<string, string>, timeoutMs?: number): Promise<number>;
  /** One stats read (raw bytes as text). */
  readRaw(): Promise<string>;
  read(): Promise<StatsDoc>;
  /** Poll the document until `cond` holds (deadline); returns the last document. */
  waitDoc(cond: (d: StatsDoc) => boolean, what: string, timeoutMs?: number): Promise<StatsDoc>;
  stop(): Promise<void>;
}

export interface StatsCore { id: number; requests: number; in_request: number; vars: string[]; req_info: { request_start?: number }; write_errors: number }
export interface StatsWorker {
  id: number; pid: number; accepting: number; requests: number; delta_requests: number; exceptions: number; harakiri_count: number;
  status: string; rss: number; vsz: number; running_time: number; last_spawn: number; respawn_count: number;
  tx: number; avg_rt: number; cores: StatsCore[];
}
export interface StatsDoc {
  version: string; listen_queue: number; pid: number;
  sockets: Array<{ name: string; queue: number; max_queue: number }>;
  workers: StatsWorker[];
}

export function sum(ws: StatsWorker[], k: 'requests' | 'exceptions' | 'harakiri_count' | 'tx'): number {
  return ws.reduce((a, w) => a + w[k], 0);
}

function readStats(address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const http = address.startsWith('http://');
    const s: Socket = address.startsWith('/')
      ? connect({ path: address })
      : connect({ host: '127.0.0.1', port: Number(address.slice(address.lastIndexOf(':') + 1)) });
    const chunks: Buffer[] = [];
    s.setTimeout(5000, () => s.destroy(new Error('stats read timed out')));
    s.once('connect', () => {
      if (http) s.write('GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
    });
    s.on('data', (b: Buffer) => chunks.push(b));
    s.once('end', () => {
      s.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      resolve(http ? text.slice(text.indexOf('\r\n\r\n') + 4) : text);
    });
    s.once('error', reject);
  });
}

export function get(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { connection: 'close', ...headers }, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.once('error', reject);
    req.end();
  });
}

/** `n` requests, `concurrency` at a time; `pathFor(i)` picks each path. Resolves with the statuses. */
export async function load(port: number, n: number, concurrency: number, pathFor: (i: number) => string): Promise<number[]> {
  const out: number[] = new Array<number>(n);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out[i] = await get(port, pathFor(i));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return out;
}

export async function startGunicorn(o: GunicornOptions): Promise<Gunicorn> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-gunicorn-'));
  let statsAddress: string;
  if ((o.stats ?? 'unix') === 'unix') statsAddress = join(dir, 'stats.sock');
  else {
    const port = await freePort();
    statsAddress = o.stats === 'http' ? `http://127.0.0.1:${port}` : `127.0.0.1:${port}`;
  }
  const args = ['-c', o.config ?? MODULE, '--chdir', APP_DIR, '-b', o.bind === 'unix' ? `unix:${join(dir, 'app.sock')}` : '127.0.0.1:0', '-w', String(o.workers), '--env', `TSGITOP_STATS=${statsAddress}`];
  if (o.threads !== undefined) args.push('--threads', String(o.threads));
  if (o.workerClass !== undefined) args.push('-k', o.workerClass);
  if (o.backlog !== undefined) args.push('--backlog', String(o.backlog));
  if (o.timeout !== undefined) args.push('--timeout', String(o.timeout));
  for (const [k, v] of Object.entries(o.env ?? {})) args.push('--env', `${k}=${v}`);
  args.push(...(o.extraArgs ?? []), o.app ?? 'app:wsgi_app');
  const proc = spawnGroup(GUNICORN, args, dir, ['SIGTERM'], { cwd: dir, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const stop = proc.stop;
  let port = 0;
  const inst: Gunicorn = {
    pid: proc.pgid,
    get port() {
      return port;
    },
    dir,
    statsAddress,
    log: () => proc.output(),
    request: (path, headers, timeoutMs) => get(port, path, headers, timeoutMs),
    readRaw: () => readStats(statsAddress),
    read: async () => JSON.parse(await readStats(statsAddress)) as StatsDoc,
    async waitDoc(cond, what, timeoutMs = 20_000) {
      let last: StatsDoc | undefined;
      const ok = await until(async () => {
        try {
          last = await inst.read();
          return cond(last);
        } catch {
          return false;
        }
      }, Date.now() + timeoutMs, 50);
      if (!ok) throw new Error(`gunicorn: ${what} not seen within ${timeoutMs} ms; last document: ${JSON.stringify(last)?.slice(0, 2000)}\nlog tail:\n${proc.output().slice(-3000)}`);
      return last!;
    },
    stop,
  };
  try {
    const listening = (): RegExpExecArray | null => /Listening at: (?:http:\/\/127\.0\.0\.1:(\d+)|unix:)/.exec(proc.output());
    const ok = await until(() => proc.exited() || listening() !== null, Date.now() + 20_000);
    if (!ok || proc.exited()) throw new Error(`gunicorn did not start: ${proc.output().slice(-3000)}`);
    port = Number(listening()![1] ?? 0);
    await inst.waitDoc((d) => d.workers.length === o.workers && d.workers.every((w) => w.pid > 0 && w.accepting === 1), `${o.workers} workers accepting in the stats document`);
  } catch (e) {
    await stop();
    throw e;
  }
  return inst;
}
