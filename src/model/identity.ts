import type { CoreStats, WorkerStats } from '../protocol/types.js';
import { finite } from './sanitize.js';
import type { WorkerView } from './types.js';

/**
 * Stable identity of each worker in one document, in document order.
 *
 * - a positive id → `${id}`;
 * - otherwise (id 0, missing or invalid) the 1-based slot number
 *   `${index + 1}` when no other worker claims that id. Real uWSGI lists
 *   every worker slot in order and reports a never-spawned (cheap) slot as
 *   `id: 0, pid: 0`; its id becomes the slot number once it spawns, so the
 *   key stays the same across the spawn;
 * - else `pid:${pid}` (positive pid), else `#${index}`.
 *
 * A duplicate (a confused peer) gets `~2`, `~3`… appended so keys stay
 * unique; the same document always yields the same keys.
 */
export function workerKeys(workers: readonly WorkerStats[]): string[] {
  // The usual document (uWSGI's ids 1..N): positive, strictly increasing ids are their own keys, no slot or
  // duplicate can arise — no Set, no Map.
  let last = 0;
  let plain = true;
  for (let i = 0; i < workers.length && plain; i++) {
    const id = finite(workers[i]!.id);
    plain = id !== undefined && id > last;
    if (plain) last = id!;
  }
  if (plain) return workers.map((w) => String(w.id));
  const claimed = new Set<string>();
  for (const w of workers) {
    const id = finite(w.id);
    if (id !== undefined && id > 0) claimed.add(String(id));
  }
  return dedupe(
    workers.map((w, i) => {
      const id = finite(w.id);
      if (id !== undefined && id > 0) return String(id);
      const slot = String(i + 1);
      if (!claimed.has(slot)) return slot;
      const pid = finite(w.pid);
      return pid !== undefined && pid > 0 ? `pid:${pid}` : `#${i}`;
    }),
  );
}

/** Identity of each core within its worker: `${id}` or `#${index}`, deduplicated like workerKeys. */
export function coreKeys(cores: readonly CoreStats[]): string[] {
  return dedupe(
    cores.map((c, i) => {
      const id = finite(c.id);
      return id !== undefined ? String(id) : `#${i}`;
    }),
  );
}

function dedupe(keys: string[]): string[] {
  const seen = new Map<string, number>();
  return keys.map((k) => {
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    if (n === 1) return k;
    let alt = `${k}~${n}`;
    while (seen.has(alt)) alt = `${alt}~`;
    seen.set(alt, 1);
    return alt;
  });
}

/**
 * The number a worker is shown and sorted by: its id when positive, else
 * its slot number when its key is one (uWSGI reports never-spawned cheap
 * slots as id 0), else the raw id (possibly undefined).
 */
export function workerNumber(v: Pick<WorkerView, 'id' | 'key'>): number | undefined {
  if (v.id !== undefined && v.id > 0) return v.id;
  return /^\d+$/.test(v.key) ? Number(v.key) : v.id;
}
