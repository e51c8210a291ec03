/**
 * Plain-text helpers for the TUI: sanitising peer strings, padding and
 * clipping to a cell width. Every string that came from the stats server
 * goes through `clean` before it reaches the terminal, so a hostile status
 * or path can never inject escape sequences.
 */

// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The string with every control character replaced by `?` (tabs and newlines included). */
export function clean(s: string): string {
  return s.replace(CONTROL, '?');
}

/** Display width of a plain string (this TUI only emits single-width characters; peer text is cleaned). */
export function width(s: string): number {
  return s.length;
}

/** Clip to `w` characters, marking the cut with `…` when something was dropped. */
export function clip(s: string, w: number): string {
  if (w <= 0) return '';
  if (s.length <= w) return s;
  if (w === 1) return '…';
  return s.slice(0, w - 1) + '…';
}

/** Clip from the left (keep the end, e.g. of a path), marking the cut with `…`. */
export function clipLeft(s: string, w: number): string {
  if (w <= 0) return '';
  if (s.length <= w) return s;
  if (w === 1) return '…';
  return '…' + s.slice(s.length - (w - 1));
}

/** Pad (or clip) to exactly `w` characters. */
export function pad(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  if (s.length > w) return clip(s, w);
  const fill = ' '.repeat(w - s.length);
  return align === 'right' ? fill + s : s + fill;
}

/** One line of an error (first line, cleaned, clipped to 200 characters). */
export function oneLine(e: unknown): string {
  let msg: string;
  if (e instanceof Error) msg = e.message || e.name;
  else if (typeof e === 'string') msg = e;
  else {
    try {
      msg = String(e);
    } catch {
      msg = 'unknown error';
    }
  }
  const first = msg.split('\n').find((l) => l.trim() !== '') ?? msg;
  return clip(clean(first.trim()), 200) || 'unknown error';
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
