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
 * The clock itself is a {@link ReplayClock} (src/record/clock.ts): a
 * Replay made by `open` has its own; `Replay.onClock` makes one that shares
 * a clock with other players (FleetReplay: one clock for every address of a
 * fleet recording). Nothing here reads the clock or sets timers directly:
 * both come from a {@link ReplayScheduler} (real by default), so tests
 * drive time by hand.
 */
import type { Sample } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';
import { RecordingIndex, type IndexOptions, type RecordEntry, type RecordingInfo } from './reader.js';
import { RecordError } from './recorder.js';
import { ReplayClock, type ReplayScheduler } from './clock.js';

export { REPLAY_SPEEDS, MIN_REPLAY_SPEED, MAX_REPLAY_SPEED, realScheduler, type ReplayScheduler } from './clock.js';

/** RecordError code of Replay.open when the recording has no records of the address asked for. */
export const UNKNOWN_ADDR = 'UNKNOWN_ADDR';

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
  /** Index of the current record among this address's records (0-based; -1 while a shared clock is before its first record). */
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

/**
 * A recording opened for playback. `source` plugs into
 * `runMonitor({ source: replay.source, now: replay.now, … })`; `control` is
 * what keys bind to.
 */
export class Replay implements ReplayControl {
  readonly index: RecordingIndex;
  /** The address played. */
  readonly addr: string;
  /** The replay clock: this replay's own, or one shared with other players (see {@link Replay.onClock}). */
  readonly clock: ReplayClock;
  readonly #records: Uint32Array;
  readonly #ownsIndex: boolean;
  readonly #unsubscribe: () => void;
  #pos = 0;
  #delivered = -1;
  #listeners = new Set<(s: ReplayState) => void>();
  #closed = false;

  private constructor(index: RecordingIndex, addr: string, records: Uint32Array, clock: ReplayClock, ownsIndex: boolean) {
    this.index = index;
    this.addr = addr;
    this.#records = records;
    this.clock = clock;
    this.#ownsIndex = ownsIndex;
    this.#unsubscribe = clock.onChange(() => this.#changed());
    // On a shared clock the clock may be before this address's first record: no position yet (-1).
    this.#pos = clock.now() >= this.#t(0) ? 0 : -1;
  }

  /**
   * Open and index a recording.
   * @throws RecordError (one-line message): unreadable, not a recording, no
   *   records, or no records of `opts.addr`.
   */
  static async open(file: string, opts: ReplayOptions = {}): Promise<Replay> {
    return Replay.ofIndex(await RecordingIndex.open(file, opts), opts);
  }

  /**
   * {@link Replay.open} on an index already open (the CLI indexes a file
   * once, then picks a fleet or a single replay). The replay owns the index:
   * it is closed by close(), or here when the replay is refused.
   * @throws RecordError: no records, or no records of `opts.addr`.
   */
  static async ofIndex(index: RecordingIndex, opts: ReplayOptions = {}): Promise<Replay> {
    const info = index.info;
    const file = info.file;
    // Default: the first address that has a document (a fleet recording may start with a dead target).
    const addr = opts.addr ?? info.addresses.find((a) => index.recordsOf(a).some((i) => index.kind(i) === 'doc')) ?? info.addresses[0];
    const records = addr === undefined ? new Uint32Array(0) : index.recordsOf(addr);
    if (records.length === 0) {
      await index.close();
      if (addr === undefined || info.addresses.length === 0) throw new RecordError(`cannot replay ${file}: the recording has no records`);
      throw new RecordError(`cannot replay ${file}: no records of '${addr}' (it has: ${info.addresses.slice(0, 10).join(', ')}${info.addresses.length > 10 ? ', …' : ''})`, UNKNOWN_ADDR);
    }
    const clock = new ReplayClock({
      start: index.time(records[0]!),
      end: index.time(records[records.length - 1]!),
      speed: opts.speed ?? 1,
      paused: opts.paused === true,
      ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
    });
    return new Replay(index, addr!, records, clock, true);
  }

  /**
   * A player of one address of an already open recording, on a clock shared
   * with other players (FleetReplay): its controls move that clock (a step
   * moves it to this address's next/previous record), and moves made by the
   * others move its position. Its position is -1 while the clock is before
   * the address's first record (source() then waits for it). close() leaves
   * the index open.
   * @throws RecordError UNKNOWN_ADDR when the recording has no records of `addr`.
   */
  static onClock(index: RecordingIndex, addr: string, clock: ReplayClock): Replay {
    const records = index.recordsOf(addr);
    if (records.length === 0) throw new RecordError(`no records of '${addr}'`, UNKNOWN_ADDR);
    return new Replay(index, addr, records, clock, false);
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
      paused: this.clock.paused,
      speed: this.clock.speed,
      position: this.#pos,
      length: this.#records.length,
      time: this.#t(Math.max(0, this.#pos)),
      clock: this.clock.now(),
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
  readonly now = (): number => this.clock.now();

  /** Load record `position` (0-based, among this address's records) without moving the replay. */
  entry(position: number): Promise<RecordEntry> {
    const i = this.#records[position];
    if (i === undefined) return Promise.reject(new RangeError(`replay position ${position} out of range (0..${this.#records.length - 1})`));
    return this.index.load(i);
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

  stepForward(): void {
    this.#advance();
    this.#moveTo(Math.min(this.#pos + 1, this.#records.length - 1), true);
  }

  stepBack(): void {
    this.#advance();
    this.#moveTo(Math.max(this.#pos - 1, 0), true);
  }

  setSpeed(x: number): void {
    this.clock.setSpeed(x);
  }

  faster(): void {
    this.clock.faster();
  }

  slower(): void {
    this.clock.slower();
  }

  seekStart(): void {
    this.#moveTo(0, false);
  }

  seekEnd(): void {
    this.#moveTo(this.#records.length - 1, false);
  }

  seekBy(deltaMs: number): void {
    if (!Number.isFinite(deltaMs) || deltaMs === 0) return;
    this.#advance();
    const n = this.#records.length;
    const target = Math.min(this.clock.end, Math.max(this.clock.start, this.clock.now() + deltaMs));
    let pos = this.#pos;
    if (deltaMs > 0) while (pos + 1 < n && this.#t(pos + 1) <= target) pos++;
    else while (pos >= 0 && this.#t(pos) > target) pos--;
    this.#pos = pos;
    this.clock.moveTo(pos >= 0 ? Math.max(target, this.#t(pos)) : target, this);
  }

  onChange(listener: (s: ReplayState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stop: pending source() calls stay pending until their signal aborts; the file is closed (unless the index is shared). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#unsubscribe();
    if (this.#ownsIndex) await this.index.close();
  }

  #t(pos: number): number {
    return this.index.time(this.#records[pos]!);
  }

  /**
   * Bring the position to the record current at the clock. While paused
   * right after a move of this replay's own, the position it moved to
   * stands (records of equal time stay one step each); otherwise the
   * position walks forward to the last record due and, after someone else
   * moved a shared clock back, back to the last one not after the clock.
   */
  #advance(): void {
    const m = this.clock.lastMove;
    if (this.clock.paused && m.by === this && m.version === this.clock.version) return;
    this.#sync(this.clock.now());
  }

  #sync(c: number): void {
    const n = this.#records.length;
    while (this.#pos >= 0 && this.#t(this.#pos) > c) this.#pos--;
    while (this.#pos + 1 < n && this.#t(this.#pos + 1) <= c) this.#pos++;
  }

  #moveTo(pos: number, pause: boolean): void {
    this.#pos = pos;
    this.clock.moveTo(this.#t(pos), this, pause);
  }

  #changed(): void {
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
      if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
      this.#advance();
      if (this.#pos >= 0 && this.#pos !== this.#delivered) {
        const pos = this.#pos;
        this.#delivered = pos;
        const e = await this.index.load(this.#records[pos]!);
        if (e.kind === 'err') throw e.error;
        return { doc: e.doc, at: e.t };
      }
      // Wait for the next record to fall due, a change of the clock, or the abort.
      const next = this.#pos + 1 < this.#records.length ? this.#t(this.#pos + 1) : undefined;
      await this.clock.wait(next, signal);
    }
  }
}
