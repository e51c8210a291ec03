/**
 * Plain-text helpers for the TUI. Sanitising peer strings, padding and
 * clipping to a cell width are the shared sanitizer's (src/text/sanitize.ts):
 * every string that came from the stats server goes through `clean` before
 * it reaches the terminal, so a hostile status or path can never inject
 * escape sequences.
 */

// The one sanitizer lives in src/text/sanitize.ts (shared by every output path). The TUI's
// screen (blessed without fullUnicode) draws astral characters (emoji) as '?', so here
// every helper first turns them into one '?' per cell (forUnitScreen): the width the
// sanitizer measures is then the width drawn, and columns never shift.
import * as text from '../text/sanitize.js';

const screen = text.forUnitScreen;

/** The sanitizer's `clean`, as the TUI's screen draws it. */
export function clean(s: string): string {
  return screen(s);
}

/** Width in terminal cells. */
export function width(s: string): number {
  return text.width(screen(s));
}

/** Clip to `w` cells, the cut marked with `…`. */
export function clip(s: string, w: number): string {
  return text.clip(screen(s), w);
}

/** Clip from the left (keep the end, e.g. of a path). */
export function clipLeft(s: string, w: number): string {
  return text.clipLeft(screen(s), w);
}

/** Pad (or clip) to exactly `w` cells. */
export function pad(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  return text.pad(screen(s), w, align);
}

/** Cut to at most `w` cells, no marker (the visible part of a cell). */
export function cut(s: string, w: number): string {
  return text.cut(screen(s), w);
}

/** One printable line of an error. */
export function oneLine(e: unknown, max = 200): string {
  return screen(text.oneLine(e, max));
}

// Durations as the status line shows them live with the units, in src/format.ts.
export { formatAge, formatEvery } from '../format.js';
