/**
 * Colour thresholds that need more than one read: RSS growth (from the
 * model's History) and recent (re)spawns. These are comparisons of values
 * the model produced, for colouring only; they never change a number shown.
 */
import type { History } from '../model/history.js';
import type { ServerView } from '../model/types.js';
import type { RowHints } from '../columns.js';

/** A spawn this recent (ms) is highlighted. */
export const RECENT_SPAWN_MS = 60_000;
/** RSS is "growing" when the newest known value exceeds the oldest known one in the window by this ratio… */
export const RSS_GROWTH_RATIO = 1.2;
/** …and by at least this many bytes… */
export const RSS_GROWTH_MIN_BYTES = 4 * 1024 * 1024;
/** …over a window of this many reads with at least RSS_MIN_POINTS known values. */
export const RSS_WINDOW = 60;
export const RSS_MIN_POINTS = 5;

/** A read's RSS: a positive number, else unknown. */
function known(v: number | undefined): v is number {
  return v !== undefined && v > 0;
}

/**
 * Whether the newest known RSS in the last RSS_WINDOW reads exceeds the oldest known one by RSS_GROWTH_RATIO and
 * RSS_GROWTH_MIN_BYTES, with at least RSS_MIN_POINTS known values. Read from both ends of the window (the oldest
 * and newest known values, and known values counted only up to RSS_MIN_POINTS): a few reads per worker per
 * frame instead of the whole window.
 */
export function rssGrows(rss: { readonly length: number; at(i: number): number | undefined }): boolean {
  const n = rss.length;
  const from = Math.max(0, n - RSS_WINDOW);
  let i = from;
  let first: number | undefined;
  for (; i < n && first === undefined; i++) if (known(rss.at(i))) first = rss.at(i);
  if (first === undefined) return false;
  let last: number | undefined;
  let count = 0;
  for (let j = n - 1; j >= from && count < RSS_MIN_POINTS; j--) {
    const v = rss.at(j);
    if (!known(v)) continue;
    last ??= v;
    count++;
  }
  return last !== undefined && count >= RSS_MIN_POINTS && last > first * RSS_GROWTH_RATIO && last - first >= RSS_GROWTH_MIN_BYTES;
}

export function rowHints(view: ServerView, history: History | undefined, nowMs: number): RowHints {
  const recentSpawn = new Set<string>();
  const rssGrowing = new Set<string>();
  for (const w of view.workers) {
    const ls = w.raw.last_spawn;
    if (w.respawned || (typeof ls === 'number' && ls > 0 && nowMs - ls * 1000 >= 0 && nowMs - ls * 1000 < RECENT_SPAWN_MS)) {
      recentSpawn.add(w.key);
    }
    const s = history?.worker(w.key);
    if (!s) continue;
    if (rssGrows(s.rss)) rssGrowing.add(w.key);
  }
  return { recentSpawn, rssGrowing };
}
