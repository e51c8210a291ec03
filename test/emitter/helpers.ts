/** Test helpers for the emitter suite: temp dirs, raw clients, polling, uWSGI. */
import type { Worker } from 'node:cluster';
import type { ReportMessage } from '../../src/emitter/ipc.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createConnection, type NetConnectOpts } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import cluster from 'node:cluster';

/** A private temp dir removed after the test. */
export function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'tsgitop-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Connect, optionally send `data`, read to EOF. */
export function readAll(opts: NetConnectOpts, data?: string | Buffer, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = createConnection(opts);
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('readAll: timeout'));
    }, timeoutMs);
    s.on('connect', () => {
      if (data !== undefined) s.write(data);
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

export interface RawHttpResponse {
  statusLine: string;
  headers: Record<string, string>;
  body: Buffer;
  raw: Buffer;
}

/** Split a raw HTTP/1.x response. */
export function splitHttp(raw: Buffer): RawHttpResponse {
  const i = raw.indexOf('\r\n\r\n');
  if (i < 0) throw new Error(`not an HTTP response: ${JSON.stringify(raw.subarray(0, 80).toString('latin1'))}`);
  const head = raw.subarray(0, i).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const c = line.indexOf(':');
    headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return { statusLine: head[0] ?? '', headers, body: raw.subarray(i + 4), raw };
}

/** A raw HTTP/1.0 GET over a fresh connection. */
export async function rawHttpGet(opts: NetConnectOpts, path: string, method = 'GET'): Promise<RawHttpResponse> {
  return splitHttp(await readAll(opts, `${method} ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
}

/** Poll `cond` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, deadlineMs = 10_000, everyMs = 20): Promise<NonNullable<T>> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** An http.get that resolves with status and body (keep-alive agent optional). */
export function get(port: number, path: string, agent?: http.Agent, headers?: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Why uWSGI tests cannot run, or undefined if they can. */
export function uwsgiMissing(): string | undefined {
  const r = spawnSync('uwsgi', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'uwsgi not installed (apt-get install uwsgi-core uwsgi-plugin-python3)';
  if (!existsSync('/usr/lib/uwsgi/plugins/python3_plugin.so')) return 'uwsgi python3 plugin not installed (apt-get install uwsgi-plugin-python3)';
  return undefined;
}

/** `uwsgi --connect-and-read ADDR`: the document it prints on stderr. */
export function connectAndRead(addr: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('uwsgi', ['--connect-and-read', addr], { stdio: ['ignore', 'ignore', 'pipe'] });
    const chunks: Buffer[] = [];
    p.stderr.on('data', (c: Buffer) => chunks.push(c));
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.on('error', reject);
    p.on('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    });
  });
}

export interface UwsgiInstance {
  proc: ChildProcess;
  statsPath: string;
  stop(): Promise<void>;
}

/** Start a real uWSGI (2 workers × 2 threads, http on an ephemeral loopback port) with its stats on a unix socket in `dir`. */
export async function startUwsgi(dir: string, extra: string[] = []): Promise<UwsgiInstance> {
  const app = join(dir, 'app.py');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(app, "def application(env, start_response):\n    start_response('200 OK', [('Content-Type', 'text/plain')])\n    return [b'ok']\n");
  const statsPath = join(dir, 'uwsgi-stats.sock');
  const proc = spawn(
    'uwsgi',
    ['--plugin', 'python3', '--master', '--processes', '2', '--threads', '2', '--http-socket', '127.0.0.1:0', '--wsgi-file', app, '--stats', statsPath, '--die-on-term', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  try {
    await waitFor(() => log.includes('Stats server enabled') && /spawned uWSGI worker 2/.test(log), 'uWSGI to start', 15_000);
  } catch (e) {
    await stop();
    throw new Error(`${String(e)}\n${log.slice(-2000)}`);
  }
  return { proc, statsPath, stop };
}

/** Is a pid alive? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILL every live node:cluster worker of this (primary) process and wait until each has exited. */
export async function killClusterWorkers(): Promise<void> {
  const ws = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
  await Promise.all(
    ws.map(
      (w) =>
        new Promise<void>((r) => {
          if (w.isDead()) return r();
          w.once('exit', () => r());
          w.process.kill('SIGKILL');
        }),
    ),
  );
}

/** A stand-in node:cluster Worker (this process plays the primary; nothing is forked). It never answers the primary's questions: give the primary `probeMs: 0`. */
export function standInWorker(id: number, pidBase = 50_000): Worker {
  return { id, process: { pid: pidBase + id }, isDead: () => false, isConnected: () => true, send: () => true } as unknown as Worker;
}

/** A worker's report as it comes out of IPC: `requests` on the worker and its `cores` cores (core 0 busy). */
export function reportOf(requests: number, cores = 4): ReportMessage {
  const c: number[] = [];
  for (let k = 0; k < cores; k++) c.push(requests + k, 0, 0, 0, k === 0 ? 1_795_424_800 : 0);
  return { tsgitop: 'report', v: 1, n: [requests, 0, 10 * requests, 7 * requests, 7, 1, 1000, 2000, cores, 0], c };
}
