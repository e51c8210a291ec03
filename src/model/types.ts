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
export type RespawnReason = 'pid' | 'respawn_count' | 'counter' | 'master' | 'reload';

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
  /**
   * True when this worker respawned (pid changed, respawn_count rose or counters went down) since the
   * previous read — an event; its rates are still computed unless `reset`. False for a cheaper-mode
   * scale-up (see `spawned`).
   */
  respawned: boolean;
  /**
   * Respawns since the previous read: the rise of respawn_count (several can happen between two reads),
   * at least 1 when the pid changed; a cheaper-mode spawn is not counted. 0 on the first read.
   */
  respawns: number;
  /** True when a cheap (or never spawned) slot got a process since the previous read: a scale-up, not a respawn. */
  spawned: boolean;
  /** True when a counter went down (or the master restarted): rates are unknown for this tick. */
  reset: boolean;
  /** Mean response time over the interval (Δrunning_time/Δrequests), µs; undefined without new requests. */
  avgNow: number | undefined;
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
  /** Workers in uWSGI's cheap state (no process: cheaper mode, --cheap, --idle), counted in `workers`. */
  cheap: number;
  requests: number | undefined;
  rps: number | undefined;
  exceptions: number | undefined;
  excRate: number | undefined;
  tx: number | undefined;
  txRate: number | undefined;
  rss: number | undefined;
  vsz: number | undefined;
  /**
   * Request-weighted mean of uWSGI's per-worker avg_rt, µs. NOTE: avg_rt is uWSGI's moving value
   * (avg+last)/2 of the last request or two, so this swings; prefer avgNow / avgMean.
   */
  avgRt: number | undefined;
  /** Mean response time over the interval: Σ Δrunning_time / Σ Δrequests over comparable workers, µs. */
  avgNow: number | undefined;
  /** Lifetime mean response time: Σ running_time / Σ requests, µs. */
  avgMean: number | undefined;
  /** Cores serving a request now. */
  inFlight: number;
  /** Age of the oldest in-flight request, seconds (undefined when none has a start time). */
  oldestRequestAge: number | undefined;
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
  /** The fullest socket (full ones first, then highest fill), undefined when the document lists none. */
  worstSocket: SocketView | undefined;
}

/** One listening socket (uWSGI's `sockets[]`). */
export interface SocketView {
  name: string;
  /** False for a uWSGI unix socket, whose queue uWSGI 2.0 does not measure (0/0 for ever): queue and maxQueue unknown. */
  measured: boolean;
  proto: string;
  /** Connections waiting in the listen backlog. */
  queue: number | undefined;
  /** The backlog size (0 for a moment after a master starts). */
  maxQueue: number | undefined;
  shared: number | undefined;
  canOffload: number | undefined;
  /** queue > 0 and queue ≥ max_queue (uWSGI's own "listen queue ... full" test, core/master.c). */
  full: boolean;
  /** queue / max_queue × 100 when max_queue > 0. */
  fillPct: number | undefined;
}

/** One request being served now (privacy: only method and path without query are ever kept). */
export interface InFlightView {
  workerKey: string;
  workerId: number | undefined;
  coreId: number | undefined;
  pid: number | undefined;
  method: string | undefined;
  path: string | undefined;
  /** req_info.request_start, unix seconds. */
  start: number | undefined;
  /** Seconds since start at the time of the read (view.at), ≥ 0; undefined without a start. */
  age: number | undefined;
}

export type EventKind =
  | 'respawn'
  | 'spawned'
  /** Workers restarted afresh by the master's reload (a new pid, the respawn count not risen: uWSGI's graceful or brutal reload). */
  | 'reload'
  | 'harakiri'
  | 'status'
  | 'listen_queue'
  | 'queue_full'
  | 'queue_drained'
  | 'connection_lost'
  | 'connection_restored'
  | 'new_worker'
  | 'gone_worker'
  /** An Emperor's vassal spawned, died, was blacklisted or left the blacklist (the message says which). */
  | 'vassal';

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
  /** Every listening socket. */
  sockets: SocketView[];
  /** Requests being served now, oldest first. */
  inflight: InFlightView[];
  /** Verdicts, most severe first; filled by a Diagnoser (empty until one runs). */
  diagnosis: Verdict[];
}

export type VerdictRule = 'saturated' | 'queue_full' | 'slow_request' | 'harakiri' | 'crash_loop' | 'no_app' | 'memory_growth' | 'respawning' | 'error_burst' | 'stale';

/** One diagnosis: what is wrong, in one line, with its evidence. */
export interface Verdict {
  rule: VerdictRule;
  /** 'critical' (act now) or 'warning'. */
  severity: 'critical' | 'warning';
  /** One line, e.g. `slow request: worker 2 GET /report 12s`. */
  message: string;
  /** Where to look: a worker key, a socket name or a vassal id. */
  workerKey?: string;
  workerId?: number;
  socket?: string;
  vassal?: string;
}

export interface EmperorView {
  kind: 'emperor';
  at: number;
  doc: EmperorSnapshot;
  /** opts.node ?? opts.address ?? '' (additive, model-owned). */
  node?: string;
  /** The Emperor's throttle level (undefined when not sent). */
  throttleLevel?: number;
  /** Blacklisted (throttled) vassals. */
  blacklist?: BlacklistView[];
  /** Vassal events between the previous read and this one. */
  events?: ModelEvent[];
  /** Verdicts (crash loop of a blacklisted or respawning vassal), most severe first. */
  diagnosis?: Verdict[];
}

/** One blacklisted vassal. */
export interface BlacklistView {
  vassal: string;
  /** Seconds between attempts now. */
  throttleLevel: number | undefined;
  attempts: number | undefined;
  /** Unix seconds. */
  firstAttempt: number | undefined;
  /** Unix seconds. */
  lastAttempt: number | undefined;
}

export type View = ServerView | EmperorView;
