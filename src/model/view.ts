import type { EmperorSnapshot, StatsDocument, StatsSnapshot, WorkerStats } from '../protocol/types.js';
import { DEFAULT_LQ_THRESHOLD, detectEvents, type WorkerPair } from './events.js';
import { workerKeys } from './identity.js';
import { counter, finite, knownSum, NO_SUM, plusKnown, respawnsAfterFirst, measuredBytes } from './sanitize.js';
import type { EmperorView, HeaderView, InFlightView, ModelEvent, Sample, ServerView, SocketView, Totals, View, WorkerView } from './types.js';
import { buildWorker } from './workers.js';
import { buildSockets, worstSocket } from './sockets.js';
import { buildEmperor } from './emperor.js';

/** Options of buildView. */
export interface BuildOptions {
  /** Display name of the server (e.g. its hostname); wins over `address`. */
  node?: string;
  /** The address string the sample was read from; the node name when `node` is not given. */
  address?: string;
  /** Listen-queue length whose upward crossing raises a `listen_queue` event (default 10). */
  lqThreshold?: number;
}

/**
 * Seconds between two reads, or `undefined` when it is not a positive
 * finite number (first read, clock went backwards, same instant).
 */
export function intervalSeconds(curAt: number, prevAt: number | undefined): number | undefined {
  if (prevAt === undefined) return undefined;
  const s = (curAt - prevAt) / 1000;
  return Number.isFinite(s) && s > 0 ? s : undefined;
}

/**
 * Turn one read (and optionally the previous read of the same target) into
 * what renderers draw. Pure: no I/O, no clock — time comes from `Sample.at`.
 *
 * - Server document → ServerView with per-worker / per-core rates (requests,
 *   tx, exceptions per second between the two reads), share %, busy,
 *   totals, header and events.
 * - Emperor document → EmperorView.
 * - `prev` of a different kind, or with `at` not strictly before `cur.at`,
 *   yields undefined rates (events are still detected for a same-kind prev).
 *
 * Rates are `undefined` (never negative/NaN/Infinity) on the first read, for
 * a worker that appeared or was reset, and when the interval is not positive.
 */
export function buildView(cur: Sample<StatsDocument>, prev?: Sample<StatsDocument>, opts: BuildOptions = {}): View {
  const node = opts.node ?? opts.address ?? '';
  if (cur.doc.kind === 'emperor') {
    const pe = prev && prev.doc.kind === 'emperor' ? (prev as Sample<EmperorSnapshot>) : undefined;
    return buildEmperorView(cur as Sample<EmperorSnapshot>, node, pe);
  }
  const prevDoc = prev && prev.doc.kind === 'server' ? prev.doc : undefined;
  return buildServerView(
    cur as Sample<StatsSnapshot>,
    prevDoc ? { doc: prevDoc, at: prev!.at } : undefined,
    node,
    opts.lqThreshold ?? DEFAULT_LQ_THRESHOLD,
  );
}

/**
 * EmperorView of an Emperor document (the vassal table is drawn from `doc.vassals`), with its
 * throttle level, blacklist and — given the previous read — vassal events.
 */
export function buildEmperorView(cur: Sample<EmperorSnapshot>, node = '', prev?: Sample<EmperorSnapshot>): EmperorView {
  return { kind: 'emperor', at: cur.at, doc: cur.doc, node, ...buildEmperor(cur, prev) };
}

function buildHeader(doc: StatsSnapshot, node: string, sockets: readonly SocketView[]): HeaderView {
  return {
    version: typeof doc.version === 'string' ? doc.version : undefined,
    pid: finite(doc.pid),
    uid: finite(doc.uid),
    gid: finite(doc.gid),
    cwd: typeof doc.cwd === 'string' ? doc.cwd : undefined,
    node,
    listenQueue: counter(doc.listen_queue),
    listenQueueErrors: counter(doc.listen_queue_errors),
    load: counter(doc.load),
    worstSocket: worstSocket(sockets),
  };
}

/** Every core in a request, oldest first (unknown start last), ages relative to `atMs`. */
export function inflightOf(views: readonly WorkerView[], atMs: number): InFlightView[] {
  const out: InFlightView[] = [];
  const nowS = atMs / 1000;
  const nowKnown = Number.isFinite(nowS);
  for (let i = 0; i < views.length; i++) {
    const w = views[i]!;
    // From the raw cores (what a CoreView's inRequest and raw.request are), so the lazy `cores` stay unbuilt.
    const raw = w.raw.cores;
    if (!Array.isArray(raw)) continue;
    for (let j = 0; j < raw.length; j++) {
      const c = raw[j]!;
      if (c.in_request !== true) continue;
      const r = c.request;
      const start = r?.start;
      const age = start !== undefined && nowKnown ? Math.max(0, nowS - start) : undefined;
      out.push({ workerKey: w.key, workerId: w.id, coreId: finite(c.id), pid: w.pid, method: r?.method, path: r?.path, start, age });
    }
  }
  out.sort(olderFirst);
  return out;
}

/** What the monitor says where cores would be, when the server reports none at all (see {@link coresNotReported}). */
export const CORES_NOT_REPORTED = 'cores not reported (uWSGI runs with --stats-no-cores): no per-core counters, no requests in flight';

/**
 * Whether the server reports no cores at all: workers, none with a `cores` list (uWSGI's `--stats-no-cores`
 * leaves the key out), as opposed to cores that are all unused or hidden.
 */
export function coresNotReported(workers: readonly WorkerView[]): boolean {
  return workers.length > 0 && workers.every((w) => w.raw.cores === undefined);
}

/**
 * How many cores are in a request and the age of the oldest request (seconds at `atMs`): what the totals
 * and the slow-request verdict need on every read, from the raw cores in one pass — without the list of
 * {@link inflightOf}, which a view builds only when something reads it (the in-flight pane, --json).
 */
export function inflightSummary(views: readonly WorkerView[], atMs: number): { count: number; oldest: number | undefined } {
  const nowS = atMs / 1000;
  const nowKnown = Number.isFinite(nowS);
  let count = 0;
  let oldest: number | undefined;
  for (let i = 0; i < views.length; i++) {
    const raw = views[i]!.raw.cores;
    if (!Array.isArray(raw)) continue;
    for (let j = 0; j < raw.length; j++) {
      const c = raw[j]!;
      if (c.in_request !== true) continue;
      count++;
      const start = c.request?.start;
      if (start === undefined || !nowKnown) continue;
      const age = Math.max(0, nowS - start);
      if (oldest === undefined || age > oldest) oldest = age;
    }
  }
  return { count, oldest };
}

/** Oldest start first (unknown last), then worker id, then core id. */
function olderFirst(a: InFlightView, b: InFlightView): number {
  const sa = a.start === undefined ? Infinity : a.start;
  const sb = b.start === undefined ? Infinity : b.start;
  if (sa !== sb) return sa < sb ? -1 : 1;
  return (a.workerId ?? 0) - (b.workerId ?? 0) || (a.coreId ?? 0) - (b.coreId ?? 0);
}

/** Same length, same strings in the same order. */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function buildServerView(
  cur: Sample<StatsSnapshot>,
  prev: Sample<StatsSnapshot> | undefined,
  node: string,
  lqThreshold: number,
): ServerView {
  const doc = cur.doc;
  const workers: WorkerStats[] = Array.isArray(doc.workers) ? doc.workers : [];
  const seconds = intervalSeconds(cur.at, prev?.at);
  const mp = finite(doc.pid);
  const pmp = prev ? finite(prev.doc.pid) : undefined;
  const masterChanged = mp !== undefined && pmp !== undefined && mp !== pmp;

  const keys = workerKeys(workers);
  // The previous read of each worker: by index when both reads list the same keys in the same order (the
  // usual case: no Map), else by key; `gone` = previous workers no longer listed.
  let prevAt: (i: number) => WorkerStats | undefined = () => undefined;
  const gone: { key: string; raw: WorkerStats }[] = [];
  if (prev) {
    const pw: WorkerStats[] = Array.isArray(prev.doc.workers) ? prev.doc.workers : [];
    const pk = workerKeys(pw);
    if (sameList(keys, pk)) prevAt = (i) => pw[i];
    else {
      const prevByKey = new Map<string, WorkerStats>();
      pw.forEach((w, i) => prevByKey.set(pk[i]!, w));
      prevAt = (i) => prevByKey.get(keys[i]!);
      const seen = new Set(keys);
      for (const [k, raw] of prevByKey) if (!seen.has(k)) gone.push({ key: k, raw });
    }
  }

  const views: WorkerView[] = new Array<WorkerView>(workers.length);
  const pairs: WorkerPair[] = new Array<WorkerPair>(workers.length);
  // One array for the previous requests of every core (what the lazy core rates keep of the previous read).
  let coreBuf: Float64Array | undefined;
  if (prev) {
    let n = 0;
    for (let i = 0; i < workers.length; i++) {
      const c = workers[i]!.cores;
      if (Array.isArray(c)) n += c.length;
    }
    coreBuf = new Float64Array(n);
  }
  let coreOff = 0;
  for (let i = 0; i < workers.length; i++) {
    const p = prevAt(i);
    const w = workers[i]!;
    const view = buildWorker(keys[i]!, w, p, seconds, masterChanged, coreBuf, coreOff);
    if (Array.isArray(w.cores)) coreOff += w.cores.length;
    views[i] = view;
    pairs[i] = { view, prev: p };
  }
  const busy = inflightSummary(views, cur.at);
  const totals = totalsOf(views, seconds !== undefined, busy.count, busy.oldest);
  const sockets = buildSockets(doc);
  const total = totals.requests;
  if (total !== undefined && total > 0) {
    for (let i = 0; i < views.length; i++) {
      const v = views[i]!;
      const r = counter(v.raw.requests);
      if (r !== undefined) {
        const s = (r / total) * 100;
        v.share = Number.isFinite(s) ? Math.min(100, s) : undefined;
      }
    }
  }

  let events: ServerView['events'] = [];
  if (prev) {
    events = detectEvents(doc, prev.doc, pairs, gone, cur.at, lqThreshold, sockets, buildSockets(prev.doc));
  }

  return serverView(cur.at, seconds, buildHeader(doc, node, sockets), views, totals, events, sockets);
}

/**
 * The ServerView object. Its list of requests in flight is built on first use (the in-flight pane, --json,
 * a slow request): at 2048 workers × 8 cores an object per busy core on every read otherwise. An own
 * accessor, so a spread or JSON.stringify of the view still has it; assigning a list replaces it. Made here,
 * away from buildServerView's closures: a closure keeps its whole scope, and the previous document with it.
 */
function serverView(
  at: number,
  interval: number | undefined,
  header: HeaderView,
  workers: WorkerView[],
  totals: Totals,
  events: ModelEvent[],
  sockets: SocketView[],
): ServerView {
  let inflight: InFlightView[] | undefined;
  return {
    kind: 'server',
    at,
    interval,
    header,
    workers,
    totals,
    events,
    sockets,
    get inflight(): InFlightView[] {
      return (inflight ??= inflightOf(workers, at));
    },
    set inflight(list: InFlightView[]) {
      inflight = list;
    },
    diagnosis: [],
  };
}

/**
 * Totals over worker views. Each sum counts only known values and is
 * `undefined` only when every worker's value is unknown; rate totals are
 * also `undefined` when `haveInterval` is false (first read).
 * avgRt = requests-weighted mean of avg_rt over workers with requests > 0.
 */
export function computeTotals(views: readonly WorkerView[], haveInterval: boolean, inflight: readonly InFlightView[] = []): Totals {
  let oldest: number | undefined;
  for (const f of inflight) if (f.age !== undefined && (oldest === undefined || f.age > oldest)) oldest = f.age;
  return totalsOf(views, haveInterval, inflight.length, oldest);
}

/** {@link computeTotals} given the in-flight count and the oldest request's age. */
function totalsOf(views: readonly WorkerView[], haveInterval: boolean, inFlight: number, oldestRequestAge: number | undefined): Totals {
  // One pass, no per-field arrays: every sum counts only known values, in a local (see plusKnown).
  let wsum = 0;
  let wreq = 0;
  let rtSum = 0;
  let rtReq = 0;
  let nowRt = 0;
  let nowReq = 0;
  let busy = 0;
  let cheap = 0;
  let requests = NO_SUM;
  let rps = NO_SUM;
  let exceptions = NO_SUM;
  let excRate = NO_SUM;
  let tx = NO_SUM;
  let txRate = NO_SUM;
  let rss = NO_SUM;
  let vsz = NO_SUM;
  let respawns = NO_SUM;
  let harakiri = NO_SUM;
  for (let i = 0; i < views.length; i++) {
    const v = views[i]!;
    const raw = v.raw;
    const r = counter(raw.requests);
    const a = counter(raw.avg_rt);
    if (r !== undefined && r > 0 && a !== undefined) {
      wsum += a * r;
      wreq += r;
    }
    const rt = counter(raw.running_time);
    if (r !== undefined && r > 0 && rt !== undefined) {
      rtSum += rt;
      rtReq += r;
    }
    if (v.avgNow !== undefined && v.rps !== undefined) {
      // Δrequests = rps × interval for every worker alike, so weighting by rps is weighting by Δrequests.
      nowRt += v.avgNow * v.rps;
      nowReq += v.rps;
    }
    if (v.busy) busy++;
    else if (v.statusClass === 'cheap') cheap++;
    requests = plusKnown(requests, r);
    rps = plusKnown(rps, v.rps);
    exceptions = plusKnown(exceptions, raw.exceptions);
    excRate = plusKnown(excRate, v.excRate);
    tx = plusKnown(tx, raw.tx);
    txRate = plusKnown(txRate, v.txRate);
    rss = plusKnown(rss, measuredBytes(raw.rss));
    vsz = plusKnown(vsz, measuredBytes(raw.vsz));
    // uWSGI's respawn_count is 1 after the first spawn: count only the re-spawns.
    respawns = plusKnown(respawns, respawnsAfterFirst(raw.respawn_count));
    harakiri = plusKnown(harakiri, raw.harakiri_count);
  }
  const avg = wreq > 0 ? wsum / wreq : undefined;
  const mean = rtReq > 0 ? rtSum / rtReq : undefined;
  const now = nowReq > 0 ? nowRt / nowReq : undefined;
  return {
    workers: views.length,
    busy,
    cheap,
    requests: knownSum(requests),
    rps: haveInterval ? knownSum(rps) : undefined,
    exceptions: knownSum(exceptions),
    excRate: haveInterval ? knownSum(excRate) : undefined,
    tx: knownSum(tx),
    txRate: haveInterval ? knownSum(txRate) : undefined,
    rss: knownSum(rss),
    vsz: knownSum(vsz),
    avgRt: avg !== undefined && Number.isFinite(avg) ? avg : undefined,
    avgNow: haveInterval && now !== undefined && Number.isFinite(now) ? now : undefined,
    avgMean: mean !== undefined && Number.isFinite(mean) ? mean : undefined,
    inFlight,
    oldestRequestAge,
    respawns: knownSum(respawns),
    harakiri: knownSum(harakiri),
  };
}
