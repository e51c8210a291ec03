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
  /** Bytes sent. */
  tx = 0;
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
    if (txBytes > 0) this.tx += txBytes;
    if (exception) {
      this.exceptions++;
      this.coreExceptions[slot]!++;
    }
    if (writeError) this.coreWriteErrors[slot]!++;
    if (readError) this.coreReadErrors[slot]!++;
    this.onChange?.();
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
