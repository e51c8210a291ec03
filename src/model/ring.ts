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
