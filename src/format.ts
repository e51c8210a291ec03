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

const BYTE_UNITS = ['K', 'M', 'G', 'T', 'P', 'E'] as const;

/** Bytes, 1024-based: 0, 512, 12.3K, 45.6M, 1.2G … (≤ 7 chars). */
export function formatBytes(n: number | undefined | null): string {
  if (!ok(n)) return UNKNOWN;
  if (n < 1024) return String(Math.floor(n));
  let v = n / 1024;
  let i = 0;
  while (round1(v) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  if (round1(v) >= 1024) return '>1024E';
  return `${v.toFixed(1)}${BYTE_UNITS[i]}`;
}

/** Microseconds of running time: 0s, 850us, 6.9ms, 300ms, 12.3s, 4m05s, 3h12m, 2d04h (below 1 s like formatMs). */
export function formatDuration(us: number | undefined | null): string {
  if (!ok(us)) return UNKNOWN;
  if (us === 0) return '0s';
  if (Math.round(us / 1000) < 1000) return formatMs(us);
  const tenths = Math.round(us / 1e5);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const s = Math.max(60, Math.floor(us / 1e6));
  if (s < 3600) return `${Math.floor(s / 60)}m${pad2(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad2(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad2(Math.floor((s % 86400) / 3600))}h`;
}

/** Average response time given in microseconds: 850us, 1.2ms, 12ms, 1.2s, then like formatDuration. */
export function formatMs(us: number | undefined | null): string {
  if (!ok(us)) return UNKNOWN;
  if (Math.round(us) < 1000) return `${Math.round(us)}us`;
  const ms = us / 1000;
  if (round1(ms) < 10) return `${round1(ms).toFixed(1)}ms`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const s = us / 1e6;
  if (round1(s) < 60) return `${round1(s).toFixed(1)}s`;
  return formatDuration(us);
}

/** Requests (or any events) per second: 0, 0.5, 12.3, 1234, 12.3k, 123k, 1.2M (≤ 5 chars below 1e12). */
export function formatRate(n: number | undefined | null): string {
  if (!ok(n)) return UNKNOWN;
  if (n === 0) return '0';
  if (round1(n) < 100) return round1(n).toFixed(1);
  if (Math.round(n) < 10000) return String(Math.round(n));
  const units = ['k', 'M', 'G'] as const;
  let v = n;
  for (const u of units) {
    v /= 1000;
    if (round1(v) < 100) return `${round1(v).toFixed(1)}${u}`;
    if (Math.round(v) < 1000) return `${Math.round(v)}${u}`;
  }
  return '>999G';
}

/** A whole count (requests, exceptions…): up to 8 digits verbatim, then 123.5M, 1.2G, 3.4T. */
export function formatCount(n: number | undefined | null): string {
  if (!ok(n)) return UNKNOWN;
  const i = Math.floor(n);
  if (i < 1e8) return String(i);
  const units = ['M', 'G', 'T', 'P'] as const;
  let v = i / 1e6;
  for (const u of units) {
    if (round1(v) < 1000) return `${round1(v).toFixed(1)}${u}`;
    v /= 1000;
  }
  return '>999P';
}

/** A percentage 0..100 with one decimal (values above 100 clamp to 100.0). */
export function formatPercent(p: number | undefined | null): string {
  if (!ok(p)) return UNKNOWN;
  return Math.min(100, round1(p)).toFixed(1);
}

/** An identifier-like integer (pid, uid, worker id): verbatim digits; negatives and fractions are unknown. */
export function formatId(n: number | undefined | null): string {
  if (!ok(n) || !Number.isInteger(n)) return UNKNOWN;
  return String(n);
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
  const n = new Date(nowMs);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  const today =
    !Number.isNaN(n.getTime()) &&
    n.getFullYear() === d.getFullYear() &&
    n.getMonth() === d.getMonth() &&
    n.getDate() === d.getDate();
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
