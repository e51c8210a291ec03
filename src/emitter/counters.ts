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
 *   `maxCores` slots (default 64); when all are busy, further concurrent
 *   requests share one overflow core whose id is `maxCores`.
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
   * Per reported core, 5 numbers: requests, exceptions, write_errors,
   * read_errors, request_start (unix seconds of the in-flight request, 0 if idle).
   * The last group is the overflow core when `overflow` is true.
   */
  cores: number[];
  /** True when the last core group is the shared overflow core (id = maxCores). */
  overflow: boolean;
  maxCores: number;
}

/** Numbers per core in {@link CountersSnapshot.cores}. */
export const CORE_FIELDS = 5;

export const DEFAULT_MAX_CORES = 64;

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
  /** Unix seconds the slot's current request started (0 = free). For the overflow slot: the oldest-known start. */
  private readonly coreStart: Float64Array;
  /** 0/1 per regular slot; a count for the overflow slot. */
  private readonly coreBusy: Int32Array;
  /** Every slot below `hint` is busy. */
  private hint = 0;
  /** Number of regular slots ever used (reported cores). */
  private highWater = 0;
  private overflowUsed = false;

  constructor(maxCores = DEFAULT_MAX_CORES) {
    if (!Number.isInteger(maxCores) || maxCores < 1 || maxCores > 4096) {
      throw new RangeError(`maxCores must be an integer in 1..4096, got ${String(maxCores)}`);
    }
    this.maxCores = maxCores;
    const n = maxCores + 1;
    this.coreRequests = new Float64Array(n);
    this.coreExceptions = new Float64Array(n);
    this.coreWriteErrors = new Float64Array(n);
    this.coreReadErrors = new Float64Array(n);
    this.coreStart = new Float64Array(n);
    this.coreBusy = new Int32Array(n);
  }

  /**
   * A request starts: take the lowest free slot (or the overflow slot).
   * @param startUnixSec wall-clock start, unix seconds (for `req_info.request_start`)
   * @returns the slot id to pass to {@link end}
   */
  begin(startUnixSec: number): number {
    this.inFlight++;
    const max = this.maxCores;
    const busy = this.coreBusy;
    let i = this.hint;
    while (i < max && busy[i] !== 0) i++;
    if (i < max) {
      busy[i] = 1;
      this.coreStart[i] = startUnixSec;
      this.hint = i + 1;
      if (i >= this.highWater) this.highWater = i + 1;
      this.onChange?.();
      return i;
    }
    // all regular slots busy: share the overflow slot
    this.hint = max;
    this.overflowUsed = true;
    if (busy[max] === 0) this.coreStart[max] = startUnixSec;
    busy[max] = (busy[max] ?? 0) + 1;
    this.onChange?.();
    return max;
  }

  /** A request ended (finished or aborted): account it and free its slot. */
  end(slot: number, o: RequestOutcome): void {
    const busy = this.coreBusy;
    if (!(slot >= 0 && slot <= this.maxCores) || busy[slot] === 0) return; // unknown or double end
    this.inFlight--;
    if (slot < this.maxCores) {
      busy[slot] = 0;
      this.coreStart[slot] = 0;
      if (slot < this.hint) this.hint = slot;
    } else {
      const left = (busy[slot] ?? 1) - 1;
      busy[slot] = left;
      if (left === 0) this.coreStart[slot] = 0;
    }
    const rt = o.rtMicros > 0 ? Math.floor(o.rtMicros) : 0;
    this.runningTime += rt;
    this.avgRt = Math.floor((this.avgRt + rt) / 2);
    this.requests++;
    this.coreRequests[slot]!++;
    if (o.txBytes > 0) this.tx += o.txBytes;
    if (o.exception) {
      this.exceptions++;
      this.coreExceptions[slot]!++;
    }
    if (o.writeError) this.coreWriteErrors[slot]!++;
    if (o.readError) this.coreReadErrors[slot]!++;
    this.onChange?.();
  }

  /** Is the slot currently serving a request? */
  isBusy(slot: number): boolean {
    return (this.coreBusy[slot] ?? 0) > 0;
  }

  /** Snapshot for the stats document / IPC. Reports cores 0..highWater-1 (at least one) plus the overflow core if ever used. */
  snapshot(): CountersSnapshot {
    const n = Math.max(1, this.highWater);
    const cores: number[] = new Array<number>((n + (this.overflowUsed ? 1 : 0)) * CORE_FIELDS);
    let k = 0;
    const push = (i: number): void => {
      cores[k++] = this.coreRequests[i]!;
      cores[k++] = this.coreExceptions[i]!;
      cores[k++] = this.coreWriteErrors[i]!;
      cores[k++] = this.coreReadErrors[i]!;
      cores[k++] = this.coreBusy[i]! > 0 ? Math.max(1, this.coreStart[i]!) : 0;
    };
    for (let i = 0; i < n; i++) push(i);
    if (this.overflowUsed) push(this.maxCores);
    return {
      requests: this.requests,
      exceptions: this.exceptions,
      tx: this.tx,
      runningTime: this.runningTime,
      avgRt: this.avgRt,
      inFlight: this.inFlight,
      cores,
      overflow: this.overflowUsed,
      maxCores: this.maxCores,
    };
  }
}
