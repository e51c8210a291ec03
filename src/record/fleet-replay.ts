/**
 * Replaying a whole fleet recording (several addresses interleaved in one
 * file) on ONE replay clock: one {@link ReplayClock}, and per address one
 * {@link Replay} on that clock as its cursor (the record of that address
 * current at the clock). Pausing, speed, seeks and jumps act on the shared
 * clock, so every address follows.
 *
 * A fleet step (`stepForward` / `stepBack`) pauses and moves the clock to
 * the next / previous record time of ANY address: forward, to the first
 * record time after the clock; back, to the last record time before the
 * latest record at or before the clock. Records of several addresses with
 * the same time are one step.
 *
 * `targetsAt()` is what a live FleetPoller snapshot holds, per address, at
 * the clock: the latest good record (`cur`), the good one before it
 * (`prev`, for rates), and — when the address's current record is a
 * recorded failure — that error, so a target goes STALE and DOWN on replay
 * as it did live. Only those few records are read from disk (cached).
 *
 * `replayOf(addr)` gives a single-address {@link Replay} on the same clock,
 * for the monitor opened from the fleet view: pausing there pauses the
 * fleet, and the fleet resumes from wherever the monitor left the clock.
 */
import type { Sample } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';
import { ReplayClock, type ReplayScheduler } from './clock.js';
import { RecordingIndex, type IndexOptions, type RecordEntry, type RecordingInfo } from './reader.js';
import { RecordError } from './recorder.js';
import { Replay, UNKNOWN_ADDR } from './replay.js';

export interface FleetReplayOptions extends IndexOptions {
  /** Initial speed (default 1; clamped to 0.25…16). */
  speed?: number;
  /** Start paused on the first record time (default false). */
  paused?: boolean;
  scheduler?: ReplayScheduler;
}

/** The shared clock as a status line shows it. */
export interface FleetReplayState {
  paused: boolean;
  speed: number;
  /** The replay clock, ms since epoch (recorded time). */
  clock: number;
  /** Records of all addresses with a time at or before the clock, minus one (0-based index of the latest played; -1: none). */
  position: number;
  /** Records of all addresses. */
  length: number;
  /** The clock is at the last record time of the recording. */
  atEnd: boolean;
}

/** One address at the replay clock, in the shape of a live FleetPoller target snapshot (without the target). */
export interface ReplayedTarget {
  addr: string;
  /** The latest recorded document at or before the clock. */
  cur?: Sample<StatsDocument>;
  /** The recorded document before `cur` (for rates). */
  prev?: Sample<StatsDocument>;
  /** The address's current record is a recorded failure: its message, code and time. */
  error?: { message: string; code?: string; at: number };
  /** When the current run of recorded failures began. */
  failingSince?: number;
  /** Records of this address at or before the clock. */
  reads: number;
}

/** How far back `targetsAt` looks for good records past recorded failures (records of one address). */
const LOOKBACK = 100_000;

/** One replay clock over every address of a recording (see the module comment). */
export class FleetReplay {
  readonly index: RecordingIndex;
  readonly clock: ReplayClock;
  /** Addresses in order of first appearance. */
  readonly addresses: readonly string[];
  readonly #cursors = new Map<string, Replay>();
  /** Every record time, sorted. */
  readonly #times: Float64Array;
  /** Loaded records by index (a few per address). */
  #cache = new Map<number, Promise<RecordEntry>>();
  #closed = false;

  private constructor(index: RecordingIndex, o: FleetReplayOptions) {
    this.index = index;
    this.addresses = index.info.addresses.filter((a) => index.recordsOf(a).length > 0);
    const times = new Float64Array(index.length);
    for (let i = 0; i < index.length; i++) times[i] = index.time(i);
    times.sort();
    this.#times = times;
    this.clock = new ReplayClock({
      start: times[0]!,
      end: times[times.length - 1]!,
      speed: o.speed ?? 1,
      paused: o.paused === true,
      ...(o.scheduler ? { scheduler: o.scheduler } : {}),
    });
    for (const a of this.addresses) this.#cursors.set(a, Replay.onClock(index, a, this.clock));
  }

  /**
   * Open and index a recording for a fleet replay.
   * @throws RecordError (one-line message): unreadable, not a recording, no records.
   */
  static async open(file: string, opts: FleetReplayOptions = {}): Promise<FleetReplay> {
    return FleetReplay.ofIndex(await RecordingIndex.open(file, opts), opts);
  }

  /**
   * {@link FleetReplay.open} on an index already open; the fleet replay owns
   * it (closed by close(), or here when refused).
   * @throws RecordError: the recording has no records.
   */
  static async ofIndex(index: RecordingIndex, opts: FleetReplayOptions = {}): Promise<FleetReplay> {
    if (index.length === 0) {
      await index.close();
      throw new RecordError(`cannot replay ${index.info.file}: the recording has no records`);
    }
    return new FleetReplay(index, opts);
  }

  /** What the indexing pass found. */
  get info(): RecordingInfo {
    return this.index.info;
  }

  /** The replay clock in recorded ms (arrow: pass as a `now`). */
  readonly now = (): number => this.clock.now();

  get state(): FleetReplayState {
    const c = this.clock.now();
    return {
      paused: this.clock.paused,
      speed: this.clock.speed,
      clock: c,
      position: this.#countUpTo(c) - 1,
      length: this.#times.length,
      atEnd: c >= this.clock.end,
    };
  }

  pause(): void {
    this.clock.pause();
  }

  resume(): void {
    this.clock.resume();
  }

  togglePause(): void {
    this.clock.togglePause();
  }

  faster(): void {
    this.clock.faster();
  }

  slower(): void {
    this.clock.slower();
  }

  setSpeed(x: number): void {
    this.clock.setSpeed(x);
  }

  /** Pause, and move the clock to the first record time (of any address) after it. */
  stepForward(): void {
    const c = this.clock.now();
    const n = this.#countUpTo(c);
    this.clock.moveTo(n < this.#times.length ? this.#times[n]! : Math.max(c, this.clock.end), this, true);
  }

  /** Pause, and move the clock to the record time (of any address) before the latest one at or before it. */
  stepBack(): void {
    const c = this.clock.now();
    const n = this.#countUpTo(c);
    // The latest record time at or before the clock, then the last one before that.
    const cur = n > 0 ? this.#times[n - 1]! : this.clock.start;
    const k = this.#countBelow(cur);
    this.clock.moveTo(k > 0 ? this.#times[k - 1]! : this.clock.start, this, true);
  }

  /** Move the clock by `deltaMs` of recorded time, clamped to the recording; keeps playing or paused. */
  seekBy(deltaMs: number): void {
    if (!Number.isFinite(deltaMs) || deltaMs === 0) return;
    this.clock.moveTo(Math.min(this.clock.end, Math.max(this.clock.start, this.clock.now() + deltaMs)), this);
  }

  /** The first record time of the recording. */
  seekStart(): void {
    this.clock.moveTo(this.clock.start, this);
  }

  /** The last record time of the recording. */
  seekEnd(): void {
    this.clock.moveTo(this.clock.end, this);
  }

  /** Called after every change of the clock; returns an unsubscribe function. */
  onChange(listener: (s: FleetReplayState) => void): () => void {
    return this.clock.onChange(() => listener(this.state));
  }

  /** The recorded time of the next record (of any address) after the clock, if any. */
  nextTime(): number | undefined {
    return this.#times[this.#countUpTo(this.clock.now())];
  }

  /**
   * Wait until the clock reaches the next record time of any address, the
   * clock changes (a control), or `signal` aborts (rejects with its reason).
   */
  wait(signal?: AbortSignal): Promise<void> {
    return this.clock.wait(this.nextTime(), signal);
  }

  /** Every address at the clock (see the module comment), in address order. */
  async targetsAt(): Promise<ReplayedTarget[]> {
    const out = await Promise.all(this.addresses.map((a) => this.#targetAt(a)));
    // Keep the cache to what the latest picture uses.
    const keep = new Set<number>(this.#used);
    for (const k of [...this.#cache.keys()]) if (!keep.has(k)) this.#cache.delete(k);
    this.#used = [];
    return out;
  }

  /**
   * A single-address Replay on this clock (for a monitor opened from the
   * fleet view); close it when done — the recording stays open.
   * @throws RecordError UNKNOWN_ADDR for an address the recording has no records of.
   */
  replayOf(addr: string): Replay {
    if (!this.#cursors.has(addr)) throw new RecordError(`no records of '${addr}'`, UNKNOWN_ADDR);
    return Replay.onClock(this.index, addr, this.clock);
  }

  /** Close the recording (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#cursors.values()) await c.close();
    this.#cache.clear();
    await this.index.close();
  }

  #used: number[] = [];

  #load(i: number): Promise<RecordEntry> {
    this.#used.push(i);
    let p = this.#cache.get(i);
    if (!p) {
      p = this.index.load(i);
      this.#cache.set(i, p);
      p.catch(() => this.#cache.delete(i));
    }
    return p;
  }

  async #targetAt(addr: string): Promise<ReplayedTarget> {
    const cursor = this.#cursors.get(addr)!;
    const recs = this.index.recordsOf(addr);
    const pos = cursor.state.position;
    const t: ReplayedTarget = { addr, reads: pos + 1 };
    if (pos < 0) return t;
    const stop = Math.max(-1, pos - LOOKBACK);
    let p = pos;
    if (this.index.kind(recs[p]!) === 'err') {
      const e = await this.#load(recs[p]!);
      if (e.kind === 'err') t.error = { message: e.error.message, code: e.error.code, at: e.t };
      while (p > stop && this.index.kind(recs[p]!) === 'err') p--;
      t.failingSince = this.index.time(recs[p + 1]!);
    }
    if (p <= stop) return t;
    const cur = await this.#load(recs[p]!);
    if (cur.kind === 'doc') t.cur = { doc: cur.doc, at: cur.t };
    let q = p - 1;
    while (q > stop && this.index.kind(recs[q]!) === 'err') q--;
    if (q > stop) {
      const prev = await this.#load(recs[q]!);
      if (prev.kind === 'doc') t.prev = { doc: prev.doc, at: prev.t };
    }
    return t;
  }

  /** Records with a time ≤ t. */
  #countUpTo(t: number): number {
    let lo = 0;
    let hi = this.#times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#times[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Records with a time < t. */
  #countBelow(t: number): number {
    let lo = 0;
    let hi = this.#times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#times[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
