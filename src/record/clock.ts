/**
 * The replay clock: recorded time that runs at `speed` × real time from an
 * anchor, frozen while paused and clamped to the end of the recording. One
 * clock can drive several players (a {@link Replay} per address of a fleet
 * recording, see FleetReplay): whoever moves it, everyone sees the move.
 *
 * `clock = anchor + (real elapsed) × speed`, at most `end` (a clock already
 * set past `end` stays where it was set). Real time and timers come from an
 * injectable {@link ReplayScheduler}, so tests drive time by hand.
 *
 * Every change (pause, resume, speed, a move) bumps `version`, wakes every
 * pending {@link ReplayClock.wait} and calls the `onChange` listeners. A
 * move also records who made it (`lastMove`), so a player can tell its own
 * moves (its position is then authoritative) from someone else's (it
 * re-derives its position from the clock).
 */

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

export interface ReplayClockOptions {
  /** Recorded time the clock starts at (ms since epoch); also the lower bound of seeks. */
  start: number;
  /** Recorded time the clock stops at (ms since epoch). */
  end: number;
  /** Initial speed (default 1; clamped to 0.25…16). */
  speed?: number;
  /** Start paused (default false). */
  paused?: boolean;
  scheduler?: ReplayScheduler;
}

/** Clamp a speed to 0.25…16 (non-finite: 1). */
export function clampSpeed(x: number): number {
  if (!Number.isFinite(x)) return 1;
  return Math.min(MAX_REPLAY_SPEED, Math.max(MIN_REPLAY_SPEED, x));
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/** One replay clock, shareable between players (see the module comment). */
export class ReplayClock {
  readonly scheduler: ReplayScheduler;
  /** Lower bound of seeks, recorded ms. */
  readonly start: number;
  /** Where the clock stops, recorded ms. */
  readonly end: number;
  #paused: boolean;
  #speed: number;
  #anchorT: number;
  #anchorReal: number;
  #version = 0;
  #lastMove: { by: unknown; version: number } = { by: undefined, version: -1 };
  #listeners = new Set<() => void>();
  #wakers = new Set<() => void>();

  constructor(o: ReplayClockOptions) {
    this.scheduler = o.scheduler ?? realScheduler;
    this.start = o.start;
    this.end = Math.max(o.start, o.end);
    this.#paused = o.paused === true;
    this.#speed = clampSpeed(o.speed ?? 1);
    this.#anchorT = o.start;
    this.#anchorReal = this.scheduler.now();
  }

  /** The clock in recorded ms (arrow: safe to pass around as a `now` function). */
  readonly now = (): number => {
    if (this.#paused) return this.#anchorT;
    const c = this.#anchorT + (this.scheduler.now() - this.#anchorReal) * this.#speed;
    return c > this.end ? Math.max(this.end, this.#anchorT) : c;
  };

  get paused(): boolean {
    return this.#paused;
  }

  get speed(): number {
    return this.#speed;
  }

  /** Bumped by every change. */
  get version(): number {
    return this.#version;
  }

  /** Who made the latest move (see {@link ReplayClock.moveTo}) and at which version. */
  get lastMove(): { readonly by: unknown; readonly version: number } {
    return this.#lastMove;
  }

  pause(): void {
    if (this.#paused) return;
    this.#anchorT = this.now();
    this.#paused = true;
    this.#changed();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#anchorReal = this.scheduler.now();
    this.#paused = false;
    this.#changed();
  }

  togglePause(): void {
    if (this.#paused) this.resume();
    else this.pause();
  }

  /** Set the speed (clamped to 0.25…16). */
  setSpeed(x: number): void {
    const s = clampSpeed(x);
    if (s === this.#speed) return;
    this.#anchorT = this.now();
    this.#anchorReal = this.scheduler.now();
    this.#speed = s;
    this.#changed();
  }

  /** Next speed up in REPLAY_SPEEDS. */
  faster(): void {
    const next = REPLAY_SPEEDS.find((s) => s > this.#speed + 1e-9);
    if (next !== undefined) this.setSpeed(next);
  }

  /** Next speed down in REPLAY_SPEEDS. */
  slower(): void {
    const prev = [...REPLAY_SPEEDS].reverse().find((s) => s < this.#speed - 1e-9);
    if (prev !== undefined) this.setSpeed(prev);
  }

  /**
   * Move the clock to recorded time `t` (not clamped: callers clamp), and
   * pause it if `pause`. `by` identifies the mover (see `lastMove`). One
   * change notification.
   */
  moveTo(t: number, by: unknown, pause = false): void {
    this.#anchorT = t;
    this.#anchorReal = this.scheduler.now();
    if (pause) this.#paused = true;
    this.#lastMove = { by, version: this.#version + 1 };
    this.#changed();
  }

  /** Called after every change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Wait until the clock reaches recorded time `due` (no deadline when
   * undefined or while paused), any change of the clock, or the abort
   * (rejects with `signal.reason`).
   */
  wait(due: number | undefined, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      let timer: unknown;
      const done = (): void => {
        if (timer !== undefined) this.scheduler.clearTimeout(timer);
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
      if (!this.#paused && due !== undefined) {
        const dueIn = (due - this.now()) / this.#speed;
        timer = this.scheduler.setTimeout(wake, Math.max(0, Math.ceil(dueIn)));
      }
    });
  }

  #changed(): void {
    this.#version++;
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const w of wakers) w();
    for (const l of [...this.#listeners]) {
      try {
        l();
      } catch {
        /* a listener's bug must not stop the replay */
      }
    }
  }
}
