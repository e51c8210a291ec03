/**
 * Defensive number handling. The parser guarantees JSON types, but a peer can
 * still send negative, fractional, huge or (via a lenient parser) NaN-ish
 * numbers. The model never lets those turn into a bogus rate.
 */

/** A usable counter/gauge: a finite number ≥ 0, else `undefined` (unknown). */
export function counter(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/**
 * A worker's memory as uWSGI reports it (`rss`, `vsz`): it measures them only with --memory-report (or a
 * reload-on-rss/-vsz limit), after each request, and puts 0 back at a respawn — so 0 means "not measured"
 * (a live process is never 0 bytes resident), shown as unknown, not as 0 bytes, and left out of sums.
 */
export function measuredBytes(v: unknown): number | undefined {
  const c = counter(v);
  return c === 0 ? undefined : c;
}

/**
 * A worker's `avg_rt`, unknown while it has served no request: uWSGI starts it at 0 and moves it only when a
 * request ends, so 0 with 0 requests is "no request timed yet", not requests taking 0 µs.
 */
export function avgRt(avg: unknown, requests: unknown): number | undefined {
  const a = counter(avg);
  return a === 0 && counter(requests) === 0 ? undefined : a;
}

/** A finite number (any sign), else `undefined`. */
export function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Per-second rate of a monotone counter between two reads:
 * `(cur - prev) / seconds`. `undefined` when either side is unknown, the
 * counter went down, the interval is not a positive finite number, or the
 * result is not finite. Never negative, never NaN.
 */
export function rate(cur: unknown, prev: unknown, seconds: number | undefined): number | undefined {
  const c = counter(cur);
  const p = counter(prev);
  if (c === undefined || p === undefined) return undefined;
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  if (c < p) return undefined;
  const r = (c - p) / seconds;
  return Number.isFinite(r) && r >= 0 ? r : undefined;
}

/** True when both values are usable counters and `cur` is below `prev`. */
export function wentDown(cur: unknown, prev: unknown): boolean {
  const c = counter(cur);
  const p = counter(prev);
  return c !== undefined && p !== undefined && c < p;
}

/** True when both values are usable counters and `cur` is above `prev`. */
export function wentUp(cur: unknown, prev: unknown): boolean {
  const c = counter(cur);
  const p = counter(prev);
  return c !== undefined && p !== undefined && c > p;
}

/**
 * Sum of the known values; `undefined` only when every value is unknown.
 * A non-finite sum (overflow of absurd inputs) is `undefined`.
 */
export function sumKnown(values: Iterable<number | undefined>): number | undefined {
  let s = NO_SUM;
  for (const v of values) s = plusKnown(s, v);
  return knownSum(s);
}

/**
 * The running form of {@link sumKnown}, as a plain number (one pass over many sums, no arrays): start from
 * `NO_SUM`, `s = plusKnown(s, v)` for each value, then `knownSum(s)`. A number, not an object: in V8's
 * unoptimized tiers a number field that once held a fraction is boxed anew on every add (issue 13: ~20 KB a
 * second in the totals at 64 workers), while a local holding a small integer is not boxed at all.
 */
export const NO_SUM = -1;

/** `sum` plus `v` when `v` is a counter (unknown values do not count; counters are never negative, so NO_SUM is no sum). */
export function plusKnown(sum: number, v: unknown): number {
  const c = counter(v);
  if (c === undefined) return sum;
  return sum === NO_SUM ? c : sum + c;
}

/** The sum, or undefined when no value was known or it is not finite. */
export function knownSum(sum: number): number | undefined {
  return sum !== NO_SUM && Number.isFinite(sum) ? sum : undefined;
}

/**
 * Re-spawns after the first spawn: uWSGI's respawn_count counts the first
 * spawn as 1 (a cheap slot never spawned reads 0). The ReSpwn column shows
 * this and the header's respawns is its sum, so the two always agree.
 */
export function respawnsAfterFirst(v: unknown): number | undefined {
  const c = counter(v);
  return c === undefined ? undefined : Math.max(0, c - 1);
}
