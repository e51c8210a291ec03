import type { CoreStats, WorkerStats } from '../protocol/types.js';
import { coreKeys } from './keys.js';
import { counter, finite, rate, wentDown, wentUp } from './sanitize.js';
import { statusClass } from './status.js';
import type { CoreView, RespawnReason, WorkerView } from './types.js';

/**
 * Why a worker's counters cannot be compared with its previous read, or
 * `undefined` when they can. Order of precedence: master restart, pid change,
 * respawn_count increase, any monotone counter (requests, tx, exceptions,
 * harakiri_count, respawn_count) going down.
 */
export function resetReason(cur: WorkerStats, prev: WorkerStats, masterChanged = false): RespawnReason | undefined {
  if (masterChanged) return 'master';
  const pid = finite(cur.pid);
  const prevPid = finite(prev.pid);
  if (pid !== undefined && prevPid !== undefined && pid !== prevPid) return 'pid';
  if (wentUp(cur.respawn_count, prev.respawn_count)) return 'respawn_count';
  if (
    wentDown(cur.requests, prev.requests) ||
    wentDown(cur.tx, prev.tx) ||
    wentDown(cur.exceptions, prev.exceptions) ||
    wentDown(cur.harakiri_count, prev.harakiri_count) ||
    wentDown(cur.respawn_count, prev.respawn_count)
  ) {
    return 'counter';
  }
  return undefined;
}

/**
 * Views of one worker's cores. `prev` is the same worker's previous read,
 * or undefined when there is none or the worker was reset (then every core
 * rate is undefined). A core whose own requests went down also gets an
 * undefined rate.
 */
export function buildCores(
  w: WorkerStats,
  prev: WorkerStats | undefined,
  seconds: number | undefined,
): CoreView[] {
  const cores = Array.isArray(w.cores) ? w.cores : [];
  if (cores.length === 0) return [];
  const prevCores = prev && Array.isArray(prev.cores) ? prev.cores : undefined;
  const match = prevCores && prevCores.length > 0 ? matchCores(cores, prevCores) : undefined;
  const workerId = finite(w.id);
  return cores.map((c, i) => {
    const p = match?.(i);
    return {
      workerId,
      id: finite(c.id),
      raw: c,
      requests: counter(c.requests),
      rps: p ? rate(c.requests, p.requests, seconds) : undefined,
      inRequest: c.in_request === true,
    };
  });
}

/**
 * One worker's view (share is filled in later by the caller, once the total
 * is known). `prev` undefined → first read of this worker: rates undefined.
 */
export function buildWorker(
  key: string,
  w: WorkerStats,
  prev: WorkerStats | undefined,
  seconds: number | undefined,
  masterChanged: boolean,
): WorkerView {
  const reason = prev ? resetReason(w, prev, masterChanged) : undefined;
  const comparable = prev !== undefined && reason === undefined ? prev : undefined;
  const cores = buildCores(w, comparable, seconds);
  const status = typeof w.status === 'string' ? w.status : undefined;
  const view: WorkerView = {
    key,
    raw: w,
    id: finite(w.id),
    pid: finite(w.pid),
    status: status ?? '',
    statusClass: statusClass(status),
    busy: status === 'busy' || cores.some((c) => c.inRequest),
    share: undefined,
    rps: comparable ? rate(w.requests, comparable.requests, seconds) : undefined,
    txRate: comparable ? rate(w.tx, comparable.tx, seconds) : undefined,
    excRate: comparable ? rate(w.exceptions, comparable.exceptions, seconds) : undefined,
    respawned: reason !== undefined,
    cores,
  };
  if (reason !== undefined) view.respawnReason = reason;
  return view;
}

/**
 * For each current core index, its previous read (same core key). Fast path
 * (no allocation per core): both reads list the same distinct ids in the
 * same order, as uWSGI always does.
 */
function matchCores(cores: readonly CoreStats[], prev: readonly CoreStats[]): (i: number) => CoreStats | undefined {
  if (cores.length === prev.length) {
    let same = true;
    let last = -Infinity;
    for (let i = 0; i < cores.length && same; i++) {
      const id = finite(cores[i]!.id);
      same = id !== undefined && id > last && id === finite(prev[i]!.id);
      if (id !== undefined) last = id;
    }
    if (same) return (i) => prev[i];
  }
  const keys = coreKeys(cores);
  const pk = coreKeys(prev);
  const byKey = new Map<string, CoreStats>();
  prev.forEach((c, i) => byKey.set(pk[i]!, c));
  return (i) => byKey.get(keys[i]!);
}
