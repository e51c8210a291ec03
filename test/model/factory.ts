/** Small typed factory of synthetic stats documents for model tests. */
import type { CoreStats, EmperorSnapshot, StatsSnapshot, VassalStats, WorkerStats } from '../../src/protocol/types.js';
import type { Sample } from '../../src/model/types.js';

export function core(p: Partial<CoreStats> = {}): CoreStats {
  return {
    id: 0,
    requests: 0,
    static_requests: 0,
    routed_requests: 0,
    offloaded_requests: 0,
    write_errors: 0,
    read_errors: 0,
    in_request: false,
    ...p,
    extra: p.extra ?? {},
  };
}

/** A worker with its app loaded, as a healthy uWSGI lists it (an empty `apps` is the "no app loaded" verdict). */
export function worker(p: Partial<WorkerStats> = {}): WorkerStats {
  return {
    id: 1,
    pid: 1000,
    accepting: 1,
    requests: 0,
    delta_requests: 0,
    exceptions: 0,
    harakiri_count: 0,
    signals: 0,
    signal_queue: 0,
    status: 'idle',
    rss: 0,
    vsz: 0,
    running_time: 0,
    last_spawn: 1_700_000_000,
    respawn_count: 1,
    tx: 0,
    avg_rt: 0,
    apps: [{ id: 0, modifier1: 0, mountpoint: '', startup_time: 0, requests: p.requests ?? 0, exceptions: p.exceptions ?? 0, chdir: '', extra: {} }],
    cores: [core()],
    ...p,
    extra: p.extra ?? {},
  };
}

export function server(p: Partial<StatsSnapshot> = {}): StatsSnapshot {
  return {
    version: '2.0.21-debian',
    listen_queue: 0,
    listen_queue_errors: 0,
    signal_queue: 0,
    load: 0,
    pid: 999,
    uid: 33,
    gid: 33,
    cwd: '/srv/app',
    locks: [],
    sockets: [],
    workers: [],
    ...p,
    kind: 'server',
    extra: p.extra ?? {},
  };
}

export function vassal(p: Partial<VassalStats> = {}): VassalStats {
  return { id: 'app.ini', pid: 2000, ...p, extra: p.extra ?? {} };
}

export function emperor(p: Partial<EmperorSnapshot> = {}): EmperorSnapshot {
  return {
    version: '2.0.21-debian',
    pid: 500,
    uid: 0,
    gid: 0,
    cwd: '/etc/uwsgi',
    emperor: ['/etc/uwsgi/vassals'],
    emperor_tyrant: false,
    vassals: [],
    ...p,
    kind: 'emperor',
    extra: p.extra ?? {},
  };
}

export function sample<D>(doc: D, at: number): Sample<D> {
  return { doc, at };
}
