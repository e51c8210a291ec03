/**
 * Typed form of the uWSGI 2.0 stats document (and the Emperor's variant).
 *
 * Convention: a field that is absent from the document (older uWSGI, or a
 * peer that does not know it) is `undefined` — "unknown" — never 0.
 * A field present with the wrong JSON type is a parse error (see errors.ts).
 * Every object keeps the fields we do not model in `extra`, so the raw dump
 * loses nothing. A worker, app or core has `extra` only when it has such
 * fields, and a core has `request` only when it is in a request: what uWSGI
 * sends is typed in place on JSON.parse's own objects (parse.ts), and adding
 * a property to 16k of them per read cost a property store each.
 */

export type Extra = Record<string, unknown>;

export interface CoreStats {
  id?: number;
  requests?: number;
  static_requests?: number;
  routed_requests?: number;
  offloaded_requests?: number;
  write_errors?: number;
  read_errors?: number;
  /** 0/1 in uWSGI; normalised to boolean. */
  in_request?: boolean;
  /**
   * Request vars of the in-flight request, REDUCED at parse time (privacy): at
   * most `REQUEST_METHOD=…` and `PATH_INFO=…` (the path without its query
   * string, from PATH_INFO or else REQUEST_URI). Every other var uWSGI sends
   * (cookies, authorization, QUERY_STRING, every header) is dropped by
   * parseStats before anything else sees the document.
   */
  vars?: string[];
  /** Reduced like `vars`: only `request_start` (unix seconds) is kept. */
  req_info?: Extra;
  /** The in-flight request of this core, typed (absent when the core is not in a request). */
  request?: InFlightRequest;
  /** The unknown keys, as sent; absent when there are none (the usual object: nothing added to it). */
  extra?: Extra;
}

/** What is kept of a request a core is serving now: method, path (no query), start time. */
export interface InFlightRequest {
  /** REQUEST_METHOD, when sent. */
  method?: string;
  /** The path without its query string (PATH_INFO, else REQUEST_URI cut at '?'), when sent. */
  path?: string;
  /** req_info.request_start: unix seconds. */
  start?: number;
}

export interface AppStats {
  id?: number;
  modifier1?: number;
  mountpoint?: string;
  startup_time?: number;
  requests?: number;
  exceptions?: number;
  chdir?: string;
  /** The unknown keys, as sent; absent when there are none (the usual object: nothing added to it). */
  extra?: Extra;
}

export interface WorkerStats {
  id?: number;
  pid?: number;
  accepting?: number;
  requests?: number;
  delta_requests?: number;
  exceptions?: number;
  harakiri_count?: number;
  signals?: number;
  signal_queue?: number;
  /** Verbatim: idle, busy, cheap, pause, sig, or anything else a peer sends. */
  status?: string;
  /** Bytes. */
  rss?: number;
  /** Bytes. */
  vsz?: number;
  /** Microseconds spent serving requests. */
  running_time?: number;
  /** Unix seconds. */
  last_spawn?: number;
  respawn_count?: number;
  /** Bytes sent. */
  tx?: number;
  /** Microseconds. */
  avg_rt?: number;
  apps?: AppStats[];
  cores?: CoreStats[];
  /** The unknown keys, as sent; absent when there are none (the usual object: nothing added to it). */
  extra?: Extra;
}

export interface SocketStats {
  name?: string;
  proto?: string;
  queue?: number;
  max_queue?: number;
  shared?: number;
  can_offload?: number;
  extra: Extra;
}

/** A uWSGI master's (or the tsgitop emitter's) stats document. */
export interface StatsSnapshot {
  kind: 'server';
  version?: string;
  listen_queue?: number;
  listen_queue_errors?: number;
  signal_queue?: number;
  load?: number;
  pid?: number;
  uid?: number;
  gid?: number;
  cwd?: string;
  /** Array of one-key objects in uWSGI, kept as-is. */
  locks?: Extra[];
  sockets?: SocketStats[];
  workers: WorkerStats[];
  extra: Extra;
}

export interface VassalStats {
  /** The vassal's config name, e.g. "app.ini". */
  id?: string;
  pid?: number;
  extra: Extra;
}

/** One entry of the Emperor's blacklist (a vassal that failed to start, being throttled). */
export interface BlacklistEntry {
  /** The vassal's config name. */
  id?: string;
  /** Seconds the Emperor waits before the next attempt (uWSGI sends its ms value / 1000). */
  throttle_level?: number;
  /** Attempts so far. */
  attempt?: number;
  /** Unix seconds. */
  first_attempt?: number;
  /** Unix seconds. */
  last_attempt?: number;
  extra: Extra;
}

/** The uWSGI Emperor's stats document (`--emperor-stats`). */
export interface EmperorSnapshot {
  kind: 'emperor';
  version?: string;
  pid?: number;
  uid?: number;
  gid?: number;
  cwd?: string;
  /** Emperor scan dirs/URIs. */
  emperor?: string[];
  emperor_tyrant?: boolean;
  /** The Emperor's global spawn throttle level (uWSGI 2.0: `throttle_level`). */
  throttle_level?: number;
  vassals: VassalStats[];
  /** Vassals being throttled after failing (absent in documents without it). */
  blacklist?: BlacklistEntry[];
  extra: Extra;
}

export type StatsDocument = StatsSnapshot | EmperorSnapshot;
