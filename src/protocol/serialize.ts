/**
 * `serializeStats`: a parsed (and therefore already reduced) document back to
 * JSON text in the shape the server sent, for whatever stores or forwards it.
 */
import type { Obj } from './guards.js';
import type { CoreStats, Extra, StatsDocument, WorkerStats } from './types.js';

/** `fields` (known fields, undefined ones left out) then `extra`, as one plain object for JSON.stringify. */
function plain(fields: Obj, extra: Extra | undefined): Obj {
  const out: Obj = {};
  for (const k of Object.keys(fields)) {
    const v = fields[k];
    if (v !== undefined) out[k] = v;
  }
  if (extra) {
    for (const k of Object.keys(extra)) {
      if (k in out && Object.prototype.hasOwnProperty.call(out, k)) continue;
      Object.defineProperty(out, k, { value: extra[k], enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

function plainCore(c: CoreStats): Obj {
  return plain(
    {
      id: c.id,
      requests: c.requests,
      static_requests: c.static_requests,
      routed_requests: c.routed_requests,
      offloaded_requests: c.offloaded_requests,
      write_errors: c.write_errors,
      read_errors: c.read_errors,
      in_request: c.in_request === undefined ? undefined : c.in_request ? 1 : 0,
      vars: c.vars,
      req_info: c.req_info,
    },
    c.extra,
  );
}

function plainWorker(w: WorkerStats): Obj {
  return plain(
    {
      id: w.id,
      pid: w.pid,
      accepting: w.accepting,
      requests: w.requests,
      delta_requests: w.delta_requests,
      exceptions: w.exceptions,
      harakiri_count: w.harakiri_count,
      signals: w.signals,
      signal_queue: w.signal_queue,
      status: w.status,
      rss: w.rss,
      vsz: w.vsz,
      running_time: w.running_time,
      last_spawn: w.last_spawn,
      respawn_count: w.respawn_count,
      tx: w.tx,
      avg_rt: w.avg_rt,
      apps: w.apps?.map((a) => plain({ id: a.id, modifier1: a.modifier1, mountpoint: a.mountpoint, startup_time: a.startup_time, requests: a.requests, exceptions: a.exceptions, chdir: a.chdir }, a.extra)),
      cores: w.cores?.map(plainCore),
    },
    w.extra,
  );
}

/**
 * The parsed — and therefore already reduced — document as JSON text, in the
 * shape the server sent (every field parseStats keeps, unknown ones
 * included; `in_request` as 0/1), for whatever stores or forwards a document
 * (`--record`): `parseStats(serializeStats(parseStats(x)))` equals
 * `parseStats(x)`, and none of the request vars parseStats dropped is in it.
 * Compact (no whitespace).
 */
export function serializeStats(doc: StatsDocument): string {
  if (doc.kind === 'emperor') {
    return JSON.stringify(
      plain(
        {
          version: doc.version,
          pid: doc.pid,
          uid: doc.uid,
          gid: doc.gid,
          cwd: doc.cwd,
          emperor: doc.emperor,
          emperor_tyrant: doc.emperor_tyrant === undefined ? undefined : doc.emperor_tyrant ? 1 : 0,
          throttle_level: doc.throttle_level,
          vassals: doc.vassals.map((v) => plain({ id: v.id, pid: v.pid }, v.extra)),
          blacklist: doc.blacklist?.map((b) =>
            plain({ id: b.id, throttle_level: b.throttle_level, attempt: b.attempt, first_attempt: b.first_attempt, last_attempt: b.last_attempt }, b.extra),
          ),
        },
        doc.extra,
      ),
    );
  }
  return JSON.stringify(
    plain(
      {
        version: doc.version,
        listen_queue: doc.listen_queue,
        listen_queue_errors: doc.listen_queue_errors,
        signal_queue: doc.signal_queue,
        load: doc.load,
        pid: doc.pid,
        uid: doc.uid,
        gid: doc.gid,
        cwd: doc.cwd,
        locks: doc.locks,
        sockets: doc.sockets?.map((k) => plain({ name: k.name, proto: k.proto, queue: k.queue, max_queue: k.max_queue, shared: k.shared, can_offload: k.can_offload }, k.extra)),
        workers: doc.workers.map(plainWorker),
      },
      doc.extra,
    ),
  );
}
