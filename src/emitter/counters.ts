/**
 * Per-process request accounting with uWSGI's semantics. Pure: no I/O, no
 * clocks (callers pass times), so every rule is unit-testable.
 *
 * - A request is counted (worker and core `requests`, `delta_requests`) when
 *   it ENDS, like uWSGI's `uwsgi_close_request()`; in-flight requests show
 *   as `in_request` on their core.
 * - `running_time += rt` and `avg_rt = floor((avg_rt + rt) / 2)` per
 *   finished request, rt in microseconds — exactly uWSGI's formula (an
 *   exponential moving average with weight 1/2, integer arithmetic), not
 *   an arithmetic mean.
 * - A "core" is a concurrent-request slot: a starting request takes the
 *   lowest free slot id, a finished or aborted request frees it. There are
 *   `maxCores` slots (default 16), all always reported (uWSGI reports every
 *   thread/async core of a worker, busy or not, so a worker's core count
 *   never changes); when all are busy, further concurrent requests share
 *   the last one (id `maxCores - 1`), which stays in a request until all
 *   of its requests have ended.
 * - With request paths on (opt-in), a busy core also keeps the method and
 *   the path (without query) of its request, for uWSGI's `vars`.
 */

import { TextDecoder, TextEncoder } from 'node:util';

/** What the app server knows about one finished request. */
export interface RequestOutcome {
  /** Response time in microseconds. */
  rtMicros: number;
  /** Bytes written to the client for this response (status line + headers + body). */
  txBytes: number;
  /** Counted as an exception (handler threw, response error, or 5xx). */
  exception: boolean;
  /** The response could not be completely written (client went away). */
  writeError: boolean;
  /** The request body could not be completely read (client aborted the upload). */
  readError: boolean;
}

/** A compact, structured-clone/JSON friendly snapshot of the counters (the IPC payload). */
export interface CountersSnapshot {
  requests: number;
  exceptions: number;
  tx: number;
  runningTime: number;
  avgRt: number;
  inFlight: number;
  /**
   * Per core (ids 0…maxCores-1, all of them), 5 numbers: requests,
   * exceptions, write_errors, read_errors, request_start (unix seconds of
   * the in-flight request, 0 if idle).
   */
  cores: number[];
  /** Always false since cores are a fixed set (kept for the IPC layout; older versions reported an extra overflow core). */
  overflow: boolean;
  maxCores: number;
  /**
   * With request paths on: per core, method and path (without query) of
   * its in-flight request (`''`, `''` when idle). Absent otherwise.
   */
  paths?: string[];
}

/** Numbers per core in {@link CountersSnapshot.cores}. */
export const CORE_FIELDS = 5;

export const DEFAULT_MAX_CORES = 16;

export class RequestCounters {
  /** Finished requests. */
  requests = 0;
  /** Finished requests counted as exceptions. */
  exceptions = 0;
  /** Bytes sent (including what the {@link addTxSource} sources have not handed in yet). */
  get tx(): number {
    this.collectTx();
    return this.txCounted;
  }
  private txCounted = 0;
  /** Sources of bytes sent that are counted when read (see {@link addTxSource}). */
  private readonly txSources: Array<() => number> = [];
  /** Sum of response times, µs. */
  runningTime = 0;
  /** uWSGI's running average response time, µs. */
  avgRt = 0;
  /** Requests in flight (all slots, overflow included). */
  inFlight = 0;
  /** Called after every begin()/end() (used to push a fresh report to a cluster primary). Must not throw. */
  onChange: (() => void) | undefined = undefined;

  readonly maxCores: number;
  private readonly coreRequests: Float64Array;
  private readonly coreExceptions: Float64Array;
  private readonly coreWriteErrors: Float64Array;
  private readonly coreReadErrors: Float64Array;
  /** Unix seconds the slot's current request started (0 = free). For a shared last slot: the oldest-known start. */
  private readonly coreStart: Float64Array;
  /** Requests in flight on the slot (1 at most, except the last slot when shared). */
  private readonly coreBusy: Int32Array;
  /** Method and path of the slot's request (request paths on), '' when idle. */
  private readonly coreMethod: string[];
  private readonly corePath: string[];
  private pathsOn = false;
  /** Every slot below `hint` is busy. */
  private hint = 0;
  /** The shared mirror (see {@link share}), once asked for. */
  private mirror: SharedCounters | undefined;

  constructor(maxCores = DEFAULT_MAX_CORES) {
    if (!Number.isInteger(maxCores) || maxCores < 1 || maxCores > 4096) {
      throw new RangeError(`maxCores must be an integer in 1..4096, got ${String(maxCores)}`);
    }
    this.maxCores = maxCores;
    this.coreRequests = new Float64Array(maxCores);
    this.coreExceptions = new Float64Array(maxCores);
    this.coreWriteErrors = new Float64Array(maxCores);
    this.coreReadErrors = new Float64Array(maxCores);
    this.coreStart = new Float64Array(maxCores);
    this.coreBusy = new Int32Array(maxCores);
    this.coreMethod = new Array<string>(maxCores).fill('');
    this.corePath = new Array<string>(maxCores).fill('');
  }

  /**
   * A request starts: take the lowest free slot (or share the last one).
   * @param startUnixSec wall-clock start, unix seconds (for `req_info.request_start`)
   * @param method with `path`: the request's method and path without query (request paths on only)
   * @returns the slot id to pass to {@link end}
   */
  begin(startUnixSec: number, method?: string, path?: string): number {
    this.inFlight++;
    const max = this.maxCores;
    const busy = this.coreBusy;
    let i = this.hint;
    while (i < max && busy[i] !== 0) i++;
    if (i < max) this.hint = i + 1;
    else {
      i = max - 1; // all busy: share the last slot
      this.hint = max;
    }
    if (busy[i] === 0) {
      this.coreStart[i] = startUnixSec;
      if (method !== undefined) {
        this.pathsOn = true;
        this.coreMethod[i] = method;
        this.corePath[i] = path ?? '';
      }
    }
    busy[i] = busy[i]! + 1;
    if (this.mirror !== undefined) this.publish(i);
    this.onChange?.();
    return i;
  }

  /** A request ended (finished or aborted): account it and free its slot. */
  end(slot: number, o: RequestOutcome): void {
    this.endWith(slot, o.rtMicros, o.txBytes, o.exception, o.writeError, o.readError);
  }

  /** {@link end} with the outcome as arguments (the instrumentation's path: no object per request). */
  endWith(slot: number, rtMicros: number, txBytes: number, exception: boolean, writeError: boolean, readError: boolean): void {
    const busy = this.coreBusy;
    if (!(slot >= 0 && slot < this.maxCores) || busy[slot] === 0) return; // unknown or double end
    this.inFlight--;
    const left = busy[slot]! - 1;
    busy[slot] = left;
    if (left === 0) {
      this.coreStart[slot] = 0;
      this.coreMethod[slot] = '';
      this.corePath[slot] = '';
      if (slot < this.hint) this.hint = slot;
    }
    const rt = rtMicros > 0 ? Math.floor(rtMicros) : 0;
    this.runningTime += rt;
    this.avgRt = Math.floor((this.avgRt + rt) / 2);
    this.requests++;
    this.coreRequests[slot]!++;
    if (txBytes > 0) this.txCounted += txBytes;
    if (exception) {
      this.exceptions++;
      this.coreExceptions[slot]!++;
    }
    if (writeError) this.coreWriteErrors[slot]!++;
    if (readError) this.coreReadErrors[slot]!++;
    if (this.mirror !== undefined) this.publish(slot);
    this.onChange?.();
  }

  /**
   * Add a source of bytes sent that is asked for them only when `tx` is
   * read (a snapshot included) rather than once per request. It returns the
   * bytes sent since it was last asked (0 if none) and must not throw. It
   * must count a finished request's bytes by the first read after the
   * request ended, so that every read still sees the bytes of every request
   * ended before it (what makes this lazy and not late).
   * @returns remove (the source is asked a last time first)
   */
  addTxSource(source: () => number): () => void {
    this.txSources.push(source);
    return () => {
      const i = this.txSources.indexOf(source);
      if (i < 0) return;
      this.collectTx();
      this.txSources.splice(i, 1);
    };
  }

  private collectTx(): void {
    const sources = this.txSources;
    for (let i = 0; i < sources.length; i++) {
      const n = sources[i]!();
      if (n > 0) this.txCounted += n;
    }
    const m = this.mirror;
    if (m !== undefined) {
      Atomics.add(m.seq, 0, 1);
      m.nums[H_TX] = this.txCounted;
      Atomics.add(m.seq, 0, 1);
    }
  }

  /**
   * Mirror these counters into shared memory, from now on updated by every
   * begin/end (and `tx` when it is read), so another thread can read them
   * while this one is busy or blocked — {@link readShared}. Idempotent.
   * The method and path of in-flight requests are mirrored too (request
   * paths on), cut to {@link SHARED_PATH_BYTES} bytes of UTF-8.
   */
  share(): SharedArrayBuffer {
    if (this.mirror === undefined) {
      const n = this.maxCores;
      const sab = new SharedArrayBuffer(sharedSize(n));
      const m = sharedViews(sab, n);
      this.mirror = m;
      for (let i = 0; i < n; i++) this.publish(i);
      void this.tx; // publishes tx
    }
    return this.mirror.sab;
  }

  /** Write the totals and one slot's figures to the mirror (a seqlock: the reader retries a torn read). */
  private publish(slot: number): void {
    const m = this.mirror!;
    const nums = m.nums;
    Atomics.add(m.seq, 0, 1);
    nums[H_REQUESTS] = this.requests;
    nums[H_EXCEPTIONS] = this.exceptions;
    nums[H_RUNNING] = this.runningTime;
    nums[H_AVG] = this.avgRt;
    nums[H_INFLIGHT] = this.inFlight;
    const o = HEADER_NUMS + slot * SHARED_CORE_NUMS;
    const busy = this.coreBusy[slot]!;
    nums[o] = this.coreRequests[slot]!;
    nums[o + 1] = this.coreExceptions[slot]!;
    nums[o + 2] = this.coreWriteErrors[slot]!;
    nums[o + 3] = this.coreReadErrors[slot]!;
    nums[o + 4] = busy > 0 ? Math.max(1, this.coreStart[slot]!) : 0;
    if (this.pathsOn) {
      m.flags[0] = 1;
      m.methodLen[slot] = busy > 0 ? m.encoder.encodeInto(this.coreMethod[slot]!, m.method[slot]!).written : 0;
      m.pathLen[slot] = busy > 0 ? m.encoder.encodeInto(this.corePath[slot]!, m.path[slot]!).written : 0;
    }
    Atomics.add(m.seq, 0, 1);
  }

  /** Is the slot currently serving a request? */
  isBusy(slot: number): boolean {
    return (this.coreBusy[slot] ?? 0) > 0;
  }

  /** Snapshot for the stats document / IPC: every core, ids 0…maxCores-1. */
  snapshot(): CountersSnapshot {
    const n = this.maxCores;
    const cores: number[] = new Array<number>(n * CORE_FIELDS);
    let k = 0;
    for (let i = 0; i < n; i++) {
      cores[k++] = this.coreRequests[i]!;
      cores[k++] = this.coreExceptions[i]!;
      cores[k++] = this.coreWriteErrors[i]!;
      cores[k++] = this.coreReadErrors[i]!;
      cores[k++] = this.coreBusy[i]! > 0 ? Math.max(1, this.coreStart[i]!) : 0;
    }
    const snap: CountersSnapshot = {
      requests: this.requests,
      exceptions: this.exceptions,
      tx: this.tx,
      runningTime: this.runningTime,
      avgRt: this.avgRt,
      inFlight: this.inFlight,
      cores,
      overflow: false,
      maxCores: this.maxCores,
    };
    if (this.pathsOn) {
      const paths = new Array<string>(n * 2);
      for (let i = 0; i < n; i++) {
        paths[2 * i] = this.coreMethod[i]!;
        paths[2 * i + 1] = this.corePath[i]!;
      }
      snap.paths = paths;
    }
    return snap;
  }
}

// ---- The shared mirror ------------------------------------------------------
// Layout of the SharedArrayBuffer (little-endian, as the host):
//   Int32 [0] seq (odd while being written), [1] flags (1: request paths on)
//   Float64 from byte 8: the totals (HEADER_NUMS), then per core SHARED_CORE_NUMS:
//     requests, exceptions, write_errors, read_errors, request_start (0 idle)
//   Uint16 per core: method length, path length (bytes)
//   bytes per core: method (SHARED_METHOD_BYTES), path (SHARED_PATH_BYTES)

const H_REQUESTS = 1;
const H_EXCEPTIONS = 2;
const H_TX = 3;
const H_RUNNING = 4;
const H_AVG = 5;
const H_INFLIGHT = 6;
const HEADER_NUMS = 8;
const SHARED_CORE_NUMS = CORE_FIELDS;
/** Bytes of UTF-8 kept of an in-flight request's method in the shared mirror. */
export const SHARED_METHOD_BYTES = 16;
/** Bytes of UTF-8 kept of an in-flight request's path in the shared mirror. */
export const SHARED_PATH_BYTES = 1024;

export interface SharedCounters {
  sab: SharedArrayBuffer;
  seq: Int32Array;
  flags: Int32Array;
  nums: Float64Array;
  methodLen: Uint16Array;
  pathLen: Uint16Array;
  method: Uint8Array[];
  path: Uint8Array[];
  encoder: TextEncoder;
}

function sharedSize(maxCores: number): number {
  return 8 * (HEADER_NUMS + maxCores * SHARED_CORE_NUMS) + 4 * maxCores + maxCores * (SHARED_METHOD_BYTES + SHARED_PATH_BYTES);
}

function sharedViews(sab: SharedArrayBuffer, maxCores: number): SharedCounters {
  const numsEnd = 8 * (HEADER_NUMS + maxCores * SHARED_CORE_NUMS);
  const lens = numsEnd;
  const bytes = lens + 4 * maxCores;
  const method: Uint8Array[] = [];
  const path: Uint8Array[] = [];
  for (let i = 0; i < maxCores; i++) {
    const o = bytes + i * (SHARED_METHOD_BYTES + SHARED_PATH_BYTES);
    method.push(new Uint8Array(sab, o, SHARED_METHOD_BYTES));
    path.push(new Uint8Array(sab, o + SHARED_METHOD_BYTES, SHARED_PATH_BYTES));
  }
  return {
    sab,
    seq: new Int32Array(sab, 0, 1),
    flags: new Int32Array(sab, 4, 1),
    nums: new Float64Array(sab, 0, HEADER_NUMS + maxCores * SHARED_CORE_NUMS),
    methodLen: new Uint16Array(sab, lens, maxCores),
    pathLen: new Uint16Array(sab, lens + 2 * maxCores, maxCores),
    method,
    path,
    encoder: new TextEncoder(),
  };
}

/** The number of cores a shared mirror made by {@link RequestCounters.share} holds. */
export function sharedMaxCores(sab: SharedArrayBuffer): number {
  // size = 64 + n * (8 * CORE + 4 + METHOD + PATH)
  return Math.round((sab.byteLength - 8 * HEADER_NUMS) / (8 * SHARED_CORE_NUMS + 4 + SHARED_METHOD_BYTES + SHARED_PATH_BYTES));
}

/** How long {@link readShared} waits for a write in progress before it answers with the last whole read. */
export const SHARED_WAIT_MS = 100;

/**
 * What {@link readShared} keeps between reads of one mirror: its views, a
 * decoder, and the last whole read (the answer while a write holds the lock
 * for longer than `waitMs`).
 */
export interface SharedReader {
  v?: SharedCounters;
  decoder?: TextDecoder;
  last?: CountersSnapshot;
  /** Default {@link SHARED_WAIT_MS}. */
  waitMs?: number;
}

/**
 * A snapshot of counters from their shared mirror ({@link RequestCounters.share}),
 * from any thread. Never a torn read: a read that a concurrent write tore is
 * retried; a write that holds the lock for longer than `waitMs` (its thread
 * lost the CPU, or paused for garbage collection, mid-write) gets the last
 * whole read kept in `reader`. With no whole read yet, it waits for one (up to
 * 10 × `waitMs`: only a writer that died mid-write outlasts that).
 */
export function readShared(sab: SharedArrayBuffer, reader: SharedReader = {}): CountersSnapshot {
  const n = sharedMaxCores(sab);
  const m = (reader.v ??= sharedViews(sab, n));
  const waitMs = reader.waitMs ?? SHARED_WAIT_MS;
  // Copy inside the lock's window (a few hundred bytes, and the texts of the busy cores), decode after.
  let nums: Float64Array = m.nums; // replaced by a copy: every attempt that gets to read takes one
  let texts: Array<Uint8Array | undefined> | undefined;
  let started = 0;
  for (let attempt = 0; ; attempt++) {
    const before = Atomics.load(m.seq, 0);
    if ((before & 1) === 0) {
      nums = m.nums.slice();
      texts = undefined;
      if (m.flags[0] === 1) {
        texts = new Array<Uint8Array | undefined>(2 * n);
        for (let i = 0; i < n; i++) {
          if (!(nums[HEADER_NUMS + i * SHARED_CORE_NUMS + 4]! > 0)) continue;
          texts[2 * i] = m.method[i]!.slice(0, Math.min(m.methodLen[i]!, SHARED_METHOD_BYTES));
          texts[2 * i + 1] = m.path[i]!.slice(0, Math.min(m.pathLen[i]!, SHARED_PATH_BYTES));
        }
      }
      if (Atomics.load(m.seq, 0) === before) break;
    }
    // A write takes a few stores: spin a little, then wait for it 0.1 ms at a time, bounded in time.
    if (attempt < 100) continue;
    const now = performance.now();
    if (started === 0) started = now;
    const waited = now - started;
    if (reader.last !== undefined && waited >= waitMs) return reader.last;
    if (waited >= 10 * waitMs) break; // no whole read ever: the writer died mid-write
    Atomics.wait(m.seq, 0, before, 0.1);
  }
  const cores = new Array<number>(n * CORE_FIELDS);
  for (let i = 0; i < n; i++) {
    const o = HEADER_NUMS + i * SHARED_CORE_NUMS;
    for (let f = 0; f < CORE_FIELDS; f++) cores[i * CORE_FIELDS + f] = nums[o + f]!;
  }
  const snap: CountersSnapshot = {
    requests: nums[H_REQUESTS]!,
    exceptions: nums[H_EXCEPTIONS]!,
    tx: nums[H_TX]!,
    runningTime: nums[H_RUNNING]!,
    avgRt: nums[H_AVG]!,
    inFlight: nums[H_INFLIGHT]!,
    cores,
    overflow: false,
    maxCores: n,
  };
  if (texts !== undefined) {
    const decoder = (reader.decoder ??= new TextDecoder());
    const paths = new Array<string>(2 * n);
    for (let i = 0; i < 2 * n; i++) {
      const t = texts[i];
      paths[i] = t === undefined ? '' : decoder.decode(t);
    }
    snap.paths = paths;
  }
  reader.last = snap;
  return snap;
}
