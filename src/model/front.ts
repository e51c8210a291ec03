/**
 * The front (nginx) beside the workers: pure figures from two stub_status reads, the one-line
 * "stack" text for a header, and the front's diagnosis. No I/O, no clock (time is each sample's
 * `at`).
 *
 * nginx's counters (accepts, handled, requests) only go up while the same master runs (a reload
 * keeps them); a counter going down means a new master: that interval has no rates (`reset`).
 * nginx counts a request when its head has been read, the workers count it when it is done: with
 * the workers saturated, the front's req/s stays above theirs while the backlog fills — the moment
 * nginx starts answering 502/504.
 */
import type { FrontSample, StubStatus } from '../protocol/nginx.js';
import { queueText, waitingOf } from './sockets.js';
import type { ServerView, Verdict } from './types.js';

export interface FrontView extends StubStatus {
  at: number;
  /** Seconds between the two reads; undefined on the first read. */
  interval: number | undefined;
  /** Requests per second; undefined on the first read and after a reset. */
  rps: number | undefined;
  /** Accepted connections per second; undefined like rps. */
  acceptsPerSec: number | undefined;
  /** Connections accepted but not handled (worker_connections reached), since the master started. */
  dropped: number;
  /** Dropped connections per second; undefined like rps. */
  droppedPerSec: number | undefined;
  /** A counter went down between the reads (a new nginx master). */
  reset: boolean;
  /** 'dropping' when connections were dropped in this interval, else 'ok'. */
  state: 'ok' | 'dropping';
}

/** The front's figures at `cur`, with rates against `prev` when given. */
export function frontView(cur: FrontSample, prev?: FrontSample): FrontView {
  const s = cur.status;
  const dropped = Math.max(0, s.accepts - s.handled);
  const interval = prev !== undefined && cur.at > prev.at ? (cur.at - prev.at) / 1000 : undefined;
  const p = prev?.status;
  const reset = p !== undefined && (s.accepts < p.accepts || s.handled < p.handled || s.requests < p.requests);
  const rate = (now: number, before: number | undefined): number | undefined =>
    interval === undefined || reset || before === undefined ? undefined : (now - before) / interval;
  const droppedPerSec = rate(dropped, p === undefined ? undefined : Math.max(0, p.accepts - p.handled));
  return {
    ...s,
    at: cur.at,
    interval,
    rps: rate(s.requests, p?.requests),
    acceptsPerSec: rate(s.accepts, p?.accepts),
    dropped,
    droppedPerSec,
    reset,
    state: droppedPerSec !== undefined && droppedPerSec > 0 ? 'dropping' : 'ok',
  };
}

function perSec(v: number | undefined): string {
  if (v === undefined) return '-';
  return v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(0) : v.toFixed(1);
}

/** `nginx 320 req/s  conns 41 (w 12)` — w = connections writing a response (or waiting on the backend). */
export function frontText(f: FrontView): string {
  const drop = f.state === 'dropping' ? `  DROPPING ${perSec(f.droppedPerSec)}/s` : '';
  return `nginx ${perSec(f.rps)} req/s  conns ${f.active} (w ${f.writing})${drop}`;
}

/** What serves the document: uWSGI, gunicorn (our module) or Node.js (our emitter), from `version`. */
export function serverKind(version: string | undefined): string {
  if (version === undefined) return 'server';
  if (version.includes('tsgitop-gunicorn')) return 'gunicorn';
  if (version.includes('tsgitop')) return 'Node.js';
  return 'uWSGI';
}

/** `nginx 320 req/s  conns 41 (w 12)  →  uWSGI 318 req/s  busy 4/4  lq 9/8 FULL` */
export function stackText(f: FrontView, v: ServerView): string {
  const t = v.totals;
  const lq = v.sockets.length > 0 ? `  lq ${v.sockets.map((k) => queueText(k)).join(' ')}` : v.header.listenQueue !== undefined ? `  lq ${v.header.listenQueue}` : '';
  return `${frontText(f)}  →  ${serverKind(v.header.version)} ${perSec(t.rps)} req/s  busy ${t.busy}/${t.workers}${lq}`;
}

/**
 * The front's verdict: the backend is saturated (a listen queue full, or every worker busy with
 * connections waiting) while nginx takes in more requests per second than the workers finish —
 * nginx will answer 502/504 (queue overflow, proxy/uwsgi read timeouts). Undefined otherwise.
 */
export function frontVerdict(f: FrontView, v: ServerView): Verdict | undefined {
  const t = v.totals;
  if (f.rps === undefined || t.rps === undefined || !(f.rps > t.rps)) return undefined;
  const full = v.sockets.find((k) => k.full);
  const waiting = waitingOf(v);
  const allBusy = t.workers > 0 && t.busy === t.workers;
  if (!full && !(allBusy && waiting > 0)) return undefined;
  const why = full ? `queue full ${queueText(full)}` : `${t.workers === 1 ? 'the only worker' : `all ${t.workers} workers`} busy, ${waiting} waiting`;
  const verdict: Verdict = {
    rule: 'saturated',
    severity: 'critical',
    message: `backend saturated: nginx ${perSec(f.rps)} req/s > workers ${perSec(t.rps)} req/s, ${why}: nginx will answer 502/504`,
  };
  if (full) verdict.socket = full.name;
  return verdict;
}

/** The front as plain JSON (for `--json`). */
export function frontToJson(f: FrontView): Record<string, unknown> {
  return {
    kind: 'nginx',
    at: f.at,
    interval: f.interval ?? null,
    active: f.active,
    reading: f.reading,
    writing: f.writing,
    waiting: f.waiting,
    accepts: f.accepts,
    handled: f.handled,
    requests: f.requests,
    rps: f.rps ?? null,
    accepts_per_sec: f.acceptsPerSec ?? null,
    dropped: f.dropped,
    dropped_per_sec: f.droppedPerSec ?? null,
    reset: f.reset,
    state: f.state,
  };
}
