/**
 * The shell's ticker (issue 13): a tick every `tickMs` while no frame is
 * drawn, none while frames come.
 *
 * Ticks matter only when no frame comes: paused, failing, a slow read, a
 * cadence slower than a second (the header's clock, the age of the data, the
 * retry countdown move on). While reads are drawn every second, a ticker of its
 * own would wake the process once more a second for nothing; measured on a
 * machine whose system calls are dear (AMD EPYC, a Firecracker VM), one more
 * wake-up a second costs ~0.5 ms of CPU a second — a tenth of the whole floor
 * reader's (bench/floor.ts). So each drawn frame pushes the next tick to
 * `tickMs + slackMs` after it (the slack covers a read's jitter at the 1 s
 * cadence), and ticks then follow each other every `tickMs`.
 */

/** The timer functions the ticker uses (the global ones; a test's fake). */
export interface TickTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const GLOBAL_TIMERS: TickTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class Ticker {
  readonly #tick: () => void;
  readonly #tickMs: number;
  readonly #slackMs: number;
  readonly #timers: TickTimers;
  #handle: unknown;
  #stopped = false;

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

  /** A frame was drawn (not by a tick): the next tick is due `tickMs + slackMs` from now. */
  drew(): void {
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
    this.#handle = this.#timers.setTimeout(() => {
      this.#handle = undefined;
      // Armed before the tick runs: a tick that throws or draws does not stop the ticking.
      this.#arm(this.#tickMs);
      this.#tick();
    }, ms);
  }
}
