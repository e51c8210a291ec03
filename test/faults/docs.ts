/**
 * Stats documents for the fault servers: well-formed uWSGI-shaped
 * documents with chosen pids and counters, and the hostile variants
 * (100k workers, odd numbers, duplicate ids, 100k-deep nesting, invalid
 * UTF-8). Everything is built as text/bytes, the way a server sends it.
 */

export interface GoodSpec {
  workers?: number;
  /** First worker pid (worker i has pidBase + i). */
  pidBase?: number;
  masterPid?: number;
  /** Requests of worker i at read n: reqBase + n * reqStep * (i + 1). */
  reqBase?: number;
  reqStep?: number;
  cores?: number;
}

interface WorkerFields {
  id: unknown;
  pid: unknown;
  requests: unknown;
  exceptions?: unknown;
  tx?: unknown;
  rss?: unknown;
  avg_rt?: unknown;
  running_time?: unknown;
  respawn_count?: unknown;
  status?: string;
  cores?: number;
  coreRequests?: unknown;
}

/** One worker object as JSON text; numbers go in verbatim (so `1e308` stays `1e308`). */
function workerJson(w: WorkerFields): string {
  const n = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? 0));
  const cores: string[] = [];
  for (let c = 0; c < (w.cores ?? 1); c++) {
    cores.push(
      `{"id":${c},"requests":${n(c === 0 ? w.coreRequests ?? w.requests : 0)},"static_requests":0,"routed_requests":0,` +
        `"offloaded_requests":0,"write_errors":0,"read_errors":0,"in_request":0,"vars":[],"req_info":{}}`,
    );
  }
  return (
    `{"id":${n(w.id)},"pid":${n(w.pid)},"accepting":1,"requests":${n(w.requests)},"delta_requests":${n(w.requests)},` +
    `"exceptions":${n(w.exceptions)},"harakiri_count":0,"signals":0,"signal_queue":0,"status":${JSON.stringify(w.status ?? 'idle')},` +
    `"rss":${n(w.rss ?? 20 * 1024 * 1024)},"vsz":${n(100 * 1024 * 1024)},"running_time":${n(w.running_time)},"last_spawn":1795424967,` +
    `"respawn_count":${n(w.respawn_count ?? 1)},"tx":${n(w.tx)},"avg_rt":${n(w.avg_rt ?? 1500)},"apps":[],"cores":[${cores.join(',')}]}`
  );
}

function envelope(masterPid: number | string, workers: string[]): string {
  return (
    `{"version":"2.0.21-debian","listen_queue":0,"listen_queue_errors":0,"signal_queue":0,"load":0,` +
    `"pid":${masterPid},"uid":0,"gid":0,"cwd":"/srv/app","locks":[{"user 0":0}],` +
    `"sockets":[{"name":"127.0.0.1:3031","proto":"uwsgi","queue":0,"max_queue":100,"shared":0,"can_offload":0}],` +
    `"workers":[${workers.join(',')}]}`
  );
}

/** A well-formed document at read number `n`. */
export function goodDoc(spec: GoodSpec, n: number): string {
  const workers: string[] = [];
  const count = spec.workers ?? 3;
  for (let i = 0; i < count; i++) {
    const req = (spec.reqBase ?? 1000) + n * (spec.reqStep ?? 5) * (i + 1);
    workers.push(
      workerJson({ id: i + 1, pid: (spec.pidBase ?? 4100) + i, requests: req, exceptions: i, tx: req * 300, running_time: req * 1500, cores: spec.cores ?? 2 }),
    );
  }
  return envelope(spec.masterPid ?? 4000, workers);
}

/** `count` small workers (ids 1..count). About 330 bytes each. */
export function wideDoc(count: number, n: number): string {
  const workers: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    workers[i] = workerJson({ id: i + 1, pid: 100_000 + i, requests: 10 + n * (i % 7), tx: 0, running_time: 0, cores: 1 });
  }
  return envelope(7000, workers);
}

/** Counters that no sane server sends: negative, fractional, huge, tiny; different at each read. */
export function weirdDoc(n: number): string {
  const menu = ['-5', '1.5', '1e308', '-1e308', '0.0001', '-0', '9007199254740993', '1.7976931348623157e308', '5e-324'];
  const pick = (k: number): string => menu[(k + n) % menu.length]!;
  const workers: string[] = [];
  for (let i = 0; i < 6; i++) {
    workers.push(
      workerJson({
        id: i + 1,
        pid: 5100 + i,
        requests: pick(i),
        exceptions: pick(i + 1),
        tx: pick(i + 2),
        rss: pick(i + 3),
        avg_rt: pick(i + 4),
        running_time: pick(i + 5),
        respawn_count: pick(i + 6),
        coreRequests: pick(i + 7),
        cores: 2,
      }),
    );
  }
  return envelope(5000, workers);
}

/** Workers sharing ids (uWSGI's cheap workers all say id 0; a buggy peer may repeat any id). */
export function dupIdsDoc(n: number): string {
  const ids = [1, 1, 1, 0, 0, 2, 2];
  const workers = ids.map((id, i) => workerJson({ id, pid: 6100 + i, requests: 100 + n * (i + 1), tx: 1000 * n, running_time: 0, cores: 1 }));
  return envelope(6000, workers);
}

/** `depth` nested arrays in an extra (unmodelled) key of a worker: only the depth is wrong. */
export function deepDoc(depth: number): string {
  return `{"version":"2.0.21-debian","pid":1,"workers":[{"id":1,"pid":2,"x":${'['.repeat(depth)}${']'.repeat(depth)}}]}`;
}

/** A good document with invalid UTF-8 (a lone 0xff and an overlong 0xc0 0xaf) inside a string. */
export function badUtf8Doc(): Buffer {
  const text = goodDoc({ workers: 2 }, 0);
  const i = text.indexOf('/srv/app');
  return Buffer.concat([Buffer.from(text.slice(0, i)), Buffer.from([0xff, 0xc0, 0xaf]), Buffer.from(text.slice(i))]);
}
