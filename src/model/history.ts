import { NumRing, Ring } from './ring.js';
import { avgRt, measuredBytes } from './sanitize.js';
import type { ServerView } from './types.js';

/** Per-worker series; entries are `undefined` for ticks without a known value (gaps). */
export interface WorkerSeries {
  rps: NumRing;
  /** avg_rt in milliseconds. */
  avgRtMs: NumRing;
  /** Resident set size, bytes. */
  rss: NumRing;
  /** Tick number (History.ticks) at which the key was last present. */
  lastSeen: number;
}

/** Totals series. */
export interface TotalsSeries {
  rps: Ring<number | undefined>;
  listenQueue: Ring<number | undefined>;
}

export interface HistoryOptions {
  /** Points kept per series (default 120). */
  capacity?: number;
  /** Drop a worker key not seen for this many ticks (default = capacity). */
  evictAfter?: number;
  /** Hard cap on tracked worker keys; least recently seen go first (default 4096). */
  maxKeys?: number;
}

/**
 * Bounded history of ServerViews, keyed by WorkerView.key. Every tracked
 * series gets exactly one point per `update` (an `undefined` gap when the
 * worker was absent), so series stay time-aligned. Memory is bounded by
 * `maxKeys × 3 × capacity` points no matter how pids churn.
 */
export class History {
  readonly capacity: number;
  readonly evictAfter: number;
  readonly maxKeys: number;
  readonly totals: TotalsSeries;
  #workers = new Map<string, WorkerSeries>();
  #ticks = 0;

  constructor(opts: HistoryOptions = {}) {
    this.capacity = opts.capacity ?? 120;
    this.evictAfter = Math.max(1, opts.evictAfter ?? this.capacity);
    this.maxKeys = Math.max(1, opts.maxKeys ?? 4096);
    this.totals = { rps: new Ring(this.capacity), listenQueue: new Ring(this.capacity) };
  }

  /** Number of updates so far. */
  get ticks(): number {
    return this.#ticks;
  }

  /** Number of tracked worker keys. */
  get size(): number {
    return this.#workers.size;
  }

  /** Tracked keys, in first-seen order. */
  keys(): string[] {
    return [...this.#workers.keys()];
  }

  /** Series of one worker key, or undefined when not tracked. */
  worker(key: string): WorkerSeries | undefined {
    return this.#workers.get(key);
  }

  /** Record one tick. */
  update(view: ServerView): void {
    const tick = ++this.#ticks;
    this.totals.rps.push(view.totals.rps);
    this.totals.listenQueue.push(view.header.listenQueue);
    // Known keys first; new keys are only collected, so a huge document
    // (100k workers) never allocates more than maxKeys series.
    const fresh: ServerView['workers'] = [];
    let seen = 0;
    const ws = view.workers;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      const s = this.#workers.get(w.key);
      if (!s) fresh.push(w);
      else if (s.lastSeen !== tick) {
        this.#record(s, w, tick); // a duplicate key counts once per tick
        seen++;
      }
    }
    // Every tracked key seen this tick (the usual case): no gaps to fill, nothing to evict.
    if (seen < this.#workers.size) this.#fillAbsent(tick);
    if (fresh.length === 0) return;
    // Make room for new keys by dropping the least recently seen absent ones.
    const over = this.#workers.size + fresh.length - this.maxKeys;
    if (over > 0) {
      const absent = [...this.#workers.entries()].filter(([, s]) => s.lastSeen !== tick).sort((a, b) => a[1].lastSeen - b[1].lastSeen);
      for (const [k] of absent.slice(0, over)) this.#workers.delete(k);
    }
    for (const w of fresh) {
      if (this.#workers.size >= this.maxKeys) break;
      if (this.#workers.has(w.key)) continue;
      const s: WorkerSeries = { rps: new NumRing(this.capacity), avgRtMs: new NumRing(this.capacity), rss: new NumRing(this.capacity), lastSeen: tick };
      this.#workers.set(w.key, s);
      this.#record(s, w, tick);
    }
  }

  /** A gap in every series not seen at `tick`; series absent for evictAfter ticks are dropped. */
  #fillAbsent(tick: number): void {
    for (const [k, s] of this.#workers) {
      if (s.lastSeen === tick) continue;
      if (tick - s.lastSeen >= this.evictAfter) {
        this.#workers.delete(k);
        continue;
      }
      s.rps.push(undefined);
      s.avgRtMs.push(undefined);
      s.rss.push(undefined);
    }
  }

  #record(s: WorkerSeries, w: ServerView['workers'][number], tick: number): void {
    s.lastSeen = tick;
    s.rps.push(w.rps);
    const a = avgRt(w.raw.avg_rt, w.raw.requests);
    s.avgRtMs.push(a === undefined ? undefined : a / 1000);
    s.rss.push(measuredBytes(w.raw.rss));
  }

  /** Forget everything (e.g. after switching target). */
  clear(): void {
    this.#workers.clear();
    this.totals.rps.clear();
    this.totals.listenQueue.clear();
    this.#ticks = 0;
  }
}
