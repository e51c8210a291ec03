/**
 * Worker → primary reporting over node:cluster's IPC channel.
 *
 * A worker pushes a compact report of its counters:
 * - on a heartbeat every `intervalMs` (default 250 ms) — skipped when the
 *   report would equal the last one sent (an idle worker sends nothing, so
 *   hundreds of idle workers cost the primary nothing); a report whose only
 *   news is rss or vsz waits until a second has passed since the last one
 *   sent (an idle process's rss moves by a page now and then: without this
 *   an idle worker reported every heartbeat; uWSGI itself measures rss only
 *   when a request ends),
 * - `debounceMs` (default 50 ms) after the first request that starts or
 *   ends after a quiet heartbeat (one that found nothing new to send), so a
 *   worker that wakes up shows busy quickly — and at once, too, when that is
 *   a request starting (its handler may block the event loop before any
 *   timer runs); while it stays busy its
 *   changes ride the heartbeat (a busy worker sends one report per
 *   `intervalMs`, not one per `debounceMs`: at hundreds of workers those
 *   messages are most of the primary's work),
 * - immediately when the primary asks (`{ tsgitop: 'poll' }`).
 * At most one message is in flight; reports produced meanwhile coalesce
 * into one, so a slow primary never makes a worker queue memory.
 *
 * Messages carry only numbers (never request data) and are tagged with a
 * `tsgitop` key so an app's own `cluster.on('message')` handler can ignore them.
 */
import { CORE_FIELDS, type CountersSnapshot, type RequestCounters } from './counters.js';
import { readMemory } from './memory.js';

/** Worker → primary. */
export interface ReportMessage {
  tsgitop: 'report';
  v: 1;
  /** [requests, exceptions, tx, runningTime, avgRt, inFlight, rss, vsz, maxCores, overflow(0/1)] */
  n: number[];
  /** Flattened cores, {@link CORE_FIELDS} numbers each (see CountersSnapshot.cores). */
  c: number[];
  /** Request paths on only: method and path per core (see CountersSnapshot.paths). */
  p?: string[];
}

/** Primary → worker. */
export interface PollMessage {
  tsgitop: 'poll';
}

/** A validated report: a worker's counters snapshot and its memory. */
export interface WorkerReport extends CountersSnapshot {
  rss: number;
  vsz: number;
}

const N_FIELDS = 10;
const MAX_CORE_NUMBERS = (4096 + 1) * CORE_FIELDS;
/** Longest method / path a report may carry (the instrumentation cuts longer ones). */
export const MAX_PATH_CHARS = 1024;

function okNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

/** Build the message for a counters snapshot (+ memory). */
export function buildReport(counters: RequestCounters, mem: { rss: number; vsz: number }): ReportMessage {
  const s = counters.snapshot();
  const m: ReportMessage = {
    tsgitop: 'report',
    v: 1,
    n: [s.requests, s.exceptions, s.tx, s.runningTime, s.avgRt, s.inFlight, mem.rss, mem.vsz, s.maxCores, s.overflow ? 1 : 0],
    c: s.cores,
  };
  if (s.paths) m.p = s.paths;
  return m;
}

function sameArray<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Do two reports carry the same figures? */
export function sameReport(a: ReportMessage, b: ReportMessage): boolean {
  return sameArray(a.n, b.n) && sameArray(a.c, b.c) && sameArray(a.p, b.p);
}

/** A report whose only news is rss/vsz waits this long after the last one sent, ms. */
const MEMORY_ONLY_MS = 1000;

/** Positions of rss and vsz in a report's numbers. */
const RSS = 6;
const VSZ = 7;

/** Do two reports differ in nothing but rss and vsz? (false when they are the same) */
export function onlyMemoryMoved(a: ReportMessage, b: ReportMessage): boolean {
  if (a.n.length !== b.n.length || !sameArray(a.c, b.c) || !sameArray(a.p, b.p)) return false;
  let memory = false;
  for (let i = 0; i < a.n.length; i++) {
    if (a.n[i] === b.n[i]) continue;
    if (i !== RSS && i !== VSZ) return false;
    memory = true;
  }
  return memory;
}

/** Validate a message from a worker; undefined if it is not a well-formed report. */
export function parseReport(msg: unknown): WorkerReport | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Partial<ReportMessage>;
  if (m.tsgitop !== 'report' || m.v !== 1) return undefined;
  const n = m.n;
  const c = m.c;
  if (!Array.isArray(n) || n.length !== N_FIELDS || !n.every(okNum)) return undefined;
  if (!Array.isArray(c) || c.length % CORE_FIELDS !== 0 || c.length > MAX_CORE_NUMBERS || !c.every(okNum)) return undefined;
  const p = m.p;
  if (p !== undefined) {
    if (!Array.isArray(p) || p.length !== (c.length / CORE_FIELDS) * 2) return undefined;
    if (!p.every((x) => typeof x === 'string' && x.length <= MAX_PATH_CHARS)) return undefined;
  }
  const r: WorkerReport = {
    requests: n[0]!,
    exceptions: n[1]!,
    tx: n[2]!,
    runningTime: n[3]!,
    avgRt: n[4]!,
    inFlight: n[5]!,
    rss: n[6]!,
    vsz: n[7]!,
    maxCores: n[8]!,
    overflow: n[9] === 1,
    cores: c,
  };
  if (p !== undefined) r.paths = p;
  return r;
}

/** Is this an emitter message (either direction)? */
export function isEmitterMessage(msg: unknown): boolean {
  return typeof msg === 'object' && msg !== null && 'tsgitop' in msg;
}

export interface WorkerReporterOptions {
  /** Heartbeat period, ms (default 250). */
  intervalMs?: number;
  /** Delay after a change before reporting, ms (default 50). */
  debounceMs?: number;
}

class WorkerReporter {
  private heartbeat: NodeJS.Timeout;
  private debounce: NodeJS.Timeout | undefined;
  private sending = false;
  private pending = false;
  /** A report that must be sent even if unchanged (a poll) waits behind the one in flight. */
  private pendingForce = false;
  private closed = false;
  private readonly debounceMs: number;
  private mem = { rss: 0, vsz: 0 };
  private memAt = 0;
  /** The last report sent (heartbeats equal to it are skipped). */
  private last: ReportMessage | undefined;
  /** When it was sent (Date.now()). */
  private lastAt = 0;
  /** The last heartbeat found nothing new (or none ran yet): the next change is reported after `debounceMs`, not at the next heartbeat. */
  private quiet = true;
  private readonly onMessage = (msg: unknown): void => {
    if (typeof msg === 'object' && msg !== null && (msg as PollMessage).tsgitop === 'poll') this.send(true);
  };
  private readonly onChange = (): void => {
    if (this.quiet && this.debounce === undefined && !this.closed) {
      // A request starts on a quiet worker (a heartbeat found nothing new) whose last report had none in flight:
      // report it now, and again after debounceMs. A handler that blocks the event loop (CPU-bound, a synchronous
      // call that hangs) holds back every timer — the debounce and the heartbeat — and the primary showed the worker
      // as last reported, idle, instead of in this request since it started (with its method and path, request paths
      // on). One more message per quiet spell at most; none while the worker stays busy (never quiet then: a request
      // that blocks a busy worker is left to the primary's probe).
      if (!this.sending && this.counters.inFlight > 0 && (this.last === undefined || this.last.n[5] === 0)) this.send();
      this.debounce = setTimeout(this.flush, this.debounceMs);
      this.debounce.unref();
    }
  };
  private readonly flush = (): void => {
    this.debounce = undefined;
    this.send();
  };
  private readonly sent = (): void => {
    this.sending = false;
    if (this.pending && !this.closed) {
      const force = this.pendingForce;
      this.pending = false;
      this.pendingForce = false;
      this.send(force);
    }
  };

  constructor(
    private readonly counters: RequestCounters,
    opts: WorkerReporterOptions,
  ) {
    this.debounceMs = Math.max(1, opts.debounceMs ?? 50);
    this.heartbeat = setInterval(() => {
      if (!this.send(false)) this.quiet = true;
    }, Math.max(10, opts.intervalMs ?? 250));
    this.heartbeat.unref();
    counters.onChange = this.onChange;
    process.on('message', this.onMessage);
    this.send();
  }

  /**
   * @param force send even if the report equals the last one sent (the primary asked)
   * @returns false when there was nothing new to send (a skipped heartbeat)
   */
  send(force = true): boolean {
    if (this.closed) return true;
    if (this.sending) {
      this.pending = true;
      if (force) this.pendingForce = true;
      return true;
    }
    if (typeof process.send !== 'function' || !process.connected) return true;
    try {
      const now = Date.now();
      if (now - this.memAt >= 200) {
        // rss/vsz at most 5 times a second, whatever the report rate
        this.mem = readMemory();
        this.memAt = now;
      }
      const m = buildReport(this.counters, this.mem);
      if (!force && this.last !== undefined) {
        if (sameReport(m, this.last)) return false;
        if (now - this.lastAt < MEMORY_ONLY_MS && onlyMemoryMoved(m, this.last)) return false;
      }
      this.sending = true;
      this.last = m;
      this.lastAt = now;
      this.quiet = false;
      process.send(m, undefined, {}, this.sent);
    } catch {
      this.sending = false;
    }
    return true;
  }

  /**
   * Send a report now even if one is in flight (the process is about to
   * die: nothing may wait for the previous send's callback). The IPC
   * channel writes synchronously when it can, so the report leaves before
   * the process exits.
   */
  urgent(): void {
    if (this.closed || typeof process.send !== 'function' || !process.connected) return;
    try {
      process.send(buildReport(this.counters, this.mem));
    } catch {
      // channel closing
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.debounce) clearTimeout(this.debounce);
    if (this.counters.onChange === this.onChange) this.counters.onChange = undefined;
    process.off('message', this.onMessage);
  }
}

let reporter: WorkerReporter | undefined;
let refs = 0;

/** Push this process's report to the cluster primary now, if a reporter runs (used before a fatal throw). */
export function reportNow(): void {
  reporter?.urgent();
}

/**
 * Start (or share) this process's reporter for `counters`.
 * @returns a release function; the reporter stops when the last holder releases
 */
export function acquireWorkerReporter(counters: RequestCounters, opts: WorkerReporterOptions = {}): () => void {
  reporter ??= new WorkerReporter(counters, opts);
  refs++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    refs--;
    if (refs <= 0 && reporter) {
      reporter.close();
      reporter = undefined;
      refs = 0;
    }
  };
}
