/**
 * Single-process mode: one Node.js process = one uWSGI worker (id 1), the
 * process itself playing the master too (pid/uid/gid/cwd are its own).
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { singleDocument } from './builder.js';
import type { RequestCounters } from './counters.js';
import type { EmitterDocument } from './doc.js';
import { instrument, type InstrumentOptions, type Instrumentation } from './instrument.js';
import { listenAll, type ListenOptions, type StatsListener } from './listener.js';
import { readMemory } from './memory.js';
import { appSocketFromAddress, ListenQueueSampler, type AppSocket } from './sockets.js';
import { DocumentSource } from './source.js';
import { EmitterError } from './errors.js';
import { startStatsThread, type StatsThread } from './thread.js';

export interface StatsServerOptions {
  /** The app server. Instrumented here unless `instrumentation` (or `counters`) is given. */
  server?: HttpServer | HttpsServer;
  /** An existing instrumentation to report. */
  instrumentation?: Instrumentation;
  /** Counters to report (when the server was instrumented elsewhere with these counters). */
  counters?: RequestCounters;
  /** Options for instrumenting `server`. */
  instrumentOptions?: Omit<InstrumentOptions, 'cluster'>;
  /** Shorthand for `instrumentOptions.requestPaths`: show each in-flight request's method and path (no query) as uWSGI `vars`. */
  requestPaths?: boolean;
  /** Where to serve the stats; several listeners are allowed (e.g. a unix socket and an HTTP port). */
  listen?: ListenOptions | ListenOptions[];
  /** App sockets to report; default: `server.address()` (proto `https` for an https.Server). */
  sockets?: AppSocket[];
  /** Listen-queue sampling period in ms (default 1000; 0 disables sampling). */
  queueSampleMs?: number;
  /** The backlog the app passed to listen() (default Node's 511), for `max_queue`. */
  backlog?: number;
  /** Report rss/vsz (default true). */
  memory?: boolean;
  /** Called once if building the document fails (the stats keep being served). */
  onError?: (err: unknown) => void;
  /**
   * Serve the stats from a worker thread of this process, so they answer
   * while the app's event loop is blocked, showing the request that blocks
   * it (default false; costs about 10 MB of memory). `answerMs`: how long
   * a read waits for the app's thread before showing it not accepting
   * (default 500: longer than most garbage-collection pauses).
   */
  thread?: boolean | { answerMs?: number };
}

export interface StatsServer {
  /** Addresses of the listeners, in `listen` order. */
  readonly addresses: string[];
  /** The first listener's address (undefined when `listen` was not given). */
  readonly address: string | undefined;
  /** The current document. */
  document(): EmitterDocument;
  /** The current document as uWSGI-layout JSON. */
  json(minified?: boolean): string;
  /** The current document as Prometheus text. */
  prometheus(): string;
  /** Stop listening, stop sampling, un-instrument a server instrumented here. Idempotent. */
  close(): Promise<void>;
}

function isHttps(server: HttpServer | HttpsServer | undefined): boolean {
  return server !== undefined && typeof (server as { addContext?: unknown }).addContext === 'function';
}

/**
 * Serve uWSGI-compatible stats for a single (non-cluster) Node.js process.
 *
 * @example
 * const server = http.createServer(handler).listen(8080, '127.0.0.1');
 * const stats = await createStatsServer({ server, listen: { path: '/run/myapp/stats.sock' } });
 * // tsgitop /run/myapp/stats.sock   ·   uwsgi --connect-and-read /run/myapp/stats.sock
 */
export async function createStatsServer(opts: StatsServerOptions): Promise<StatsServer> {
  let owned: Instrumentation | undefined;
  let counters: RequestCounters;
  if (opts.instrumentation) counters = opts.instrumentation.counters;
  else if (opts.counters) counters = opts.counters;
  else if (opts.server) {
    owned = instrument(opts.server, { ...opts.instrumentOptions, ...(opts.requestPaths !== undefined ? { requestPaths: opts.requestPaths } : {}), cluster: false });
    counters = owned.counters;
  } else throw new TypeError('createStatsServer needs a server, an instrumentation or counters');

  const proto = isHttps(opts.server) ? 'https' : 'http';
  const getSockets = (): AppSocket[] => {
    if (opts.sockets) return opts.sockets;
    const s = opts.server ? appSocketFromAddress(opts.server.address(), proto) : undefined;
    if (s && opts.backlog !== undefined) s.backlog = opts.backlog;
    return s ? [s] : [];
  };
  const threaded = opts.thread !== undefined && opts.thread !== false;
  const queueSampleMs = opts.queueSampleMs ?? 1000;
  // with the stats thread, it samples; this one only for document() calls
  const sampler = new ListenQueueSampler(getSockets, threaded ? 0 : queueSampleMs);
  if (!threaded) void sampler.refresh();
  const lastSpawn = Math.floor(Date.now() / 1000 - process.uptime());
  const memory = opts.memory !== false;
  const listening = (): boolean => (opts.server ? opts.server.listening : true);

  const build = (): EmitterDocument => {
    const mem = memory ? readMemory() : { rss: 0, vsz: 0 };
    const q = sampler.figures();
    return singleDocument({ snap: counters.snapshot(), rss: mem.rss, vsz: mem.vsz, ...q, accepting: listening(), lastSpawn });
  };
  const source = new DocumentSource(build, opts.onError);
  if (!threaded) return serveSource(source, opts.listen, { stop: () => sampler.close(), release: () => owned?.close() });

  const answerMs = typeof opts.thread === 'object' ? (opts.thread.answerMs ?? 500) : 500;
  if (!(Number.isFinite(answerMs) && answerMs > 0 && answerMs <= 60_000)) {
    owned?.close();
    throw new EmitterError('EINVAL', `bad thread.answerMs ${String(answerMs)} (milliseconds, > 0 and ≤ 60000)`);
  }
  const listen = opts.listen === undefined ? [] : Array.isArray(opts.listen) ? opts.listen : [opts.listen];
  const open = (): Promise<StatsThread> =>
    startStatsThread({
      counters,
      listen,
      sockets: getSockets,
      listening,
      lastSpawn,
      memory,
      queueSampleMs,
      answerMs,
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
  return serveWith(source, open, { stop: () => sampler.close(), release: () => owned?.close() });
}

/**
 * Open every listener of `listen` on `source` and hand back the server
 * handle both createStatsServer and createClusterStats return. `stop` runs
 * first on close (and when a listener fails to open), before the listeners
 * close; `release` after them.
 */
export function serveSource(
  source: DocumentSource,
  listen: ListenOptions | ListenOptions[] | undefined,
  hooks: { stop(): void; release?(): void },
): Promise<StatsServer> {
  return serveWith(
    source,
    async () => {
      const listeners: StatsListener[] = await listenAll(source, listen);
      return { addresses: listeners.map((l) => l.address), close: async () => void (await Promise.all(listeners.map((l) => l.close()))) };
    },
    hooks,
  );
}

/** {@link serveSource} with the serving opened by `open` (the listeners here, or the stats thread's). */
async function serveWith(
  source: DocumentSource,
  open: () => Promise<{ addresses: string[]; close(): Promise<void> }>,
  hooks: { stop(): void; release?(): void },
): Promise<StatsServer> {
  let served: { addresses: string[]; close(): Promise<void> };
  try {
    served = await open();
  } catch (e) {
    hooks.stop();
    hooks.release?.();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    addresses: served.addresses,
    address: served.addresses[0],
    document: () => source.document(),
    json: (minified = false) => source.json(minified),
    prometheus: () => source.prometheus(),
    close(): Promise<void> {
      closing ??= (async () => {
        hooks.stop();
        await served.close();
        hooks.release?.();
      })();
      return closing;
    },
  };
}
