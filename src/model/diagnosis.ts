/**
 * Diagnosis: pure rules that turn views into verdicts, most severe first.
 * Stateless rules read one view (saturated, queue full, slow request, error
 * burst); stateful ones (crash loop, memory growth) keep a bounded per-worker
 * memory in a {@link Diagnoser}. No I/O, no clock: time is `view.at`, and
 * "stale" is asked with an explicit now.
 */
import { serverKind } from './front.js';
import { counter } from './sanitize.js';
import { queueText, waitingOf } from './sockets.js';
import type { EmperorView, ServerView, Verdict, VerdictRule, View, WorkerView } from './types.js';

export interface DiagnosisOptions {
  /** slow request: in flight longer than this many seconds (default 10). */
  slowSeconds?: number;
  /** crash loop: this many respawns of one worker or vassal … (default 3) */
  crashRespawns?: number;
  /** … within this many seconds (default 60). */
  crashWindowSeconds?: number;
  /** memory growth: a worker's RSS rose by more than this % … (default 20) */
  memGrowthPct?: number;
  /** … steadily over this many seconds (default 300). */
  memWindowSeconds?: number;
  /** error burst: more exceptions per second than this, all workers together (default 1). */
  errorRate?: number;
  /** stale: no fresh read for this many seconds (default 5). */
  staleSeconds?: number;
  /** no app: workers without an application are expected (a PHP, CGI or router-only uWSGI lists none): no verdict (default false). */
  appsOptional?: boolean;
}

export const DEFAULT_DIAGNOSIS: Required<DiagnosisOptions> = {
  slowSeconds: 10,
  crashRespawns: 3,
  crashWindowSeconds: 60,
  memGrowthPct: 20,
  memWindowSeconds: 300,
  errorRate: 1,
  staleSeconds: 5,
  appsOptional: false,
};

/**
 * Rules, most severe first (the order verdicts are listed in): every critical rule before every warning
 * (a crash loop outranks a slow request; test/model/truth.test.ts pins it against SEVERITY).
 */
export const RULE_ORDER: readonly VerdictRule[] = ['saturated', 'queue_full', 'crash_loop', 'no_app', 'slow_request', 'harakiri', 'memory_growth', 'respawning', 'error_burst', 'stale'];

export const SEVERITY: Readonly<Record<VerdictRule, Verdict['severity']>> = {
  saturated: 'critical',
  queue_full: 'critical',
  slow_request: 'warning',
  harakiri: 'warning',
  crash_loop: 'critical',
  no_app: 'warning',
  memory_growth: 'warning',
  respawning: 'warning',
  error_burst: 'warning',
  stale: 'warning',
};

function verdict(rule: VerdictRule, message: string, extra: Partial<Verdict> = {}): Verdict {
  return { rule, severity: SEVERITY[rule], message, ...extra };
}

/** Most severe first (RULE_ORDER), stable within a rule. */
export function sortVerdicts(vs: Verdict[]): Verdict[] {
  return vs.map((v, i) => [v, i] as const).sort((a, b) => RULE_ORDER.indexOf(a[0].rule) - RULE_ORDER.indexOf(b[0].rule) || a[1] - b[1]).map(([v]) => v);
}

/** The most severe verdict, or undefined. */
export function worstVerdict(vs: readonly Verdict[] | undefined): Verdict | undefined {
  return vs && vs.length > 0 ? sortVerdicts([...vs])[0] : undefined;
}

function who(w: { workerId?: number | undefined; workerKey?: string; id?: number | undefined; key?: string }): string {
  const id = w.workerId ?? w.id;
  return id !== undefined ? `worker ${id}` : `worker ${w.workerKey ?? w.key ?? '?'}`;
}

export function formatAge(s: number): string {
  if (s < 120) return `${Math.floor(s)}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** What the live workers of a view can take: counted in one indexed pass (no arrays per read, no iterators). */
export interface Capacity {
  live: number;
  /** Busy: in a request — for a Node.js server only when its event loop does not accept either (async: one in a
   * request takes more while it accepts). */
  busy: number;
  /** Neither busy nor able to take a request: not accepting (uWSGI's lazy-apps worker still loading its app, a worker
   * stopping; our Node.js emitter's blocked event loop or closed server) or paused. */
  closed: number;
  /** Running a uWSGI signal handler (status `sig17`…): seen on a real uWSGI, a one-thread worker in a handler takes no
   * request (accepting stays 1), and with threads the handlers can take every thread. */
  sig: number;
  /** Accepting workers whose `apps` list is empty (see NO_APP), and the first of them. */
  noApp: number;
  noAppFirst: WorkerView | undefined;
}

function capacity(view: ServerView, node: boolean): Capacity {
  const c: Capacity = { live: 0, busy: 0, closed: 0, sig: 0, noApp: 0, noAppFirst: undefined };
  const ws = view.workers;
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    if (w.statusClass === 'cheap') continue;
    c.live++;
    if (w.busy && !(node && w.raw.accepting !== 0)) c.busy++;
    else if (w.raw.accepting === 0 || w.statusClass === 'pause') c.closed++;
    else if (w.statusClass === 'sig') c.sig++;
    const apps = w.raw.apps;
    if (Array.isArray(apps) && apps.length === 0 && w.raw.accepting !== 0) {
      c.noApp++;
      c.noAppFirst ??= w;
    }
  }
  return c;
}

/** Why no live worker takes a request, e.g. `all 2 workers busy`, `no worker accepting (…)`, `1 worker busy, 1 in a signal handler`. */
function capacityText(c: Capacity, node: boolean): string {
  const { live, busy, closed, sig } = c;
  const why = node ? 'event loop blocked or not listening' : 'loading the app, stopping or paused';
  const inSig = 'in a signal handler';
  const all = live === 1 ? 'the only worker' : `all ${live} workers`;
  if (closed === 0 && sig === 0) return `${all} busy`;
  if (busy === 0 && sig === 0) return `no worker accepting (${node ? why : `${closed === 1 ? 'the only one' : `all ${live}`} ${why}`})`;
  if (busy === 0 && closed === 0) return `${all} ${inSig}`;
  return [busy > 0 ? `${busy} worker${busy === 1 ? '' : 's'} busy` : '', sig > 0 ? `${sig}${busy > 0 ? '' : ` worker${sig === 1 ? '' : 's'}`} ${inSig}` : '', closed > 0 ? `${closed} not accepting (${why})` : '']
    .filter((x) => x !== '')
    .join(', ');
}

/**
 * How long every live worker must have been unable to take a request, on a server with a listen queue nobody
 * measures (a uWSGI unix socket; no socket in the stats, as a Node.js server that stopped listening), before that is
 * called saturated: requests may be waiting there, or refused, and nothing can say.
 */
export const UNMEASURED_SATURATED_SECONDS = 5;

/**
 * Verdicts one server view supports on its own: saturated, queue full, slow request, no app, error burst.
 * `node` and `c`: what the caller already knows of the view (the Diagnoser counts the workers once per read).
 */
export function diagnoseView(view: ServerView, opts: DiagnosisOptions = {}, node = fromNode(view), c = capacity(view, node), excRate = view.totals.excRate): Verdict[] {
  const o = { ...DEFAULT_DIAGNOSIS, ...opts };
  const out: Verdict[] = [];
  const waiting = waitingOf(view);
  if (c.live > 0 && c.busy + c.closed + c.sig === c.live && waiting > 0) {
    // Seen on a real uWSGI with --lazy-apps and a slow import: every worker "idle", requests queueing, no verdict.
    out.push(verdict('saturated', `saturated: ${capacityText(c, node)}, ${waiting} waiting in the listen queue`));
  }
  for (const k of view.sockets) {
    if (k.full) out.push(verdict('queue_full', `queue full: ${k.name || 'socket'} ${queueText(k)}`, { socket: k.name }));
  }
  // The list of requests in flight only when the oldest one is slow (the view builds it on first use).
  const oldest = view.totals.oldestRequestAge;
  const slow = oldest !== undefined && oldest > o.slowSeconds ? view.inflight.filter((f) => f.age !== undefined && f.age > o.slowSeconds) : [];
  if (slow.length > 0) {
    const f = slow[0]!; // oldest first
    // Method and path are not in every server's stats (the Node emitter sends them only with requestPaths: true).
    const what = f.method === undefined && f.path === undefined ? '' : ` ${f.method ?? '?'} ${f.path ?? '?'}`;
    const notes = [...(slow.length > 1 ? [`+${slow.length - 1} more over ${o.slowSeconds}s`] : []), ...(what === '' ? ['method and path not in the stats'] : [])];
    const v = verdict('slow_request', `slow request: ${who(f)}${what} ${formatAge(f.age!)}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`, { workerKey: f.workerKey });
    if (f.workerId !== undefined) v.workerId = f.workerId;
    out.push(v);
  }
  if (!o.appsOptional && c.noAppFirst !== undefined) {
    const first = c.noAppFirst;
    const v = verdict('no_app', `${NO_APP}: ${c.noApp} of ${c.live} workers (first: ${who(first)}); uWSGI answers their requests with HTTP 500, its log says why`, { workerKey: first.key });
    if (first.id !== undefined) v.workerId = first.id;
    out.push(v);
  }
  // The Diagnoser passes the rate over its window (ERROR_WINDOW_MS); one view alone has its last interval's.
  const exc = excRate;
  if (exc !== undefined && exc > o.errorRate) {
    let top: WorkerView | undefined;
    const ws = view.workers;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      if (w.excRate !== undefined && w.excRate > 0 && (!top || w.excRate > (top.excRate ?? 0))) top = w;
    }
    const v = verdict('error_burst', `error burst: ${exc.toFixed(1)} exceptions/s${top ? ` (most: ${who(top)})` : ''}`);
    if (top) {
      v.workerKey = top.key;
      if (top.id !== undefined) v.workerId = top.id;
    }
    out.push(v);
  }
  return out;
}

/**
 * no app: accepting workers whose `apps` list is empty. A uWSGI whose WSGI/PSGI/Rack app failed to load
 * (an import error) logs "no app loaded. going in full dynamic mode" and answers every request with HTTP 500 —
 * counted in `requests`, not in `exceptions` — so nothing else on screen looks wrong. A worker not accepting
 * yet (a lazy-apps worker still loading its app) and a cheap one are left out; a uWSGI that serves without apps
 * (the PHP and CGI plugins, routers) lists none either: `appsOptional` (--apps-optional) turns the rule off.
 */
const NO_APP = 'no app loaded';

/** Verdicts of an Emperor view on its own: a blacklisted vassal is a crash loop. */
export function diagnoseEmperor(view: EmperorView): Verdict[] {
  return (view.blacklist ?? []).map((b) =>
    verdict('crash_loop', `crash loop: vassal ${b.vassal} blacklisted (attempt ${b.attempts ?? '?'}, throttle ${b.throttleLevel ?? '?'}s)`, { vassal: b.vassal }),
  );
}

/** Verdicts one view supports without history (the fleet's per-target verdict), most severe first. */
export function diagnoseOnce(view: View, opts: DiagnosisOptions = {}): Verdict[] {
  return sortVerdicts(view.kind === 'server' ? diagnoseView(view, opts) : diagnoseEmperor(view));
}

/** Whether a view comes from a Node.js server of our emitter (its stats answered from the app's event loop, or its stats thread). */
export function fromNode(view: View | undefined): boolean {
  return view?.kind === 'server' && serverKind(view.header.version) === 'Node.js';
}

/**
 * The `stale` verdict for data `ageMs` old. `silentNode`: the server is a Node.js server of our emitter that took the
 * connection and sent nothing — it answers its stats from its event loop, so that loop is not running (the emitter's
 * `thread: true` answers then, naming the request that blocks it).
 */
export function staleVerdict(ageMs: number, silentNode = false): Verdict {
  const why = silentNode ? ' (connected, nothing sent: Node.js event loop blocked or process stopped)' : '';
  return verdict('stale', `stale: no fresh read for ${formatAge(Math.max(0, ageMs) / 1000)}${why}`);
}

/**
 * One worker's diagnosis memory, bounded whatever the window: flat
 * (time, value) pairs in plain number arrays (no object per sample).
 */
interface WorkerMemory {
  /**
   * (ms, respawns, served, killed) quadruples, respawns only (cheaper spawns excluded); reads within one bucket
   * (window / BUCKETS) share one. `served`: the fewest requests a process of the bucket is known to have served before
   * it was replaced (0 when unknown: several respawns between two reads, a harakiri, no earlier read). `killed`: those
   * of its respawns that followed a harakiri (uWSGI's --harakiri, gunicorn's --timeout).
   */
  respawns: number[];
  /** The sum of the respawns in `respawns`. */
  respawnSum: number;
  /** The sum of the killed respawns in `respawns`. */
  killedSum: number;
  /** The worker's delta_requests (requests of its current process) at the last read. */
  served: number | undefined;
  /** requests − delta_requests at the last read: what the slot's earlier processes served (uWSGI keeps requests
   * across a respawn and restarts delta_requests, both +1 per request: core/utils.c, master_utils.c). */
  before: number | undefined;
  /** Its harakiri_count at the last read. */
  harakiri: number | undefined;
  /** harakiri_count rose since its current process was first seen: the next respawn is that kill. */
  killed: boolean;
  /** Thinned RSS samples (ms, bytes) pairs, one per window / BUCKETS; the oldest possibly older than the window (the anchor). */
  rss: number[];
  lastSeen: number;
}

/** The worker's counters went down, or its master started it afresh (a reload): what came before is another life's. */
function afresh(w: WorkerView): boolean {
  return w.reset || w.respawnReason === 'reload';
}

/** requests − delta_requests of a worker: the requests its slot's earlier processes served (undefined if unknown). */
function before(w: WorkerView): number | undefined {
  const r = counter(w.raw.requests);
  const d = counter(w.raw.delta_requests);
  return r !== undefined && d !== undefined && d <= r ? r - d : undefined;
}

/** A crash loop's verdict: killed by harakiri (all or some of its respawns), or respawned. */
function crashLoop(name: string, respawns: number, killed: number, windowS: number): string {
  if (killed >= respawns) return `crash loop: ${name} killed by harakiri ${respawns} times in ${windowS}s`;
  return `crash loop: ${name} respawned ${respawns} times in ${windowS}s${killed > 0 ? ` (${killed} killed by harakiri)` : ''}`;
}

/** Samples kept per worker and series: at most BUCKETS + 2 pairs (triples), so memory is O(workers) for any window. */
const BUCKETS = 60;

/**
 * A respawn whose process had served at least this many requests (at the read before) is one of a worker that
 * serves: every respawn of the window so, the worker is "respawning" (a warning), not in a crash loop (critical:
 * processes dying before they serve). The stats cannot tell a graceful recycle (--max-requests, reload-on-rss:
 * "The work of process N is done. Seeya!") from a crash under load (a segfault, the OOM killer: "DAMN ! worker N
 * died"); the verdict names both and uWSGI's log says which. A worker dying on its first requests, several
 * respawns between two reads, or a harakiri stay a crash loop.
 */
export const RECYCLED_AFTER = 10;

/**
 * Stateful diagnosis of one target: call `update(view)` once per read, in
 * order; it fills `view.diagnosis` (most severe first) and returns it.
 * Every worker of the read is tracked (no cap on workers: a crash loop on
 * worker 6000 of 10,000 is seen), each with a bounded memory; workers gone
 * from a read are forgotten, so the memory follows the size of the last read.
 */
/**
 * The error burst's rate is taken over at least this long (when the reads go back that far), not over the last
 * interval alone: at a 0.1 s refresh one exception was "10.0 exceptions/s", and at 1 s a steady 0.45/s flashed
 * "1.0 exceptions/s" on and off — a verdict that depended on the refresh rate.
 */
export const ERROR_WINDOW_MS = 5000;

export class Diagnoser {
  /** (ms, exceptions of all workers) per read, oldest first: the newest reads within ERROR_WINDOW_MS and one before. */
  #exc: number[] = [];
  readonly opts: Required<DiagnosisOptions>;
  #workers = new Map<string, WorkerMemory>();
  #vassals = new Map<string, { at: number; n: number }[]>();
  /** Requests killed by harakiri: flat (ms, count) pairs, one per bucket (window / BUCKETS) of the crash window, oldest first. */
  #kills: number[] = [];
  /** The latest kill: when, and which worker. */
  #lastKill: { at: number; key: string; id: number | undefined } | undefined;
  /** The master pid of the last read, and when it changed (ms) within the crash window: a new instance each. */
  #master: number | undefined;
  #restarts: number[] = [];
  #last: number | undefined;
  /** The last view came from a Node.js server (our emitter). */
  #node = false;
  /** Since when (ms) no live worker could take a request while no socket's queue was measured. */
  #unavailableSince: number | undefined;

  constructor(opts: DiagnosisOptions = {}) {
    this.opts = { ...DEFAULT_DIAGNOSIS, ...opts };
  }

  /** When the last view was read (ms), undefined before the first. */
  get lastAt(): number | undefined {
    return this.#last;
  }

  /** Workers tracked now (for tests of the bound). */
  get trackedWorkers(): number {
    return this.#workers.size;
  }

  /** Numbers held in the per-worker series, all workers together (for tests of the bound). */
  samplesKept(): number {
    let n = 0;
    for (const m of this.#workers.values()) n += m.respawns.length + m.rss.length;
    return n;
  }

  update(view: View): Verdict[] {
    this.#last = view.at;
    this.#node = fromNode(view);
    let out: Verdict[];
    if (view.kind === 'server') {
      const c = capacity(view, this.#node); // one pass over the workers for both rule sets
      out = [...diagnoseView(view, this.opts, this.#node, c, this.#excRate(view)), ...this.#server(view, c)];
    } else out = this.#emperor(view);
    const sorted = sortVerdicts(out);
    view.diagnosis = sorted;
    return sorted;
  }

  /** Exceptions per second over the last ERROR_WINDOW_MS (or as far back as the reads go), all workers together. */
  #excRate(view: ServerView): number | undefined {
    const n = view.totals.exceptions;
    const e = this.#exc;
    const at = view.at;
    // Unknown, counters that went down (a reload or a new master) or time that went back: start again.
    if (n === undefined || (e.length > 0 && (n < e[e.length - 1]! || at < e[e.length - 2]!))) e.length = 0;
    if (n === undefined) return undefined;
    if (e.length > 0 && at === e[e.length - 2]) e[e.length - 1] = n; // the same read again
    else e.push(at, n);
    // Keep one read at or beyond the window's start: the span is then at least the window, once it can be.
    while (e.length > 4 && e[2]! <= at - ERROR_WINDOW_MS) e.splice(0, 2);
    // Over at least a second: at a fast refresh one exception in the first 0.1 s is not 10 a second.
    if (e.length < 4) {
      const r = view.totals.excRate;
      const dt = view.interval;
      return r === undefined || dt === undefined ? r : (r * dt) / Math.max(dt, 1);
    }
    const span = (at - e[0]!) / 1000;
    return span > 0 ? (n - e[1]!) / Math.max(span, 1) : undefined;
  }

  /**
   * A `stale` verdict when the last read is older than staleSeconds at `nowMs`, else undefined. `lastMs`:
   * when the last good read arrived on the caller's clock (the monitor's), default the last view's time.
   */
  stale(nowMs: number, lastMs: number | undefined = this.#last, silent = false): Verdict | undefined {
    if (lastMs === undefined) return undefined;
    const age = (nowMs - lastMs) / 1000;
    if (!(age > this.opts.staleSeconds)) return undefined;
    return staleVerdict(nowMs - lastMs, silent && this.#node);
  }

  #server(view: ServerView, c: Capacity): Verdict[] {
    const o = this.opts;
    const out: Verdict[] = [];
    const at = view.at;
    const windowMs = o.crashWindowSeconds * 1000;
    const bucket = windowMs / BUCKETS;
    const memMs = o.memWindowSeconds * 1000;
    const step = memMs / BUCKETS;
    const ws = view.workers;
    // A new instance (the master's pid changed: a restart, by hand, by systemd, after a crash) or a reload (every
    // worker's counters went down, or every worker started afresh — a new pid, its respawn count not risen: uWSGI's
    // graceful or brutal reload, idle workers included; gunicorn's SIGHUP): what the workers and the server did
    // before is another instance's. Its crash loop, its kills and its memory series are not this one's — else the
    // monitor says "crash loop" for up to a minute after the restart that fixed it. The master restarting is counted.
    const mp = view.header.pid;
    const restarted = mp !== undefined && this.#master !== undefined && mp !== this.#master;
    if (mp !== undefined) this.#master = mp;
    let reset = restarted;
    if (!reset && ws.length > 0) {
      reset = true;
      for (let i = 0; i < ws.length && reset; i++) reset = afresh(ws[i]!);
    }
    if (reset) {
      this.#workers.clear();
      this.#kills.length = 0;
      this.#lastKill = undefined;
    }
    // No live worker can take a request, nothing is seen waiting, and some socket's queue is not measured (a uWSGI
    // unix socket) or there is no socket in the stats: what waits there cannot be seen, so once it lasts it is
    // called saturated (the waiting ones of a measured queue are diagnoseView's).
    const waiting = waitingOf(view);
    const unseen = view.sockets.filter((k) => !k.measured);
    if (c.live > 0 && c.busy + c.closed + c.sig === c.live && waiting === 0 && (view.sockets.length === 0 || unseen.length > 0)) {
      this.#unavailableSince ??= at;
      const lasted = (at - this.#unavailableSince) / 1000;
      if (lasted >= UNMEASURED_SATURATED_SECONDS) {
        const where = unseen.length === 0 ? 'no listening socket in the stats' : `the listen queue of ${unseen.map((k) => k.name || 'socket').join(', ')} is not measured`;
        out.push(verdict('saturated', `saturated: ${capacityText(c, this.#node)} for ${formatAge(lasted)} (${where})`));
      }
    } else this.#unavailableSince = undefined;
    const restarts = this.#restarts;
    if (restarted) restarts.push(at);
    while (restarts.length > 0 && at - restarts[0]! > windowMs) restarts.shift();
    if (restarts.length >= o.crashRespawns) {
      out.push(verdict('crash_loop', `crash loop: the master restarted ${restarts.length} times in ${o.crashWindowSeconds}s (now pid ${mp})`));
    }
    // Crash-like respawns (not after serving RECYCLED_AFTER requests) of the whole pool in the window, for the
    // pool's crash loop below: a crash spread over the workers (a segfault every few requests, whichever worker
    // takes it) stays under the per-worker count — 8 crashes in 10 s over 4 workers, 2 each, said nothing.
    let pool = 0;
    let poolKilled = 0;
    let poolWorkers = 0;
    let worst: WorkerView | undefined;
    let worstN = 0;
    let workerVerdict = false;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      let m = this.#workers.get(w.key);
      if (!m) {
        m = { respawns: [], respawnSum: 0, killedSum: 0, served: undefined, before: undefined, harakiri: undefined, killed: false, rss: [], lastSeen: at };
        this.#workers.set(w.key, m);
      }
      m.lastSeen = at;
      // This worker's counters went down alone, or the master started it afresh: its past respawns are another life's.
      if (afresh(w) && !reset) {
        m.respawns.length = 0;
        m.respawnSum = 0;
        m.killedSum = 0;
        m.killed = false;
      }
      // Respawns this tick: the pid changed / respawn_count rose (a cheaper scale-up is not one).
      // A process replaced after serving requests (recycled by uWSGI's --max-requests or reload-on-rss, or crashed
      // under load) is told apart from one dying young (RECYCLED_AFTER): what it served is known from the last
      // read's delta_requests when one respawn happened since, and no harakiri.
      const r = m.respawns;
      // A harakiri: uWSGI killed the worker in the middle of a request that ran over its limit (the client got
      // no answer). harakiri_count survives the respawn; its rise is the kill, seen at the respawn's read or at
      // one between the kill and the respawn.
      const harakiri = counter(w.raw.harakiri_count);
      const rise = harakiri !== undefined && m.harakiri !== undefined ? harakiri - m.harakiri : 0;
      const rose = rise > 0;
      if (rose) this.#killed(at, Math.min(rise, 1_000_000), w, bucket);
      m.harakiri = harakiri;
      if (w.respawns > 0) {
        const killed = m.killed || rose;
        m.killed = false;
        // What the replaced process served in all: from the counters when they say it (its requests after the last
        // read included: a process recycled by --max-requests between two reads served them all), else as last read.
        const earlier = before(w);
        const all = earlier !== undefined && m.before !== undefined && earlier >= m.before && !w.reset ? earlier - m.before : m.served;
        const served = w.respawns === 1 && !killed && all !== undefined ? all : 0;
        const n = r.length;
        const k = killed ? w.respawns : 0;
        if (n > 0 && at - r[n - 4]! < bucket) {
          r[n - 3]! += w.respawns;
          r[n - 2] = Math.min(r[n - 2]!, served);
          r[n - 1]! += k;
        } else r.push(at, w.respawns, served, k);
        m.respawnSum += w.respawns;
        m.killedSum += k;
      } else if (rose) m.killed = true;
      m.served = counter(w.raw.delta_requests);
      m.before = before(w);
      if (r.length > 0) {
        let drop = 0;
        let fewest = Infinity;
        while (drop < r.length && at - r[drop]! > windowMs) {
          m.respawnSum -= r[drop + 1]!;
          m.killedSum -= r[drop + 3]!;
          drop += 4;
        }
        if (drop > 0) r.splice(0, drop);
        let crashes = 0;
        for (let k = 2; k < r.length; k += 4) {
          fewest = Math.min(fewest, r[k]!);
          if (r[k]! < RECYCLED_AFTER) {
            crashes += r[k - 1]!;
            poolKilled += r[k + 1]!;
          }
        }
        if (crashes > 0) {
          pool += crashes;
          poolWorkers++;
          if (crashes > worstN) {
            worstN = crashes;
            worst = w;
          }
        }
        if (m.respawnSum >= o.crashRespawns) {
          workerVerdict = true;
          const v =
            fewest >= RECYCLED_AFTER
              ? verdict('respawning', `respawning: ${who(w)} respawned ${m.respawnSum} times in ${o.crashWindowSeconds}s, each after serving ${fewest}+ requests (recycled by --max-requests/reload-on-rss, or crashing under load: the server's log says which)`, { workerKey: w.key })
              : verdict('crash_loop', crashLoop(who(w), m.respawnSum, m.killedSum, o.crashWindowSeconds), { workerKey: w.key });
          if (w.id !== undefined) v.workerId = w.id;
          out.push(v);
        }
      }
      // Memory: RSS restarts at a respawn, so a respawn restarts the series.
      const rss = counter(w.raw.rss);
      const s = m.rss;
      if (w.respawned || w.spawned || w.reset || rss === undefined || rss === 0) s.length = 0;
      if (rss !== undefined && rss > 0) {
        if (s.length === 0 || at - s[s.length - 2]! >= step) s.push(at, rss);
        let drop = 0;
        while (s.length - drop > 2 && at - s[drop + 2]! >= memMs) drop += 2;
        if (drop > 0) s.splice(0, drop);
        const g = growth(s, rss, at, memMs);
        if (g !== undefined && g > o.memGrowthPct) {
          const v = verdict('memory_growth', `memory growth: ${who(w)} RSS +${Math.round(g)}% in ${formatAge((at - s[0]!) / 1000)}`, { workerKey: w.key });
          if (w.id !== undefined) v.workerId = w.id;
          out.push(v);
        }
      }
    }
    // The pool's crash loop: crashRespawns or more crash-like respawns over two or more workers, one of them
    // twice or more (workers recycled together once each — an idle pool reaching --max-worker-lifetime — are not).
    if (!workerVerdict && pool >= o.crashRespawns && poolWorkers >= 2 && worstN >= 2 && worst) {
      const killed = poolKilled >= pool ? ', all killed by harakiri' : poolKilled > 0 ? `, ${poolKilled} killed by harakiri` : '';
      const v = verdict('crash_loop', `crash loop: ${pool} respawns over ${poolWorkers} workers in ${o.crashWindowSeconds}s (most: ${who(worst)}, ${worstN}${killed})`, { workerKey: worst.key });
      if (worst.id !== undefined) v.workerId = worst.id;
      out.push(v);
    }
    const k = this.#harakiri(at, windowMs);
    if (k !== undefined) out.push(k);
    // Workers gone from this read are forgotten (their key may come back as a new process).
    if (this.#workers.size > view.workers.length) for (const [k, m] of this.#workers) if (m.lastSeen !== at) this.#workers.delete(k);
    return out;
  }

  #killed(at: number, n: number, w: WorkerView, bucket: number): void {
    const ks = this.#kills;
    if (ks.length > 0 && at - ks[ks.length - 2]! < bucket) ks[ks.length - 1]! += n;
    else ks.push(at, n);
    this.#lastKill = { at, key: w.key, id: w.id };
  }

  /** The harakiri verdict: kills within the crash window, the latest one named. */
  #harakiri(at: number, windowMs: number): Verdict | undefined {
    const ks = this.#kills;
    let drop = 0;
    while (drop < ks.length && at - ks[drop]! > windowMs) drop += 2;
    if (drop > 0) ks.splice(0, drop);
    const last = this.#lastKill;
    if (ks.length === 0 || last === undefined) return undefined;
    let n = 0;
    for (let i = 1; i < ks.length; i += 2) n += ks[i]!;
    // harakiri_count counts kills of a worker, each for one request over the limit; the kill ends every request of
    // that worker (4 threads: 4 clients without an answer for 1 kill) — the respawn event says how many were in flight.
    const v = verdict('harakiri', `harakiri: ${n} kill${n === 1 ? '' : 's'} in ${this.opts.crashWindowSeconds}s (last: ${who(last)}, ${formatAge((at - last.at) / 1000)} ago)`, { workerKey: last.key });
    if (last.id !== undefined) v.workerId = last.id;
    return v;
  }

  #emperor(view: EmperorView): Verdict[] {
    const o = this.opts;
    const out: Verdict[] = diagnoseEmperor(view);
    const blacklisted = new Set((view.blacklist ?? []).map((b) => b.vassal));
    const windowMs = o.crashWindowSeconds * 1000;
    for (const e of view.events ?? []) {
      const m = /^vassal (.+) respawned/.exec(e.message);
      if (!m) continue;
      const list = this.#vassals.get(m[1]!) ?? [];
      list.push({ at: e.at, n: 1 });
      this.#vassals.set(m[1]!, list);
    }
    for (const [name, list] of this.#vassals) {
      while (list.length > 0 && view.at - list[0]!.at > windowMs) list.shift();
      if (list.length === 0) {
        this.#vassals.delete(name);
        continue;
      }
      if (list.length >= o.crashRespawns && !blacklisted.has(name)) {
        out.push(verdict('crash_loop', `crash loop: vassal ${name} respawned ${list.length} times in ${o.crashWindowSeconds}s`, { vassal: name }));
      }
    }
    return out;
  }
}

/**
 * Growth in % of the RSS series (flat (ms, bytes) pairs) over (at least) the
 * window, when it rose steadily: spanning ≥ the window, and never falling
 * more than 5 % below its running peak. undefined otherwise.
 */
function growth(series: readonly number[], now: number, at: number, windowMs: number): number | undefined {
  if (series.length < 2) return undefined;
  const firstAt = series[0]!;
  const firstV = series[1]!;
  if (at - firstAt < windowMs || firstV <= 0) return undefined;
  let peak = 0;
  for (let i = 1; i < series.length; i += 2) {
    const v = series[i]!;
    if (v < peak * 0.95) return undefined;
    if (v > peak) peak = v;
  }
  if (now < peak * 0.95) return undefined;
  return ((now - firstV) / firstV) * 100;
}
