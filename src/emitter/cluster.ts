/**
 * node:cluster mode: the primary plays uWSGI's master. Workers (which call
 * `instrument()`) push their counters over IPC; the primary keeps the last
 * report of every worker and answers stats reads from that cache, so a
 * stats read never waits for a worker. The heartbeat (250 ms) keeps that
 * cache fresh; a read does not ask the workers for a report unless
 * `pollOnRead` (one IPC message to and from every worker per read — at 512
 * workers that costs the primary more than rendering the document). Each
 * worker's JSON text is kept as bytes and re-rendered when its slot changes
 * (a worker's text is a pure function of its slot; reports equal to the
 * previous one change nothing), off the read path: a changed slot is queued
 * and rendered at the end of the event-loop turn its change arrived in, in
 * slices of at most {@link SLICE_MS}, for every layout a listener serves (and
 * a layout only read through `json()` while it was read in the last 5 s). So
 * a read — the first one after start or after a long pause included — only
 * joins kept bytes.
 *
 * Worker slots behave like uWSGI's worker table:
 * - `id` is a 1-based slot. A forked worker takes the lowest free slot, so a
 *   respawned worker takes its predecessor's id (when several died, the
 *   lowest ids are refilled first).
 * - `respawn_count` is 1 after the first spawn of a slot and +1 on each
 *   respawn; `last_spawn` is the unix time of the latest fork.
 * - `requests`, `exceptions`, `tx`, `running_time` and per-core counters
 *   belong to the slot and survive respawns (uWSGI keeps them in shared
 *   memory); `delta_requests` counts the current process only (uWSGI resets
 *   it at respawn — it is NOT "since the previous stats read"); `rss`/`vsz`
 *   restart at 0 until the new process reports; `avg_rt` keeps the
 *   predecessor's value until the new process has finished a request.
 *   Requests a worker served after its last report are lost if it crashes
 *   (at most one report interval, 50–250 ms of traffic).
 * - `status`: `busy` (a request in flight — or, while the stats are read, a
 *   process that did not answer a question for a report within `probeMs`:
 *   its event loop is blocked, shown as a core in a request since the
 *   question), `idle`, `cheap` (the slot has
 *   no live process: it exited and was not — yet — replaced; also slots
 *   pre-declared with `workers` before their fork), `pause` (the worker is
 *   disconnected from the primary but has not exited: it is finishing and
 *   takes no new connections).
 * - `accepting` is 1 from the worker's `listening` event until it
 *   disconnects.
 */
import cluster, { type Worker, type Address } from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { buildDocument, buildWorker, coresFromFlat, coresFromTotals, flatToTotals, makeCore, processIdentity, type CoreTotals } from './builder.js';
import { renderCores, renderHead, renderTail, renderWorker, workerSeparator } from './render.js';
import { CORE_FIELDS, DEFAULT_MAX_CORES } from './counters.js';
import type { EmitterDocument, EmitterWorker } from './doc.js';
import { parseReport, type PollMessage, type WorkerReport } from './ipc.js';
import { EmitterError, type ListenOptions } from './listener.js';
import { ListenQueueSampler, type AppSocket } from './sockets.js';
import { pendingHandoffs, type ListenEntry } from './procnet.js';
import { DocumentSource } from './source.js';
import { serveSource, type StatsServer } from './single.js';

export interface ClusterStatsOptions {
  /** Pre-declare this many worker slots (shown as `cheap` until forked). Slots are added as workers fork anyway. */
  workers?: number;
  /** Where to serve the stats (one or several listeners). */
  listen?: ListenOptions | ListenOptions[];
  /** App sockets to report; default: every address workers reported `listening` on. */
  sockets?: AppSocket[];
  /** `proto` for sockets learnt from `listening` events (default `http`). */
  proto?: string;
  /** The backlog workers pass to listen() (default Node's 511), for `max_queue`. */
  backlog?: number;
  /** Listen-queue sampling period in ms (default 1000; 0 disables). */
  queueSampleMs?: number;
  /** Also ask every worker for a fresh report when the stats are read, at most every 50 ms (default false: the 250 ms heartbeat keeps the stats fresh). */
  pollOnRead?: boolean;
  /**
   * A worker whose event loop is blocked sends nothing, and an idle one sends nothing either: while the stats are
   * being read (a read in the last 5 s), a worker that reported before and has been silent this many ms is asked
   * for a report, and one that has not answered within as many more ms is shown `busy`, a core in a request since
   * the question (uWSGI's picture of a worker stuck in a request), until it answers. Default 1000; 0 turns it off.
   */
  probeMs?: number;
  /** Called once if building the document fails (the stats keep being served). */
  onError?: (err: unknown) => void;
}

/** Read-only view of a worker slot (for tests and tools). */
export interface SlotInfo {
  id: number;
  pid: number;
  respawnCount: number;
  lastSpawn: number;
  /** node:cluster's own worker id of the live process, if any. */
  clusterWorkerId: number | undefined;
}

export interface ClusterStats extends StatsServer {
  /** The worker slots. */
  slots(): SlotInfo[];
  /** Ask every live worker for a fresh report now. */
  poll(): void;
}

interface Totals {
  requests: number;
  exceptions: number;
  tx: number;
  runningTime: number;
}

interface Slot {
  id: number;
  worker: Worker | undefined;
  pid: number;
  accepting: boolean;
  disconnected: boolean;
  respawnCount: number;
  lastSpawn: number;
  report: WorkerReport | undefined;
  base: Totals;
  baseCores: CoreTotals | undefined;
  lastAvgRt: number;
  /** Bumped on every change of what the slot's worker object shows; `coresVer` on every change of its cores. */
  ver: number;
  coresVer: number;
  /** The slot's worker object and texts as of `ver` (a stats read re-renders only slots that changed). */
  text: SlotText | undefined;
  /** In the render queue. */
  queued: boolean;
  /** Memory the slot's texts are written into, per layout (pretty, minified): reused from one text to the next. */
  store: [Buffer | undefined, Buffer | undefined];
  /** When its live process last sent a report (performance.now()), -1 before its first: never asked (not instrumented, or not yet). */
  heard: number;
  /** When it was asked for a report it has not answered yet (performance.now()), -1 when none is pending. */
  asked: number;
  /** Unix seconds of that question, once it went unanswered for a probe period: the process is shown stuck since then. */
  stuckSince: number | undefined;
}

interface SlotText {
  ver: number;
  coresVer: number;
  /** Idle-core count the object was built with (shown by slots that never reported and have no base cores; -1 when not used). */
  idleCores: number;
  worker: EmitterWorker;
  /** The worker's text as UTF-8 bytes, in either layout (views of the slot's `store`, valid while this is the slot's text). */
  pretty?: Buffer;
  mini?: Buffer;
  coresPretty?: string;
  coresMini?: string;
}

const POLL: PollMessage = { tsgitop: 'poll' };
const ignore = (): void => undefined;

/** Ask a worker for a report now (its reporter answers even when nothing changed). */
function ask(w: Worker): void {
  try {
    if (w.isConnected()) w.send(POLL, undefined, ignore);
  } catch {
    // channel closing: the exit event will follow
  }
}

function newSlot(id: number): Slot {
  return {
    id,
    worker: undefined,
    pid: 0,
    accepting: false,
    disconnected: false,
    respawnCount: 0,
    lastSpawn: 0,
    report: undefined,
    base: { requests: 0, exceptions: 0, tx: 0, runningTime: 0 },
    baseCores: undefined,
    lastAvgRt: 0,
    ver: 0,
    coresVer: 0,
    text: undefined,
    queued: false,
    store: [undefined, undefined],
    heard: -1,
    asked: -1,
    stuckSince: undefined,
  };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameStrings(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Set a slot's report, marking the slot (and its cores) changed only when what it shows changed. */
function setReport(s: Slot, r: WorkerReport | undefined): void {
  const old = s.report;
  s.report = r;
  if (old === undefined || r === undefined) {
    if (old !== r) {
      s.ver++;
      s.coresVer++;
    }
    return;
  }
  if (old.overflow !== r.overflow || old.maxCores !== r.maxCores || !sameNumbers(old.cores, r.cores) || !sameStrings(old.paths, r.paths)) {
    s.ver++;
    s.coresVer++;
  } else if (
    old.requests !== r.requests ||
    old.exceptions !== r.exceptions ||
    old.tx !== r.tx ||
    old.runningTime !== r.runningTime ||
    old.avgRt !== r.avgRt ||
    old.inFlight !== r.inFlight ||
    old.rss !== r.rss ||
    old.vsz !== r.vsz
  ) {
    s.ver++;
  }
}

/** The slot's current texts holder (a new one when the slot changed since the last read). */
function slotText(s: Slot, cores: number): SlotText {
  const idleCores = usesIdleCores(s) ? cores : -1;
  const t = s.text;
  if (t !== undefined && t.ver === s.ver && t.idleCores === idleCores) return t;
  const n: SlotText = { ver: s.ver, coresVer: s.coresVer, idleCores, worker: slotToWorker(s, cores) };
  if (t !== undefined && t.coresVer === s.coresVer && t.idleCores === idleCores) {
    if (t.coresPretty !== undefined) n.coresPretty = t.coresPretty;
    if (t.coresMini !== undefined) n.coresMini = t.coresMini;
  }
  s.text = n;
  return n;
}

/** Does the slot's text depend on the workers' core count (a slot that never reported lists that many idle cores)? */
function usesIdleCores(s: Slot): boolean {
  return s.report === undefined && s.baseCores === undefined;
}

/** While a layout no listener serves was read (`json()`) in the last this many ms, changed slots are rendered in it too. */
const READ_RECENT_MS = 5000;
/** The render queue works at most this long per event-loop turn (then yields; the rest follows in the next turn). */
const SLICE_MS = 0.5;

/**
 * Text into the slot's own memory for the layout (grown when too small, by
 * half again): no allocation per text, and no shared pool kept alive by a
 * small slice. The previous text's view is overwritten, which is fine: only
 * the slot's current {@link SlotText} is ever read, and a read copies it.
 */
function intoStore(s: Slot, m: 0 | 1, text: string): Buffer {
  const n = Buffer.byteLength(text);
  let b = s.store[m];
  if (b === undefined || b.length < n) {
    b = Buffer.allocUnsafeSlow(n + (n >> 1));
    s.store[m] = b;
  }
  b.write(text, 0);
  return b.subarray(0, n);
}

/** The slot's worker object as uWSGI-layout JSON bytes (kept until the slot changes: a read copies them, nothing more). */
function slotJson(s: Slot, idleCores: number, minified: boolean): Buffer {
  const t = slotText(s, idleCores);
  if (minified) return (t.mini ??= intoStore(s, 1, renderWorker(t.worker, true, (t.coresMini ??= renderCores(t.worker.cores, true)))));
  return (t.pretty ??= intoStore(s, 0, renderWorker(t.worker, false, (t.coresPretty ??= renderCores(t.worker.cores, false)))));
}

/**
 * Slots whose text must be rendered again, rendered after the turn their
 * change arrived in (so several changes in one turn cost one rendering),
 * off any read, at most {@link SLICE_MS} per turn.
 */
class RenderQueue {
  private queue: Slot[] = [];
  private head = 0;
  private timer: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly run = (): void => {
    this.timer = undefined;
    this.drain(SLICE_MS);
  };

  /**
   * @param layouts which layouts to render now: [pretty, minified] (none: the slot is left for a read)
   * @param cores the workers' core count (idle cores of slots that never reported)
   */
  constructor(
    private readonly layouts: () => readonly [boolean, boolean],
    private readonly cores: () => number,
    private readonly schedule = true,
    /** Called when a drain emptied the queue. */
    private readonly idle?: () => void,
  ) {}

  /** The slot changed: render it soon. */
  add(s: Slot): void {
    if (s.queued || this.closed) return;
    s.queued = true;
    this.queue.push(s);
    if (this.schedule && this.timer === undefined) {
      this.timer = setImmediate(this.run);
      this.timer.unref();
    }
  }

  /** Slots waiting. */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Render queued slots for at most `budgetMs` (Infinity: all); the rest is left for the next turn. Never throws. */
  drain(budgetMs = Infinity): void {
    const [pretty, mini] = this.layouts();
    const cores = this.cores();
    const t0 = budgetMs === Infinity ? 0 : performance.now();
    const q = this.queue;
    let i = this.head;
    while (i < q.length) {
      const s = q[i++]!;
      s.queued = false;
      try {
        if (pretty) slotJson(s, cores, false);
        if (mini) slotJson(s, cores, true);
      } catch {
        // never throw from here: a read renders the slot again and reports the failure
      }
      if ((i & 7) === 0 && budgetMs !== Infinity && performance.now() - t0 >= budgetMs) break;
    }
    if (i >= q.length) {
      this.queue = [];
      this.head = 0;
      try {
        this.idle?.();
      } catch {
        // best effort
      }
    } else {
      this.head = i;
      if (this.schedule && this.timer === undefined && !this.closed) {
        this.timer = setImmediate(this.run);
        this.timer.unref();
      }
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearImmediate(this.timer);
    this.timer = undefined;
  }
}

/**
 * Worker object for one slot (exported for the bench: pure given the slot).
 * `idleCores`: how many idle cores a slot that never reported shows (uWSGI
 * lists every core of a worker, cheap ones included): the workers' own count.
 */
function slotToWorker(s: Slot, idleCores: number = DEFAULT_MAX_CORES): EmitterWorker {
  const r = s.report;
  let cores;
  if (s.baseCores) {
    const merged: CoreTotals = new Map([...s.baseCores].map(([k, v]) => [k, v.slice()]));
    if (r) flatToTotals(r.cores, r.overflow, r.maxCores, merged);
    cores = coresFromTotals(merged, r?.paths);
  } else {
    cores = r ? coresFromFlat(r.cores, r.overflow, r.maxCores, r.paths) : coresFromFlat(new Array<number>(Math.max(1, idleCores) * CORE_FIELDS).fill(0), false, idleCores);
  }
  const stuck = s.stuckSince !== undefined && s.worker !== undefined && !s.disconnected;
  if (stuck && !cores.some((c) => c.in_request === 1)) {
    // Blocked with nothing in flight in its last report (it took the request, then blocked before reporting): a core
    // in a request since the unanswered question, as uWSGI shows a worker stuck in a request.
    const c = cores[0]!;
    cores[0] = makeCore(c.id, c.requests, c.write_errors, c.read_errors, s.stuckSince!);
  }
  const status = s.worker === undefined ? 'cheap' : s.disconnected ? 'pause' : stuck || (r && r.inFlight > 0) ? 'busy' : 'idle';
  return buildWorker({
    id: s.id,
    pid: s.worker ? s.pid : 0,
    // a worker that does not answer takes no connection either (the round-robin primary hands one only to a worker
    // that took the last): not accepting, as the single-process stats thread shows a blocked event loop
    accepting: s.worker !== undefined && s.accepting && !s.disconnected && !stuck,
    status,
    requests: s.base.requests + (r?.requests ?? 0),
    deltaRequests: r?.requests ?? 0,
    exceptions: s.base.exceptions + (r?.exceptions ?? 0),
    rss: r?.rss ?? 0,
    vsz: r?.vsz ?? 0,
    runningTime: s.base.runningTime + (r?.runningTime ?? 0),
    lastSpawn: s.lastSpawn,
    respawnCount: s.respawnCount,
    tx: s.base.tx + (r?.tx ?? 0),
    avgRt: r && r.requests > 0 ? r.avgRt : s.lastAvgRt,
    cores,
  });
}

/**
 * Aggregate stats of every node:cluster worker in the primary and serve
 * them like a uWSGI master. Call it in the primary before or after forking;
 * workers only need `instrument(server)`.
 *
 * @example
 * if (cluster.isPrimary) {
 *   const stats = await createClusterStats({ workers: 4, listen: { path: '/run/app/stats.sock' } });
 *   for (let i = 0; i < 4; i++) cluster.fork();
 *   cluster.on('exit', () => cluster.fork());
 * } else {
 *   const server = http.createServer(app);
 *   instrument(server);
 *   server.listen(8080);
 * }
 */
export async function createClusterStats(opts: ClusterStatsOptions = {}): Promise<ClusterStats> {
  if (!cluster.isPrimary) throw new EmitterError('EINVAL', 'createClusterStats() must run in the cluster primary (workers call instrument())');
  const slots: Slot[] = [];
  const byWorker = new Map<Worker, Slot>();
  /** The workers' core count (the largest any report gave; the default until one reports). */
  let knownCores = 0;
  /** When the stats were last read as pretty / minified JSON (ms). */
  let prettyReadAt = 0;
  let miniReadAt = 0;
  const learnt = new Map<string, AppSocket>();
  const proto = opts.proto ?? 'http';
  /** The workers' core count (from their reports; the default until one reports). */
  const coreCount = (): number => knownCores || DEFAULT_MAX_CORES;
  // the layouts the listeners serve are rendered as slots change; one only read through json() while it is being read
  const listens = opts.listen === undefined ? [] : Array.isArray(opts.listen) ? opts.listen : [opts.listen];
  const servesPretty = listens.some((l) => l.minified !== true);
  const servesMini = listens.some((l) => l.minified === true);
  const reads: [ReadState, ReadState] = [{}, {}];
  const queue = new RenderQueue(
    () => {
      const now = Date.now();
      return [servesPretty || now - prettyReadAt < READ_RECENT_MS, servesMini || now - miniReadAt < READ_RECENT_MS];
    },
    coreCount,
    true,
    // the queue caught up: before the first read of a served layout, its memory (later reads prepare it for the
    // next one); after it, one per catch-up until WARM_RUNS are done, a dry run of the read, so that V8 optimizes
    // the read's loops between the first reads rather than during the 8th or so (where its concurrent compile
    // took the core from the read on a busy machine) and every later read runs optimized code. Not before the
    // first read: a compile started by dry runs right after start could as well meet the first read.
    () => {
      for (const m of [0, 1] as const) {
        if (!(m === 0 ? servesPretty : servesMini)) continue;
        if (reads[m].last === undefined) {
          if (!primed[m] && slots.length > 0) {
            // once before the first read: the read's code compiled to bytecode and its caches set (a first call costs
            // more than the work)
            primed[m] = true;
            renderSlots(renderHead(headDocument(), m === 1), slots, coreCount(), m === 1);
          }
          prepareSpare(reads[m], keptSize(slots, m === 1) + 4096);
        } else if (warmLeft[m] > 0 && slots.length > 0) {
          warmLeft[m]--;
          dryRun(m === 1);
        }
      }
    },
  );
  const primed = [false, false];
  const warmLeft: [number, number] = [WARM_RUNS, WARM_RUNS];
  /** A dry run's memory per layout (kept: no 800 KB of garbage per run at 512 × 4). */
  const warmState: [ReadState, ReadState] = [{}, {}];
  /**
   * The read's every path, so that its optimized code has what it needs and is not thrown away by the next real
   * read: a previous document with the same head (compared, found different), the kept texts copied, and one
   * slot never rendered (rendered by the read, as when a report arrived after the render queue's last slice).
   */
  const dryRun = (minified: boolean): void => {
    const k = minified ? 1 : 0;
    const w = warmState[k];
    prepareSpare(w, keptSize(slots, minified) + 8192);
    const spare = w.spare!;
    const head = renderHead(headDocument(), minified);
    const cores = coreCount();
    const probe = [...slots, newSlot(slots.length + 1)];
    w.last = { head, idleCores: cores, vers: new Array<number>(probe.length).fill(-1), bytes: spare }; // (shaped as a read makes it)
    renderSlots(head, probe, cores, minified, w);
    w.spare = spare;
    if (warmLeft[k] === 0) warmState[k] = {}; // the last run: its memory goes
  };
  for (let i = 1; i <= (opts.workers ?? 0); i++) {
    const s = newSlot(i);
    slots.push(s);
    queue.add(s);
  }

  const assign = (w: Worker): Slot => {
    let slot = byWorker.get(w);
    if (slot) return slot;
    slot = slots.find((s) => s.worker === undefined);
    if (!slot) {
      slot = newSlot(slots.length + 1);
      slots.push(slot);
    }
    slot.worker = w;
    slot.pid = w.process.pid ?? 0;
    slot.accepting = false;
    slot.disconnected = false;
    slot.respawnCount++;
    slot.lastSpawn = Math.floor(Date.now() / 1000);
    slot.heard = -1;
    slot.asked = -1;
    slot.stuckSince = undefined;
    setReport(slot, undefined);
    slot.ver++;
    byWorker.set(w, slot);
    queue.add(slot);
    return slot;
  };

  const onFork = (w: Worker): void => {
    assign(w);
  };
  const onListening = (w: Worker, addr: Address): void => {
    const slot = assign(w);
    slot.accepting = true;
    slot.ver++;
    queue.add(slot);
    if (opts.sockets) return;
    if (addr.addressType === -1 || addr.addressType === 'udp4' || addr.addressType === 'udp6') {
      if (addr.addressType === -1 && addr.address) learnt.set(`unix|${addr.address}`, { path: addr.address, proto });
      return;
    }
    const host = addr.address ?? '';
    const sock: AppSocket = { host, port: addr.port, proto };
    if (opts.backlog !== undefined) sock.backlog = opts.backlog;
    learnt.set(`${host}|${addr.port}`, sock);
  };
  const onDisconnect = (w: Worker): void => {
    const slot = byWorker.get(w);
    if (slot) {
      slot.disconnected = true;
      slot.accepting = false;
      slot.ver++;
      queue.add(slot);
    }
  };
  const onExit = (w: Worker): void => {
    const slot = byWorker.get(w);
    byWorker.delete(w);
    if (!slot || slot.worker !== w) return;
    const r = slot.report;
    if (r) {
      slot.base.requests += r.requests;
      slot.base.exceptions += r.exceptions;
      slot.base.tx += r.tx;
      slot.base.runningTime += r.runningTime;
      slot.baseCores = flatToTotals(r.cores, r.overflow, r.maxCores, slot.baseCores ?? new Map());
      for (const v of slot.baseCores.values()) v[CORE_FIELDS - 1] = 0; // nothing in flight in a dead process
      if (r.requests > 0) slot.lastAvgRt = r.avgRt;
    }
    slot.worker = undefined;
    slot.pid = 0;
    slot.heard = -1;
    slot.asked = -1;
    slot.stuckSince = undefined;
    setReport(slot, undefined);
    slot.ver++;
    slot.coresVer++;
    slot.accepting = false;
    slot.disconnected = false;
    queue.add(slot);
  };
  const onMessage = (w: Worker, msg: unknown): void => {
    const r = parseReport(msg);
    if (!r) return;
    const slot = byWorker.get(w) ?? assign(w);
    if (slot.worker !== w) return;
    if (r.maxCores > knownCores && r.maxCores <= 4096) {
      const before = coreCount();
      knownCores = r.maxCores;
      // slots that never reported list the workers' core count of idle cores
      if (coreCount() !== before) for (const s of slots) if (usesIdleCores(s)) queue.add(s);
    }
    const ver = slot.ver;
    slot.heard = performance.now();
    slot.asked = -1;
    if (slot.stuckSince !== undefined) {
      slot.stuckSince = undefined;
      slot.ver++;
      slot.coresVer++;
    }
    setReport(slot, r);
    if (slot.ver !== ver) queue.add(slot);
  };

  // Workers forked before we were created.
  const existing = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  existing.sort((a, b) => a.id - b.id);
  for (const w of existing) {
    const slot = assign(w);
    slot.accepting = (w as Worker & { state?: string }).state === 'listening';
    slot.ver++;
  }

  cluster.on('fork', onFork);
  cluster.on('listening', onListening);
  cluster.on('disconnect', onDisconnect);
  cluster.on('exit', onExit);
  cluster.on('message', onMessage);

  const getSockets = (): AppSocket[] => opts.sockets ?? [...learnt.values()];
  // Round-robin scheduling (Linux's default): the primary accepts and holds each connection until a worker takes
  // it, so with every worker busy or blocked requests wait here, not in the kernel's queue (which stays at 0).
  const held = (): ListenEntry[] => (cluster.schedulingPolicy === cluster.SCHED_RR ? pendingHandoffs() : []);
  const sampler = new ListenQueueSampler(getSockets, opts.queueSampleMs ?? 1000, undefined, held);
  /** The document without its workers (the head of a read), from the last listen-queue sample. */
  function headDocument(): EmitterDocument {
    const q = sampler.figures();
    return buildDocument({ identity: processIdentity(), listenQueue: q.listenQueue, listenQueueErrors: q.listenQueueErrors, sockets: q.sockets, workers: [] });
  }
  void sampler.refresh(); // the first sample (and the /proc reader's first use) before the first read

  let lastPoll = 0;
  const poll = (): void => {
    lastPoll = Date.now();
    for (const s of slots) {
      const w = s.worker;
      if (!w || s.disconnected) continue;
      ask(w);
    }
  };

  // Liveness: see ClusterStatsOptions.probeMs. Only while the stats are read (nobody watching, nobody asked), only
  // workers that reported before (an uninstrumented one would never answer); twice per period, so a question
  // unanswered for a whole period is seen within one and a half.
  const probeMs = opts.probeMs ?? 1000;
  /** When json() last built the document (ms): a read too. */
  let builtAt = 0;
  let probeTimer: NodeJS.Timeout | undefined;
  if (probeMs > 0) {
    probeTimer = setInterval(() => {
      if (Date.now() - Math.max(prettyReadAt, miniReadAt, builtAt) > READ_RECENT_MS) return;
      const now = performance.now();
      for (const s of slots) {
        const w = s.worker;
        if (w === undefined || s.disconnected || s.heard < 0) continue;
        if (s.asked < 0) {
          if (now - s.heard < probeMs) continue;
          s.asked = now;
          ask(w);
        } else if (s.stuckSince === undefined && now - s.asked >= probeMs) {
          s.stuckSince = Math.floor((Date.now() - (now - s.asked)) / 1000);
          s.ver++;
          s.coresVer++;
          queue.add(s);
        }
      }
    }, Math.max(1, probeMs >> 1));
    probeTimer.unref();
  }

  const build = (): EmitterDocument => {
    builtAt = Date.now();
    const q = sampler.figures();
    const cores = coreCount();
    return buildDocument({
      identity: processIdentity(),
      listenQueue: q.listenQueue,
      listenQueueErrors: q.listenQueueErrors,
      sockets: q.sockets,
      workers: slots.map((s) => slotText(s, cores).worker),
    });
  };
  const render = (minified: boolean): Buffer => {
    const head = headDocument();
    if (minified) miniReadAt = Date.now();
    else prettyReadAt = Date.now();
    const state = reads[minified ? 1 : 0];
    const bytes = renderSlots(renderHead(head, minified), slots, coreCount(), minified, state);
    // the next read's memory, after this turn
    if (state.spare === undefined) setImmediate(() => prepareSpare(state, bytes.length)).unref();
    return bytes;
  };
  const pollOnRead = opts.pollOnRead === true;
  const source = new DocumentSource(
    build,
    opts.onError,
    () => {
      if (pollOnRead && Date.now() - lastPoll >= 50) poll();
    },
    render,
  );

  const detach = (): void => {
    cluster.off('fork', onFork);
    cluster.off('listening', onListening);
    cluster.off('disconnect', onDisconnect);
    cluster.off('exit', onExit);
    cluster.off('message', onMessage);
    if (probeTimer !== undefined) clearInterval(probeTimer);
    sampler.close();
    queue.close();
  };

  const server = await serveSource(source, opts.listen, { stop: detach });
  const stats: ClusterStats = {
    ...server,
    slots: () =>
      slots.map((s) => ({ id: s.id, pid: s.worker ? s.pid : 0, respawnCount: s.respawnCount, lastSpawn: s.lastSpawn, clusterWorkerId: s.worker?.id })),
    poll,
  };
  unrenderedOf.set(stats, (minified) => slots.filter((s) => !isRendered(s, coreCount(), minified)).length);
  warmLeftOf.set(stats, () => [warmLeft[0], warmLeft[1]]);
  return stats;
}

/** Is the slot's current text rendered in the layout (a read would only copy it)? */
function isRendered(s: Slot, cores: number, minified: boolean): boolean {
  const t = s.text;
  return t !== undefined && t.ver === s.ver && t.idleCores === (usesIdleCores(s) ? cores : -1) && (minified ? t.mini : t.pretty) !== undefined;
}

/** For tests: how many slots of a cluster stats server a read would have to render (not just copy). */
const unrenderedOf = new WeakMap<ClusterStats, (minified: boolean) => number>();
/** For tests: the dry runs of the read still to do, per layout (pretty, minified). */
const warmLeftOf = new WeakMap<ClusterStats, () => [number, number]>();

const SEPARATOR = [Buffer.from(workerSeparator(false)), Buffer.from(workerSeparator(true))] as const;
const TAIL = [Buffer.from(renderTail(false)), Buffer.from(renderTail(true))] as const;

/**
 * Dry runs of a layout's read after its first read (see createClusterStats): V8 (Node 20) optimized the read's
 * loops at 512 workers during the 7th to 9th call.
 */
const WARM_RUNS = 12;

/** The last document a read produced, in one layout, and what it was made of. */
interface DocMemo {
  head: string;
  idleCores: number;
  vers: number[];
  bytes: Buffer;
}

/** What reads of one layout keep between them. */
interface ReadState {
  last?: DocMemo;
  /**
   * Memory for the next read's document, allocated and touched off the read
   * path (a fresh buffer of a few hundred KiB costs its first writer a page
   * fault per 4 KiB — as much as the copy itself).
   */
  spare?: Buffer;
}

/** Give `state` a spare buffer of at least `size` bytes (plus a margin), its pages touched. */
function prepareSpare(state: ReadState, size: number): void {
  if (state.spare !== undefined && state.spare.length >= size) return;
  const b = Buffer.allocUnsafeSlow(size + (size >> 3) + 4096);
  b.fill(0);
  state.spare = b;
}

/** Bytes the slots' kept texts of a layout take (for a spare buffer before the first read). */
function keptSize(slots: readonly Slot[], minified: boolean): number {
  let n = 0;
  for (const s of slots) {
    const b = minified ? s.text?.mini : s.text?.pretty;
    n += b !== undefined ? b.length + 2 : 0;
  }
  return n;
}

/**
 * The document's bytes from its head and the slots (each slot re-rendered
 * only if it changed since it was last rendered). With `memo`: the previous
 * read's bytes again when neither the head nor any slot changed since.
 * The kept bytes are copied into one buffer by a loop of `set`s (Buffer.concat
 * costs three times as much for a thousand parts) — the memo's spare buffer
 * when it is large enough.
 */
function renderSlots(head: string, slots: readonly Slot[], idleCores: number, minified: boolean, memo?: ReadState): Buffer {
  const last = memo?.last;
  if (last !== undefined && last.head === head && last.idleCores === idleCores && last.vers.length === slots.length) {
    let same = true;
    for (let i = 0; i < slots.length && same; i++) same = slots[i]!.ver === last.vers[i];
    if (same) return last.bytes;
  }
  const m = minified ? 1 : 0;
  const sep = SEPARATOR[m];
  const tail = TAIL[m];
  const texts = new Array<Buffer>(slots.length);
  const vers = new Array<number>(slots.length);
  let n = Buffer.byteLength(head) + tail.length + (slots.length > 0 ? (slots.length - 1) * sep.length : 0);
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]!;
    // slotJson's cache check inline (reads are rare: this loop seldom runs optimised). The same version
    // implies the same report/base presence, so idleCores is -1 exactly when the count is not used.
    const t = s.text;
    let b = t !== undefined && t.ver === s.ver && (t.idleCores < 0 || t.idleCores === idleCores) ? (minified ? t.mini : t.pretty) : undefined;
    if (b === undefined) b = slotJson(s, idleCores, minified);
    texts[i] = b;
    vers[i] = s.ver;
    n += b.length;
  }
  const spare = memo?.spare;
  let bytes: Buffer;
  if (spare !== undefined && spare.length >= n) {
    bytes = spare.subarray(0, n);
    memo!.spare = undefined;
  } else bytes = Buffer.allocUnsafe(n);
  let o = bytes.write(head, 0);
  for (let i = 0; i < texts.length; i++) {
    if (i > 0) {
      bytes.set(sep, o);
      o += sep.length;
    }
    const b = texts[i]!;
    bytes.set(b, o);
    o += b.length;
  }
  bytes.set(tail, o);
  if (memo !== undefined) memo.last = { head, idleCores, vers, bytes };
  return bytes;
}

/** @internal exported for the bench and tests: documents for synthetic slots. */
export const __testing = {
  newSlot,
  slotToWorker,
  setReport,
  renderSlots,
  RenderQueue,
  isRendered,
  unrendered: (stats: ClusterStats, minified = false): number => unrenderedOf.get(stats)?.(minified) ?? -1,
  warmLeft: (stats: ClusterStats): [number, number] | undefined => warmLeftOf.get(stats)?.(),
  WARM_RUNS,
};
