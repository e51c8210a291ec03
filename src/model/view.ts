import type { EmperorSnapshot, StatsDocument, StatsSnapshot, WorkerStats } from '../protocol/types.js';
import { DEFAULT_LQ_THRESHOLD, detectEvents, type WorkerPair } from './events.js';
import { workerKeys } from './identity.js';
import { counter, finite, respawnsAfterFirst, sumKnown } from './sanitize.js';
import type { EmperorView, HeaderView, InFlightView, Sample, ServerView, SocketView, Totals, View, WorkerView } from './types.js';
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
  for (const w of views) {
    // From the raw cores (what a CoreView's inRequest and raw.request are), so the lazy `cores` stay unbuilt.
    const raw = Array.isArray(w.raw.cores) ? w.raw.cores : [];
    for (const c of raw) {
      if (c.in_request !== true) continue;
      const r = c.request;
      const start = r?.start;
      const age = start !== undefined && Number.isFinite(nowS) ? Math.max(0, nowS - start) : undefined;
      out.push({ workerKey: w.key, workerId: w.id, coreId: finite(c.id), pid: w.pid, method: r?.method, path: r?.path, start, age });
    }
  }
  out.sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity) || (a.workerId ?? 0) - (b.workerId ?? 0) || (a.coreId ?? 0) - (b.coreId ?? 0));
  return out;
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
  let prevByKey: Map<string, WorkerStats> | undefined;
  if (prev) {
    const pw: WorkerStats[] = Array.isArray(prev.doc.workers) ? prev.doc.workers : [];
    const pk = workerKeys(pw);
    prevByKey = new Map();
    pw.forEach((w, i) => prevByKey!.set(pk[i]!, w));
  }

  const pairs: WorkerPair[] = workers.map((w, i) => {
    const key = keys[i]!;
    const p = prevByKey?.get(key);
    return { view: buildWorker(key, w, p, seconds, masterChanged), prev: p };
  });
  const views = pairs.map((p) => p.view);
  const inflight = inflightOf(views, cur.at);
  const totals = computeTotals(views, seconds !== undefined, inflight);
  const sockets = buildSockets(doc);
  const total = totals.requests;
  if (total !== undefined && total > 0) {
    for (const v of views) {
      const r = counter(v.raw.requests);
      if (r !== undefined) {
        const s = (r / total) * 100;
        v.share = Number.isFinite(s) ? Math.min(100, s) : undefined;
      }
    }
  }

  let events: ServerView['events'] = [];
  if (prev && prevByKey) {
    const seen = new Set(keys);
    const gone: { key: string; raw: WorkerStats }[] = [];
    for (const [k, raw] of prevByKey) if (!seen.has(k)) gone.push({ key: k, raw });
    events = detectEvents(doc, prev.doc, pairs, gone, cur.at, lqThreshold, sockets, buildSockets(prev.doc));
  }

  return {
    kind: 'server',
    at: cur.at,
    interval: seconds,
    header: buildHeader(doc, node, sockets),
    workers: views,
    totals,
    events,
    sockets,
    inflight,
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
  let wsum = 0;
  let wreq = 0;
  let rtSum = 0;
  let rtReq = 0;
  let nowRt = 0;
  let nowReq = 0;
  for (const v of views) {
    const r = counter(v.raw.requests);
    const a = counter(v.raw.avg_rt);
    if (r !== undefined && r > 0 && a !== undefined) {
      wsum += a * r;
      wreq += r;
    }
    const rt = counter(v.raw.running_time);
    if (r !== undefined && r > 0 && rt !== undefined) {
      rtSum += rt;
      rtReq += r;
    }
    if (v.avgNow !== undefined && v.rps !== undefined) {
      // Δrequests = rps × interval for every worker alike, so weighting by rps is weighting by Δrequests.
      nowRt += v.avgNow * v.rps;
      nowReq += v.rps;
    }
  }
  const avg = wreq > 0 ? wsum / wreq : undefined;
  const mean = rtReq > 0 ? rtSum / rtReq : undefined;
  const now = nowReq > 0 ? nowRt / nowReq : undefined;
  let oldest: number | undefined;
  for (const f of inflight) if (f.age !== undefined && (oldest === undefined || f.age > oldest)) oldest = f.age;
  return {
    workers: views.length,
    busy: views.reduce((n, v) => n + (v.busy ? 1 : 0), 0),
    requests: sumKnown(views.map((v) => v.raw.requests)),
    rps: haveInterval ? sumKnown(views.map((v) => v.rps)) : undefined,
    exceptions: sumKnown(views.map((v) => v.raw.exceptions)),
    excRate: haveInterval ? sumKnown(views.map((v) => v.excRate)) : undefined,
    tx: sumKnown(views.map((v) => v.raw.tx)),
    txRate: haveInterval ? sumKnown(views.map((v) => v.txRate)) : undefined,
    rss: sumKnown(views.map((v) => v.raw.rss)),
    vsz: sumKnown(views.map((v) => v.raw.vsz)),
    avgRt: avg !== undefined && Number.isFinite(avg) ? avg : undefined,
    avgNow: haveInterval && now !== undefined && Number.isFinite(now) ? now : undefined,
    avgMean: mean !== undefined && Number.isFinite(mean) ? mean : undefined,
    inFlight: inflight.length,
    oldestRequestAge: oldest,
    // uWSGI's respawn_count is 1 after the first spawn: count only the re-spawns.
    respawns: sumKnown(views.map((v) => respawnsAfterFirst(v.raw.respawn_count))),
    harakiri: sumKnown(views.map((v) => v.raw.harakiri_count)),
  };
}
