/**
 * The read loop: one read at a time, never overlapping. The next read is
 * scheduled when the previous one completes, aimed at `start + interval` so
 * the cadence holds (a slow read just starts the next one at once). A failed
 * read is retried with backoff (initial, doubling, capped), reset by the next
 * success. `stop()` cancels the timer and aborts the read in flight; after it
 * the callbacks are never called again.
 */

export interface PollerOptions<T> {
  read: (signal: AbortSignal) => Promise<T>;
  intervalMs: () => number;
  onSuccess: (value: T) => void;
  onFailure: (error: unknown, retryInMs: number) => void;
  /**
   * A read starts (before `read` is called): from the poller's timer callback, except the first read and one
   * asked for at once (`now`). The shell's ticker waits on it (src/tui/ticker.ts awake).
   */
  onStart?: () => void;
  /** Milliseconds clock for the cadence (default performance.now). */
  clock?: () => number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

/** Backoff after `failures` consecutive failures (1 → initial), doubling, capped at max. */
export function backoffDelay(failures: number, initialMs: number, maxMs: number): number {
  const n = Math.max(1, Math.floor(failures));
  const d = initialMs * 2 ** Math.min(n - 1, 30);
  return Math.min(maxMs, d);
}

export class Poller<T> {
  readonly #o: PollerOptions<T>;
  readonly #clock: () => number;
  #timer: NodeJS.Timeout | undefined;
  /**
   * One controller for the poller's life, made at the first read: only stop()
   * aborts, and every read takes its listener off the signal as it settles
   * (protocol/transport.ts Deadline), so nothing piles up on it. A controller
   * and signal per read cost more than the rest of a small read's
   * bookkeeping (issue 13).
   */
  #abort: AbortController | undefined;
  #running = false;
  #stopped = false;
  #failures = 0;
  #lastStart = 0;
  #reads = 0;

  constructor(o: PollerOptions<T>) {
    this.#o = o;
    this.#clock = o.clock ?? (() => performance.now());
  }

  /** Consecutive failures so far (0 after a success). */
  get failures(): number {
    return this.#failures;
  }

  /** Reads started so far. */
  get reads(): number {
    return this.#reads;
  }

  /** True while a read is in flight. */
  get busy(): boolean {
    return this.#running;
  }

  /** How long the read in flight has been running, ms (0 when none is). */
  get busyMs(): number {
    return this.#running ? Math.max(0, this.#clock() - this.#lastStart) : 0;
  }

  /** Start reading now. */
  start(): void {
    if (this.#stopped || this.#running || this.#timer) return;
    this.#run();
  }

  /**
   * The interval changed (fast refresh toggled): reschedule a pending read
   * against the new interval (a read in flight is left alone; the next one
   * uses the new interval).
   */
  reschedule(): void {
    if (this.#stopped || this.#running || this.#timer === undefined || this.#failures > 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#schedule(Math.max(0, this.#lastStart + this.#o.intervalMs() - this.#clock()));
  }

  /** Read again at once (unless a read is in flight). */
  now(): void {
    if (this.#stopped || this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#run();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort();
    this.#abort = undefined;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, ms);
  }

  #run(): void {
    if (this.#stopped) return;
    this.#running = true;
    this.#reads++;
    this.#lastStart = this.#clock();
    try {
      this.#o.onStart?.();
    } catch {
      /* a listener must not stop the reads */
    }
    const ac = (this.#abort ??= new AbortController());
    let p: Promise<T>;
    try {
      p = Promise.resolve(this.#o.read(ac.signal));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (v) => {
        if (this.#stopped) return;
        this.#running = false;
        this.#failures = 0;
        this.#schedule(Math.max(0, this.#lastStart + this.#o.intervalMs() - this.#clock()));
        this.#o.onSuccess(v);
      },
      (e: unknown) => {
        if (this.#stopped) return;
        this.#running = false;
        this.#failures++;
        const delay = backoffDelay(this.#failures, this.#o.backoffInitialMs ?? 500, this.#o.backoffMaxMs ?? 10_000);
        this.#schedule(delay);
        this.#o.onFailure(e, delay);
      },
    );
  }
}
