/**
 * One memo: a value derived from its inputs, rebuilt only when one of them
 * changed (compared with ===). The views derive their tables through it,
 * so no code has to remember to invalidate a table.
 */
export class Memo<T> {
  #key: readonly unknown[] | undefined;
  #value!: T;

  get(key: readonly unknown[], build: () => T): T {
    const k = this.#key;
    if (k && k.length === key.length && key.every((x, i) => x === k[i])) return this.#value;
    this.#value = build();
    this.#key = key;
    return this.#value;
  }
}
