/**
 * Serialises an {@link EmitterDocument} byte-for-byte in the layout of
 * uWSGI 2.0's stats writer (core/stats.c): tab indentation, `"key":value`
 * with no space, `{`/`[` followed by a newline, and the same quirks for empty
 * containers (`"vars":[\n\n\t\t\t\t\t]`) and for an object that is a value
 * (`"req_info":\t\t\t\t\t{`). With `minified` every newline and tab is
 * dropped, exactly like `--stats-minified`.
 *
 * uWSGI's writer is a state machine (a `tabs` depth counter bumped by
 * object/list open and close); since the document's shape is fixed, every
 * piece of structure between two values is a constant here, written out
 * once per layout (the minified one is the pretty one without its tabs and
 * newlines), and a value costs one concatenation. Unlike uWSGI, string
 * values are JSON-escaped (uWSGI prints them raw, so a `"` in a cwd would
 * break its JSON); numbers are clamped to non-negative safe integers (uWSGI
 * prints unsigned 64-bit integers).
 *
 * The document is assembled from independent parts — {@link renderHead},
 * one {@link renderWorker} per worker, {@link renderTail} — so a server can
 * keep the text of each worker and re-render only the workers that changed
 * (see cluster.ts).
 */
import type { EmitterCore, EmitterDocument, EmitterWorker } from './doc.js';

/** Non-negative safe integer, as uWSGI's `%llu` would print it. */
export function uint(n: number): number {
  if (!(n > 0)) return 0; // also catches NaN
  if (n >= Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  return Math.floor(n);
}

/** Every constant between two values, in the pretty layout (depths as uWSGI's writer reaches them). */
const PRETTY = {
  // top level (depth 1)
  head0: '{\n\t"version":',
  listenQueue: ',\n\t"listen_queue":',
  listenQueueErrors: ',\n\t"listen_queue_errors":',
  signalQueue: ',\n\t"signal_queue":',
  load: ',\n\t"load":',
  pid: ',\n\t"pid":',
  uid: ',\n\t"uid":',
  gid: ',\n\t"gid":',
  cwd: ',\n\t"cwd":',
  locksOpen: ',\n\t"locks":[\n',
  // a lock object (depth 2) and its members (depth 3)
  lockOpen: '\t\t{\n',
  lockKey: '\t\t\t',
  lockSep: ',\n',
  lockClose: '\n\t\t}',
  item: ',\n',
  socketsOpen: '\n\t],\n\t"sockets":[\n',
  // a socket (depth 2)
  sName: '\t\t{\n\t\t\t"name":',
  sProto: ',\n\t\t\t"proto":',
  sQueue: ',\n\t\t\t"queue":',
  sMaxQueue: ',\n\t\t\t"max_queue":',
  sShared: ',\n\t\t\t"shared":',
  sCanOffload: ',\n\t\t\t"can_offload":',
  sClose: '\n\t\t}',
  workersOpen: '\n\t],\n\t"workers":[\n',
  // a worker (depth 2)
  wId: '\t\t{\n\t\t\t"id":',
  wPid: ',\n\t\t\t"pid":',
  wAccepting: ',\n\t\t\t"accepting":',
  wRequests: ',\n\t\t\t"requests":',
  wDelta: ',\n\t\t\t"delta_requests":',
  wExceptions: ',\n\t\t\t"exceptions":',
  wHarakiri: ',\n\t\t\t"harakiri_count":',
  wSignals: ',\n\t\t\t"signals":',
  wSignalQueue: ',\n\t\t\t"signal_queue":',
  wStatus: ',\n\t\t\t"status":',
  wRss: ',\n\t\t\t"rss":',
  wVsz: ',\n\t\t\t"vsz":',
  wRunningTime: ',\n\t\t\t"running_time":',
  wLastSpawn: ',\n\t\t\t"last_spawn":',
  wRespawn: ',\n\t\t\t"respawn_count":',
  wTx: ',\n\t\t\t"tx":',
  wAvgRt: ',\n\t\t\t"avg_rt":',
  appsOpen: ',\n\t\t\t"apps":[\n',
  // an app (depth 4)
  aId: '\t\t\t\t{\n\t\t\t\t\t"id":',
  aModifier1: ',\n\t\t\t\t\t"modifier1":',
  aMountpoint: ',\n\t\t\t\t\t"mountpoint":',
  aStartup: ',\n\t\t\t\t\t"startup_time":',
  aRequests: ',\n\t\t\t\t\t"requests":',
  aExceptions: ',\n\t\t\t\t\t"exceptions":',
  aChdir: ',\n\t\t\t\t\t"chdir":',
  aClose: '\n\t\t\t\t}',
  coresOpen: '\n\t\t\t],\n\t\t\t"cores":[\n',
  // a core (depth 4)
  cId: '\t\t\t\t{\n\t\t\t\t\t"id":',
  cRequests: ',\n\t\t\t\t\t"requests":',
  cStatic: ',\n\t\t\t\t\t"static_requests":',
  cRouted: ',\n\t\t\t\t\t"routed_requests":',
  cOffloaded: ',\n\t\t\t\t\t"offloaded_requests":',
  cWriteErrors: ',\n\t\t\t\t\t"write_errors":',
  cReadErrors: ',\n\t\t\t\t\t"read_errors":',
  cInRequest: ',\n\t\t\t\t\t"in_request":',
  varsOpen: ',\n\t\t\t\t\t"vars":[\n',
  /** After each var (uWSGI's var lines are unindented, each followed by a comma, then `""`). */
  varSep: ',\n',
  // the object-value quirk: the key's indentation is printed again before `{`
  reqInfoOpen: '\n\t\t\t\t\t],\n\t\t\t\t\t"req_info":\t\t\t\t\t{\n',
  reqStart: '\t\t\t\t\t\t"request_start":',
  cClose: '\n\t\t\t\t\t}\n\t\t\t\t}',
  workerClose: '\n\t\t\t]\n\t\t}',
  tail: '\n\t]\n}',
};

type Layout = typeof PRETTY;

function strip(l: Layout): Layout {
  const out = { ...l };
  for (const k of Object.keys(out) as (keyof Layout)[]) out[k] = out[k].replace(/[\t\n]/g, '');
  return out;
}

const MINI = strip(PRETTY);

const str = JSON.stringify as (s: string) => string;

function renderCore(L: Layout, c: EmitterCore): string {
  let vars = '';
  const v = c.vars;
  if (v !== undefined && v.length > 0) {
    for (let i = 0; i < v.length; i++) vars += str(v[i]!) + L.varSep;
    vars += '""';
  }
  return (
    L.cId + uint(c.id) +
    L.cRequests + uint(c.requests) +
    L.cStatic + uint(c.static_requests) +
    L.cRouted + uint(c.routed_requests) +
    L.cOffloaded + uint(c.offloaded_requests) +
    L.cWriteErrors + uint(c.write_errors) +
    L.cReadErrors + uint(c.read_errors) +
    L.cInRequest + uint(c.in_request) +
    L.varsOpen + vars +
    L.reqInfoOpen + (c.request_start !== undefined ? L.reqStart + uint(c.request_start) : '') +
    L.cClose
  );
}

/** The worker's cores, as they sit in its `cores` list (for callers caching them apart from the rest of the worker). */
export function renderCores(cores: readonly EmitterCore[], minified = false): string {
  const L = minified ? MINI : PRETTY;
  let out = '';
  for (let j = 0; j < cores.length; j++) {
    if (j > 0) out += L.item;
    out += renderCore(L, cores[j]!);
  }
  return out;
}

/**
 * One worker object, as it sits in the document's `workers` list.
 * @param coresText the worker's {@link renderCores} text, when the caller has it already
 */
export function renderWorker(wk: EmitterWorker, minified = false, coresText?: string): string {
  const L = minified ? MINI : PRETTY;
  let apps = '';
  for (let j = 0; j < wk.apps.length; j++) {
    const a = wk.apps[j]!;
    if (j > 0) apps += L.item;
    apps +=
      L.aId + uint(a.id) +
      L.aModifier1 + uint(a.modifier1) +
      L.aMountpoint + str(a.mountpoint) +
      L.aStartup + uint(a.startup_time) +
      L.aRequests + uint(a.requests) +
      L.aExceptions + uint(a.exceptions) +
      L.aChdir + str(a.chdir) +
      L.aClose;
  }
  return (
    L.wId + uint(wk.id) +
    L.wPid + uint(wk.pid) +
    L.wAccepting + uint(wk.accepting) +
    L.wRequests + uint(wk.requests) +
    L.wDelta + uint(wk.delta_requests) +
    L.wExceptions + uint(wk.exceptions) +
    L.wHarakiri + uint(wk.harakiri_count) +
    L.wSignals + uint(wk.signals) +
    L.wSignalQueue + uint(wk.signal_queue) +
    L.wStatus + str(wk.status) +
    L.wRss + uint(wk.rss) +
    L.wVsz + uint(wk.vsz) +
    L.wRunningTime + uint(wk.running_time) +
    L.wLastSpawn + uint(wk.last_spawn) +
    L.wRespawn + uint(wk.respawn_count) +
    L.wTx + uint(wk.tx) +
    L.wAvgRt + uint(wk.avg_rt) +
    L.appsOpen + apps +
    L.coresOpen + (coresText ?? renderCores(wk.cores, minified)) +
    L.workerClose
  );
}

/** Everything before the first worker (the document's own fields, locks, sockets, and `"workers":[`); `doc.workers` is not read. */
export function renderHead(doc: Omit<EmitterDocument, 'workers'>, minified = false): string {
  const L = minified ? MINI : PRETTY;
  let out =
    L.head0 + str(doc.version) +
    L.listenQueue + uint(doc.listen_queue) +
    L.listenQueueErrors + uint(doc.listen_queue_errors) +
    L.signalQueue + uint(doc.signal_queue) +
    L.load + uint(doc.load) +
    L.pid + uint(doc.pid) +
    L.uid + uint(doc.uid) +
    L.gid + uint(doc.gid) +
    L.cwd + str(doc.cwd) +
    L.locksOpen;
  for (let i = 0; i < doc.locks.length; i++) {
    const lock = doc.locks[i]!;
    if (i > 0) out += L.item;
    out += L.lockOpen;
    const ks = Object.keys(lock);
    for (let k = 0; k < ks.length; k++) {
      if (k > 0) out += L.lockSep;
      out += L.lockKey + str(ks[k]!) + ':' + uint(lock[ks[k]!] ?? 0);
    }
    out += L.lockClose;
  }
  out += L.socketsOpen;
  for (let i = 0; i < doc.sockets.length; i++) {
    const s = doc.sockets[i]!;
    if (i > 0) out += L.item;
    out +=
      L.sName + str(s.name) +
      L.sProto + str(s.proto) +
      L.sQueue + uint(s.queue) +
      L.sMaxQueue + uint(s.max_queue) +
      L.sShared + uint(s.shared) +
      L.sCanOffload + uint(s.can_offload) +
      L.sClose;
  }
  return out + L.workersOpen;
}

/** Between two workers. */
export function workerSeparator(minified = false): string {
  return minified ? MINI.item : PRETTY.item;
}

/** Everything after the last worker. */
export function renderTail(minified = false): string {
  return minified ? MINI.tail : PRETTY.tail;
}

/**
 * A document from its head and its workers' texts (in order). Concatenated,
 * not joined: the pieces are not copied here (V8 keeps a concatenation as a
 * tree), only once when the text is written to a socket.
 */
export function assembleDocument(head: string, workers: readonly string[], minified = false): string {
  const sep = workerSeparator(minified);
  let out = head;
  for (let i = 0; i < workers.length; i++) {
    if (i > 0) out += sep;
    out += workers[i]!;
  }
  return out + renderTail(minified);
}

/**
 * Render a stats document exactly as uWSGI 2.0.21 would lay it out.
 * @param doc the document
 * @param minified drop all whitespace (uWSGI `--stats-minified`)
 * @returns the JSON text (no trailing newline, like uWSGI)
 */
export function renderDocument(doc: EmitterDocument, minified = false): string {
  const ws = new Array<string>(doc.workers.length);
  for (let i = 0; i < ws.length; i++) ws[i] = renderWorker(doc.workers[i]!, minified);
  return assembleDocument(renderHead(doc, minified), ws, minified);
}
