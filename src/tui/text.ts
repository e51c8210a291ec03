/**
 * Plain-text helpers for the TUI. Sanitising peer strings, padding and
 * clipping to a cell width are the shared sanitizer's (src/text/sanitize.ts):
 * every string that came from the stats server goes through `clean` before
 * it reaches the terminal, so a hostile status or path can never inject
 * escape sequences.
 */

// The one sanitizer lives in src/text/sanitize.ts (shared by every output path); re-exported here for the TUI.
export { clean, clip, clipLeft, oneLine, pad, width } from '../text/sanitize.js';

// Durations as the status line shows them live with the units, in src/format.ts.
export { formatAge, formatEvery } from '../format.js';
