import type { CoreStats, WorkerStats } from '../protocol/types.js';
import { coreKeys } from './identity.js';
import { counter, finite, rate, wentDown, wentUp } from './sanitize.js';
import { statusClass } from './status.js';
import type { CoreView, RespawnReason, StatusClass, WorkerView } from './types.js';

/**
 * Why a worker's counters cannot be compared with its previous read, or
 * `undefined` when they can. Order of precedence: master restart, pid change,
 * respawn_count increase, any monotone counter (requests, tx, exceptions,
 * harakiri_count, respawn_count) going down.
 */
export function resetReason(cur: WorkerStats, prev: WorkerStats, masterChanged = false): RespawnReason | undefined {
  if (masterChanged) return 'master';
  const pid = finite(cur.pid);
  const prevPid = finite(prev.pid);
  if (pid !== undefined && prevPid !== undefined && pid !== prevPid) return 'pid';
  if (wentUp(cur.respawn_count, prev.respawn_count)) return 'respawn_count';
  if (
    wentDown(cur.requests, prev.requests) ||
    wentDown(cur.tx, prev.tx) ||
    wentDown(cur.exceptions, prev.exceptions) ||
    wentDown(cur.harakiri_count, prev.harakiri_count) ||
    wentDown(cur.respawn_count, prev.respawn_count)
  ) {
    return 'counter';
  }
  return undefined;
}

/**
 * True when some monotone counter of the worker went down between the two
 * reads — a real reset (graceful reload, a new instance): its rates are then
 * unknown for one tick. uWSGI keeps `requests`, `exceptions`, `tx`,
 * `running_time`, `harakiri_count` and `respawn_count` across a worker
 * respawn (core/master_utils.c, uwsgi_respawn_worker: "do not reset worker
 * counters on reload"), so a pid change alone is NOT a reset.
 */
export function countersWentDown(cur: WorkerStats, prev: WorkerStats): boolean {
  return (
    wentDown(cur.requests, prev.requests) ||
    wentDown(cur.tx, prev.tx) ||
    wentDown(cur.exceptions, prev.exceptions) ||
    wentDown(cur.harakiri_count, prev.harakiri_count) ||
    wentDown(cur.respawn_count, prev.respawn_count) ||
    wentDown(cur.running_time, prev.running_time)
  );
}

/** pid > 0, i.e. a live process (uWSGI reports an unspawned cheap slot as pid 0). */
function livePid(v: unknown): number | undefined {
  const p = finite(v);
  return p !== undefined && p > 0 ? p : undefined;
}

/**
 * True when the worker came to life from a cheap (or never spawned, pid 0)
 * slot: a cheaper-mode scale-up or a first spawn — "spawned", not a respawn.
 */
export function isSpawn(cur: WorkerStats, prev: WorkerStats): boolean {
  const pp = livePid(prev.pid);
  const cp = livePid(cur.pid);
  if (cp === undefined || pp === cp) return false;
  return pp === undefined || statusClass(typeof prev.status === 'string' ? prev.status : undefined) === 'cheap';
}

/**
 * True when the master started this worker afresh rather than respawning it: a new live pid while its
 * respawn_count did not rise. uWSGI adds 1 to a worker's respawn_count at every respawn (uwsgi_respawn_worker)
 * and keeps it across them; a reload (graceful or brutal: the master execs itself, same pid) starts every
 * count again at 1 — so its idle workers, whose counters cannot go down from 0, are not taken for crashes.
 */
export function isReload(cur: WorkerStats, prev: WorkerStats): boolean {
  const cp = livePid(cur.pid);
  const pp = livePid(prev.pid);
  if (cp === undefined || pp === undefined || cp === pp) return false;
  const c = counter(cur.respawn_count);
  const p = counter(prev.respawn_count);
  return c !== undefined && p !== undefined && c <= p;
}

/** More respawns than this between two reads is a peer's absurd counter, counted as this many. */
const MAX_RESPAWNS_PER_READ = 1_000_000;

/** Respawns between two reads of a respawned worker: Δrespawn_count (minus the spawn itself for a scale-up), else 1 (0 for a scale-up). */
function respawnsSince(cur: WorkerStats, prev: WorkerStats, spawned: boolean): number {
  if (livePid(cur.pid) === undefined) {
    // No process now: going back to cheap is no respawn; a live worker that died (pid 0, not cheap) is one
    // (its new process then shows as a spawn from pid 0, counted only beyond that spawn).
    const cheap = statusClass(typeof cur.status === 'string' ? cur.status : undefined) === 'cheap';
    return livePid(prev.pid) !== undefined && !cheap ? 1 : 0;
  }
  const c = counter(cur.respawn_count);
  const p = counter(prev.respawn_count);
  // whole respawns only (a peer's 5e-324 is no respawn), capped: a hostile respawn_count (1e308) must
  // not make a crash-loop count of Infinity
  const dc = c !== undefined && p !== undefined ? Math.floor(c) - Math.floor(p) : 0;
  const d = dc > 0 ? Math.min(dc, MAX_RESPAWNS_PER_READ) : undefined;
  if (spawned) return d !== undefined ? Math.max(0, d - 1) : 0;
  return d ?? 1;
}

/**
 * Mean response time over the interval, microseconds: Δrunning_time /
 * Δrequests (undefined without comparable reads or without new requests).
 */
export function avgNow(cur: WorkerStats, prev: WorkerStats | undefined): number | undefined {
  if (!prev) return undefined;
  const dr = (counter(cur.requests) ?? NaN) - (counter(prev.requests) ?? NaN);
  const dt = (counter(cur.running_time) ?? NaN) - (counter(prev.running_time) ?? NaN);
  if (!(dr > 0) || !(dt >= 0)) return undefined;
  const a = dt / dr;
  return Number.isFinite(a) ? a : undefined;
}

/**
 * Views of one worker's cores. `prev` is the same worker's previous read,
 * or undefined when there is none or the worker was reset (then every core
 * rate is undefined). A core whose own requests went down also gets an
 * undefined rate.
 */
export function buildCores(
  w: WorkerStats,
  prev: WorkerStats | undefined,
  seconds: number | undefined,
): CoreView[] {
  const cores = Array.isArray(w.cores) ? w.cores : [];
  if (cores.length === 0) return [];
  let prevReq: Float64Array | undefined;
  if (prev) prevCoreRequests(cores, prev, (prevReq = new Float64Array(cores.length)), 0);
  return coreViews(w, prevReq, 0, seconds);
}

/** The views of `w`'s cores, given the previous requests of its cores in `prevReq` from `off` (see prevCoreRequests). */
function coreViews(w: WorkerStats, prevReq: Float64Array | undefined, off: number, seconds: number | undefined): CoreView[] {
  const cores = Array.isArray(w.cores) ? w.cores : [];
  const workerId = finite(w.id);
  return cores.map((c, i) => {
    const p = prevReq ? prevReq[off + i]! : NaN;
    return {
      workerId,
      id: finite(c.id),
      raw: c,
      requests: counter(c.requests),
      rps: Number.isNaN(p) ? undefined : rate(c.requests, p, seconds),
      inRequest: c.in_request === true,
    };
  });
}

/**
 * The previous read's `requests` of each core of `cores` (matched as {@link buildCores} does), into `out`
 * from `off`: NaN where there is no comparable previous core. What the lazy core rates need of the previous
 * document — so a view does not keep that whole document alive until its cores are looked at.
 */
export function prevCoreRequests(cores: readonly CoreStats[], prev: WorkerStats, out: Float64Array, off: number): void {
  const prevCores = Array.isArray(prev.cores) ? prev.cores : undefined;
  const n = cores.length;
  if (prevCores !== undefined && sameCoreOrder(cores, prevCores)) {
    // The usual read (the same ids in the same increasing order): by index, no map made.
    for (let i = 0; i < n; i++) out[off + i] = requestsOf(prevCores[i]);
    return;
  }
  const byKey = prevCores !== undefined && prevCores.length > 0 ? coresByKey(prevCores) : undefined;
  const keys = byKey ? coreKeys(cores) : undefined;
  for (let i = 0; i < n; i++) out[off + i] = requestsOf(byKey?.get(keys![i]!));
}

/** A core's `requests` as a counter, NaN for none (no core, or not a counter). */
function requestsOf(c: CoreStats | undefined): number {
  const r = c ? counter(c.requests) : undefined;
  return r === undefined ? NaN : r;
}

/**
 * A worker's view as a class: its fields are plain own data properties (one hidden class for every worker,
 * fast to read), and its `cores` are built on first use by a prototype getter — only a view that shows this
 * worker's cores pays for them (at 2048 workers × 8 cores that is 16k objects per read otherwise). An own
 * accessor per object (a closure each) put every view in dictionary mode: ~1 KB per worker and slow reads.
 * For the core rates it keeps only the previous requests of its cores (a slice of one array per read), not
 * the previous document: that document is then garbage as soon as the new view is built (it used to live
 * one read longer, and the young-generation GC copied it once more).
 */
class WorkerViewObject implements WorkerView {
  share: number | undefined = undefined;
  declare respawnReason?: RespawnReason;
  #cores: CoreView[] | undefined;
  /** Previous requests of this worker's cores from `#off` (NaN: none); undefined: no comparable previous read. */
  readonly #prevReq: Float64Array | undefined;
  readonly #off: number;
  readonly #seconds: number | undefined;

  constructor(
    public key: string,
    public raw: WorkerStats,
    public id: number | undefined,
    public pid: number | undefined,
    public status: string,
    public statusClass: StatusClass,
    public busy: boolean,
    public rps: number | undefined,
    public txRate: number | undefined,
    public excRate: number | undefined,
    public respawned: boolean,
    public respawns: number,
    public spawned: boolean,
    public reset: boolean,
    public avgNow: number | undefined,
    prevReq: Float64Array | undefined,
    off: number,
    seconds: number | undefined,
  ) {
    this.#prevReq = prevReq;
    this.#off = off;
    this.#seconds = seconds;
  }

  /** The same array on every use. */
  get cores(): CoreView[] {
    return (this.#cores ??= coreViews(this.raw, this.#prevReq, this.#off, this.#seconds));
  }
}

/** True when some core of `cores` is in a request. */
function anyInRequest(cores: readonly CoreStats[]): boolean {
  for (let i = 0; i < cores.length; i++) if (cores[i]!.in_request === true) return true;
  return false;
}

/**
 * One worker's view (share is filled in later by the caller, once the total
 * is known). `prev` undefined → first read of this worker: rates undefined.
 * `coreBuf`/`coreOff`: where to keep the previous requests of its cores (a
 * caller building many views shares one array; else one is made here).
 */
export function buildWorker(
  key: string,
  w: WorkerStats,
  prev: WorkerStats | undefined,
  seconds: number | undefined,
  masterChanged: boolean,
  coreBuf?: Float64Array,
  coreOff = 0,
): WorkerView {
  // The same object as last read (its text did not change: src/protocol/parse.ts parseStatsSince): nothing went
  // up or down, no reset, no respawn — the checks' answers, without asking them.
  const same = w === prev && !masterChanged;
  let reason = prev && !same ? resetReason(w, prev, masterChanged) : undefined;
  // Rates whenever the counters did not go down (a respawn keeps them); a master restart or a real reset → unknown.
  const reset = prev !== undefined && !same && (masterChanged || countersWentDown(w, prev));
  const comparable = prev !== undefined && !reset ? prev : undefined;
  const spawned = prev !== undefined && reason === 'pid' && isSpawn(w, prev);
  if (reason === 'pid' && !spawned && isReload(w, prev!)) reason = 'reload';
  const status = typeof w.status === 'string' ? w.status : undefined;
  let prevReq: Float64Array | undefined;
  if (comparable !== undefined && Array.isArray(w.cores) && w.cores.length > 0) {
    if (coreBuf === undefined || coreOff + w.cores.length > coreBuf.length) {
      coreBuf = new Float64Array(w.cores.length);
      coreOff = 0;
    }
    prevCoreRequests(w.cores, comparable, coreBuf, coreOff);
    prevReq = coreBuf;
  }
  const view = new WorkerViewObject(
    key,
    w,
    finite(w.id),
    finite(w.pid),
    status ?? '',
    statusClass(status),
    status === 'busy' || (Array.isArray(w.cores) && anyInRequest(w.cores)),
    comparable ? rate(w.requests, comparable.requests, seconds) : undefined,
    comparable ? rate(w.tx, comparable.tx, seconds) : undefined,
    comparable ? rate(w.exceptions, comparable.exceptions, seconds) : undefined,
    reason !== undefined && !spawned,
    prev !== undefined && reason !== undefined && reason !== 'master' && reason !== 'counter' && reason !== 'reload' ? respawnsSince(w, prev, spawned) : 0,
    spawned,
    reset,
    same ? undefined : avgNow(w, comparable),
    prevReq,
    coreOff,
    seconds,
  );
  if (reason !== undefined) view.respawnReason = reason;
  return view;
}

/** The previous read's cores by their key (the cores of the two reads are not listed alike). */
function coresByKey(prev: readonly CoreStats[]): Map<string, CoreStats> {
  const pk = coreKeys(prev);
  const byKey = new Map<string, CoreStats>();
  prev.forEach((c, i) => byKey.set(pk[i]!, c));
  return byKey;
}

/** Both reads list the same distinct ids in the same (increasing) order — as uWSGI always does. */
function sameCoreOrder(cores: readonly CoreStats[], prev: readonly CoreStats[]): boolean {
  if (cores.length !== prev.length) return false;
  let last = -Infinity;
  for (let i = 0; i < cores.length; i++) {
    const id = finite(cores[i]!.id);
    if (id === undefined || id <= last || id !== finite(prev[i]!.id)) return false;
    last = id;
  }
  return true;
}

/**
 * Whether two views of a worker show the same in every worker column but
 * the share: every plain field (number, string, boolean) of the view and of
 * its document (`raw`) is the same in both — the fields
 * {@link SAME_WORKER_FIELDS} marks true. Nested values (the cores, the apps,
 * unknown fields) are not compared: no worker column reads them (the derived
 * fields that do, such as `busy`, are compared instead). The share is left
 * to the caller: it moves with every other worker's requests, so the caller
 * compares what it shows of it. test/tui/row-skip.test.ts holds this
 * function to the table and every worker column to what it compares. The
 * monitor draws a row again only when this is false
 * (src/tui/views/workers.ts). Written out field by field: one named load
 * each, far cheaper than a generic walk over the keys.
 */
export function sameWorkerFields(a: WorkerView, b: WorkerView): boolean {
  if (a === b) return true;
  const x = a.raw;
  const y = b.raw;
  return (
    a.key === b.key &&
    a.id === b.id &&
    a.pid === b.pid &&
    a.status === b.status &&
    a.statusClass === b.statusClass &&
    a.busy === b.busy &&
    a.rps === b.rps &&
    a.txRate === b.txRate &&
    a.excRate === b.excRate &&
    a.respawned === b.respawned &&
    a.respawns === b.respawns &&
    a.spawned === b.spawned &&
    a.reset === b.reset &&
    a.avgNow === b.avgNow &&
    a.respawnReason === b.respawnReason &&
    // the same document object: a worker whose text did not change (src/protocol/parse.ts parseStatsSince)
    (x === y ||
      (x.id === y.id &&
      x.pid === y.pid &&
      x.accepting === y.accepting &&
      x.requests === y.requests &&
      x.delta_requests === y.delta_requests &&
      x.exceptions === y.exceptions &&
      x.harakiri_count === y.harakiri_count &&
      x.signals === y.signals &&
      x.signal_queue === y.signal_queue &&
      x.status === y.status &&
      x.rss === y.rss &&
      x.vsz === y.vsz &&
      x.running_time === y.running_time &&
      x.last_spawn === y.last_spawn &&
      x.respawn_count === y.respawn_count &&
      x.tx === y.tx &&
      x.avg_rt === y.avg_rt))
  );
}

/**
 * Which fields of a worker view and of its document {@link sameWorkerFields}
 * compares (true) and which it leaves out (false). A field added to either
 * type stops the build here until it is placed.
 */
export const SAME_WORKER_FIELDS: { view: Record<keyof WorkerView, boolean>; raw: Record<keyof WorkerStats, boolean> } = {
  view: {
    key: true,
    raw: false,
    id: true,
    pid: true,
    status: true,
    statusClass: true,
    busy: true,
    share: false,
    rps: true,
    txRate: true,
    excRate: true,
    respawned: true,
    respawns: true,
    spawned: true,
    reset: true,
    avgNow: true,
    respawnReason: true,
    cores: false,
  },
  raw: {
    id: true,
    pid: true,
    accepting: true,
    requests: true,
    delta_requests: true,
    exceptions: true,
    harakiri_count: true,
    signals: true,
    signal_queue: true,
    status: true,
    rss: true,
    vsz: true,
    running_time: true,
    last_spawn: true,
    respawn_count: true,
    tx: true,
    avg_rt: true,
    apps: false,
    cores: false,
    extra: false,
  },
};
