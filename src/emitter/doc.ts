/**
 * The document the emitter serves: the exact shape (keys, key order, types)
 * of a uWSGI 2.0.21 master's stats document, minus the parts a Node.js
 * server has no equivalent for (they are emitted empty or as 0).
 *
 * Key order follows the real uWSGI 2.0.21 output, so a byte-level diff of
 * our document against uWSGI's shows only values, not structure.
 */

/** One request slot ("core") of a worker. */
export interface EmitterCore {
  id: number;
  requests: number;
  static_requests: number;
  routed_requests: number;
  offloaded_requests: number;
  write_errors: number;
  read_errors: number;
  /** 0 or 1, like uWSGI. */
  in_request: number;
  /** Unix seconds the in-flight request started; absent when idle (uWSGI prints `{}` then). */
  request_start?: number;
  /**
   * uWSGI's CGI vars of the in-flight request. Only with `requestPaths: true`,
   * and then only `REQUEST_METHOD=…` and `PATH_INFO=…` (the path without its
   * query); absent otherwise (rendered `[]`).
   */
  vars?: string[];
}

/** One app of a worker (uWSGI's `apps` list); the emitter always reports one. */
export interface EmitterApp {
  id: number;
  modifier1: number;
  mountpoint: string;
  startup_time: number;
  requests: number;
  exceptions: number;
  chdir: string;
}

export interface EmitterWorker {
  id: number;
  pid: number;
  accepting: number;
  requests: number;
  delta_requests: number;
  exceptions: number;
  harakiri_count: number;
  signals: number;
  signal_queue: number;
  status: string;
  rss: number;
  vsz: number;
  running_time: number;
  last_spawn: number;
  respawn_count: number;
  tx: number;
  avg_rt: number;
  apps: EmitterApp[];
  cores: EmitterCore[];
}

export interface EmitterSocket {
  name: string;
  proto: string;
  queue: number;
  max_queue: number;
  shared: number;
  can_offload: number;
}

export interface EmitterDocument {
  version: string;
  listen_queue: number;
  listen_queue_errors: number;
  signal_queue: number;
  load: number;
  pid: number;
  uid: number;
  gid: number;
  cwd: string;
  /** uWSGI's eight locks (`user 0`, `signal`, `filemon`, `timer`, `rbtimer`, `cron`, `rpc`, `snmp`), each 0: nobody holds them. */
  locks: Array<Record<string, number>>;
  sockets: EmitterSocket[];
  workers: EmitterWorker[];
}
