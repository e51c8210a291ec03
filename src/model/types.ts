/**
 * The model's contract: what the pure model hands to renderers (TUI, batch
 * text, --json). Rates are `undefined` until two comparable reads exist
 * (first tick, or right after a counter reset / pid change) — never a bogus
 * number, never negative, never NaN.
 */
import type { CoreStats, EmperorSnapshot, StatsSnapshot, WorkerStats } from '../protocol/types.js';

/** One successful read: the parsed document and when it was taken (ms since epoch, monotonic-ish). */
export interface Sample<D = StatsSnapshot> {
  doc: D;
  /** Milliseconds (Date.now() or a monotonic clock in ms) at which the read completed. */
  at: number;
}

/** Why a worker's counters are considered reset between two reads. */
export type RespawnReason = 'pid' | 'respawn_count' | 'counter' | 'master';

export type StatusClass = 'idle' | 'busy' | 'cheap' | 'pause' | 'sig' | 'other' | 'unknown';

export interface CoreView {
  workerId: number | undefined;
  id: number | undefined;
  raw: CoreStats;
  requests: number | undefined;
  rps: number | undefined;
  inRequest: boolean;
}

export interface WorkerView {
  /**
   * Stable identity used for selection across ticks: `${id}` for a positive id; for id 0/missing the
   * 1-based slot number (uWSGI reports never-spawned cheap slots as id 0), else `pid:${pid}`; see workerKeys.
   */
  key: string;
  raw: WorkerStats;
  id: number | undefined;
  pid: number | undefined;
  /** Verbatim status string, '' if unknown. */
  status: string;
  statusClass: StatusClass;
  /** busy when status is busy or any core is in_request. */
  busy: boolean;
  /** Share of all requests, 0..100; undefined when total is 0/unknown. */
  share: number | undefined;
  rps: number | undefined;
  /** tx bytes per second. */
  txRate: number | undefined;
  /** exceptions per second. */
  excRate: number | undefined;
  /** True when this worker respawned (pid changed or counters went down) since the previous read. */
  respawned: boolean;
  /**
   * Why `respawned` is true (additive, model-owned): 'pid' (pid changed), 'respawn_count' (went up),
   * 'counter' (requests/tx/exceptions/harakiri_count/respawn_count went down), 'master' (master pid changed).
   */
  respawnReason?: RespawnReason;
  cores: CoreView[];
}

export interface Totals {
  workers: number;
  busy: number;
  requests: number | undefined;
  rps: number | undefined;
  exceptions: number | undefined;
  excRate: number | undefined;
  tx: number | undefined;
  txRate: number | undefined;
  rss: number | undefined;
  vsz: number | undefined;
  /** Request-weighted mean of avg_rt over workers with requests, microseconds. */
  avgRt: number | undefined;
  /** Re-spawns since start: sum over workers of (respawn_count - 1), since uWSGI counts the first spawn as 1. */
  respawns: number | undefined;
  harakiri: number | undefined;
}

export interface HeaderView {
  version: string | undefined;
  /** Master pid. */
  pid: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  cwd: string | undefined;
  /** Hostname of the server side when known, else the address string. */
  node: string;
  listenQueue: number | undefined;
  listenQueueErrors: number | undefined;
  load: number | undefined;
}

export type EventKind = 'respawn' | 'harakiri' | 'status' | 'listen_queue' | 'connection_lost' | 'connection_restored' | 'new_worker' | 'gone_worker';

export interface ModelEvent {
  at: number;
  kind: EventKind;
  workerId?: number;
  message: string;
  /** respawn: the pid before (additive, model-owned). */
  oldPid?: number;
  /** respawn: the pid after (additive, model-owned). */
  newPid?: number;
}

export interface ServerView {
  kind: 'server';
  at: number;
  /** Seconds between the previous read and this one; undefined on the first read. */
  interval: number | undefined;
  header: HeaderView;
  workers: WorkerView[];
  totals: Totals;
  /** Events detected between the previous read and this one. */
  events: ModelEvent[];
}

export interface EmperorView {
  kind: 'emperor';
  at: number;
  doc: EmperorSnapshot;
  /** opts.node ?? opts.address ?? '' (additive, model-owned). */
  node?: string;
}

export type View = ServerView | EmperorView;
