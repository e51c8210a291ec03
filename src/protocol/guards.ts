/**
 * The generic readers of parsed JSON values behind `parseStats` (see
 * parse.ts for the rules): typed field readers — absent or null is
 * `undefined`, a wrong type is a {@link ShapeFail} — the depth check, the
 * `extra` of unknown keys, and arrays of objects.
 */
import { StatsError } from './errors.js';
import type { Extra } from './types.js';

/** Deepest nesting of arrays/objects accepted (a real uWSGI document nests 7 deep). */
export const MAX_DEPTH = 512;

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON type name of a value, for messages. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return typeof v;
}

/**
 * A shape failure inside the walk, with its path relative to the object
 * being parsed. Paths are only built when something fails: each array loop
 * prefixes its `.key[i]` on the way out, and `parseStats` (parse.ts) turns the
 * result into the public `StatsError` (`$.workers[3].requests: …`). Building
 * them eagerly cost a string per worker and per core on every read.
 */
export class ShapeFail {
  constructor(
    public rel: string,
    readonly expected: string,
    readonly got: unknown,
  ) {}
}

export function shapeError(path: string, expected: string, got: unknown): ShapeFail {
  return new ShapeFail(path, expected, got);
}

export function toStatsError(f: ShapeFail): StatsError {
  const path = '$' + f.rel;
  return new StatsError('BAD_SHAPE', `${path}: expected ${f.expected}, got ${typeName(f.got)}`, { path });
}

/**
 * Replace each element of `list` (JSON.parse's own array: nothing else holds it) by `each`'s result, in
 * place — an element typed in place (see {@link exactKeys}) is not even written back. Each element must be
 * an object; a failure's path gets `key[i]` prefixed on the way out (one try for the whole list). An
 * element whose `done[i]` is true is left as it is: it is already `each`'s result.
 */
export function eachElem<T>(list: unknown[], key: string, depth: number, each: (e: Obj, p: string, d: number) => T, done?: readonly boolean[]): T[] {
  let i = 0;
  try {
    for (; i < list.length; i++) {
      if (done !== undefined && done[i] === true) continue; // already an element of a parsed document (see parseStatsSince)
      const v = list[i];
      if (!isObj(v)) throw shapeError('', 'an object', v);
      const t = each(v, '', depth);
      if (t !== (v as unknown)) list[i] = t;
    }
  } catch (e) {
    if (e instanceof ShapeFail) e.rel = `${key}[${i}]${e.rel}`;
    throw e;
  }
  return list as T[];
}

/** A field's value `v` (read by the caller: `num(o['id'], 'id', p)`, a monomorphic load there) as a number. */
export function num(v: unknown, k: string, path: string): number | undefined {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    throw shapeError(`${path}.${k}`, 'a finite number', v);
  }
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'a number', v);
}

export function str(v: unknown, k: string, path: string): string | undefined {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'a string', v);
}

/** Boolean, or a number read C-style (0 = false). */
export function flag(v: unknown, k: string, path: string): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v !== 0;
    throw shapeError(`${path}.${k}`, 'a boolean or 0/1', v);
  }
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'a boolean or 0/1', v);
}

/** An array field (elements unchecked). */
export function arr(v: unknown, k: string, path: string): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'an array', v);
}

/** An opaque object field kept as-is (after the depth check). */
export function opaqueObj(v: unknown, k: string, path: string, depth: number): Extra | undefined {
  if (isObj(v)) {
    checkDepth(v, depth);
    return v;
  }
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'an object', v);
}

function tooDeepError(): StatsError {
  return new StatsError('NOT_JSON', `JSON nested deeper than ${MAX_DEPTH} levels`);
}

/**
 * Reject `value` if, sitting at nesting depth `depth` (the number of
 * containers around it), any part of it goes deeper than MAX_DEPTH.
 * Iterative: a hostile document cannot blow the stack here either.
 */
export function checkDepth(value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth + 1 <= MAX_DEPTH && flat(value)) return; // the common case: no nested container, nothing to walk
  const todo: unknown[] = [value];
  const depths: number[] = [depth + 1];
  while (todo.length > 0) {
    const v = todo.pop();
    const d = depths.pop() ?? 0;
    if (d > MAX_DEPTH) throw tooDeepError();
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v as Obj);
    for (const c of children) {
      if (typeof c === 'object' && c !== null) {
        todo.push(c);
        depths.push(d + 1);
      }
    }
  }
}

/** True if no element / value of the container `v` is itself an object or array (no allocation). */
function flat(v: object): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const c: unknown = v[i];
      if (typeof c === 'object' && c !== null) return false;
    }
    return true;
  }
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const c = (v as Obj)[k];
    if (typeof c === 'object' && c !== null) return false;
  }
  return true;
}

/** The `extra` of an object with no unknown key: shared and frozen (nothing writes to `extra`). */
export const NO_EXTRA: Extra = Object.freeze({}) as Extra;

/**
 * The keys of `o` not in `known`, in a fresh `extra` object — or the shared
 * empty {@link NO_EXTRA} when there are none (the usual case: no allocation).
 * `depth` is o's own depth.
 */
export function extraOf(o: Obj, known: ReadonlySet<string>, depth: number): Extra {
  let extra: Extra | undefined;
  for (const k in o) {
    if (known.has(k) || !Object.prototype.hasOwnProperty.call(o, k)) continue;
    extra ??= {};
    const v = o[k];
    checkDepth(v, depth);
    if (k === '__proto__') {
      Object.defineProperty(extra, k, { value: v, enumerable: true, writable: true, configurable: true });
    } else {
      extra[k] = v;
    }
  }
  return extra ?? NO_EXTRA;
}

/** The array field `k` of `o`, its elements parsed in place by `each` (see {@link eachElem}). */
export function objArray<T>(o: Obj, k: string, path: string, depth: number, each: (e: Obj, p: string, d: number) => T): T[] | undefined {
  const list = arr(o[k], k, path);
  return list === undefined ? undefined : eachElem(list, `.${k}`, depth + 2, each);
}

/**
 * True when `o`'s enumerable keys are exactly `order`, in that order — what uWSGI sends. Such an object
 * (fresh from JSON.parse, held by nothing else) is typed in place: its fields are checked and normalised
 * where they are (null → undefined, 0/1 → boolean, request vars reduced; nothing added but a core's
 * `request`), instead of
 * being copied into a new object (at 2048 workers × 8 cores that copy was 16k objects and their garbage
 * per read). Any other object (unknown keys, missing ones, another order) takes the copying path, which
 * gives the same result.
 */
export function exactKeys(o: Obj, order: readonly string[]): boolean {
  let i = 0;
  for (const k in o) {
    if (k !== order[i]) return false;
    i++;
  }
  return i === order.length;
}
