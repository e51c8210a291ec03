/**
 * The stats-document walk behind `parseStats`: one parser per element
 * (worker, core, app, socket, vassal, blacklist entry) and the two document
 * kinds (server, Emperor). Each returns a uniformly shaped object with every
 * known field (possibly `undefined`) and the unknown keys in `extra`; a
 * shape failure is thrown as a `ShapeFail` for parse.ts to turn into the
 * public error. See parse.ts for the rules.
 */
import { arr, checkDepth, eachElem, exactKeys, extraOf, flag, isObj, NO_EXTRA, num, objArray, opaqueObj, shapeError, str, type Obj } from './guards.js';
import { reduceRequestVars } from './privacy.js';
import type {
  AppStats,
  BlacklistEntry,
  CoreStats,
  InFlightRequest,
  EmperorSnapshot,
  Extra,
  SocketStats,
  StatsSnapshot,
  VassalStats,
  WorkerStats,
} from './types.js';

/** A core's known keys, in uWSGI's order (core/stats.c … master_utils.c: uwsgi_stats). */
const CORE_ORDER = [
  'id',
  'requests',
  'static_requests',
  'routed_requests',
  'offloaded_requests',
  'write_errors',
  'read_errors',
  'in_request',
  'vars',
  'req_info',
] as const;
const CORE_KEYS: ReadonlySet<string> = new Set(CORE_ORDER);

/** `extra` on a copied worker, app or core: only when it has unknown keys (like one typed in place). */
function addExtra(t: Obj, extra: Extra): void {
  if (extra !== NO_EXTRA) t['extra'] = extra;
}

/** The reduced `vars` of a core that sent none: shared and frozen (nothing writes to `vars`). */
const NO_VARS = Object.freeze([]) as unknown as string[];

// A core's request fields as they are stored, checked and reduced by coreRequest and written by
// writeRequest: held here between the two calls (no record allocated per core; nothing else runs between).
let rqIn: boolean | undefined;
let rqVars: string[] | undefined;
let rqInfo: CoreStats['req_info'];
let rqRequest: InFlightRequest | undefined;

/**
 * The request part of a core, checked and reduced (privacy): `in_request` as a boolean, `vars` reduced to
 * method and path, `req_info` to `request_start`, and the typed `request` when the core is in one — left
 * in rqIn, rqVars, rqInfo and rqRequest for {@link writeRequest}.
 */
function coreRequest(o: Obj, p: string, d: number): void {
  const rawVars = arr(o['vars'], 'vars', p);
  if (rawVars !== undefined) checkDepth(rawVars, d); // dropped below, but a too-deep document is refused wherever it nests
  const rawInfo = opaqueObj(o['req_info'], 'req_info', p, d);
  const inRequest = flag(o['in_request'], 'in_request', p);
  let vars: string[] | undefined;
  let request: InFlightRequest | undefined;
  let reqInfo: CoreStats['req_info'];
  let start: number | undefined;
  if (rawInfo !== undefined) {
    // Only request_start is kept (a non-number is dropped, not an error: nothing reads the rest).
    const v = rawInfo['request_start'];
    if (typeof v === 'number' && Number.isFinite(v)) reqInfo = { request_start: (start = v) };
    else reqInfo = NO_EXTRA;
  }
  let reduced: ReturnType<typeof reduceRequestVars> | undefined;
  if (rawVars !== undefined && rawVars.length === 0) {
    vars = NO_VARS; // an idle core (the usual case): nothing to reduce, nothing to allocate
  } else if (rawVars !== undefined) {
    reduced = reduceRequestVars(rawVars);
    vars = reduced.vars;
  }
  if (inRequest === true) {
    request = {};
    if (reduced?.method !== undefined) request.method = reduced.method;
    if (reduced?.path !== undefined) request.path = reduced.path;
    if (start !== undefined && start > 0) request.start = start;
  }
  rqIn = inRequest;
  rqVars = vars;
  rqInfo = reqInfo;
  rqRequest = request;
}

/**
 * Write the request fields {@link coreRequest} left to `t` (`o` itself when typed in place). Privacy: the
 * raw vars and req_info are replaced here, in place too, before parseStats returns. `request` is added
 * only when there is one (JSON.parse's objects have no room for another property: each added one cost a
 * property store allocated per core, 16k per read at 2048 workers × 8 cores).
 */
function writeRequest(t: Obj): void {
  t['in_request'] = rqIn;
  t['vars'] = rqVars;
  t['req_info'] = rqInfo;
  if (rqRequest !== undefined) t['request'] = rqRequest;
  rqVars = rqInfo = rqRequest = undefined; // hold nothing of this document
}

/** True if the object `v` has no own enumerable key (`{}`: an idle core's req_info). */
function isEmptyObj(v: Obj): boolean {
  for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) return false;
  return true;
}

function parseCore(o: Obj, p: string, d: number): CoreStats {
  if (exactKeys(o, CORE_ORDER)) {
    // uWSGI's own core, typed in place. The counters are only checked, never written back: a typeof and
    // `v - v === 0` each (false only for ±Infinity, the one non-finite number JSON.parse gives, for an
    // overflowing literal such as 1e999; one test of their sum was as cheap, but in V8's interpreter, where
    // the monitor of a small document runs, each partial sum beyond a small integer allocated a number).
    // A null among them, or any other type, goes the long way, which says what is wrong.
    const a = o['id'];
    const b = o['requests'];
    const c = o['static_requests'];
    const e = o['routed_requests'];
    const f = o['offloaded_requests'];
    const g = o['write_errors'];
    const h = o['read_errors'];
    if (
      typeof a === 'number' &&
      a - a === 0 &&
      typeof b === 'number' &&
      b - b === 0 &&
      typeof c === 'number' &&
      c - c === 0 &&
      typeof e === 'number' &&
      e - e === 0 &&
      typeof f === 'number' &&
      f - f === 0 &&
      typeof g === 'number' &&
      g - g === 0 &&
      typeof h === 'number' &&
      h - h === 0
    ) {
      const vars = o['vars'];
      const info = o['req_info'];
      if (o['in_request'] === 0 && Array.isArray(vars) && vars.length === 0 && isObj(info) && isEmptyObj(info)) {
        // An idle core (the usual one): its three request fields, and nothing else, are written.
        o['in_request'] = false;
        o['vars'] = NO_VARS;
        o['req_info'] = NO_EXTRA;
      } else {
        coreRequest(o, p, d);
        writeRequest(o);
      }
      return o as unknown as CoreStats;
    }
  }
  // Any other core (unknown keys, missing ones, another order, a null or a wrong type): every field read,
  // checked and normalised into a copy with the same fields in the same order — or in place when its keys
  // are uWSGI's (then only a null or a wrong type brought it here).
  coreRequest(o, p, d); // first, as always: a document with several faults names the same one
  const inPlace = exactKeys(o, CORE_ORDER);
  const t: Obj = inPlace ? o : {};
  t['id'] = num(o['id'], 'id', p);
  t['requests'] = num(o['requests'], 'requests', p);
  t['static_requests'] = num(o['static_requests'], 'static_requests', p);
  t['routed_requests'] = num(o['routed_requests'], 'routed_requests', p);
  t['offloaded_requests'] = num(o['offloaded_requests'], 'offloaded_requests', p);
  t['write_errors'] = num(o['write_errors'], 'write_errors', p);
  t['read_errors'] = num(o['read_errors'], 'read_errors', p);
  writeRequest(t);
  if (!inPlace) addExtra(t, extraOf(o, CORE_KEYS, d));
  return t as unknown as CoreStats;
}

const APP_ORDER = ['id', 'modifier1', 'mountpoint', 'startup_time', 'requests', 'exceptions', 'chdir'] as const;
const APP_KEYS: ReadonlySet<string> = new Set(APP_ORDER);

function parseApp(o: Obj, p: string, d: number): AppStats {
  if (exactKeys(o, APP_ORDER)) {
    // uWSGI's own app: only checked, nothing written (see parseCore).
    const a = o['id'];
    const b = o['modifier1'];
    const c = o['startup_time'];
    const e = o['requests'];
    const f = o['exceptions'];
    if (
      typeof a === 'number' &&
      a - a === 0 &&
      typeof b === 'number' &&
      b - b === 0 &&
      typeof o['mountpoint'] === 'string' &&
      typeof c === 'number' &&
      c - c === 0 &&
      typeof e === 'number' &&
      e - e === 0 &&
      typeof f === 'number' &&
      f - f === 0 &&
      typeof o['chdir'] === 'string'
    )
      return o as unknown as AppStats;
  }
  // Any other app: read, checked and normalised field by field (see parseCore).
  const inPlace = exactKeys(o, APP_ORDER);
  const t: Obj = inPlace ? o : {};
  t['id'] = num(o['id'], 'id', p);
  t['modifier1'] = num(o['modifier1'], 'modifier1', p);
  t['mountpoint'] = str(o['mountpoint'], 'mountpoint', p);
  t['startup_time'] = num(o['startup_time'], 'startup_time', p);
  t['requests'] = num(o['requests'], 'requests', p);
  t['exceptions'] = num(o['exceptions'], 'exceptions', p);
  t['chdir'] = str(o['chdir'], 'chdir', p);
  if (!inPlace) addExtra(t, extraOf(o, APP_KEYS, d));
  return t as unknown as AppStats;
}

const WORKER_ORDER = [
  'id',
  'pid',
  'accepting',
  'requests',
  'delta_requests',
  'exceptions',
  'harakiri_count',
  'signals',
  'signal_queue',
  'status',
  'rss',
  'vsz',
  'running_time',
  'last_spawn',
  'respawn_count',
  'tx',
  'avg_rt',
  'apps',
  'cores',
] as const;
const WORKER_KEYS: ReadonlySet<string> = new Set(WORKER_ORDER);

/** True when a worker's scalar fields (all but apps and cores) are what uWSGI sends: finite numbers and a status string. */
function workerScalarsOk(o: Obj): boolean {
  const a = o['id'];
  const b = o['pid'];
  const c = o['accepting'];
  const e = o['requests'];
  const f = o['delta_requests'];
  const g = o['exceptions'];
  const h = o['harakiri_count'];
  const i = o['signals'];
  const j = o['signal_queue'];
  const k = o['rss'];
  const l = o['vsz'];
  const m = o['running_time'];
  const n = o['last_spawn'];
  const q = o['respawn_count'];
  const r = o['tx'];
  const s = o['avg_rt'];
  return (
    typeof a === 'number' &&
    a - a === 0 &&
    typeof b === 'number' &&
    b - b === 0 &&
    typeof c === 'number' &&
    c - c === 0 &&
    typeof e === 'number' &&
    e - e === 0 &&
    typeof f === 'number' &&
    f - f === 0 &&
    typeof g === 'number' &&
    g - g === 0 &&
    typeof h === 'number' &&
    h - h === 0 &&
    typeof i === 'number' &&
    i - i === 0 &&
    typeof j === 'number' &&
    j - j === 0 &&
    typeof o['status'] === 'string' &&
    typeof k === 'number' &&
    k - k === 0 &&
    typeof l === 'number' &&
    l - l === 0 &&
    typeof m === 'number' &&
    m - m === 0 &&
    typeof n === 'number' &&
    n - n === 0 &&
    typeof q === 'number' &&
    q - q === 0 &&
    typeof r === 'number' &&
    r - r === 0 &&
    typeof s === 'number' &&
    s - s === 0
  );
}

function parseWorker(o: Obj, p: string, d: number): WorkerStats {
  if (exactKeys(o, WORKER_ORDER) && workerScalarsOk(o)) {
    // uWSGI's own worker: its scalars only checked, nothing written; its apps and cores done in place.
    // (Each array is JSON.parse's own, its elements typed or replaced in it; a null one becomes undefined.)
    if (objArray(o, 'apps', p, d, parseApp) === undefined) o['apps'] = undefined;
    if (objArray(o, 'cores', p, d, parseCore) === undefined) o['cores'] = undefined;
    return o as unknown as WorkerStats;
  }
  // Any other worker: read, checked and normalised field by field (see parseCore).
  const inPlace = exactKeys(o, WORKER_ORDER);
  const t: Obj = inPlace ? o : {};
  t['id'] = num(o['id'], 'id', p);
  t['pid'] = num(o['pid'], 'pid', p);
  t['accepting'] = num(o['accepting'], 'accepting', p);
  t['requests'] = num(o['requests'], 'requests', p);
  t['delta_requests'] = num(o['delta_requests'], 'delta_requests', p);
  t['exceptions'] = num(o['exceptions'], 'exceptions', p);
  t['harakiri_count'] = num(o['harakiri_count'], 'harakiri_count', p);
  t['signals'] = num(o['signals'], 'signals', p);
  t['signal_queue'] = num(o['signal_queue'], 'signal_queue', p);
  t['status'] = str(o['status'], 'status', p);
  t['rss'] = num(o['rss'], 'rss', p);
  t['vsz'] = num(o['vsz'], 'vsz', p);
  t['running_time'] = num(o['running_time'], 'running_time', p);
  t['last_spawn'] = num(o['last_spawn'], 'last_spawn', p);
  t['respawn_count'] = num(o['respawn_count'], 'respawn_count', p);
  t['tx'] = num(o['tx'], 'tx', p);
  t['avg_rt'] = num(o['avg_rt'], 'avg_rt', p);
  t['apps'] = objArray(o, 'apps', p, d, parseApp);
  t['cores'] = objArray(o, 'cores', p, d, parseCore);
  if (!inPlace) addExtra(t, extraOf(o, WORKER_KEYS, d));
  return t as unknown as WorkerStats;
}

const SOCKET_KEYS = new Set(['name', 'proto', 'queue', 'max_queue', 'shared', 'can_offload']);

function parseSocket(o: Obj, p: string, d: number): SocketStats {
  return {
    name: str(o['name'], 'name', p),
    proto: str(o['proto'], 'proto', p),
    queue: num(o['queue'], 'queue', p),
    max_queue: num(o['max_queue'], 'max_queue', p),
    shared: num(o['shared'], 'shared', p),
    can_offload: num(o['can_offload'], 'can_offload', p),
    extra: extraOf(o, SOCKET_KEYS, d),
  };
}

function keepObj(o: Obj, _p: string, d: number): Extra {
  checkDepth(o, d - 1);
  return o;
}

const SERVER_KEYS = new Set([
  'version',
  'listen_queue',
  'listen_queue_errors',
  'signal_queue',
  'load',
  'pid',
  'uid',
  'gid',
  'cwd',
  'locks',
  'sockets',
  'workers',
]);

/** `done[i]` true: `workers[i]` is already a parsed worker (of an earlier document: see parseStatsSince). */
export function parseServer(o: Obj, workers: unknown[], done?: readonly boolean[]): StatsSnapshot {
  const p = '';
  const out = eachElem(workers, '.workers', 3, parseWorker, done);
  return {
    kind: 'server',
    version: str(o['version'], 'version', p),
    listen_queue: num(o['listen_queue'], 'listen_queue', p),
    listen_queue_errors: num(o['listen_queue_errors'], 'listen_queue_errors', p),
    signal_queue: num(o['signal_queue'], 'signal_queue', p),
    load: num(o['load'], 'load', p),
    pid: num(o['pid'], 'pid', p),
    uid: num(o['uid'], 'uid', p),
    gid: num(o['gid'], 'gid', p),
    cwd: str(o['cwd'], 'cwd', p),
    locks: objArray(o, 'locks', p, 1, keepObj),
    sockets: objArray(o, 'sockets', p, 1, parseSocket),
    workers: out,
    extra: extraOf(o, SERVER_KEYS, 1),
  };
}

const VASSAL_KEYS = new Set(['id', 'pid']);

function parseVassal(o: Obj, p: string, d: number): VassalStats {
  return { id: str(o['id'], 'id', p), pid: num(o['pid'], 'pid', p), extra: extraOf(o, VASSAL_KEYS, d) };
}

const BLACKLIST_KEYS = new Set(['id', 'throttle_level', 'attempt', 'first_attempt', 'last_attempt']);

function parseBlacklist(o: Obj, p: string, d: number): BlacklistEntry {
  return {
    id: str(o['id'], 'id', p),
    throttle_level: num(o['throttle_level'], 'throttle_level', p),
    attempt: num(o['attempt'], 'attempt', p),
    first_attempt: num(o['first_attempt'], 'first_attempt', p),
    last_attempt: num(o['last_attempt'], 'last_attempt', p),
    extra: extraOf(o, BLACKLIST_KEYS, d),
  };
}

const EMPEROR_KEYS = new Set(['version', 'pid', 'uid', 'gid', 'cwd', 'emperor', 'emperor_tyrant', 'throttle_level', 'vassals', 'blacklist']);

export function parseEmperor(o: Obj): EmperorSnapshot {
  const p = '';
  const dirs = arr(o['emperor'], 'emperor', p);
  let emperor: string[] | undefined;
  if (dirs !== undefined) {
    emperor = [];
    for (let i = 0; i < dirs.length; i++) {
      const v = dirs[i];
      if (typeof v !== 'string') throw shapeError(`.emperor[${i}]`, 'a string', v);
      emperor.push(v);
    }
  }
  return {
    kind: 'emperor',
    version: str(o['version'], 'version', p),
    pid: num(o['pid'], 'pid', p),
    uid: num(o['uid'], 'uid', p),
    gid: num(o['gid'], 'gid', p),
    cwd: str(o['cwd'], 'cwd', p),
    emperor,
    emperor_tyrant: flag(o['emperor_tyrant'], 'emperor_tyrant', p),
    throttle_level: num(o['throttle_level'], 'throttle_level', p),
    vassals: objArray(o, 'vassals', p, 1, parseVassal) ?? [],
    blacklist: objArray(o, 'blacklist', p, 1, parseBlacklist),
    extra: extraOf(o, EMPEROR_KEYS, 1),
  };
}
