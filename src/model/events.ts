import type { StatsSnapshot, WorkerStats } from '../protocol/types.js';
import { workerNumber } from './identity.js';
import { counter, finite, wentUp } from './sanitize.js';
import { isNotableClass, statusClass } from './status.js';
import type { ModelEvent, SocketView, WorkerView } from './types.js';
import { queueText } from './sockets.js';

/** Default listen-queue threshold whose upward crossing raises an event. */
export const DEFAULT_LQ_THRESHOLD = 10;

/** A matched worker: its view in the current read and its raw previous read (if any). */
export interface WorkerPair {
  view: WorkerView;
  prev: WorkerStats | undefined;
}

/**
 * A connection event for the TUI's event log (the model never creates these:
 * it does no I/O). `at` is ms since epoch like Sample.at.
 */
export function connectionEvent(
  kind: 'connection_lost' | 'connection_restored',
  at: number,
  message: string,
): ModelEvent {
  return { at, kind, message };
}

const eventId = workerNumber;

function who(v: WorkerView): string {
  const id = eventId(v);
  if (id !== undefined) return `worker ${id}`;
  if (v.pid !== undefined) return `worker pid ${v.pid}`;
  return `worker ${v.key}`;
}

function withWorker(e: ModelEvent, v: WorkerView): ModelEvent {
  const id = eventId(v);
  if (id !== undefined) e.workerId = id;
  return e;
}

/** pid > 0, i.e. a live process (uWSGI reports an unspawned cheap slot as pid 0). */
function livePid(v: unknown): number | undefined {
  const p = finite(v);
  return p !== undefined && p > 0 ? p : undefined;
}

/** Requests the worker's cores were in at the last read (0 when not reported). */
function inFlightThen(p: WorkerStats): number {
  const cores = p.cores;
  let n = 0;
  if (Array.isArray(cores)) for (let i = 0; i < cores.length; i++) if (cores[i]?.in_request === true) n++;
  return n;
}

/**
 * `; N requests in flight at the last read`: what a replaced process may have taken with it — the clients of
 * a worker killed (SIGKILL, a segfault, harakiri, a reload's mercy running out) get no answer. "At the last
 * read": some may have ended between that read and the end of the process.
 */
function lostText(n: number): string {
  return n > 0 ? `; ${n} request${n === 1 ? '' : 's'} in flight at the last read` : '';
}

/**
 * The respawn event of a reset worker, or undefined when a status event
 * already tells the story (a cheap slot spawning or going back to cheap).
 */
function respawnEvent(v: WorkerView, p: WorkerStats, name: string, at: number): ModelEvent | undefined {
  const oldPid = livePid(p.pid);
  const newPid = livePid(v.pid);
  const wasCheap = statusClass(typeof p.status === 'string' ? p.status : undefined) === 'cheap';
  let message: string;
  if (v.spawned) {
    // A cheap (or never spawned) slot got a process: cheaper-mode scale-up, not a respawn.
    const e: ModelEvent = { at, kind: 'spawned', message: `${name} spawned (pid ${newPid ?? '?'}${wasCheap ? ', cheaper scale-up' : ''})` };
    if (newPid !== undefined) e.newPid = newPid;
    return withWorker(e, v);
  }
  if (oldPid !== undefined && newPid !== undefined && oldPid !== newPid) {
    message = `${name} respawned (pid ${oldPid} -> ${newPid})${lostText(inFlightThen(p))}`;
  } else if (oldPid === undefined && newPid !== undefined && v.respawnReason === 'pid') {
    if (wasCheap) return undefined;
    message = `${name} spawned (pid ${newPid})`;
  } else if (newPid === undefined && v.respawnReason === 'pid') {
    if (v.statusClass === 'cheap') return undefined;
    message = `${name} has no process (pid ${oldPid ?? '?'} -> ${finite(v.pid) ?? '?'})`;
  } else {
    message = `${name} respawned (${v.respawnReason === 'counter' ? 'counters went down' : 'respawn count went up'})`;
  }
  const e: ModelEvent = { at, kind: 'respawn', message };
  if (oldPid !== undefined) e.oldPid = oldPid;
  if (newPid !== undefined) e.newPid = newPid;
  return withWorker(e, v);
}

/** One event for the workers a reload restarted between two reads (see isReload in workers.ts). */
function reloadEvent(list: readonly WorkerPair[], at: number): ModelEvent {
  const first = list[0]!;
  if (list.length === 1) {
    const e: ModelEvent = { at, kind: 'reload', message: `${who(first.view)} restarted afresh (pid ${finite(first.prev!.pid)} -> ${first.view.pid}, respawn count back to ${first.view.raw.respawn_count}): a reload${lostText(inFlightThen(first.prev!))}` };
    if (first.view.pid !== undefined) e.newPid = first.view.pid;
    return withWorker(e, first.view);
  }
  const ids = list.map((p) => p.view.id);
  const named = list.length <= 4 && ids.every((id) => id !== undefined) ? `workers ${ids.join(', ')}` : `${list.length} workers`;
  let lost = 0;
  for (const p of list) lost += inFlightThen(p.prev!);
  return { at, kind: 'reload', message: `reload: ${named} restarted afresh (new pids, respawn counts started again)${lostText(lost)}` };
}

/**
 * Events between two reads of the same server. Order: master restart,
 * listen queue, then per worker (document order) respawn, harakiri, status,
 * accepting; then new workers, then gone workers.
 */
export function detectEvents(
  cur: StatsSnapshot,
  prev: StatsSnapshot,
  pairs: readonly WorkerPair[],
  goneKeys: readonly { key: string; raw: WorkerStats }[],
  at: number,
  lqThreshold: number = DEFAULT_LQ_THRESHOLD,
  sockets: readonly SocketView[] = [],
  prevSockets: readonly SocketView[] = [],
): ModelEvent[] {
  const out: ModelEvent[] = [];
  const mp = finite(cur.pid);
  const pmp = finite(prev.pid);
  if (mp !== undefined && pmp !== undefined && mp !== pmp) {
    out.push({ at, kind: 'respawn', message: `master restarted (pid ${pmp} -> ${mp})`, oldPid: pmp, newPid: mp });
  }

  const lq = counter(cur.listen_queue);
  const plq = counter(prev.listen_queue);
  if (lq !== undefined && plq !== undefined) {
    if (plq < lqThreshold && lq >= lqThreshold) {
      out.push({ at, kind: 'listen_queue', message: `listen queue ${plq} -> ${lq} (threshold ${lqThreshold})` });
    } else if (plq === 0 && lq > 0) {
      out.push({ at, kind: 'listen_queue', message: `listen queue ${plq} -> ${lq}` });
    }
  }
  const lqe = counter(cur.listen_queue_errors);
  const plqe = counter(prev.listen_queue_errors);
  if (lqe !== undefined && plqe !== undefined && lqe > plqe) {
    out.push({ at, kind: 'listen_queue', message: `listen queue errors +${lqe - plqe} (total ${lqe})` });
  }

  const before = new Map(prevSockets.map((k) => [k.name, k]));
  for (const k of sockets) {
    const p = before.get(k.name);
    if (!p) continue;
    if (k.full && !p.full) out.push({ at, kind: 'queue_full', message: `listen queue of ${k.name || 'socket'} full (${queueText(k)})` });
    // "drained" only when nothing waits any more: a queue one below its backlog (7/8) is no longer full, not drained.
    else if (!k.full && p.full) {
      out.push({ at, kind: 'queue_drained', message: `listen queue of ${k.name || 'socket'} ${k.queue === 0 ? 'drained' : 'no longer full'} (${queueText(k)})` });
    }
  }

  const fresh: WorkerView[] = [];
  let reloaded: WorkerPair[] | undefined;
  for (let i = 0; i < pairs.length; i++) {
    const v = pairs[i]!.view;
    const p = pairs[i]!.prev;
    if (!p) {
      fresh.push(v);
      continue;
    }
    // The worker's name only when an event is told (not a string per worker per read).
    if ((v.respawned || v.spawned) && v.respawnReason !== 'master') {
      if (v.respawnReason === 'reload') (reloaded ??= []).push(pairs[i]!);
      else {
        const e = respawnEvent(v, p, who(v), at);
        if (e) out.push(e);
      }
    }
    if (wentUp(v.raw.harakiri_count, p.harakiri_count)) {
      out.push(
        withWorker({ at, kind: 'harakiri', message: `${who(v)} harakiri (count ${p.harakiri_count} -> ${v.raw.harakiri_count})` }, v),
      );
    }
    const pc = statusClass(typeof p.status === 'string' ? p.status : undefined);
    if (pc !== v.statusClass && (isNotableClass(pc) || isNotableClass(v.statusClass))) {
      const from = typeof p.status === 'string' ? p.status : '?';
      out.push(withWorker({ at, kind: 'status', message: `${who(v)} ${from} -> ${v.status || '?'}` }, v));
    }
    const acc = finite(v.raw.accepting);
    const pacc = finite(p.accepting);
    if (acc !== undefined && pacc !== undefined && (acc > 0) !== (pacc > 0)) {
      out.push(withWorker({ at, kind: 'status', message: `${who(v)} ${acc > 0 ? 'now accepting' : 'stopped accepting'}` }, v));
    }
  }
  if (reloaded) out.push(reloadEvent(reloaded, at));
  for (const v of fresh) {
    out.push(withWorker({ at, kind: 'new_worker', message: `${who(v)} appeared${v.pid !== undefined ? ` (pid ${v.pid})` : ''}` }, v));
  }
  for (const g of goneKeys) {
    const id = workerNumber({ id: finite(g.raw.id), key: g.key });
    const pid = finite(g.raw.pid);
    const e: ModelEvent = {
      at,
      kind: 'gone_worker',
      message: `${id !== undefined ? `worker ${id}` : `worker ${g.key}`} gone${pid !== undefined ? ` (pid ${pid})` : ''}`,
    };
    if (id !== undefined) e.workerId = id;
    out.push(e);
  }
  return out;
}
