/**
 * Listen sockets. uWSGI 2.0 never increments `listen_queue_errors`; what
 * tells a full backlog is each socket's `queue` against its `max_queue`
 * (core/master.c logs "listen queue of socket ... full !!! (q/max)" exactly
 * when queue > 0 and queue ≥ max_queue). `max_queue` reads 0 for a moment
 * after the master starts: no fill % then, and "full" only by that same rule
 * — except on a unix socket, where uWSGI 2.0 does not measure it at all (unixName).
 */
import type { SocketStats, StatsSnapshot } from '../protocol/types.js';
import { counter, finite } from './sanitize.js';
import type { ServerView, SocketView } from './types.js';

/** Connections seen waiting: the longest measured socket queue, or the server's listen_queue (diagnosis, nginx's front). */
export function waitingOf(view: ServerView): number {
  return Math.max(0, ...view.sockets.map((k) => k.queue ?? 0), view.header.listenQueue ?? 0);
}

/**
 * A uWSGI unix socket's name: its path (absolute, relative or `@abstract`) — a TCP one is `host:port` or `:port`.
 * uWSGI 2.0 measures a unix socket's queue only on a patched kernel (SIOBKLGQ, core/master.c): elsewhere it
 * reports `queue` and `max_queue` 0 for ever (seen on Debian's 2.0.21 with 10 requests waiting, `ss -lx` 6/5).
 */
function unixName(name: string): boolean {
  return /^[/@.]/.test(name) || (name !== '' && !name.includes(':'));
}

/** What the monitor says of a socket whose queue is not measured. */
export const UNMEASURED_QUEUE = "not measured: uWSGI 2.0 measures a unix socket's listen queue only on a patched kernel (`ss -lx` shows it)";

export function socketView(k: SocketStats): SocketView {
  const name = typeof k.name === 'string' ? k.name : '';
  // queue 0 / max_queue 0 on a unix socket: not measured (not "empty"), so unknown here
  const measured = !(unixName(name) && counter(k.max_queue) === 0 && counter(k.queue) === 0);
  const queue = measured ? counter(k.queue) : undefined;
  const maxQueue = measured ? counter(k.max_queue) : undefined;
  const full = queue !== undefined && maxQueue !== undefined && queue > 0 && queue >= maxQueue;
  const pct = queue !== undefined && maxQueue !== undefined && maxQueue > 0 ? (queue / maxQueue) * 100 : undefined;
  return {
    name,
    measured,
    proto: typeof k.proto === 'string' ? k.proto : '',
    queue,
    maxQueue,
    shared: finite(k.shared),
    canOffload: finite(k.can_offload),
    full,
    fillPct: pct !== undefined && Number.isFinite(pct) ? pct : undefined,
  };
}

export function buildSockets(doc: StatsSnapshot): SocketView[] {
  return Array.isArray(doc.sockets) ? doc.sockets.map(socketView) : [];
}

/** The fullest socket: a full one first (longest queue), else the highest fill %, else the longest queue. */
export function worstSocket(sockets: readonly SocketView[]): SocketView | undefined {
  let best: SocketView | undefined;
  const rank = (s: SocketView): [number, number, number] => [s.full ? 1 : 0, s.fillPct ?? -1, s.queue ?? -1];
  for (const s of sockets) {
    if (!best) {
      best = s;
      continue;
    }
    const a = rank(s);
    const b = rank(best);
    if (a[0] > b[0] || (a[0] === b[0] && (a[1] > b[1] || (a[1] === b[1] && a[2] > b[2])))) best = s;
  }
  return best;
}

/**
 * The worst socket as the header shows it: `9/8 FULL`, `3/100 3%`, `0/100 0%`,
 * `5` (no max known); undefined without sockets.
 */
export function queueText(s: SocketView | undefined): string | undefined {
  if (!s) return undefined;
  const q = s.queue === undefined ? '-' : String(s.queue);
  if (s.maxQueue === undefined) return q;
  const base = `${q}/${s.maxQueue}`;
  if (s.full) return `${base} FULL`;
  return s.fillPct === undefined ? base : `${base} ${Math.round(s.fillPct)}%`;
}
