/**
 * The shell's ticker (issue 13): a tick every `tickMs` while no frame is
 * drawn, none while frames come.
 *
 * Ticks matter only when no frame comes: paused, failing, a slow read, a
 * cadence slower than a second (the header's clock, the age of the data, the
 * retry countdown move on). While reads are drawn every second, a ticker of its
 * own would wake the process once more a second for nothing; measured on a
 * machine whose system calls are dear (AMD EPYC, a Firecracker VM), one more
 * wake-up a second costs ~0.2–1 ms of CPU a second — a tenth or more of the
 * whole floor reader's (bench/floor.ts).
 *
 * How it stays asleep. Node keeps one libuv timer for all its timers, due at
 * the earliest; it moves that timer earlier when an earlier timer is set, but
 * later only when it fires. So a timer cleared and set again later from an I/O
 * callback (a frame drawn after a read) still wakes the process at its old
 * time (seen with strace: a wake-up 250 ms after every read, when each drawn
 * frame re-armed this ticker). Hence:
 * - {@link Ticker.drew} touches no timer: it notes the time. When the timer
 *   fires and a frame was drawn less than `tickMs + slackMs` ago, there is no
 *   tick; the timer is set for `tickMs + slackMs` after that frame.
 * - {@link Ticker.awake} re-arms the timer for `tickMs + slackMs` from now. It is
 *   for a timer's callback only (the session's read timer, at the start of each
 *   read): inside Node's timer phase a timer set again is accounted before the
 *   libuv timer is set, so the old time leaves no wake-up behind. Called at every
 *   read of the 1 s cadence, it keeps the ticker's time ahead of the next read,
 *   and the ticker never fires while reads come.
 * Without `awake` (a source with no timer of its own) frames still hold the
 * ticks back, at the price of one wake-up per frame period.
 */

/** The timer functions and the clock the ticker uses (the global ones; a test's fake). */
export interface TickTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds, monotonic. */
  clock(): number;
}

const GLOBAL_TIMERS: TickTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  clock: () => performance.now(),
};

export class Ticker {
  readonly #tick: () => void;
  readonly #tickMs: number;
  readonly #slackMs: number;
  readonly #timers: TickTimers;
  #handle: unknown;
  #stopped = false;
  #lastDraw = -Infinity;

  constructor(tick: () => void, o: { tickMs: number; slackMs: number; timers?: TickTimers }) {
    this.#tick = tick;
    this.#tickMs = o.tickMs;
    this.#slackMs = o.slackMs;
    this.#timers = o.timers ?? GLOBAL_TIMERS;
  }

  /** Start: the first tick in `tickMs`. */
  start(): void {
    this.#arm(this.#tickMs);
  }

  /** A frame was drawn (not by a tick): no tick is due before `tickMs + slackMs` from now. No timer is touched. */
  drew(): void {
    this.#lastDraw = this.#timers.clock();
  }

  /**
   * A frame is on its way (a read started): the next tick is due `tickMs + slackMs` from now. Call it from a
   * timer's callback only (see above); from anywhere else it still works, with one wake-up more.
   */
  awake(): void {
    this.#arm(this.#tickMs + this.#slackMs);
  }

  /** No more ticks. */
  stop(): void {
    this.#stopped = true;
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #arm(ms: number): void {
    if (this.#stopped) return;
    if (this.#handle !== undefined) this.#timers.clearTimeout(this.#handle);
    this.#handle = this.#timers.setTimeout(() => this.#fire(), Math.max(0, ms));
  }

  #fire(): void {
    this.#handle = undefined;
    const hold = this.#tickMs + this.#slackMs;
    const since = this.#timers.clock() - this.#lastDraw;
    if (since < hold) {
      // A frame came meanwhile: the tick waits for a full hold after it.
      this.#arm(hold - since);
      return;
    }
    // Armed before the tick runs: a tick that throws or draws does not stop the ticking.
    this.#arm(this.#tickMs);
    this.#tick();
  }
}
