/**
 * Pieces shared by the socket reader (reader.ts) and the HTTP reader
 * (http.ts): option defaults, the single overall deadline, abort handling,
 * the size cap and the mapping of Node errors to one-line StatsErrors.
 * Internal to the protocol layer (not re-exported from index.ts).
 */
import type { Address } from './address.js';
import { StatsError } from './errors.js';
import { clip } from '../text/sanitize.js';

/** Default overall deadline for connect + read. */
export const DEFAULT_TIMEOUT_MS = 5000;
/**
 * Default cap on the size of one answer: 16 MiB. Derived from real uWSGI
 * 2.0.21: 16 workers × 128 async cores send 0.5 MB idle, and 8.9 MB with
 * every one of the 2048 cores in a request carrying a 3.8 KB cookie (the
 * most uWSGI's default 4 KiB request buffer lets through); 16 MiB is that,
 * rounded up with room to spare. A bigger server needs `--max-bytes`.
 */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** Options for {@link readRaw} / {@link fetchStats}. */
export interface ReadOptions {
  /** One overall deadline for connect + complete read, in ms (default 5000). `Infinity` = none. */
  timeoutMs?: number;
  /** Size cap in bytes (default 16 MiB); the connection is dropped as soon as it is exceeded. */
  maxBytes?: number;
  /** Abort the read; the promise then rejects with `signal.reason` (see reader.ts). */
  signal?: AbortSignal;
  /** A cheaper way to abort, for many reads at once (a fleet): see {@link CancelToken}. */
  cancel?: CancelToken;
}

/**
 * What a fleet uses instead of an AbortController per read (whose signal and
 * listeners cost more than the rest of a small read's bookkeeping): one
 * reusable token per target. While a read runs it sets `onCancel`; the owner
 * cancels by setting `cancelled` and calling `onCancel` (the read then
 * rejects with an Error "aborted"). A read given a cancelled token rejects
 * at once.
 */
export interface CancelToken {
  cancelled: boolean;
  onCancel: (() => void) | undefined;
}

export interface ResolvedOptions {
  timeoutMs: number;
  maxBytes: number;
  signal: AbortSignal | undefined;
  cancel: CancelToken | undefined;
}

/** setTimeout cannot wait longer than this (larger values fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Validate options and fill in defaults. Invalid values are programming errors (RangeError). */
export function resolveOptions(opts: ReadOptions | undefined): ResolvedOptions {
  const timeoutMs = opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
  if (typeof maxBytes !== 'number' || Number.isNaN(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxBytes must be a non-negative number, got ${String(maxBytes)}`);
  }
  return { timeoutMs, maxBytes, signal: opts?.signal, cancel: opts?.cancel };
}

/** `5000` → `5 s`, `1500` → `1.5 s`, `300` → `300 ms`. */
export function formatMs(ms: number): string {
  if (ms >= 1000 && ms % 100 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** `67108864` → `64 MiB`, `1024` → `1 KiB`, `1000` → `1000 bytes`. */
export function formatSize(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * Printable single line of text that may quote server bytes, at most `max`
 * cells: line breaks and tabs fold to one space, every other control (C0,
 * DEL, C1) and bidi override becomes a visible escape (the one sanitizer).
 */
export function oneLine(s: string, max = 200): string {
  return clip(s.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim(), max);
}

/**
 * `received` = bytes read so far, `connecting` = the connection was still being made (both unknown when undefined):
 * what the server did before the deadline — never took the connection, took it and sent nothing (a silent TCP peer
 * may be a --stats-http server, which waits for a request; a uWSGI master busy elsewhere answers nothing either), or
 * sent part of an answer.
 */
export function timeoutError(addr: Address, ms: number, received?: number, connecting?: boolean): StatsError {
  let what = '';
  if (connecting === true) what = ' (the connection was not accepted)';
  else if (received === 0) what = addr.kind === 'tcp' ? ` (nothing received; a --stats-http server needs http://${addr.display}/)` : ' (connected, nothing received: the server is hung or too busy to answer)';
  else if (received !== undefined) what = ` (${received} bytes received)`;
  return new StatsError('TIMEOUT', `no complete answer from ${addr.display} within ${formatMs(ms)}${what}`, { silent: connecting === false && received === 0 });
}

export function tooLargeError(addr: Address, maxBytes: number, declared?: number): StatsError {
  const what = declared === undefined ? '' : ` (it announced ${declared} bytes)`;
  return new StatsError('TOO_LARGE', `answer from ${addr.display} exceeds the size cap of ${formatSize(maxBytes)}${what}`);
}

/** A sink that outgrows its first 64 KiB jumps to this (or the cap, if smaller) at once. */
const SINK_JUMP = 64 * 1024 * 1024;

/**
 * The bytes of one answer, collected into one buffer instead of a list of
 * chunks joined at the end (chunks + their concatenation = 2× the
 * document, plus the garbage chunks until a GC). Its buffer is made when the
 * first bytes arrive, of the start size: 64 KiB, the announced length, or
 * see below (small ones come from Node's shared pool); the first time it is outgrown it jumps straight to
 * the size cap (at most 64 MiB; beyond that it doubles): the memory is
 * uninitialised and only the pages actually written count in RSS, so a
 * read holds the document about once and leaves no trail of outgrown
 * buffers.
 *
 * Without an announced length it starts at 1.25× the last answer's size of
 * the same source (the reader passes the address), or else of any source in
 * this process when that is more than 64 KiB, at most 4 MiB: a monitor reading the same
 * target every second then makes one right-sized buffer per read instead of
 * jumping to the cap each time — a 16 MiB ArrayBuffer per read, untouched or
 * not, counts as external memory and made V8 run a full GC on every read
 * (measured in bench/side.ts: most of the monitor's steady CPU).
 */
let lastLength = 0;
/**
 * Above this the sink starts small and jumps to the cap as before: for huge
 * answers the full GC that the big buffer brings on frees the previous
 * read's garbage before the next parse (the memory bounds of the reliability
 * suite — 48 MiB and 100k-worker documents — depend on it), and one GC per
 * read is small beside parsing them.
 */
const HINT_MAX = 4 * 1024 * 1024;
/** The start size without a better guess. */
const SINK_START = 64 * 1024;
/** Below this Buffer.allocUnsafe takes its bytes from Node's shared pool (no new ArrayBuffer). */
const POOL_BELOW = Buffer.poolSize >>> 1;

/**
 * The last answer's size per source (an address), for a fleet whose targets
 * send documents of different sizes: each read starts from its own target's
 * last size (a 4 KiB answer then costs a 5 KiB buffer, not 64 KiB, and a
 * 100 KiB one no jump to the cap). Bounded: cleared when it holds more
 * than MAX_KEYS sources.
 */
const lastByKey = new Map<string, number>();
const MAX_KEYS = 8192;

/** The start size of a sink for an answer whose last one (from the same source, or any) was `last` bytes. */
function startSize(last: number | undefined, floor: number): number {
  if (last === undefined || last > HINT_MAX) return SINK_START;
  return Math.max(floor, Math.ceil(last * 1.25));
}

export class ByteSink {
  #buf: Buffer | undefined;
  #len = 0;
  readonly #max: number;
  readonly #hint: number;
  readonly #key: string | undefined;
  /** The bytes the answer is expected to be, while every byte so far matched them (nothing copied). */
  #expect: Buffer | undefined;

  /**
   * @param max the size cap
   * @param hint expected size (e.g. a Content-Length)
   * @param key the source (an address): the start size is that source's last answer size, when known
   * @param expect the source's last answer: while the bytes match it nothing is allocated or copied, and
   *   an answer that is all of it is taken as `expect` itself (an idle server's answer read again costs a
   *   comparison, no buffer); at the first byte that differs, what matched is copied and collecting goes on
   *
   * Nothing is allocated until the first byte arrives.
   */
  constructor(max: number, hint?: number, key?: string, expect?: Buffer) {
    this.#max = max;
    this.#key = key;
    this.#expect = expect;
    const known = key === undefined ? undefined : lastByKey.get(key);
    this.#hint = hint ?? (known !== undefined ? startSize(known, 256) : startSize(lastLength, SINK_START));
  }

  get length(): number {
    return this.#len;
  }

  /** Append a chunk; false (and nothing kept) when the cap would be exceeded. */
  push(chunk: Uint8Array): boolean {
    const need = this.#len + chunk.length;
    if (need > this.#max) return false;
    const e = this.#expect;
    if (e !== undefined) {
      if (need <= e.length && e.compare(chunk, 0, chunk.length, this.#len, need) === 0) {
        this.#len = need;
        return true;
      }
      // The first difference: from here on, a buffer of its own holding what matched and the rest.
      this.#expect = undefined;
      const matched = this.#len;
      this.#len = 0;
      if (matched > 0) this.push(e.subarray(0, matched));
      return this.push(chunk);
    }
    if (this.#buf === undefined) {
      const size = Math.max(0, Math.min(Math.max(this.#hint, need), this.#max));
      this.#buf = size < POOL_BELOW ? Buffer.allocUnsafe(size) : Buffer.allocUnsafeSlow(size);
    } else if (need > this.#buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(this.#max, Math.max(need, this.#buf.length * 2, SINK_JUMP)));
      this.#buf.copy(grown, 0, 0, this.#len);
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#len);
    this.#len = need;
    return true;
  }

  /** The bytes so far (a view, not a copy; `expect` itself when they are all of it). */
  take(): Buffer {
    lastLength = this.#len;
    if (this.#key !== undefined) {
      if (lastByKey.size >= MAX_KEYS && !lastByKey.has(this.#key)) lastByKey.clear();
      lastByKey.set(this.#key, this.#len);
    }
    const e = this.#expect;
    if (e !== undefined) return this.#len === e.length ? e : e.subarray(0, this.#len);
    return this.#buf === undefined ? Buffer.alloc(0) : this.#buf.subarray(0, this.#len);
  }
}

/**
 * What an aborted read rejects with: `signal.reason` as is — except the
 * TimeoutError of `AbortSignal.timeout()`, which becomes StatsError TIMEOUT
 * (no signal: a CancelToken was cancelled; an Error "aborted").
 */
export function abortError(addr: Address, signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new StatsError('TIMEOUT', `no complete answer from ${addr.display} before the caller's deadline`, { cause: reason });
  }
  return reason ?? new Error('aborted');
}

interface NodeErr {
  code?: unknown;
  message?: unknown;
}

function errCode(e: unknown): string {
  const c = typeof e === 'object' && e !== null ? (e as NodeErr).code : undefined;
  return typeof c === 'string' ? c : '';
}

function errMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|ISSUER|_SIGNATURE|HOSTNAME/;

/**
 * Map a Node socket / DNS / TLS error to a StatsError (connect or read phase).
 * Unknown errors become NETWORK with the Node message on one line.
 */
export function mapSocketError(addr: Address, e: unknown): StatsError {
  if (e instanceof StatsError) return e;
  const code = errCode(e);
  const d = addr.display;
  const opt = { cause: e };
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new StatsError('NO_SOCKET', `no such socket file: ${d}`, opt);
    case 'EACCES':
    case 'EPERM':
      return new StatsError('PERMISSION', `permission denied connecting to ${d}`, opt);
    case 'ECONNREFUSED':
      if (addr.kind === 'unix') return new StatsError('REFUSED', `nothing is listening on socket file ${d} (connection refused; stale socket?)`, opt);
      if (addr.kind === 'abstract') return new StatsError('REFUSED', `nothing is listening on abstract socket ${d} (connection refused)`, opt);
      return new StatsError('REFUSED', `connection refused by ${d} (nothing listening there)`, opt);
    case 'ETIMEDOUT':
      return new StatsError('TIMEOUT', `connection to ${d} timed out`, opt);
    case 'ECONNRESET':
      return new StatsError('NETWORK', `connection reset by ${d}`, opt);
    case 'EPIPE':
      return new StatsError('NETWORK', `connection to ${d} broken (EPIPE)`, opt);
    case 'ENAMETOOLONG':
      return new StatsError('BAD_ADDRESS', `socket path too long: ${d}`, opt);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL': {
      const host = addr.kind === 'tcp' ? addr.host : addr.kind === 'http' ? addr.url.hostname : d;
      return new StatsError('NETWORK', `cannot resolve host name ${host} (${code})`, opt);
    }
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new StatsError('NETWORK', `cannot reach ${d} (${code})`, opt);
    default:
      if (TLS_CODE.test(code)) {
        return new StatsError('NETWORK', `TLS failure talking to ${d}: ${oneLine(errMessage(e))} (${code})`, opt);
      }
      return new StatsError('NETWORK', `network error talking to ${d}: ${oneLine(errMessage(e))}${code && !errMessage(e).includes(code) ? ` (${code})` : ''}`, opt);
  }
}

/**
 * Settle-once bookkeeping for one read: the overall deadline, the abort
 * listener, and the cleanup that must run however the read ends.
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort: (() => void) | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly cancel: CancelToken | undefined;
  private done = false;

  /**
   * @param onExpire called once when the deadline passes (unless settled first)
   * @param onAbortSignal called once when the signal aborts (unless settled first)
   */
  constructor(o: ResolvedOptions, onExpire: () => void, onAbortSignal: () => void) {
    if (Number.isFinite(o.timeoutMs) && o.timeoutMs <= MAX_TIMER_MS) {
      this.timer = setTimeout(() => {
        if (!this.done) onExpire();
      }, o.timeoutMs);
    }
    this.signal = o.signal;
    if (this.signal) {
      this.onAbort = () => {
        if (!this.done) onAbortSignal();
      };
      this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
    this.cancel = o.cancel;
    if (this.cancel) {
      this.cancel.onCancel = () => {
        if (!this.done) onAbortSignal();
      };
    }
  }

  get settled(): boolean {
    return this.done;
  }

  /** Mark settled and release the timer and the abort listener. Returns false if already settled. */
  settle(): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
    if (this.cancel) this.cancel.onCancel = undefined;
    return true;
  }
}
