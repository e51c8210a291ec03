/**
 * Display formatting shared by every renderer (TUI, batch text). All
 * functions are pure, return a short fixed-ish width string, and return
 * '-' for an unknown value (undefined, null, NaN, ±Infinity, negative).
 *
 * Choices (stable — tests pin them):
 * - bytes: 1024-based like uwsgitop/htop: `0`, `512`, `12.3K`, `45.6M`, `1.2G`,
 *   `3.0T`; at most 7 characters (`1023.9K`).
 * - durations (µs of running time): `0s`, then below 1 s like avg times (`850us`, `6.9ms`, `300ms`),
 *   then `12.3s`, `4m05s`, `3h12m`, `2d04h`.
 * - avg response time (µs): `0us`, `850us`, `1.2ms`, `12ms`, `1.2s`, then like durations.
 * - rates: `0`, `0.5`, `12.3`, `1234`, `12.3k`, `123k`, `1.2M`.
 * - counts: integers up to 8 digits, then `123.5M`, `1.2G`.
 * - percent: one decimal, clamped to 100.
 * - clock: local `HH:MM:SS` when on the same local day as `nowMs`, else `MM-DD HH:MM`.
 * - width: every number formatter takes an optional `width` (its column's)
 *   and never returns more characters than that (for widths ≥ 4); absurd
 *   values show as caps: `>999d`, `>999G`, `>999P`, `>1024E`.
 */

/** The string shown for an unknown value. */
export const UNKNOWN = '-';

function ok(n: number | undefined | null): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A width argument: a whole number ≥ 1, else the formatter's own maximum. */
function cap(width: number | undefined, dflt: number): number {
  return width !== undefined && Number.isFinite(width) && width >= 1 ? Math.floor(width) : dflt;
}

/** `>` and as many 9s as fit before `unit` in `width` (`>999d`, `>99E`); `>` alone when nothing fits. */
function over(width: number, unit: string): string {
  const nines = width - 1 - unit.length;
  return nines >= 1 ? `>${'9'.repeat(nines)}${unit}` : '>';
}

const BYTE_UNITS = ['K', 'M', 'G', 'T', 'P', 'E'] as const;

/** Bytes, 1024-based: 0, 512, 12.3K, 45.6M, 1.2G … (≤ 7 chars, or ≤ `width`; `>999E`-style cap). */
export function formatBytes(n: number | undefined | null, width?: number): string {
  if (!ok(n)) return UNKNOWN;
  const w = cap(width, 7);
  if (n < 1024 && String(Math.floor(n)).length <= w) return String(Math.floor(n));
  let v = n / 1024;
  for (const u of BYTE_UNITS) {
    if (round1(v) < 1024) {
      const t = `${v.toFixed(1)}${u}`;
      if (t.length <= w) return t;
      const r = `${Math.round(v)}${u}`;
      if (Math.round(v) < 1024 && r.length <= w) return r;
    }
    v /= 1024;
  }
  return w >= 6 ? '>1024E' : over(w, 'E');
}

/** Whole days and hours, or days only, or the `>999d` cap, within `w` cells. */
function days(s: number, w: number): string {
  const d = Math.floor(s / 86400);
  const full = `${d}d${pad2(Math.floor((s % 86400) / 3600))}h`;
  if (d < 1000 && full.length <= w) return full;
  if (d < 1000 && `${d}d`.length <= w) return `${d}d`;
  return over(Math.min(w, 5), 'd');
}

/**
 * Microseconds of running time: 0s, 850us, 6.9ms, 300ms, 12.3s, 4m05s,
 * 3h12m, 2d04h (below 1 s like formatMs); ≥ 1000 days is `>999d`. At most
 * 7 chars, or `width`.
 */
export function formatDuration(us: number | undefined | null, width?: number): string {
  if (!ok(us)) return UNKNOWN;
  const w = cap(width, 7);
  if (us === 0) return '0s';
  if (Math.round(us / 1000) < 1000) return formatMs(us, w);
  const tenths = Math.round(us / 1e5);
  if (tenths < 600) return fitOr(`${(tenths / 10).toFixed(1)}s`, w, () => `${Math.round(tenths / 10)}s`);
  const s = Math.max(60, Math.floor(us / 1e6));
  if (s < 3600) return fitOr(`${Math.floor(s / 60)}m${pad2(s % 60)}s`, w, () => `${Math.floor(s / 60)}m`);
  if (s < 86400) return fitOr(`${Math.floor(s / 3600)}h${pad2(Math.floor((s % 3600) / 60))}m`, w, () => `${Math.floor(s / 3600)}h`);
  return days(s, w);
}

/** `t` when it fits `w`, else `shorter()` when that fits, else `>` (a width this small is never used by a column). */
function fitOr(t: string, w: number, shorter: () => string): string {
  if (t.length <= w) return t;
  const s = shorter();
  return s.length <= w ? s : '>';
}

/** Average response time given in microseconds: 850us, 1.2ms, 12ms, 1.2s, then like formatDuration (≤ 7 chars, or `width`). */
export function formatMs(us: number | undefined | null, width?: number): string {
  if (!ok(us)) return UNKNOWN;
  const w = cap(width, 7);
  if (Math.round(us) < 1000) return fitOr(`${Math.round(us)}us`, w, () => '1ms');
  const ms = us / 1000;
  if (round1(ms) < 10) return fitOr(`${round1(ms).toFixed(1)}ms`, w, () => `${Math.round(ms)}ms`);
  if (Math.round(ms) < 1000) return fitOr(`${Math.round(ms)}ms`, w, () => `${Math.round(ms / 100) / 10}s`);
  const s = us / 1e6;
  if (round1(s) < 60) return fitOr(`${round1(s).toFixed(1)}s`, w, () => `${Math.round(s)}s`);
  return formatDuration(us, w);
}

/** Requests (or any events) per second: 0, 0.5, 12.3, 1234, 12.3k, 123k, 1.2M (≤ 5 chars, or `width`); `>999G` cap. */
export function formatRate(n: number | undefined | null, width?: number): string {
  if (!ok(n)) return UNKNOWN;
  const w = cap(width, 5);
  if (n === 0) return '0';
  if (round1(n) < 100 && round1(n).toFixed(1).length <= w) return round1(n).toFixed(1);
  if (Math.round(n) < 10000 && String(Math.round(n)).length <= w) return String(Math.round(n));
  const units = ['k', 'M', 'G'] as const;
  let v = n;
  for (const u of units) {
    v /= 1000;
    if (round1(v) < 100 && `${round1(v).toFixed(1)}${u}`.length <= w) return `${round1(v).toFixed(1)}${u}`;
    if (Math.round(v) < 1000 && `${Math.round(v)}${u}`.length <= w) return `${Math.round(v)}${u}`;
  }
  return over(Math.min(w, 5), 'G');
}

/** A whole count (requests, exceptions…): up to 8 digits verbatim (or as many as `width` allows), then 123.5M, 1.2G, 3.4T; `>999P` cap. */
export function formatCount(n: number | undefined | null, width?: number): string {
  if (!ok(n)) return UNKNOWN;
  const w = cap(width, 8);
  const i = Math.floor(n);
  if (i < 1e8 && String(i).length <= w) return String(i);
  // Below 1e8 (a narrow column): thousands first; from 1e8 on, millions as before.
  const units = i < 1e8 ? (['k', 'M', 'G', 'T', 'P'] as const) : (['M', 'G', 'T', 'P'] as const);
  let v = i / (i < 1e8 ? 1e3 : 1e6);
  for (const u of units) {
    if (round1(v) < 1000) {
      const t = `${round1(v).toFixed(1)}${u}`;
      if (t.length <= w) return t;
      if (Math.round(v) < 1000 && `${Math.round(v)}${u}`.length <= w) return `${Math.round(v)}${u}`;
    }
    v /= 1000;
  }
  return over(Math.min(w, 5), 'P');
}

/** A percentage 0..100 with one decimal (values above 100 clamp to 100.0; `100` when `width` is 4). */
export function formatPercent(p: number | undefined | null, width?: number): string {
  if (!ok(p)) return UNKNOWN;
  const t = Math.min(100, round1(p)).toFixed(1);
  const w = cap(width, 5);
  return t.length <= w ? t : String(Math.round(Math.min(100, p)));
}

/**
 * An identifier-like integer (pid, uid, worker id): verbatim digits;
 * negatives, fractions and integers beyond 2^53 are unknown; an id wider
 * than `width` shows as `>` and 9s.
 */
export function formatId(n: number | undefined | null, width?: number): string {
  if (!ok(n) || !Number.isSafeInteger(n)) return UNKNOWN;
  const t = String(n);
  const w = cap(width, 16);
  return t.length <= w ? t : over(w, '');
}

/**
 * The local calendar day of a time (ms since epoch) as one number (NaN for
 * an invalid time): what decides whether {@link formatClock} shows a time of
 * day or a date — and so the only way a worker column depends on the time of
 * the frame (src/tui/views/workers.ts keeps a row while its day is the same).
 */
export function localDay(ms: number): number {
  const d = new Date(ms);
  return d.getFullYear() * 10000 + d.getMonth() * 100 + d.getDate();
}

/**
 * Unix seconds as local wall-clock time: `HH:MM:SS` when on the same local
 * calendar day as `nowMs` (ms since epoch — passed in, never read), else
 * `MM-DD HH:MM`. 0 (uWSGI's "never") is unknown.
 */
export function formatClock(unixSec: number | undefined | null, nowMs: number): string {
  if (!ok(unixSec) || unixSec === 0) return UNKNOWN;
  const d = new Date(unixSec * 1000);
  if (Number.isNaN(d.getTime())) return UNKNOWN;
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  const today = localDay(nowMs) === localDay(d.getTime()); // NaN (an invalid now) is never today
  return today ? `${hm}:${pad2(d.getSeconds())}` : `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hm}`;
}

/** Milliseconds since epoch as local `YYYY-MM-DD HH:MM:SS` (the batch header's time). */
export function formatTimestamp(ms: number | undefined | null): string {
  if (!ok(ms)) return UNKNOWN;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return UNKNOWN;
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** Seconds as a short age: `0.4s`, `12s`, `3m05s`, `2h01m`. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
}

/** A frequency for the status line: `1s`, `0.1s`, `2.5s`. */
export function formatEvery(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(2))}s`;
}
