/**
 * Reads every fleet target concurrently, each on its own: one in-flight read
 * per target at most, each with its own deadline (`timeoutMs`), its own
 * previous/current sample and its own last error. One slow or dead target
 * never holds up the reads of the others.
 *
 * `tick()` is one refresh: it starts a read for every target that has none
 * in flight, then waits — at most `waitMs` (default min(timeoutMs,
 * intervalMs)) — only for the reads it just started on targets whose last
 * read succeeded (plus, on the very first tick, every target, so the first
 * table is complete), and returns a snapshot of whatever is current. A
 * target that is failing or hanging is read in the background and never
 * waited for: its late answer shows on a later tick. So a dead or hanging
 * target delays at most the one tick in which it stops answering, by at most
 * `waitMs`.
 */
import { readFileSync } from 'node:fs';
import type { DiagnosisOptions } from '../model/diagnosis.js';
import type { Sample } from '../model/types.js';
import { fetchStats, type FetchResult } from '../protocol/reader.js';
import type { CancelToken } from '../protocol/transport.js';
import { fetchStubStatus, type FrontSample } from '../protocol/nginx.js';
import { isStatsError } from '../protocol/errors.js';
import { serializeStats } from '../protocol/parse.js';
import type { StatsDocument } from '../protocol/types.js';
import type { Recorder } from '../record/recorder.js';
import { errorMessage } from '../record/lines.js';
import type { Target } from './targets.js';
import { resolveTiming, type FleetSnapshot, type FleetTiming, type TargetSnapshot } from './view.js';

/** What one read of a target yields: the sample, and the bytes as sent (for recording); or an nginx front's stub_status. */
export type TargetRead = (Sample<StatsDocument> & { raw?: Uint8Array; front?: undefined }) | { front: FrontSample; at: number; doc?: undefined; raw?: undefined };

/** Reads one target; must honour `timeoutMs` and `signal`. Default: fetchStats. */
export type TargetReader = (target: Target, opts: { timeoutMs: number; maxBytes: number | undefined; signal: AbortSignal }) => Promise<TargetRead>;

export interface FleetPollerOptions {
  /** Diagnosis thresholds for each target's verdict (--slow, …); carried in every snapshot. */
  diagnosis?: DiagnosisOptions | undefined;
  targets: readonly Target[];
  /** Refresh interval, ms (drives the default thresholds and waitMs). */
  intervalMs: number;
  /** Per-target deadline of one read (default 5000 ms). */
  timeoutMs?: number;
  /** Per-read size cap (default fetchStats' 64 MiB). */
  maxBytes?: number;
  /** How long tick() waits for the reads it started (default min(timeoutMs, intervalMs)). */
  waitMs?: number;
  /** See FleetTiming (default 2 × intervalMs). */
  staleAfterMs?: number;
  /** See FleetTiming (default max(5 × intervalMs, 10 s)). */
  downAfterMs?: number;
  /**
   * Reads in flight at once (default {@link defaultMaxConcurrent}: a quarter
   * of the open-files limit, 256 to 4096); more wait for a free slot. Two
   * such pools: one for the targets that answered their last read, one for
   * the others (never read, failing, hanging) — so however many targets
   * hang until their deadline, the answering ones never wait behind them.
   */
  maxConcurrent?: number;
  /** Record every completed read (sample or failure) under the target's label. */
  recorder?: Recorder;
  /** Injectable reader (tests); default fetchStats on the target's address. */
  read?: TargetReader;
  /** Wall clock, ms since epoch (default Date.now). */
  now?: (() => number) | undefined;
  /** Called after every completed read of a target (a monitor opened on it reuses the fleet's reads). */
  onRead?: ((target: Target, outcome: { sample: Sample<StatsDocument> } | { error: unknown }) => void) | undefined;
}

/**
 * The default reader: fetchStats (an nginx front: its stub_status), aborted through the slot's reusable
 * token. `last` is the target's last good answer: an answer byte for byte the same is not parsed again.
 */
async function defaultRead(
  target: Target,
  o: { timeoutMs: number; maxBytes: number | undefined; cancel: CancelToken },
  last: FetchResult | undefined,
): Promise<TargetRead> {
  if (target.front && target.address.kind === 'http') {
    // Rare (a few fronts): a signal, as fetchStubStatus takes.
    const ac = new AbortController();
    o.cancel.onCancel = () => ac.abort();
    try {
      const f = await fetchStubStatus(target.address, { timeoutMs: o.timeoutMs, signal: ac.signal });
      return { front: f, at: f.at };
    } finally {
      o.cancel.onCancel = undefined;
    }
  }
  // fetchStats' result ({ raw, doc, at }) is a TargetRead as it is.
  return fetchStats(target.address, { timeoutMs: o.timeoutMs, ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes } : {}), cancel: o.cancel }, last);
}

let fdLimit: number | undefined;

/**
 * The default reads in flight per pool: a quarter of this process's open-files limit (Node raises the
 * soft limit to the hard one at start; Linux /proc/self/limits), at least 256 and at most 4096 — so the
 * two pools together hold at most half the descriptors. All of a fleet's reads at once cost the least:
 * at 1,000 targets, 256 at a time made the reads trickle (each answer starting the next read, a few per
 * event-loop turn) and cost 1.6× the CPU of starting all 1,000 together (bench/fleet). Where the limit
 * cannot be read: 256.
 */
export function defaultMaxConcurrent(): number {
  if (fdLimit === undefined) {
    fdLimit = 1024;
    try {
      const m = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
      if (m) fdLimit = m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]) || 1024;
    } catch {
      /* not Linux: the 256 floor */
    }
  }
  return Math.max(256, Math.min(4096, Math.floor(fdLimit / 4)));
}

interface Pool {
  active: number;
  queue: (() => void)[];
}

interface Slot {
  snap: TargetSnapshot;
  /** Cancels the read in flight (close()); reused from read to read. */
  cancel: CancelToken;
  running: Promise<void> | undefined;
  /**
   * The last good answer's bytes and document (default reader): an answer byte for byte the same is
   * not parsed again — its document is this one, read at the new time (the same document a parse
   * would give, so rates, ages, states, verdicts and events are those of a full parse).
   */
  last: FetchResult | undefined;
  /** The recorded (reduced) text of `last.doc` (the same document is not serialized again). */
  recorded: { doc: StatsDocument; text: string } | undefined;
}

export class FleetPoller {
  readonly targets: readonly Target[];
  readonly #timing: FleetTiming;
  readonly #timeoutMs: number;
  readonly #maxBytes: number | undefined;
  readonly #waitMs: number;
  readonly #maxConcurrent: number;
  readonly #recorder: Recorder | undefined;
  /** An injected reader (tests), else undefined: the default one. */
  readonly #read: TargetReader | undefined;
  readonly #now: () => number;
  readonly #diagnosis: DiagnosisOptions | undefined;
  readonly #onRead: FleetPollerOptions['onRead'];
  readonly #slots: Slot[];
  /** The read slots: [0] for targets that answered their last read, [1] for the others. */
  readonly #pools: Pool[] = [
    { active: 0, queue: [] },
    { active: 0, queue: [] },
  ];
  #ticks = 0;
  #closed = false;

  constructor(o: FleetPollerOptions) {
    if (!(o.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${String(o.intervalMs)}`);
    this.targets = [...o.targets];
    this.#timeoutMs = o.timeoutMs ?? 5000;
    this.#maxBytes = o.maxBytes;
    this.#waitMs = Math.max(0, o.waitMs ?? Math.min(this.#timeoutMs, o.intervalMs));
    this.#maxConcurrent = Math.max(1, Math.floor(o.maxConcurrent ?? defaultMaxConcurrent()));
    this.#diagnosis = o.diagnosis;
    this.#timing = resolveTiming({ intervalMs: o.intervalMs, staleAfterMs: o.staleAfterMs, downAfterMs: o.downAfterMs });
    this.#recorder = o.recorder;
    this.#read = o.read;
    this.#now = o.now ?? Date.now;
    this.#onRead = o.onRead;
    this.#slots = this.targets.map((target) => ({ snap: { target, reads: 0 }, cancel: { cancelled: false, onCancel: undefined }, running: undefined, last: undefined, recorded: undefined }));
  }

  /** The thresholds in use. */
  get timing(): FleetTiming {
    return { ...this.#timing };
  }

  /** Reads currently in flight (or waiting for a concurrency slot). */
  get inFlight(): number {
    return this.#slots.filter((s) => s.running !== undefined).length;
  }

  /**
   * One refresh: start reads, wait for the fresh ones (bounded, see the
   * module comment), return the current snapshot. Never rejects.
   */
  async tick(): Promise<FleetSnapshot> {
    if (this.#closed) return this.snapshot();
    const first = this.#ticks++ === 0;
    const waitFor: Promise<void>[] = [];
    for (const slot of this.#slots) {
      if (slot.running) continue;
      const healthy = (slot.snap.cur ?? slot.snap.front) !== undefined && slot.snap.error === undefined;
      const p = this.#start(slot, this.#pools[healthy ? 0 : 1]!);
      if (first || healthy) waitFor.push(p);
    }
    if (waitFor.length > 0 && this.#waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(waitFor),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#waitMs);
        }),
      ]);
      clearTimeout(timer);
    }
    return this.snapshot();
  }

  /** The current state of every target (copies: later reads do not change it). */
  snapshot(): FleetSnapshot {
    return {
      at: this.#now(),
      timing: { ...this.#timing },
      ...(this.#diagnosis ? { diagnosis: this.#diagnosis } : {}),
      targets: this.#slots.map((s) => ({ ...s.snap, error: s.snap.error ? { ...s.snap.error } : undefined })),
    };
  }

  /** Abort every read in flight and wait until they have settled. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pool of this.#pools) {
      const waiting = pool.queue;
      pool.queue = [];
      for (const w of waiting) w();
    }
    const running: Promise<void>[] = [];
    for (const s of this.#slots) {
      s.cancel.cancelled = true;
      s.cancel.onCancel?.();
      if (s.running) running.push(s.running);
    }
    await Promise.all(running);
  }

  #start(slot: Slot, pool: Pool): Promise<void> {
    slot.snap.inFlightSince = this.#now();
    const run = (async () => {
      await this.#acquire(pool);
      try {
        if (this.#closed) return;
        slot.snap.inFlightSince = this.#now();
        let r: TargetRead;
        try {
          r = await this.#readOne(slot);
        } catch (e) {
          if (this.#closed) return;
          this.#failed(slot, e);
          return;
        }
        if (this.#closed) return;
        this.#succeeded(slot, r);
      } finally {
        this.#release(pool);
        slot.snap.inFlightSince = undefined;
        slot.running = undefined;
      }
    })();
    slot.running = run;
    return run;
  }

  /** One read of the slot's target: the default reader with the slot's token, or the injected one with a signal. */
  #readOne(slot: Slot): Promise<TargetRead> {
    const o = { timeoutMs: this.#timeoutMs, maxBytes: this.#maxBytes };
    if (!this.#read) return defaultRead(slot.snap.target, { ...o, cancel: slot.cancel }, slot.last);
    const ac = new AbortController();
    slot.cancel.onCancel = () => ac.abort();
    const p = this.#read(slot.snap.target, { ...o, signal: ac.signal });
    const clear = (): void => {
      slot.cancel.onCancel = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  #succeeded(slot: Slot, r: TargetRead): void {
    const s = slot.snap;
    if (r.front !== undefined) {
      // An nginx front: its own samples; nothing recorded, no monitor fed.
      s.frontPrev = s.front;
      s.front = r.front;
      s.error = undefined;
      s.failingSince = undefined;
      s.reads++;
      return;
    }
    s.prev = s.cur;
    s.cur = { doc: r.doc, at: r.at };
    s.error = undefined;
    s.failingSince = undefined;
    s.reads++;
    if (!this.#read && Buffer.isBuffer(r.raw) && slot.last?.doc !== r.doc) slot.last = { raw: r.raw, doc: r.doc, at: r.at };
    if (this.#recorder && r.raw) {
      // Reduced: no request secrets. An unchanged document is serialized once.
      if (slot.recorded?.doc !== r.doc) slot.recorded = { doc: r.doc, text: serializeStats(r.doc) };
      this.#recorder.record(s.target.label, r.at, slot.recorded.text);
    }
    this.#onRead?.(s.target, { sample: s.cur });
  }

  #failed(slot: Slot, e: unknown): void {
    const s = slot.snap;
    const at = this.#now();
    s.error = { message: errorMessage(e), code: isStatsError(e) ? e.code : undefined, at, ...(isStatsError(e) && e.silent ? { silent: true } : {}) };
    s.failingSince ??= at;
    s.reads++;
    if (s.target.front) return; // a front is not recorded and feeds no monitor
    this.#recorder?.recordError(s.target.label, at, e);
    this.#onRead?.(s.target, { error: e });
  }

  #acquire(pool: Pool): Promise<void> | undefined {
    if (pool.active < this.#maxConcurrent || this.#closed) {
      pool.active++;
      return undefined;
    }
    return new Promise<void>((resolve) =>
      pool.queue.push(() => {
        pool.active++;
        resolve();
      }),
    );
  }

  #release(pool: Pool): void {
    pool.active--;
    const next = pool.queue.shift();
    next?.();
  }
}
