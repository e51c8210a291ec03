/**
 * `parseStats`: bytes or text → a validated {@link StatsDocument}.
 *
 * Why hand-written guards rather than a schema library (zod, ajv, …):
 * - zero runtime dependencies for a tool that is also embedded in other
 *   people's servers (the emitter) and installed on production hosts;
 * - exact control over this project's rules, which schema libraries express
 *   only awkwardly: absent *or null* = unknown (`undefined`, never 0), wrong
 *   type = an error carrying the JSON path (`$.workers[3].requests`), 0/1 →
 *   boolean for `in_request`, every unmodelled key kept verbatim in `extra`;
 * - speed: one straight, linear pass with uniformly shaped result objects,
 *   no per-field closures or intermediate issue lists. Measured by hand on
 *   the 2-core dev box: a 1.5 MB document of 2048 workers validates in about
 *   the time JSON.parse takes for it (≈ 7 ms), so a 1 s refresh never spends
 *   its time here.
 *
 * Decisions worth knowing:
 * - **null is treated as absent.** Hand-rolled peers (and JSON encoders of
 *   None/nil) write `null` for "don't know"; that is exactly what `undefined`
 *   means in the model. Inside arrays, however, `null` where an object is
 *   required (`workers: [null]`) is an error: there is no "unknown worker".
 * - **Numbers must be finite** (`1e999` parses to Infinity → BAD_SHAPE), but
 *   their range is not checked: negative counters are accepted here and the
 *   model clamps them, so a buggy peer still gets displayed.
 * - **`in_request` / `emperor_tyrant`** accept booleans and numbers (0 =
 *   false, any other finite number = true, as in C).
 * - Every known field is present on the result objects, possibly with the
 *   value `undefined` (uniform object shapes keep V8 fast at 2048 workers).
 * - Unknown keys go to `extra` with their names exactly as sent (including
 *   `__proto__`, stored as an own property, never as a prototype).
 * - **Nesting deeper than {@link MAX_DEPTH} levels is rejected as NOT_JSON.**
 *   V8's JSON.parse accepts 100k-deep nesting, but `JSON.stringify`,
 *   `util.inspect` and any recursive consumer would then die with a
 *   RangeError. Anything else JSON.parse throws (RangeError on other engines,
 *   out of memory for strings) also becomes NOT_JSON.
 * - Discrimination: an object with a `vassals` array is an Emperor document;
 *   else one with `workers` is a server document (`workers` must then be an
 *   array); else one with `emperor` or `vassals` is an Emperor document (an
 *   absent `vassals` becomes `[]`); anything else is BAD_SHAPE.
 */
import { StatsError } from './errors.js';
import type {
  AppStats,
  BlacklistEntry,
  CoreStats,
  InFlightRequest,
  EmperorSnapshot,
  Extra,
  SocketStats,
  StatsDocument,
  StatsSnapshot,
  VassalStats,
  WorkerStats,
} from './types.js';

/** Deepest nesting of arrays/objects accepted (a real uWSGI document nests 7 deep). */
export const MAX_DEPTH = 512;

type Obj = Record<string, unknown>;

const decoder = new TextDecoder('utf-8', { fatal: true });

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON type name of a value, for messages. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return typeof v;
}

/**
 * A shape failure inside the walk, with its path relative to the object
 * being parsed. Paths are only built when something fails: each array loop
 * prefixes its `.key[i]` on the way out, and {@link parseStats} turns the
 * result into the public `StatsError` (`$.workers[3].requests: …`). Building
 * them eagerly cost a string per worker and per core on every read.
 */
class ShapeFail {
  constructor(
    public rel: string,
    readonly expected: string,
    readonly got: unknown,
  ) {}
}

function shapeError(path: string, expected: string, got: unknown): ShapeFail {
  return new ShapeFail(path, expected, got);
}

function toStatsError(f: ShapeFail): StatsError {
  const path = '$' + f.rel;
  return new StatsError('BAD_SHAPE', `${path}: expected ${f.expected}, got ${typeName(f.got)}`, { path });
}

/** Run `each` on element i of list `key`, prefixing `.key[i]` to the path of a failure. */
function inElem<T>(list: unknown[], i: number, key: string, depth: number, each: (e: Obj, p: string, d: number) => T): T {
  const v = elem(list, i, key);
  try {
    return each(v, '', depth);
  } catch (e) {
    if (e instanceof ShapeFail) e.rel = `${key}[${i}]${e.rel}`;
    throw e;
  }
}

function num(o: Obj, k: string, path: string): number | undefined {
  const v = o[k];
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    throw shapeError(`${path}.${k}`, 'a finite number', v);
  }
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'a number', v);
}

function str(o: Obj, k: string, path: string): string | undefined {
  const v = o[k];
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'a string', v);
}

/** Boolean, or a number read C-style (0 = false). */
function flag(o: Obj, k: string, path: string): boolean | undefined {
  const v = o[k];
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v !== 0;
    throw shapeError(`${path}.${k}`, 'a boolean or 0/1', v);
  }
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'a boolean or 0/1', v);
}

/** An array field (elements unchecked). */
function arr(o: Obj, k: string, path: string): unknown[] | undefined {
  const v = o[k];
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'an array', v);
}

/** An opaque object field kept as-is (after the depth check). */
function opaqueObj(o: Obj, k: string, path: string, depth: number): Extra | undefined {
  const v = o[k];
  if (isObj(v)) {
    checkDepth(v, depth);
    return v;
  }
  if (v === undefined || v === null) return undefined;
  throw shapeError(`${path}.${k}`, 'an object', v);
}

/** Each element of `list` must be an object; returns it for the element parser. */
function elem(list: unknown[], i: number, path: string): Obj {
  const v = list[i];
  if (isObj(v)) return v;
  throw shapeError(`${path}[${i}]`, 'an object', v);
}

function tooDeepError(): StatsError {
  return new StatsError('NOT_JSON', `JSON nested deeper than ${MAX_DEPTH} levels`);
}

/**
 * Reject `value` if, sitting at nesting depth `depth` (the number of
 * containers around it), any part of it goes deeper than MAX_DEPTH.
 * Iterative: a hostile document cannot blow the stack here either.
 */
function checkDepth(value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth + 1 <= MAX_DEPTH && flat(value)) return; // the common case: no nested container, nothing to walk
  const todo: unknown[] = [value];
  const depths: number[] = [depth + 1];
  while (todo.length > 0) {
    const v = todo.pop();
    const d = depths.pop() ?? 0;
    if (d > MAX_DEPTH) throw tooDeepError();
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v as Obj);
    for (const c of children) {
      if (typeof c === 'object' && c !== null) {
        todo.push(c);
        depths.push(d + 1);
      }
    }
  }
}

/** True if no element / value of the container `v` is itself an object or array (no allocation). */
function flat(v: object): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const c: unknown = v[i];
      if (typeof c === 'object' && c !== null) return false;
    }
    return true;
  }
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const c = (v as Obj)[k];
    if (typeof c === 'object' && c !== null) return false;
  }
  return true;
}

/** The `extra` of an object with no unknown key: shared and frozen (nothing writes to `extra`). */
const NO_EXTRA: Extra = Object.freeze({}) as Extra;

/**
 * The keys of `o` not in `known`, in a fresh `extra` object — or the shared
 * empty {@link NO_EXTRA} when there are none (the usual case: no allocation).
 * `depth` is o's own depth.
 */
function extraOf(o: Obj, known: ReadonlySet<string>, depth: number): Extra {
  let extra: Extra | undefined;
  for (const k in o) {
    if (known.has(k) || !Object.prototype.hasOwnProperty.call(o, k)) continue;
    extra ??= {};
    const v = o[k];
    checkDepth(v, depth);
    if (k === '__proto__') {
      Object.defineProperty(extra, k, { value: v, enumerable: true, writable: true, configurable: true });
    } else {
      extra[k] = v;
    }
  }
  return extra ?? NO_EXTRA;
}

function objArray<T>(o: Obj, k: string, path: string, depth: number, each: (e: Obj, p: string, d: number) => T): T[] | undefined {
  const list = arr(o, k, path);
  if (list === undefined) return undefined;
  const key = `.${k}`;
  const out: T[] = [];
  for (let i = 0; i < list.length; i++) out.push(inElem(list, i, key, depth + 2, each));
  return out;
}

const CORE_KEYS = new Set([
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
]);

/** Longest method / path kept of an in-flight request (longer ones are cut; the rest is never stored). */
export const MAX_REQUEST_METHOD = 32;
export const MAX_REQUEST_PATH = 1024;

function varValue(vars: readonly unknown[], name: string): string | undefined {
  const prefix = name + '=';
  for (const v of vars) if (typeof v === 'string' && v.startsWith(prefix)) return v.slice(prefix.length);
  return undefined;
}

/** `s` cut at the first '?' or '#' (a query or fragment never survives). */
function withoutQuery(s: string): string {
  const q = s.search(/[?#]/);
  return q >= 0 ? s.slice(0, q) : s;
}

/**
 * Privacy at parse time: what is kept of one core's request `vars` (uWSGI's
 * `"KEY=VALUE"` strings) — the method and the path without its query string,
 * as `[REQUEST_METHOD=…, PATH_INFO=…]` (each only when sent). The path comes
 * from PATH_INFO, else from REQUEST_URI; either is cut at '?' and '#'. Every
 * other var (cookies, authorization, QUERY_STRING, headers, addresses) is
 * dropped here, so nothing downstream — screen, batch, --json, recordings,
 * the fleet — can ever see it. Non-string entries are dropped too.
 */
export function reduceRequestVars(vars: readonly unknown[]): { vars: string[]; method?: string; path?: string } {
  const method = varValue(vars, 'REQUEST_METHOD');
  const info = varValue(vars, 'PATH_INFO');
  const uri = varValue(vars, 'REQUEST_URI');
  const rawPath = info !== undefined && info !== '' ? info : uri;
  const out: { vars: string[]; method?: string; path?: string } = { vars: [] };
  if (method !== undefined) {
    out.method = method.slice(0, MAX_REQUEST_METHOD);
    out.vars.push(`REQUEST_METHOD=${out.method}`);
  }
  if (rawPath !== undefined) {
    out.path = withoutQuery(rawPath).slice(0, MAX_REQUEST_PATH);
    out.vars.push(`PATH_INFO=${out.path}`);
  }
  return out;
}

/** The reduced `vars` of a core that sent none: shared and frozen (nothing writes to `vars`). */
const NO_VARS = Object.freeze([]) as unknown as string[];

function parseCore(o: Obj, p: string, d: number): CoreStats {
  const rawVars = arr(o, 'vars', p);
  if (rawVars !== undefined) checkDepth(rawVars, d); // dropped below, but a too-deep document is refused wherever it nests
  const rawInfo = opaqueObj(o, 'req_info', p, d);
  const inRequest = flag(o, 'in_request', p);
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
  return {
    id: num(o, 'id', p),
    requests: num(o, 'requests', p),
    static_requests: num(o, 'static_requests', p),
    routed_requests: num(o, 'routed_requests', p),
    offloaded_requests: num(o, 'offloaded_requests', p),
    write_errors: num(o, 'write_errors', p),
    read_errors: num(o, 'read_errors', p),
    in_request: inRequest,
    vars,
    req_info: reqInfo,
    request,
    extra: extraOf(o, CORE_KEYS, d),
  };
}

const APP_KEYS = new Set(['id', 'modifier1', 'mountpoint', 'startup_time', 'requests', 'exceptions', 'chdir']);

function parseApp(o: Obj, p: string, d: number): AppStats {
  return {
    id: num(o, 'id', p),
    modifier1: num(o, 'modifier1', p),
    mountpoint: str(o, 'mountpoint', p),
    startup_time: num(o, 'startup_time', p),
    requests: num(o, 'requests', p),
    exceptions: num(o, 'exceptions', p),
    chdir: str(o, 'chdir', p),
    extra: extraOf(o, APP_KEYS, d),
  };
}

const WORKER_KEYS = new Set([
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
]);

function parseWorker(o: Obj, p: string, d: number): WorkerStats {
  return {
    id: num(o, 'id', p),
    pid: num(o, 'pid', p),
    accepting: num(o, 'accepting', p),
    requests: num(o, 'requests', p),
    delta_requests: num(o, 'delta_requests', p),
    exceptions: num(o, 'exceptions', p),
    harakiri_count: num(o, 'harakiri_count', p),
    signals: num(o, 'signals', p),
    signal_queue: num(o, 'signal_queue', p),
    status: str(o, 'status', p),
    rss: num(o, 'rss', p),
    vsz: num(o, 'vsz', p),
    running_time: num(o, 'running_time', p),
    last_spawn: num(o, 'last_spawn', p),
    respawn_count: num(o, 'respawn_count', p),
    tx: num(o, 'tx', p),
    avg_rt: num(o, 'avg_rt', p),
    apps: objArray(o, 'apps', p, d, parseApp),
    cores: objArray(o, 'cores', p, d, parseCore),
    extra: extraOf(o, WORKER_KEYS, d),
  };
}

const SOCKET_KEYS = new Set(['name', 'proto', 'queue', 'max_queue', 'shared', 'can_offload']);

function parseSocket(o: Obj, p: string, d: number): SocketStats {
  return {
    name: str(o, 'name', p),
    proto: str(o, 'proto', p),
    queue: num(o, 'queue', p),
    max_queue: num(o, 'max_queue', p),
    shared: num(o, 'shared', p),
    can_offload: num(o, 'can_offload', p),
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

function parseServer(o: Obj, workers: unknown[]): StatsSnapshot {
  const p = '';
  const out: WorkerStats[] = [];
  for (let i = 0; i < workers.length; i++) out.push(inElem(workers, i, '.workers', 3, parseWorker));
  return {
    kind: 'server',
    version: str(o, 'version', p),
    listen_queue: num(o, 'listen_queue', p),
    listen_queue_errors: num(o, 'listen_queue_errors', p),
    signal_queue: num(o, 'signal_queue', p),
    load: num(o, 'load', p),
    pid: num(o, 'pid', p),
    uid: num(o, 'uid', p),
    gid: num(o, 'gid', p),
    cwd: str(o, 'cwd', p),
    locks: objArray(o, 'locks', p, 1, keepObj),
    sockets: objArray(o, 'sockets', p, 1, parseSocket),
    workers: out,
    extra: extraOf(o, SERVER_KEYS, 1),
  };
}

const VASSAL_KEYS = new Set(['id', 'pid']);

function parseVassal(o: Obj, p: string, d: number): VassalStats {
  return { id: str(o, 'id', p), pid: num(o, 'pid', p), extra: extraOf(o, VASSAL_KEYS, d) };
}

const BLACKLIST_KEYS = new Set(['id', 'throttle_level', 'attempt', 'first_attempt', 'last_attempt']);

function parseBlacklist(o: Obj, p: string, d: number): BlacklistEntry {
  return {
    id: str(o, 'id', p),
    throttle_level: num(o, 'throttle_level', p),
    attempt: num(o, 'attempt', p),
    first_attempt: num(o, 'first_attempt', p),
    last_attempt: num(o, 'last_attempt', p),
    extra: extraOf(o, BLACKLIST_KEYS, d),
  };
}

const EMPEROR_KEYS = new Set(['version', 'pid', 'uid', 'gid', 'cwd', 'emperor', 'emperor_tyrant', 'throttle_level', 'vassals', 'blacklist']);

function parseEmperor(o: Obj): EmperorSnapshot {
  const p = '';
  const dirs = arr(o, 'emperor', p);
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
    version: str(o, 'version', p),
    pid: num(o, 'pid', p),
    uid: num(o, 'uid', p),
    gid: num(o, 'gid', p),
    cwd: str(o, 'cwd', p),
    emperor,
    emperor_tyrant: flag(o, 'emperor_tyrant', p),
    throttle_level: num(o, 'throttle_level', p),
    vassals: objArray(o, 'vassals', p, 1, parseVassal) ?? [],
    blacklist: objArray(o, 'blacklist', p, 1, parseBlacklist),
    extra: extraOf(o, EMPEROR_KEYS, 1),
  };
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (WHATWG rules), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined) return i;
      if (k === 1 ? x < lo || x > hi : x < 0x80 || x > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** One printable line of at most `max` characters. */
function oneLine(s: string, max = 160): string {
  const flat = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\t') return '\\t';
    if (ch === '\r') return '\\r';
    return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
  });
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

function decode(input: string | Uint8Array): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  try {
    return decoder.decode(input);
  } catch (e) {
    const at = firstInvalidUtf8(input);
    throw new StatsError('NOT_JSON', at >= 0 ? `invalid UTF-8 at byte ${at}` : 'invalid UTF-8', { cause: e });
  }
}

/** Run one of the document walks, turning a shape failure into the public StatsError. */
function walk<A, T>(f: (o: Obj, a: A) => T, o: Obj, a: A): T {
  try {
    return f(o, a);
  } catch (e) {
    if (e instanceof ShapeFail) throw toStatsError(e);
    throw e;
  }
}

/**
 * Parse and validate one stats document (a uWSGI master's, the tsgitop
 * emitter's, or an Emperor's). Bytes are decoded as strict UTF-8 (a BOM is
 * ignored). See the module comment for the rules.
 *
 * @throws StatsError NOT_JSON — invalid UTF-8 (`invalid UTF-8 at byte N`, N
 *   counted from 0), invalid JSON (`invalid JSON: <reason>`), or nesting
 *   deeper than MAX_DEPTH;
 *   BAD_SHAPE — valid JSON that is not a stats document; the message starts
 *   with the JSON path, which is also in `.path`
 *   (`$.workers[3].requests: expected a number, got string`).
 */
export function parseStats(input: string | Uint8Array): StatsDocument {
  const text = decode(input);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof RangeError ? `too deeply nested or too large (${e.message})` : e instanceof Error ? e.message : String(e);
    throw new StatsError('NOT_JSON', `invalid JSON: ${oneLine(reason)}`, { cause: e });
  }
  if (!isObj(root)) throw toStatsError(shapeError('', 'an object', root));

  const vassals = root['vassals'];
  const workers = root['workers'];
  if (Array.isArray(vassals)) return walk(parseEmperor, root, undefined);
  if (workers !== undefined && workers !== null) {
    if (!Array.isArray(workers)) throw toStatsError(shapeError('.workers', 'an array', workers));
    return walk(parseServer, root, workers);
  }
  const emperor = root['emperor'];
  if ((emperor !== undefined && emperor !== null) || (vassals !== undefined && vassals !== null)) return walk(parseEmperor, root, undefined);
  throw new StatsError('BAD_SHAPE', '$.workers: missing (not a uWSGI stats document: no "workers" or "vassals")', {
    path: '$.workers',
  });
}

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
