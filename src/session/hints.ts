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

export function rowHints(view: ServerView, history: History | undefined, nowMs: number): RowHints {
  const recentSpawn = new Set<string>();
  const rssGrowing = new Set<string>();
  const ws = view.workers;
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    const ls = w.raw.last_spawn;
    if (w.respawned || (typeof ls === 'number' && ls > 0 && nowMs - ls * 1000 >= 0 && nowMs - ls * 1000 < RECENT_SPAWN_MS)) {
      recentSpawn.add(w.key);
    }
    const s = history?.worker(w.key);
    if (!s) continue;
    // The window's oldest and newest known RSS, then (only for a worker that grew) how many are known:
    // a few reads per worker instead of the whole window (2048 workers × 60 reads on every frame).
    const first = s.rss.firstAbove(0, RSS_WINDOW);
    if (first === undefined) continue;
    const last = s.rss.firstAbove(0, RSS_WINDOW, true)!;
    if (last > first * RSS_GROWTH_RATIO && last - first >= RSS_GROWTH_MIN_BYTES && s.rss.countAbove(0, RSS_WINDOW, RSS_MIN_POINTS) >= RSS_MIN_POINTS) {
      rssGrowing.add(w.key);
    }
  }
  return { recentSpawn, rssGrowing };
}
