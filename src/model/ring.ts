/**
 * Fixed-capacity ring buffer for history series. `push` is O(1) and never
 * grows storage beyond `capacity`; once full, each push overwrites the
 * oldest entry.
 */
export class Ring<T> {
  readonly #buf: (T | undefined)[];
  #start = 0;
  #len = 0;

  /** @param capacity whole number ≥ 1 (throws RangeError otherwise). */
  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`Ring capacity must be a whole number >= 1, got ${capacity}`);
    }
    this.#buf = new Array<T | undefined>(capacity);
  }

  /** Number of entries held (≤ capacity). */
  get length(): number {
    return this.#len;
  }

  /** Append `v`, dropping the oldest entry when full. */
  push(v: T): void {
    const i = (this.#start + this.#len) % this.capacity;
    this.#buf[i] = v;
    if (this.#len < this.capacity) this.#len++;
    else this.#start = (this.#start + 1) % this.capacity;
  }

  /** The i-th entry, 0 = oldest; undefined when out of range. */
  at(i: number): T | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.#len) return undefined;
    return this.#buf[(this.#start + i) % this.capacity];
  }

  /** The newest entry, or undefined when empty. */
  last(): T | undefined {
    return this.#len === 0 ? undefined : this.#buf[(this.#start + this.#len - 1) % this.capacity];
  }

  /** Entries oldest → newest (a fresh array). */
  toArray(): T[] {
    const out = new Array<T>(this.#len);
    for (let i = 0; i < this.#len; i++) out[i] = this.#buf[(this.#start + i) % this.capacity] as T;
    return out;
  }

  /** Forget every entry (capacity unchanged). */
  clear(): void {
    this.#buf.fill(undefined);
    this.#start = 0;
    this.#len = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#len; i++) yield this.#buf[(this.#start + i) % this.capacity] as T;
  }
}

/**
 * A {@link Ring} of numbers with gaps (`undefined`), stored unboxed in a Float64Array (a gap is NaN, which
 * no series holds: they keep only finite values). History keeps three of these per worker and pushes into
 * them on every read: a boxed number per push into a long-lived array was an allocation and a write
 * barrier per worker and series on every read.
 */
export class NumRing {
  readonly #buf: Float64Array;
  #start = 0;
  #len = 0;
  /**
   * How many entries held are above 0. A series that is all 0 or gaps — the RSS of a uWSGI without
   * --memory-report, the usual case — then answers {@link firstAbove} and {@link countAbove} for a `min` of 0
   * or more without reading its window: at 64 workers a 60-read scan per worker on every frame, each element
   * read boxed anew in V8's unoptimized tiers (~60 KB a second).
   */
  #positive = 0;

  /** @param capacity whole number ≥ 1 (throws RangeError otherwise). */
  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`Ring capacity must be a whole number >= 1, got ${capacity}`);
    }
    this.#buf = new Float64Array(capacity);
  }

  /** Number of entries held (≤ capacity). */
  get length(): number {
    return this.#len;
  }

  /** Append `v` (a non-finite number is stored as a gap), dropping the oldest entry when full. */
  push(v: number | undefined): void {
    const i = (this.#start + this.#len) % this.capacity;
    // Full: slot i holds the oldest entry, dropped now.
    if (this.#len === this.capacity && this.#buf[i]! > 0) this.#positive--;
    const x = v === undefined || !Number.isFinite(v) ? NaN : v;
    this.#buf[i] = x;
    if (x > 0) this.#positive++;
    if (this.#len < this.capacity) this.#len++;
    else this.#start = (this.#start + 1) % this.capacity;
  }

  #get(k: number): number | undefined {
    const v = this.#buf[k]!;
    return Number.isNaN(v) ? undefined : v;
  }

  /** The i-th entry, 0 = oldest; undefined when out of range or a gap. */
  at(i: number): number | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.#len) return undefined;
    return this.#get((this.#start + i) % this.capacity);
  }

  /** The newest entry, or undefined when empty or a gap. */
  last(): number | undefined {
    return this.#len === 0 ? undefined : this.#get((this.#start + this.#len - 1) % this.capacity);
  }

  /**
   * Among the newest `window` entries, the oldest value above `min` (`fromNewest` false) or the newest one
   * (`fromNewest` true), or undefined when there is none. Reads the buffer directly and stops at the first
   * match: a series with values is answered in one or two reads, whatever the window.
   */
  firstAbove(min: number, window: number, fromNewest = false): number | undefined {
    if (min >= 0 && this.#positive === 0) return undefined;
    const n = Math.min(this.#len, Math.max(0, Math.floor(window)));
    const cap = this.capacity;
    const first = this.#start + this.#len - n; // index (unwrapped) of the oldest entry in the window
    for (let k = 0; k < n; k++) {
      const v = this.#buf[(fromNewest ? first + n - 1 - k : first + k) % cap]!;
      if (v > min) return v; // a gap (NaN) is never above
    }
    return undefined;
  }

  /** How many of the newest `window` entries are above `min`, counting no further than `limit`. */
  countAbove(min: number, window: number, limit = Infinity): number {
    if (min >= 0 && this.#positive === 0) return 0;
    const n = Math.min(this.#len, Math.max(0, Math.floor(window)));
    const cap = this.capacity;
    const first = this.#start + this.#len - n;
    let c = 0;
    for (let k = 0; k < n && c < limit; k++) if (this.#buf[(first + k) % cap]! > min) c++;
    return c;
  }

  /** Entries oldest → newest (a fresh array; gaps are undefined). */
  toArray(): (number | undefined)[] {
    const out = new Array<number | undefined>(this.#len);
    for (let i = 0; i < this.#len; i++) out[i] = this.#get((this.#start + i) % this.capacity);
    return out;
  }

  /** Forget every entry (capacity unchanged). */
  clear(): void {
    this.#start = 0;
    this.#len = 0;
    this.#positive = 0;
  }

  *[Symbol.iterator](): Iterator<number | undefined> {
    for (let i = 0; i < this.#len; i++) yield this.#get((this.#start + i) % this.capacity);
  }
}
