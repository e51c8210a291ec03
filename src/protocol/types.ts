/**
 * Typed form of the uWSGI 2.0 stats document (and the Emperor's variant).
 *
 * Convention: a field that is absent from the document (older uWSGI, or a
 * peer that does not know it) is `undefined` — "unknown" — never 0.
 * A field present with the wrong JSON type is a parse error (see errors.ts).
 * Every object keeps the fields we do not model in `extra`, so the raw dump
 * loses nothing.
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
  /** Request vars of the in-flight request (uWSGI only; the emitter never fills it). */
  vars?: unknown[];
  req_info?: Extra;
  extra: Extra;
}

export interface AppStats {
  id?: number;
  modifier1?: number;
  mountpoint?: string;
  startup_time?: number;
  requests?: number;
  exceptions?: number;
  chdir?: string;
  extra: Extra;
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
  extra: Extra;
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
  vassals: VassalStats[];
  extra: Extra;
}

export type StatsDocument = StatsSnapshot | EmperorSnapshot;
