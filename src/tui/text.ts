/**
 * Plain-text helpers for the TUI. Sanitising peer strings, padding and
 * clipping to a cell width are the shared sanitizer's (src/text/sanitize.ts):
 * every string that came from the stats server goes through `clean` before
 * it reaches the terminal, so a hostile status or path can never inject
 * escape sequences.
 */

// The one sanitizer lives in src/text/sanitize.ts (shared by every output path); re-exported here for the TUI.
export { clean, clip, clipLeft, oneLine, pad, width } from '../text/sanitize.js';

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
