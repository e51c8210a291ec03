/**
 * Request instrumentation for a `node:http` / `node:https` server (and so
 * for Express, Koa, Fastify… which all sit on one).
 *
 * How a request is observed (cheaply — no closure is allocated per request):
 * - start: the server's `emit('request' | 'checkContinue' | 'checkExpectation')`
 *   is wrapped, so the request is seen before any app listener runs, and a
 *   handler that throws synchronously is counted as an exception (the error
 *   is re-thrown unchanged, so the app's own error behaviour is kept).
 * - end, exactly once, at the first of: the response's `'close'` event
 *   (seen by giving the response an own `emit` that peeks at the event
 *   name and calls the original — one property store per request, and no
 *   behaviour change: an unhandled response `'error'` still throws exactly
 *   as before), or the socket's `'close'`. Node emits the response's
 *   `'close'` after a completed response and when the client disconnects
 *   during it, but NOT for pipelined responses still queued behind the
 *   first on a socket that dies (Node 20); those — a response that has no
 *   socket yet when its request is emitted — are ended by the socket's
 *   `'close'` (one listener per connection, installed only on a connection
 *   that pipelines), which ends every queued request still open on it; a
 *   request whose socket closed before it was emitted ends at once. So whatever the client does
 *   (pipelining, abort, half-close, a server timeout) every started request
 *   frees its core slot and is counted once.
 * - tx: the socket's `bytesWritten` since the bytes already counted on it
 *   (watermark kept on the socket). That counts what was handed to the
 *   socket: status line + headers + body (+ chunked framing), the same
 *   bytes uWSGI counts (headers_size + response_size); keep-alive and
 *   pipelining are covered, as Node writes a socket's responses in order.
 *   For TLS it is the plaintext bytes. It is read when the counters are
 *   read (a snapshot, `counters.tx`), once per connection that ended a
 *   response since, not once per response (see {@link TxCollector}).
 *   Bytes a socket carries after it leaves HTTP (`'upgrade'`, `'connect'`)
 *   or that node writes outside a counted response after a `'clientError'`
 *   or `'dropRequest'` are not counted; a 400 node writes for a request
 *   without Host, or a 417, can be counted with that connection's responses
 *   (as before: they lie between two counted responses' watermarks).
 * - exceptions (at most one per request): a synchronous throw from a
 *   request handler (when nothing handles it and the process is about to
 *   die, the request is ended and reported at once — in a cluster worker
 *   the report is sent to the primary before the error propagates); a
 *   response `'error'` event; a response with status
 *   ≥ 500 (`countStatus5xx`, default true — how Express/Fastify report a
 *   failed handler); or {@link Instrumentation.recordException}.
 * - write_errors: the response was not completely written (client gone);
 *   read_errors: the request body was not completely received (not counted
 *   for a handler that threw synchronously: Node's parser had not finished
 *   the request yet, body or none — the throw is the exception counted).
 *
 * Nothing about the request's content (URL, headers, body, env) is read
 * or stored: only timings, byte counts and status codes — and, when the
 * owner opts in with `requestPaths: true`, the method and the path without
 * its query string of each in-flight request (dropped when it ends).
 */
import cluster from 'node:cluster';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { RequestCounters, DEFAULT_MAX_CORES } from './counters.js';
import { EmitterError } from './errors.js';
import { acquireWorkerReporter, reportNow, MAX_PATH_CHARS, type WorkerReporterOptions } from './ipc.js';

export interface InstrumentOptions {
  /** Concurrent request slots reported as cores (default 64); more concurrent requests share one overflow core. */
  maxCores?: number;
  /** Count responses with status ≥ 500 as exceptions (default true). */
  countStatus5xx?: boolean;
  /** Count a synchronous throw from a request handler as an exception (default true). */
  countThrows?: boolean;
  /** Count a response `'error'` event as an exception (default true). Handled or not, the event itself is untouched. */
  countResponseErrors?: boolean;
  /**
   * Keep the method and the path (without query string or fragment, at most
   * 1024 characters) of each in-flight request, so the stats show them as
   * uWSGI's `vars` `REQUEST_METHOD` and `PATH_INFO` (default false). Nothing
   * else about a request — query, headers, cookies, body — is ever read.
   */
  requestPaths?: boolean;
  /**
   * Counters to account into. Default: this process's shared counters
   * (every instrumented server of a process adds up into one uWSGI
   * "worker"). Pass your own for isolation (tests, several stats servers).
   */
  counters?: RequestCounters;
  /**
   * Report the counters to a node:cluster primary running
   * `createClusterStats()`. `'auto'` (default): when this process is a
   * cluster worker and `counters` is the shared process counters.
   */
  cluster?: boolean | 'auto';
  /** Reporting cadence when reporting to a cluster primary. */
  report?: WorkerReporterOptions;
}

/** A handle on one instrumented server. */
export interface Instrumentation {
  /** The counters this server accounts into. */
  readonly counters: RequestCounters;
  /** Count the request this response belongs to as an exception (at most once), e.g. from an async error handler. */
  recordException(res: ServerResponse): void;
  /**
   * Stop instrumenting the server (in-flight requests are still accounted when they end; then nothing of this
   * instrumentation stays on the counters). Idempotent.
   */
  close(): void;
}

type AnyServer = HttpServer | HttpsServer;

interface ReqState {
  /** The response's emit before we wrapped it. */
  emit: (...args: unknown[]) => boolean;
  res: StatefulRes;
  countResponseErrors: boolean;
  slot: number;
  start: number;
  exception: boolean;
  /** Its handler threw synchronously: it ended before Node's parser finished the request (no read error then). */
  threw: boolean;
  ended: boolean;
  /** Queued behind another response on its socket (in the socket's open list). */
  queued: boolean;
  counters: RequestCounters;
  /** Where the bytes of the request's response are counted. */
  tx: TxCollector;
  countStatus5xx: boolean;
  req: IncomingMessage;
}

const kState = Symbol('tsgitop.request');
const kTxMark = Symbol('tsgitop.txMark');
const kInstrumented = Symbol('tsgitop.instrumented');
const kOpen = Symbol('tsgitop.open');
const kWatched = Symbol('tsgitop.watched');

type StatefulRes = ServerResponse & { [kState]?: ReqState };
/**
 * A socket we saw a request on: its tx watermark (bytes written on it that
 * are counted or not to be counted; stored as `-1 - mark` while a counted
 * response ended on it since — it is then in its server's {@link TxCollector}),
 * its queued requests still open (in start order), whether we listen to its
 * 'close'.
 */
type MarkedSocket = Socket & { [kTxMark]?: number; [kOpen]?: ReqState[]; [kWatched]?: boolean };

let processCounters: RequestCounters | undefined;

/** This process's shared counters (created on first use with the given slot count). */
export function getProcessCounters(maxCores = DEFAULT_MAX_CORES): RequestCounters {
  processCounters ??= new RequestCounters(maxCores);
  return processCounters;
}

const timeOrigin = performance.timeOrigin;

function socketBytes(sock: MarkedSocket | null | undefined): number {
  if (!sock) return 0;
  try {
    const b = sock.bytesWritten;
    return typeof b === 'number' && b >= 0 ? b : 0;
  } catch {
    return 0;
  }
}

/** Sockets collected at once when no read of the counters came first (bounds what the collector keeps). */
const TX_BATCH = 256;

/**
 * The bytes of a server's responses, counted per connection and when the
 * counters are read instead of once per response: a response that ends only
 * marks its socket (the first since the last read puts it in a list); a read
 * of `tx` (every snapshot: a report to the primary, a stats read) adds each
 * listed socket's `bytesWritten` since its watermark. Reading
 * `bytesWritten` (a native accessor behind two getters) was about half of what
 * the instrumentation cost per keep-alive request (valgrind, bench/results/emitter.md 4a); now it is read once per
 * connection per read of the counters. A read sees what it saw before, the
 * bytes of every counted response that ended before it, with one
 * difference: on a connection that ended a counted response since the
 * previous read and is writing a later one at the moment of the read, the
 * later response's bytes written so far are counted by this read instead
 * of at its end (early, never twice: at most one response's first bytes
 * per such connection). Waiting for such a connection to be idle instead
 * would hide its finished responses' bytes for as long as it stays busy.
 */
class TxCollector {
  private sockets: MarkedSocket[] = [];
  /** Requests started and not ended yet. */
  open = 0;
  /** The instrumentation was closed: unregister once {@link open} is 0. */
  closed = false;
  private unregister: (() => void) | undefined;
  constructor(private readonly counters: RequestCounters) {
    this.unregister = counters.addTxSource(this.collect);
  }

  /** The instrumentation closed: stop being a tx source of the counters once no request of it is open. */
  close(): void {
    this.closed = true;
    if (this.open === 0) this.release();
  }

  /** Unregister from the counters (asked a last time first: nothing is lost). */
  release(): void {
    const un = this.unregister;
    this.unregister = undefined;
    un?.();
  }

  /** A counted response ended on `sock`. */
  ended(sock: MarkedSocket): void {
    const mark = sock[kTxMark] ?? 0;
    if (mark < 0) return; // already listed
    sock[kTxMark] = -1 - mark;
    if (this.sockets.push(sock) >= TX_BATCH) void this.counters.tx; // collects (nobody read for a while)
  }

  /** The bytes written on the listed sockets since their watermarks (the counters' tx source). */
  readonly collect = (): number => {
    const list = this.sockets;
    const n = list.length;
    if (n === 0) return 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const sock = list[i]!;
      const mark = -1 - sock[kTxMark]!;
      const bw = socketBytes(sock);
      if (bw > mark) {
        bytes += bw - mark;
        sock[kTxMark] = bw;
      } else sock[kTxMark] = mark;
    }
    list.length = 0;
    return bytes;
  };
}

/** Account the end of a request, once (the response or its socket closed). */
function endRequest(st: ReqState): void {
  if (st.ended) return;
  st.ended = true;
  const res = st.res;
  const rt = (performance.now() - st.start) * 1000;
  const sock = (st.req.socket ?? res.socket) as MarkedSocket | null;
  const tx = st.tx;
  if (sock) {
    const open = st.queued ? sock[kOpen] : undefined;
    if (open !== undefined) {
      // usually the first (responses end in order); a linear search otherwise
      if (open[0] === st) open.shift();
      else {
        const i = open.indexOf(st);
        if (i >= 0) open.splice(i, 1);
      }
    }
    tx.ended(sock);
  }
  st.counters.endWith(st.slot, rt, 0, st.exception || (st.countStatus5xx && res.statusCode >= 500), !res.writableFinished, st.req.complete === false && !st.threw);
  if (--tx.open === 0 && tx.closed) tx.release(); // the closed server's last request: its bytes are in, stop being a source
}

/** A socket closed: end every request still open on it (pipelined responses queued on a dead socket get no 'close'). */
function socketClosed(this: MarkedSocket): void {
  const open = this[kOpen];
  if (open === undefined || open.length === 0) return;
  for (const st of open.splice(0)) {
    try {
      endRequest(st);
    } catch {
      // accounting must never break the app
    }
  }
}

/** The response's own `emit` (shared function; `this` is the response). */
function responseEmit(this: StatefulRes, event: string | symbol): boolean {
  const st = this[kState]!;
  if (!st.ended) {
    if (event === 'close') {
      try {
        endRequest(st);
      } catch {
        // accounting must never break the app
      }
    } else if (event === 'error' && st.countResponseErrors) st.exception = true;
  }
  // a response's own events carry no argument ('prefinish', 'finish', 'close') or one ('error'): called with
  // exactly the arguments given, without forwarding `arguments` (a varargs builtin call per event)
  const n = arguments.length;
  if (n === 1) return st.emit.call(this, event);
  // eslint-disable-next-line prefer-rest-params
  if (n === 2) return st.emit.call(this, event, arguments[1]);
  // eslint-disable-next-line prefer-rest-params
  return st.emit.apply(this, arguments as unknown as unknown[]);
}

/**
 * The path of a request target without query string or fragment: for an
 * absolute-form target (`http://user:pw@host/p?q`) only its path; cut to
 * {@link MAX_PATH_CHARS}.
 */
export function pathOnly(url: string | undefined): string {
  if (url === undefined || url === '') return '';
  let u = url;
  if (u.charCodeAt(0) !== 47 /* / */ && u !== '*') {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(u);
    if (m) u = u.slice(m[0].length) || '/';
  }
  let end = u.length;
  const q = u.indexOf('?');
  if (q >= 0) end = q;
  const h = u.indexOf('#');
  if (h >= 0 && h < end) end = h;
  if (end > MAX_PATH_CHARS) end = MAX_PATH_CHARS;
  return end === u.length ? u : u.slice(0, end);
}

/** Will an error thrown now kill the process (nothing handles uncaught exceptions)? */
function throwIsFatal(): boolean {
  // ('uncaughtExceptionMonitor' listeners only watch: the process still dies)
  return process.listenerCount('uncaughtException') === 0 && !process.hasUncaughtExceptionCaptureCallback();
}

/** An HTTP/2 server (node:http2)? Its compatibility API emits 'request' but writes through streams, not sockets. */
function isHttp2Server(server: object): boolean {
  const name = (server as { constructor?: { name?: unknown } }).constructor?.name;
  return name === 'Http2Server' || name === 'Http2SecureServer';
}

/**
 * Instrument an HTTP(S) server: count requests, in-flight requests, bytes
 * sent, exceptions, response times and per-slot (core) activity.
 *
 * In a node:cluster worker this also starts reporting the counters to the
 * primary (see `createClusterStats`), unless `cluster: false`.
 *
 * @example
 * const server = http.createServer(app);
 * const inst = instrument(server);
 * server.listen(8080);
 */
export function instrument(server: AnyServer, opts: InstrumentOptions = {}): Instrumentation {
  const counters = opts.counters ?? getProcessCounters(opts.maxCores);
  const countStatus5xx = opts.countStatus5xx !== false;
  const countThrows = opts.countThrows !== false;
  const countResponseErrors = opts.countResponseErrors !== false;
  const requestPaths = opts.requestPaths === true;
  if (isHttp2Server(server)) {
    throw new EmitterError(
      'ENOTSUP',
      'tsgitop: HTTP/2 servers (node:http2) are not instrumented; serve the app with node:http or node:https (an HTTP/1.1 listener) to count it',
    );
  }
  const s = server as AnyServer & { [kInstrumented]?: boolean };
  if (s[kInstrumented]) {
    throw new EmitterError(
      'EALREADY',
      'tsgitop: this server is already instrumented; call instrument() once per server (createStatsServer({ server }) instruments it itself: pass { instrumentation } or { counters } instead, or close() the first instrumentation)',
    );
  }
  s[kInstrumented] = true;

  const origEmit = server.emit as (...args: unknown[]) => boolean;
  // registers itself as a tx source of the counters; after close() it stays until the server's last open request ended
  const tx = new TxCollector(counters);
  let closed = false;
  const start = (req: IncomingMessage, res: StatefulRes): void => {
    if (res[kState] !== undefined) return; // re-emitted (e.g. checkContinue → request)
    const now = performance.now();
    const sock = req.socket as MarkedSocket | null;
    const st: ReqState = {
      emit: res.emit as (...args: unknown[]) => boolean,
      res,
      countResponseErrors,
      slot: requestPaths
        ? counters.begin(Math.floor((timeOrigin + now) / 1000), (req.method ?? '').slice(0, MAX_PATH_CHARS), pathOnly(req.url))
        : counters.begin(Math.floor((timeOrigin + now) / 1000)),
      start: now,
      exception: false,
      threw: false,
      ended: false,
      queued: false,
      counters,
      tx,
      countStatus5xx,
      req,
    };
    res[kState] = st;
    res.emit = responseEmit as typeof res.emit;
    tx.open++;
    if (sock) {
      if (sock[kTxMark] === undefined) sock[kTxMark] = socketBytes(sock);
      if (sock.destroyed && sock.closed) {
        // already dead (destroyed before the request was dispatched): 'close' was emitted, the response will get none
        endRequest(st);
      } else if (res.socket !== sock) {
        // queued behind a response still being written (pipelining): Node gives it no 'close' if the socket dies
        st.queued = true;
        const open = sock[kOpen];
        if (open === undefined) sock[kOpen] = [st];
        else open.push(st);
        if (sock[kWatched] !== true) {
          sock[kWatched] = true;
          sock.on('close', socketClosed);
        }
      }
    }
  };

  // `arguments` is forwarded as-is: no array is allocated per emitted event.
  const patchedEmit = function (this: AnyServer, event: string | symbol): boolean {
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as unknown[];
    if ((event !== 'request' && event !== 'checkContinue' && event !== 'checkExpectation') || closed) {
      // (closed: close() could not unwrap because another wrapper sits on top of ours; pass everything through)
      if (event === 'upgrade' || event === 'connect' || event === 'clientError' || event === 'dropRequest') {
        // the socket leaves HTTP or gets an answer outside a counted response: count its
        // responses' bytes now, before anything else is written on it
        void counters.tx;
      }
      return origEmit.apply(this, args);
    }
    const res = args[2] as StatefulRes;
    try {
      start(args[1] as IncomingMessage, res);
    } catch {
      // accounting must never break the app
    }
    // 'request' & co. carry (req, res): called with exactly those, without forwarding `arguments`
    const exact = args.length === 3;
    if (!countThrows) return exact ? origEmit.call(this, event, args[1], res) : origEmit.apply(this, args);
    try {
      return exact ? origEmit.call(this, event, args[1], res) : origEmit.apply(this, args);
    } catch (err) {
      const st = res[kState];
      if (st && !st.ended) {
        st.exception = true;
        st.threw = true;
        if (throwIsFatal()) {
          // the process is about to die: count the request now, and push the report before it goes
          try {
            endRequest(st);
            reportNow();
          } catch {
            // accounting must never break the app
          }
        }
      }
      throw err;
    }
  };
  server.emit = patchedEmit as typeof server.emit;

  const reportToCluster =
    opts.cluster === true ||
    (opts.cluster !== false && cluster.isWorker && typeof process.send === 'function' && counters === processCounters);
  const release = reportToCluster ? acquireWorkerReporter(counters, opts.report) : undefined;

  return {
    counters,
    recordException(res: ServerResponse): void {
      const st = (res as StatefulRes)[kState];
      if (st && !st.ended) st.exception = true;
    },
    close(): void {
      if (closed) return;
      closed = true;
      if (server.emit === (patchedEmit as typeof server.emit)) server.emit = origEmit as typeof server.emit;
      s[kInstrumented] = false;
      release?.();
      tx.close();
    },
  };
}
