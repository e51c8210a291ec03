/**
 * Helpers of the real-uWSGI truth scenarios (issue 12): a WSGI app with the
 * routes the scenarios need, HTTP requests with chosen headers, and reading
 * the model's view of a live uWSGI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { BIN } from '../cli/run-cli.js';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildView, type ServerView } from '../../src/model/index.js';
import { fetchStats } from '../../src/protocol/reader.js';
import { parseAddress } from '../../src/protocol/address.js';
import type { Sample } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';

const APP = `
import os, time

def _arg(environ, key, default):
    for part in environ.get('QUERY_STRING', '').split('&'):
        k, _, v = part.partition('=')
        if k == key:
            try:
                return max(0.0, min(60.0, float(v)))
            except ValueError:
                return default
    return default

def application(environ, start_response):
    path = environ.get('PATH_INFO', '/')
    if path == '/report':
        time.sleep(_arg(environ, 's', 3.0))
    elif path == '/slow':
        time.sleep(_arg(environ, 's', 2.0))
    elif path == '/crash':
        os._exit(1)
    elif path == '/error':
        raise RuntimeError('truth scenario: deliberate exception')
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok\\n']
`;

/** Write the scenario app into a fresh temp dir; returns its path and a cleanup. */
export function writeApp(): { app: string; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-truth-'));
  const app = join(dir, 'truth_app.py');
  writeFileSync(app, APP);
  return { app, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** GET path on 127.0.0.1:port with headers; resolves with the status, or -1 on a connection error. */
export function httpGet(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(-1));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(-1));
    req.end();
  });
}

/** One read of a live stats address as a Sample. */
export async function readSample(addr: string): Promise<Sample<StatsDocument>> {
  const r = await fetchStats(parseAddress(addr), { timeoutMs: 5000 });
  return { doc: r.doc, at: r.at };
}

/** Poll the stats (every 50 ms) until `cond(view)` holds or the deadline passes; returns the last view. */
export async function waitView(addr: string, cond: (v: ServerView) => boolean, timeoutMs = 15_000): Promise<ServerView> {
  const deadline = Date.now() + timeoutMs;
  let prev: Sample<StatsDocument> | undefined;
  for (;;) {
    const cur = await readSample(addr);
    const v = buildView(cur, prev) as ServerView;
    if (cond(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last view: ${JSON.stringify({ inflight: v.inflight, sockets: v.sockets, busy: v.totals.busy })}`);
    prev = cur;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A running `bin/tsgitop` whose stdout is read line by line. */
export interface LiveCli {
  lines: string[];
  /** Resolves when `pred` holds for some line (checked on every new line), rejects at the deadline or on exit. */
  waitLine(pred: (line: string, index: number) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (and stderr) when the process ends. */
  done: Promise<{ code: number | null; stderr: string }>;
  kill(): void;
}

export function startCli(args: string[]): LiveCli {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    buf += s;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    for (const w of [...waiters]) w();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      if (buf !== '') lines.push(buf);
      for (const w of [...waiters]) w();
      resolve({ code, stderr });
    });
  });
  let exited = false;
  void done.then(() => (exited = true));
  return {
    lines,
    done,
    kill: () => {
      if (!exited) child.kill('SIGKILL');
    },
    waitLine(pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = lines.findIndex((l, k) => pred(l, k));
          if (i >= 0) {
            cleanup();
            resolve(lines[i]!);
          } else if (exited) {
            cleanup();
            reject(new Error(`tsgitop exited before the expected line; stderr: ${stderr}\n${lines.join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no expected line within ${timeoutMs} ms; got:\n${lines.join('\n')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * Paced load: `rate` GET requests per second to `path`, at most `maxInFlight`
 * at once, until stop() (or `maxSeconds`). Resolves stop() when every request ended.
 */
export function pacedLoad(port: number, path: string, rate: number, maxSeconds = 60, maxInFlight = 16): { stop(): Promise<number> } {
  let inFlight = 0;
  let sent = 0;
  const pending = new Set<Promise<number>>();
  const started = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - started > maxSeconds * 1000) return void clearInterval(timer);
    if (inFlight >= maxInFlight) return;
    inFlight++;
    sent++;
    const p = httpGet(port, path, {}, 10_000).finally(() => {
      inFlight--;
      pending.delete(p);
    });
    pending.add(p);
  }, 1000 / rate);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      return sent;
    },
  };
}
