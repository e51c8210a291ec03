/**
 * Test helpers for the protocol tests: temp dirs and loopback / unix-socket
 * servers that are always cleaned up. Servers bind only to 127.0.0.1, ::1,
 * unix sockets in a temp dir, or Linux abstract names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { StatsError, type StatsErrorCode } from '../../src/protocol/errors.js';

/** A fresh temp dir removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(tmpdir() + '/tsgitop-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function randomName(prefix = 'tsgitop-test-'): string {
  return prefix + randomBytes(6).toString('hex');
}

export type ListenTarget = { host: '127.0.0.1' | '::1'; port?: number } | { path: string };

export interface TestServer {
  server: net.Server;
  /** Address string for parseAddress: `127.0.0.1:PORT`, `[::1]:PORT`, a path, or `@name`. */
  address: string;
  port: number | undefined;
  /** Connections accepted so far. */
  accepted: number;
  /** Resolves when the n-th connection (1-based) has closed on the server side. */
  closed(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start a net server that runs `onConn` for each connection. Registered for
 * cleanup with `t.after`: every connection is destroyed and the server closed.
 */
export async function startServer(t: TestContext, target: ListenTarget, onConn: (sock: net.Socket, n: number) => void): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const closedWaiters = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  const waiter = (n: number): { promise: Promise<void>; resolve: () => void } => {
    let w = closedWaiters.get(n);
    if (!w) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      w = { promise, resolve };
      closedWaiters.set(n, w);
    }
    return w;
  };
  let accepted = 0;
  const server = net.createServer((sock) => {
    const n = ++accepted;
    sockets.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => {
      sockets.delete(sock);
      waiter(n).resolve();
    });
    onConn(sock, n);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in target) server.listen(target.path, () => resolve());
    else server.listen(target.port ?? 0, target.host, () => resolve());
  });
  let address: string;
  let port: number | undefined;
  if ('path' in target) {
    address = target.path.startsWith('\0') ? '@' + target.path.slice(1) : target.path;
  } else {
    const a = server.address() as net.AddressInfo;
    port = a.port;
    address = target.host === '::1' ? `[::1]:${port}` : `127.0.0.1:${port}`;
  }
  const ts: TestServer = {
    server,
    address,
    port,
    get accepted() {
      return accepted;
    },
    closed: (n) => waiter(n).promise,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
  t.after(() => ts.close());
  return ts;
}

/** Assert that `p` rejects with a StatsError of `code`; returns it for further checks. */
export async function rejectsWith(p: Promise<unknown>, code: StatsErrorCode): Promise<StatsError> {
  let value: unknown;
  try {
    value = await p;
  } catch (e) {
    if (!(e instanceof StatsError)) {
      throw new Error(`expected StatsError ${code}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    if (e.code !== code) throw new Error(`expected StatsError ${code}, got ${e.code}: ${e.message}`);
    if (/[\r\n]/.test(e.message)) throw new Error(`StatsError message is not one line: ${JSON.stringify(e.message)}`);
    return e;
  }
  throw new Error(`expected StatsError ${code}, but it resolved: ${String(value).slice(0, 100)}`);
}

/** Poll `cond` until true or the deadline passes (then throws `what`). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A small but realistic uWSGI 2.0.21 document, in uWSGI's own layout (tabs, `[\n\n]`). */
export function sampleDoc(workers = 2): string {
  const w = (id: number): string => `		{
			"id":${id},
			"pid":${1000 + id},
			"accepting":1,
			"requests":${id * 10},
			"delta_requests":0,
			"exceptions":0,
			"harakiri_count":0,
			"signals":0,
			"signal_queue":0,
			"status":"idle",
			"rss":0,
			"vsz":0,
			"running_time":${id * 1234},
			"last_spawn":1795424967,
			"respawn_count":1,
			"tx":${id * 300},
			"avg_rt":${id * 50},
			"apps":[
				{
					"id":0,
					"modifier1":0,
					"mountpoint":"",
					"startup_time":0,
					"requests":${id * 10},
					"exceptions":0,
					"chdir":""
				}
			],
			"cores":[
				{
					"id":0,
					"requests":${id * 10},
					"static_requests":0,
					"routed_requests":0,
					"offloaded_requests":0,
					"write_errors":0,
					"read_errors":0,
					"in_request":0,
					"vars":[

					],
					"req_info":					{

					}
				}
			]
		}`;
  const ws: string[] = [];
  for (let i = 1; i <= workers; i++) ws.push(w(i));
  return `{
	"version":"2.0.21-debian",
	"listen_queue":0,
	"listen_queue_errors":0,
	"signal_queue":0,
	"load":0,
	"pid":1000,
	"uid":0,
	"gid":0,
	"cwd":"/srv/app",
	"locks":[
		{
			"user 0":0
		},
		{
			"signal":0
		}
	],
	"sockets":[
		{
			"name":"127.0.0.1:3031",
			"proto":"uwsgi",
			"queue":0,
			"max_queue":100,
			"shared":0,
			"can_offload":0
		}
	],
	"workers":[
${ws.join(',\n')}
	]
}`;
}
