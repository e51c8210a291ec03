/**
 * Pure builders from counters to the uWSGI-shaped document.
 */
import { CORE_FIELDS, type CountersSnapshot } from './counters.js';
import type { EmitterCore, EmitterDocument, EmitterSocket, EmitterWorker } from './doc.js';
import { emitterVersion } from './version.js';

/** Per-core totals keyed by core id: [requests, exceptions, write_errors, read_errors, request_start]. */
export type CoreTotals = Map<number, number[]>;

/** Core ids of a flattened cores array (the last group is `maxCores` when `overflow`). */
export function flatToTotals(flat: readonly number[], overflow: boolean, maxCores: number, into: CoreTotals = new Map()): CoreTotals {
  const groups = Math.floor(flat.length / CORE_FIELDS);
  for (let g = 0; g < groups; g++) {
    const id = overflow && g === groups - 1 ? maxCores : g;
    const o = g * CORE_FIELDS;
    const cur = into.get(id);
    if (cur) {
      for (let f = 0; f < CORE_FIELDS - 1; f++) cur[f]! += flat[o + f]!;
      cur[CORE_FIELDS - 1] = flat[o + CORE_FIELDS - 1]!;
    } else {
      into.set(id, flat.slice(o, o + CORE_FIELDS));
    }
  }
  return into;
}

/** uWSGI's `vars` for a core from a paths array (method, path per core), or undefined when idle / paths off. */
function varsAt(paths: readonly string[] | undefined, id: number): string[] | undefined {
  if (paths === undefined) return undefined;
  const method = paths[2 * id];
  if (!method) return undefined;
  return [`REQUEST_METHOD=${method}`, `PATH_INFO=${paths[2 * id + 1] ?? ''}`];
}

/** Core objects from a flattened cores array (fast path, no base to merge). */
export function coresFromFlat(flat: readonly number[], overflow: boolean, maxCores: number, paths?: readonly string[]): EmitterCore[] {
  const groups = Math.floor(flat.length / CORE_FIELDS);
  const out: EmitterCore[] = new Array<EmitterCore>(groups);
  for (let g = 0; g < groups; g++) {
    const o = g * CORE_FIELDS;
    const start = flat[o + 4]!;
    out[g] = makeCore(overflow && g === groups - 1 ? maxCores : g, flat[o]!, flat[o + 2]!, flat[o + 3]!, start, start > 0 ? varsAt(paths, g) : undefined);
  }
  return out;
}

/** Core objects from totals, sorted by id (`paths` indexed by core id, for the live process). */
export function coresFromTotals(t: CoreTotals, paths?: readonly string[]): EmitterCore[] {
  return [...t.entries()].sort((a, b) => a[0] - b[0]).map(([id, v]) => makeCore(id, v[0]!, v[2]!, v[3]!, v[4]!, v[4]! > 0 ? varsAt(paths, id) : undefined));
}

export function makeCore(id: number, requests: number, writeErrors: number, readErrors: number, start: number, vars?: string[]): EmitterCore {
  const core: EmitterCore = {
    id,
    requests,
    static_requests: 0,
    routed_requests: 0,
    offloaded_requests: 0,
    write_errors: writeErrors,
    read_errors: readErrors,
    in_request: start > 0 ? 1 : 0,
  };
  if (start > 0) core.request_start = start;
  if (vars !== undefined) core.vars = vars;
  return core;
}

/** Everything a worker object needs. */
export interface WorkerFigures {
  id: number;
  pid: number;
  accepting: boolean;
  status: string;
  requests: number;
  deltaRequests: number;
  exceptions: number;
  rss: number;
  vsz: number;
  runningTime: number;
  lastSpawn: number;
  respawnCount: number;
  tx: number;
  avgRt: number;
  cores: EmitterCore[];
  /** App start-up time, seconds (uWSGI's apps[].startup_time). */
  startupTime?: number;
}

/** A uWSGI worker object. `apps` holds one app ("" mountpoint) mirroring the worker's requests/exceptions. */
export function buildWorker(f: WorkerFigures): EmitterWorker {
  return {
    id: f.id,
    pid: f.pid,
    accepting: f.accepting ? 1 : 0,
    requests: f.requests,
    delta_requests: f.deltaRequests,
    exceptions: f.exceptions,
    harakiri_count: 0,
    signals: 0,
    signal_queue: 0,
    status: f.status,
    rss: f.rss,
    vsz: f.vsz,
    running_time: f.runningTime,
    last_spawn: f.lastSpawn,
    respawn_count: f.respawnCount,
    tx: f.tx,
    avg_rt: f.avgRt,
    apps: [
      {
        id: 0,
        modifier1: 0,
        mountpoint: '',
        startup_time: f.startupTime ?? 0,
        requests: f.requests,
        exceptions: f.exceptions,
        chdir: '',
      },
    ],
    cores: f.cores.length > 0 ? f.cores : [makeCore(0, 0, 0, 0, 0)],
  };
}

/** Identity of the process serving the document (uWSGI: the master). */
export interface ProcessIdentity {
  pid: number;
  uid: number;
  gid: number;
  cwd: string;
}

/** This process's pid/uid/gid/cwd (uid/gid 0 where the platform has none). */
export function processIdentity(): ProcessIdentity {
  let cwd = '';
  try {
    cwd = process.cwd();
  } catch {
    // cwd removed under us: report ''
  }
  return {
    pid: process.pid,
    uid: typeof process.getuid === 'function' ? process.getuid() : 0,
    gid: typeof process.getgid === 'function' ? process.getgid() : 0,
    cwd,
  };
}

export interface DocumentFigures {
  identity: ProcessIdentity;
  listenQueue: number;
  listenQueueErrors: number;
  sockets: EmitterSocket[];
  workers: EmitterWorker[];
  version?: string;
}

/**
 * uWSGI 2.0.21's `locks` as its master sends them (every real capture in
 * fixtures/uwsgi/ lists these eight, each holding the pid of the lock's
 * holder, 0 when free). A Node.js server holds none of them: all 0.
 */
export const UWSGI_LOCK_NAMES: readonly string[] = ['user 0', 'signal', 'filemon', 'timer', 'rbtimer', 'cron', 'rpc', 'snmp'];

function locks(): Array<Record<string, number>> {
  return UWSGI_LOCK_NAMES.map((n) => ({ [n]: 0 }));
}

/** The top-level document. `load` = listen queue, like uWSGI on Linux. */
export function buildDocument(f: DocumentFigures): EmitterDocument {
  return {
    version: f.version ?? emitterVersion(),
    listen_queue: f.listenQueue,
    listen_queue_errors: f.listenQueueErrors,
    signal_queue: 0,
    load: f.listenQueue,
    pid: f.identity.pid,
    uid: f.identity.uid,
    gid: f.identity.gid,
    cwd: f.identity.cwd,
    locks: locks(),
    sockets: f.sockets,
    workers: f.workers,
  };
}

/** A minimal valid document, served when building the real one failed. */
export function fallbackDocument(): EmitterDocument {
  return buildDocument({ identity: processIdentity(), listenQueue: 0, listenQueueErrors: 0, sockets: [], workers: [] });
}

/** What a single-process document is made of (the process is the master and worker 1). */
export interface SingleFigures {
  snap: CountersSnapshot;
  rss: number;
  vsz: number;
  sockets: EmitterSocket[];
  listenQueue: number;
  listenQueueErrors: number;
  accepting: boolean;
  lastSpawn: number;
}

/** The document of a single Node.js process: worker 1 is the process itself, like its master. */
export function singleDocument(f: SingleFigures): EmitterDocument {
  const snap = f.snap;
  const worker = buildWorker({
    id: 1,
    pid: process.pid,
    accepting: f.accepting,
    status: snap.inFlight > 0 ? 'busy' : 'idle',
    requests: snap.requests,
    deltaRequests: snap.requests,
    exceptions: snap.exceptions,
    rss: f.rss,
    vsz: f.vsz,
    runningTime: snap.runningTime,
    lastSpawn: f.lastSpawn,
    respawnCount: 1,
    tx: snap.tx,
    avgRt: snap.avgRt,
    cores: coresFromFlat(snap.cores, snap.overflow, snap.maxCores, snap.paths),
  });
  return buildDocument({ identity: processIdentity(), listenQueue: f.listenQueue, listenQueueErrors: f.listenQueueErrors, sockets: f.sockets, workers: [worker] });
}
