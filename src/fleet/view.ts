/**
 * The fleet model: per-target reads → one row per target + fleet totals.
 * Pure: no I/O, no clock (time comes in as `now`). Per-target rates come
 * from src/model's buildView over that target's previous and current
 * samples, exactly as the single-server monitor computes them.
 *
 * Target states (documented in src/fleet/README.md):
 * - `up`: the last good read is at most `staleAfterMs` old (default 2
 *   intervals). A single failed read inside that window keeps the target up
 *   (its error is shown), so one lost read does not flap the state.
 * - `stale`: there is good data, but it is older than `staleAfterMs` and
 *   at most `downAfterMs` old — reads have been failing (or hanging) since.
 * - `down`: never read successfully, or the last good read is older than
 *   `downAfterMs` (default: the larger of 5 intervals and 10 s).
 */
import { buildView } from '../model/view.js';
import type { EmperorView, InFlightView, Sample, ServerView, Verdict, View } from '../model/types.js';
import { diagnoseOnce, fromNode, staleVerdict, type DiagnosisOptions } from '../model/diagnosis.js';
import type { StatsDocument } from '../protocol/types.js';
import type { Target } from './targets.js';
import type { FrontSample } from '../protocol/nginx.js';
import { frontView } from '../model/front.js';

export type TargetState = 'up' | 'stale' | 'down';

/** What the poller knows about one target at a given moment. */
export interface TargetSnapshot {
  target: Target;
  /** The latest good read. */
  cur?: Sample<StatsDocument>;
  /** The good read before it (for rates). */
  prev?: Sample<StatsDocument>;
  /** An nginx front's latest good stub_status read, and the one before (for req/s). */
  front?: FrontSample;
  frontPrev?: FrontSample;
  /** The error of the latest read if it failed (cleared by a good read). */
  error?: { message: string; code?: string; at: number; silent?: boolean };
  /** When the current run of failures began (ms since epoch), if the latest read failed. */
  failingSince?: number;
  /** A read is in flight, started at this time (ms since epoch). */
  inFlightSince?: number;
  /** Reads completed so far (good or failed). */
  reads: number;
}

/** Thresholds of the target states. */
export interface FleetTiming {
  /** The refresh interval, ms. */
  intervalMs: number;
  /** Good data older than this is stale (default 2 × intervalMs). */
  staleAfterMs?: number;
  /** Good data older than this — or none at all — is down (default max(5 × intervalMs, 10 000)). */
  downAfterMs?: number;
}

/** A point-in-time picture of the whole fleet (what FleetPoller.tick() returns). */
export interface FleetSnapshot {
  /** ms since epoch. */
  at: number;
  timing: FleetTiming;
  targets: TargetSnapshot[];
  /** Diagnosis thresholds of the targets' verdicts (default DEFAULT_DIAGNOSIS). */
  diagnosis?: DiagnosisOptions;
}

export interface FleetRow {
  label: string;
  /** The label as the TARGET column shows it: shortened against the other targets' labels (src/text/labels.ts); renderers fill it. */
  shown?: string | undefined;
  /** The address's display form. */
  address: string;
  state: TargetState;
  /** Why the target is not up (or the last read's error while still up); one line. */
  error: string | undefined;
  /** 'server', 'emperor', 'nginx' (a front), or undefined without data. */
  kind: 'server' | 'emperor' | 'nginx' | undefined;
  /** An nginx front's active connections. */
  conns?: number | undefined;
  workers: number | undefined;
  busy: number | undefined;
  /** Requests per second over the target's last two good reads. */
  rps: number | undefined;
  listenQueue: number | undefined;
  /** Exceptions per second. */
  excRate: number | undefined;
  /** Request-weighted average response time, µs. */
  avgRt: number | undefined;
  /** Sum of the workers' RSS, bytes. */
  rss: number | undefined;
  requests: number | undefined;
  version: string | undefined;
  /** Vassals (Emperor targets). */
  vassals: number | undefined;
  /** Age of the latest good data at snapshot time, ms; undefined without data. */
  ageMs: number | undefined;
  /** The target's full view (drill-down); undefined without data. */
  view: View | undefined;
  /** The target's oldest request in flight (method, path without query, age), if any. */
  oldestRequest: InFlightView | undefined;
  /**
   * The target's worst verdict (stale when not up, else the model's rules on its last view; the session and
   * batch add the stateful rules, crash loop and memory growth, via src/fleet/diagnosis.ts); undefined when healthy.
   */
  verdict: Verdict | undefined;
}

export interface FleetTotals {
  targets: number;
  up: number;
  stale: number;
  down: number;
  /** The sums below cover the `up` targets only (stale data is not current). */
  workers: number;
  busy: number;
  rps: number | undefined;
  excRate: number | undefined;
  listenQueue: number | undefined;
  rss: number | undefined;
  /** Request-weighted over the up targets, µs. */
  avgRt: number | undefined;
}

export interface FleetView {
  kind: 'fleet';
  at: number;
  intervalMs: number;
  rows: FleetRow[];
  totals: FleetTotals;
}

/** The effective thresholds. */
export function resolveTiming(t: FleetTiming): Required<FleetTiming> {
  const interval = Math.max(1, t.intervalMs);
  const stale = t.staleAfterMs ?? 2 * interval;
  const down = Math.max(stale, t.downAfterMs ?? Math.max(5 * interval, 10_000));
  return { intervalMs: interval, staleAfterMs: stale, downAfterMs: down };
}

/** The state of one target at `now` (see the module comment). */
export function targetState(t: TargetSnapshot, now: number, timing: FleetTiming): TargetState {
  const r = resolveTiming(timing);
  const at = t.cur?.at ?? t.front?.at;
  if (at === undefined) return 'down';
  const age = now - at;
  if (age <= r.staleAfterMs) return 'up';
  if (age <= r.downAfterMs) return 'stale';
  return 'down';
}

function add(a: number | undefined, b: number | undefined): number | undefined {
  if (b === undefined || !Number.isFinite(b)) return a;
  return (a ?? 0) + b;
}

/** A target with at least one good read. */
export type ReadTarget = TargetSnapshot & { cur: Sample<StatsDocument> };

/** Options of {@link buildFleetView}. */
export interface FleetViewOptions {
  /** A target's view of its samples (a cache of them); default buildView over `cur` and `prev`. */
  viewOf?: ((t: ReadTarget) => View) | undefined;
  /** The caller sets the verdicts of the targets that are up (src/fleet/diagnosis.ts does): no one-view diagnosis here. */
  statefulVerdicts?: boolean | undefined;
}

/** A target's view of its latest two good reads. */
export function targetView(t: ReadTarget): View {
  return buildView(t.cur, t.prev, { node: t.target.label });
}

function buildRow(t: TargetSnapshot, now: number, timing: FleetTiming, diagnosis: DiagnosisOptions | undefined, opts: FleetViewOptions): FleetRow {
  if (t.target.front) return buildFrontRow(t, now, timing);
  const state = targetState(t, now, timing);
  const view = t.cur ? (opts.viewOf ?? targetView)(t as ReadTarget) : undefined;
  let error = t.error?.message;
  if (!error && state !== 'up') {
    if (t.inFlightSince !== undefined) error = t.cur ? `no answer for ${Math.round((now - t.inFlightSince) / 100) / 10} s` : 'no answer yet';
    else if (!t.cur) error = 'not read yet';
  }
  const row: FleetRow = {
    label: t.target.label,
    address: t.target.address.display,
    state,
    error,
    kind: view?.kind,
    workers: undefined,
    busy: undefined,
    rps: undefined,
    listenQueue: undefined,
    excRate: undefined,
    avgRt: undefined,
    rss: undefined,
    requests: undefined,
    version: undefined,
    vassals: undefined,
    ageMs: t.cur ? Math.max(0, now - t.cur.at) : undefined,
    view,
    oldestRequest: undefined,
    verdict: undefined,
  };
  const silentNode = t.error?.silent === true && fromNode(view);
  row.verdict = state !== 'up' && t.cur ? staleVerdict(now - t.cur.at, silentNode) : view && opts.statefulVerdicts !== true ? diagnoseOnce(view, diagnosis)[0] : undefined;
  if (view?.kind === 'server') fillServer(row, view);
  else if (view?.kind === 'emperor') fillEmperor(row, view);
  return row;
}

/** An nginx front's row: connections, req/s (two reads), state and age; no workers. */
function buildFrontRow(t: TargetSnapshot, now: number, timing: FleetTiming): FleetRow {
  const state = targetState(t, now, timing);
  const f = t.front ? frontView(t.front, t.frontPrev) : undefined;
  let error = t.error?.message;
  if (!error && state !== 'up') {
    if (t.inFlightSince !== undefined) error = t.front ? `no answer for ${Math.round((now - t.inFlightSince) / 100) / 10} s` : 'no answer yet';
    else if (!t.front) error = 'not read yet';
  }
  if (!error && f?.state === 'dropping') error = `dropping connections: ${Math.round((f.droppedPerSec ?? 0) * 10) / 10}/s (worker_connections reached)`;
  return {
    label: t.target.label,
    address: t.target.address.display,
    state,
    error,
    kind: f ? 'nginx' : undefined,
    conns: f?.active,
    workers: undefined,
    busy: undefined,
    rps: f?.rps,
    listenQueue: undefined,
    excRate: undefined,
    avgRt: undefined,
    rss: undefined,
    requests: f?.requests,
    version: f ? 'nginx' : undefined,
    vassals: undefined,
    ageMs: t.front ? Math.max(0, now - t.front.at) : undefined,
    view: undefined,
    oldestRequest: undefined,
    verdict: state !== 'up' && t.front ? staleVerdict(now - t.front.at) : undefined,
  };
}

function fillServer(row: FleetRow, v: ServerView): void {
  row.workers = v.totals.workers;
  row.busy = v.totals.busy;
  row.rps = v.totals.rps;
  row.excRate = v.totals.excRate;
  row.avgRt = v.totals.avgRt;
  row.rss = v.totals.rss;
  row.requests = v.totals.requests;
  row.listenQueue = v.header.listenQueue;
  row.version = v.header.version;
  row.oldestRequest = v.inflight[0];
}

function fillEmperor(row: FleetRow, v: EmperorView): void {
  row.version = typeof v.doc.version === 'string' ? v.doc.version : undefined;
  row.vassals = Array.isArray(v.doc.vassals) ? v.doc.vassals.length : undefined;
}

/** Fleet totals over rows (sums over the `up` rows; see FleetTotals). */
export function fleetTotals(rows: readonly FleetRow[]): FleetTotals {
  const t: FleetTotals = {
    targets: rows.length,
    up: 0,
    stale: 0,
    down: 0,
    workers: 0,
    busy: 0,
    rps: undefined,
    excRate: undefined,
    listenQueue: undefined,
    rss: undefined,
    avgRt: undefined,
  };
  let wsum = 0;
  let wreq = 0;
  for (const r of rows) {
    t[r.state]++;
    // A front's requests are the workers' too: the sums are over the stats servers only.
    if (r.state !== 'up' || r.kind === 'nginx') continue;
    t.workers += r.workers ?? 0;
    t.busy += r.busy ?? 0;
    t.rps = add(t.rps, r.rps);
    t.excRate = add(t.excRate, r.excRate);
    t.listenQueue = add(t.listenQueue, r.listenQueue);
    t.rss = add(t.rss, r.rss);
    if (r.avgRt !== undefined && r.requests !== undefined && r.requests > 0) {
      wsum += r.avgRt * r.requests;
      wreq += r.requests;
    }
  }
  if (wreq > 0 && Number.isFinite(wsum / wreq)) t.avgRt = wsum / wreq;
  return t;
}

/**
 * One row per target (in target order) and the fleet totals. Pure: the same
 * snapshot gives the same view.
 */
export function buildFleetView(snapshot: FleetSnapshot, opts: FleetViewOptions = {}): FleetView {
  const rows = snapshot.targets.map((t) => buildRow(t, snapshot.at, snapshot.timing, snapshot.diagnosis, opts));
  return { kind: 'fleet', at: snapshot.at, intervalMs: snapshot.timing.intervalMs, rows, totals: fleetTotals(rows) };
}
