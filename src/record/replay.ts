/**
 * `--replay FILE`: play a recording back through the same `source` the live
 * monitor reads, on a replay clock that can pause, step, change speed and
 * seek.
 *
 * The replay clock runs in recorded time: `clock = anchor + (real elapsed) ×
 * speed`, frozen while paused and clamped to the last record. The record
 * "current" at the clock is the last one with `t ≤ clock`. Each call of
 * {@link Replay.source} resolves with the current record as soon as it is one
 * the caller has not been given yet — at once if the clock already passed
 * it, else when the clock reaches the next record (or a control action moves
 * the position). A sample's `at` is its recorded time, so the model computes
 * rates exactly as it did live; a recorded failed read rejects with the
 * StatsError it recorded (outages replay as outages). At high speed the
 * source skips to the latest record due, like a live monitor that reads
 * less often than the server changes.
 *
 * Nothing here reads the clock or sets timers directly: both come from a
 * {@link ReplayScheduler} (real by default), so tests drive time by hand.
 */
import type { Sample } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';
import { RecordingIndex, type IndexOptions, type RecordEntry, type RecordingInfo } from './reader.js';
import { RecordError } from './recorder.js';

/** RecordError code of Replay.open when the recording has no records of the address asked for. */
export const UNKNOWN_ADDR = 'UNKNOWN_ADDR';

/** The speeds faster()/slower() step through. */
export const REPLAY_SPEEDS: readonly number[] = [0.25, 0.5, 1, 2, 4, 8, 16];
export const MIN_REPLAY_SPEED = 0.25;
export const MAX_REPLAY_SPEED = 16;

/** Time and timers of the replay clock (injectable for tests). */
export interface ReplayScheduler {
  /** Real milliseconds (any monotonic origin). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: performance.now and global timers. */
export const realScheduler: ReplayScheduler = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface ReplayOptions extends IndexOptions {
  /** Which address's records to play (default: the first address in the file with a document, else the first). */
  addr?: string;
  /** Initial speed (default 1; clamped to 0.25…16). */
  speed?: number;
  /** Start paused on the first record (default false). */
  paused?: boolean;
  scheduler?: ReplayScheduler;
}

/** What a TUI status line shows about the replay. */
export interface ReplayState {
  paused: boolean;
  speed: number;
  /** Index of the current record among this address's records (0-based). */
  position: number;
  /** Records of this address. */
  length: number;
  /** Recorded time of the current record, ms since epoch. */
  time: number;
  /** The replay clock, ms since epoch (recorded time). */
  clock: number;
  /** The current record is the last one. */
  atEnd: boolean;
  /** The address being played. */
  addr: string;
}

/** The keys a TUI binds: every method acts at once and wakes a pending source() call. */
export interface ReplayControl {
  readonly state: ReplayState;
  pause(): void;
  resume(): void;
  togglePause(): void;
  /** Pause, and move one record forward. */
  stepForward(): void;
  /** Pause, and move one record back. */
  stepBack(): void;
  /** Set the speed (clamped to 0.25…16). */
  setSpeed(x: number): void;
  /** Next speed up in REPLAY_SPEEDS. */
  faster(): void;
  /** Next speed down in REPLAY_SPEEDS. */
  slower(): void;
  /** Go to the first record (keeps paused/playing). */
  seekStart(): void;
  /** Go to the last record. */
  seekEnd(): void;
  /**
   * Move the replay clock by `deltaMs` of recorded time (clamped to the
   * recording) and the position to the record current there; keeps
   * playing or paused.
   */
  seekBy(deltaMs: number): void;
  /** The replay clock in recorded ms: pass as MonitorOptions.now so ages are as they were live. */
  now(): number;
  /** Called after every change of position, speed or pause state; returns an unsubscribe function. */
  onChange(listener: (s: ReplayState) => void): () => void;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * A recording opened for playback. `source` plugs into
 * `runMonitor({ source: replay.source, now: replay.now, … })`; `control` is
 * what keys bind to.
 */
export class Replay implements ReplayControl {
  readonly index: RecordingIndex;
  /** The address played. */
  readonly addr: string;
  readonly #records: Uint32Array;
  readonly #sched: ReplayScheduler;
  #paused: boolean;
  #speed: number;
  #pos = 0;
  #anchorT: number;
  #anchorReal: number;
  #delivered = -1;
  #listeners = new Set<(s: ReplayState) => void>();
  #wakers = new Set<() => void>();
  #closed = false;

  private constructor(index: RecordingIndex, addr: string, records: Uint32Array, o: ReplayOptions) {
    this.index = index;
    this.addr = addr;
    this.#records = records;
    this.#sched = o.scheduler ?? realScheduler;
    this.#paused = o.paused === true;
    this.#speed = clampSpeed(o.speed ?? 1);
    this.#anchorT = this.#t(0);
    this.#anchorReal = this.#sched.now();
  }

  /**
   * Open and index a recording.
   * @throws RecordError (one-line message): unreadable, not a recording, no
   *   records, or no records of `opts.addr`.
   */
  static async open(file: string, opts: ReplayOptions = {}): Promise<Replay> {
    const index = await RecordingIndex.open(file, opts);
    const info = index.info;
    // Default: the first address that has a document (a fleet recording may start with a dead target).
    const addr = opts.addr ?? info.addresses.find((a) => index.recordsOf(a).some((i) => index.kind(i) === 'doc')) ?? info.addresses[0];
    const records = addr === undefined ? new Uint32Array(0) : index.recordsOf(addr);
    if (records.length === 0) {
      await index.close();
      if (addr === undefined || info.addresses.length === 0) throw new RecordError(`cannot replay ${file}: the recording has no records`);
      throw new RecordError(`cannot replay ${file}: no records of '${addr}' (it has: ${info.addresses.slice(0, 10).join(', ')}${info.addresses.length > 10 ? ', …' : ''})`, UNKNOWN_ADDR);
    }
    return new Replay(index, addr!, records, opts);
  }

  /** What the indexing pass found (torn last line, bad lines, addresses…). */
  get info(): RecordingInfo {
    return this.index.info;
  }

  /** The control object (this replay). */
  get control(): ReplayControl {
    return this;
  }

  /**
   * Position of the record the last source() call handed out (or rejected
   * with), -1 before the first: after `await source()` it is the position of
   * the sample just returned.
   */
  get delivered(): number {
    return this.#delivered;
  }

  /** Records of the played address. */
  get length(): number {
    return this.#records.length;
  }

  get state(): ReplayState {
    this.#advance();
    return {
      paused: this.#paused,
      speed: this.#speed,
      position: this.#pos,
      length: this.#records.length,
      time: this.#t(this.#pos),
      clock: this.#clock(),
      atEnd: this.#pos === this.#records.length - 1,
      addr: this.addr,
    };
  }

  /**
   * One read, for MonitorOptions.source: resolves with the record current at
   * the replay clock once it is one not handed out before (see the module
   * comment); rejects with the recorded StatsError for a recorded failure,
   * and with `signal.reason` when `signal` aborts.
   */
  readonly source = (signal?: AbortSignal): Promise<Sample<StatsDocument>> => this.#next(signal);

  /** Recorded time of the clock (arrow: safe to pass as MonitorOptions.now). */
  readonly now = (): number => this.#clock();

  /** Load record `position` (0-based, among this address's records) without moving the replay. */
  entry(position: number): Promise<RecordEntry> {
    const i = this.#records[position];
    if (i === undefined) return Promise.reject(new RangeError(`replay position ${position} out of range (0..${this.#records.length - 1})`));
    return this.index.load(i);
  }

  pause(): void {
    if (this.#paused) return;
    this.#anchorT = this.#clock();
    this.#paused = true;
    this.#changed();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#anchorReal = this.#sched.now();
    this.#paused = false;
    this.#changed();
  }

  togglePause(): void {
    if (this.#paused) this.resume();
    else this.pause();
  }

  stepForward(): void {
    this.#advance();
    this.#paused = true;
    this.#moveTo(Math.min(this.#pos + 1, this.#records.length - 1));
  }

  stepBack(): void {
    this.#advance();
    this.#paused = true;
    this.#moveTo(Math.max(this.#pos - 1, 0));
  }

  setSpeed(x: number): void {
    const s = clampSpeed(x);
    if (s === this.#speed) return;
    this.#anchorT = this.#clock();
    this.#anchorReal = this.#sched.now();
    this.#speed = s;
    this.#changed();
  }

  faster(): void {
    const next = REPLAY_SPEEDS.find((s) => s > this.#speed + 1e-9);
    if (next !== undefined) this.setSpeed(next);
  }

  slower(): void {
    const prev = [...REPLAY_SPEEDS].reverse().find((s) => s < this.#speed - 1e-9);
    if (prev !== undefined) this.setSpeed(prev);
  }

  seekStart(): void {
    this.#moveTo(0);
  }

  seekEnd(): void {
    this.#moveTo(this.#records.length - 1);
  }

  seekBy(deltaMs: number): void {
    if (!Number.isFinite(deltaMs) || deltaMs === 0) return;
    this.#advance();
    const n = this.#records.length;
    const target = Math.min(this.#t(n - 1), Math.max(this.#t(0), this.#clock() + deltaMs));
    let pos = this.#pos;
    if (deltaMs > 0) while (pos + 1 < n && this.#t(pos + 1) <= target) pos++;
    else while (pos > 0 && this.#t(pos) > target) pos--;
    this.#pos = pos;
    this.#anchorT = Math.max(target, this.#t(pos));
    this.#anchorReal = this.#sched.now();
    this.#changed();
  }

  onChange(listener: (s: ReplayState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stop: pending source() calls stay pending until their signal aborts; the file is closed. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    await this.index.close();
  }

  #t(pos: number): number {
    return this.index.time(this.#records[pos]!);
  }

  #clock(): number {
    const last = this.#t(this.#records.length - 1);
    if (this.#paused) return this.#anchorT;
    const c = this.#anchorT + (this.#sched.now() - this.#anchorReal) * this.#speed;
    return c > last ? Math.max(last, this.#anchorT) : c;
  }

  /** Move the position forward to the last record due at the clock (playing only). */
  #advance(): void {
    if (this.#paused) return;
    const c = this.#clock();
    const n = this.#records.length;
    while (this.#pos + 1 < n && this.#t(this.#pos + 1) <= c) this.#pos++;
  }

  #moveTo(pos: number): void {
    this.#pos = pos;
    this.#anchorT = this.#t(pos);
    this.#anchorReal = this.#sched.now();
    this.#changed();
  }

  #changed(): void {
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const w of wakers) w();
    if (this.#listeners.size === 0) return;
    const s = this.state;
    for (const l of [...this.#listeners]) {
      try {
        l(s);
      } catch {
        /* a listener's bug must not stop the replay */
      }
    }
  }

  async #next(signal?: AbortSignal): Promise<Sample<StatsDocument>> {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      this.#advance();
      if (this.#pos !== this.#delivered) {
        const pos = this.#pos;
        this.#delivered = pos;
        const e = await this.index.load(this.#records[pos]!);
        if (e.kind === 'err') throw e.error;
        return { doc: e.doc, at: e.t };
      }
      await this.#wait(signal);
    }
  }

  /** Wait for the next record to fall due, a control action, or the abort. */
  #wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: unknown;
      const done = (): void => {
        if (timer !== undefined) this.#sched.clearTimeout(timer);
        timer = undefined;
        this.#wakers.delete(wake);
        signal?.removeEventListener('abort', onAbort);
      };
      const wake = (): void => {
        done();
        resolve();
      };
      const onAbort = (): void => {
        done();
        reject(abortReason(signal!));
      };
      this.#wakers.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (!this.#paused && this.#pos + 1 < this.#records.length) {
        const dueIn = (this.#t(this.#pos + 1) - this.#clock()) / this.#speed;
        timer = this.#sched.setTimeout(wake, Math.max(0, Math.ceil(dueIn)));
      }
    });
  }
}

function clampSpeed(x: number): number {
  if (!Number.isFinite(x)) return 1;
  return Math.min(MAX_REPLAY_SPEED, Math.max(MIN_REPLAY_SPEED, x));
}
