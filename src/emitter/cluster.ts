/**
 * node:cluster mode: the primary plays uWSGI's master. Workers (which call
 * `instrument()`) push their counters over IPC; the primary keeps the last
 * report of every worker and answers stats reads from that cache, so a
 * stats read never waits for a worker. The heartbeat (250 ms) keeps that
 * cache fresh; a read does not ask the workers for a report unless
 * `pollOnRead` (one IPC message to and from every worker per read — at 512
 * workers that costs the primary more than rendering the document). A read
 * re-renders only the workers whose report changed since the previous read
 * (a worker's text is a pure function of its slot; reports equal to the
 * previous one change nothing); while the stats are being read (a read in
 * the last 5 s), a changed worker's text is rendered as its report arrives,
 * so a read only joins kept texts.
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
 * - `status`: `busy` (a request in flight), `idle`, `cheap` (the slot has
 *   no live process: it exited and was not — yet — replaced; also slots
 *   pre-declared with `workers` before their fork), `pause` (the worker is
 *   disconnected from the primary but has not exited: it is finishing and
 *   takes no new connections).
 * - `accepting` is 1 from the worker's `listening` event until it
 *   disconnects.
 */
import cluster, { type Worker, type Address } from 'node:cluster';
import { buildDocument, buildWorker, coresFromFlat, coresFromTotals, flatToTotals, processIdentity, type CoreTotals } from './builder.js';
import { renderCores, renderHead, renderTail, renderWorker, workerSeparator } from './render.js';
import { CORE_FIELDS, DEFAULT_MAX_CORES } from './counters.js';
import type { EmitterDocument, EmitterWorker } from './doc.js';
import { parseReport, type PollMessage, type WorkerReport } from './ipc.js';
import { EmitterError, type ListenOptions } from './listener.js';
import { ListenQueueSampler, type AppSocket } from './sockets.js';
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
}

interface SlotText {
  ver: number;
  coresVer: number;
  /** Idle-core count the object was built with (shown by slots that never reported). */
  idleCores: number;
  worker: EmitterWorker;
  /** The worker's text as UTF-8 bytes, in either layout. */
  pretty?: Buffer;
  mini?: Buffer;
  coresPretty?: string;
  coresMini?: string;
}

const POLL: PollMessage = { tsgitop: 'poll' };
const ignore = (): void => undefined;

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
function slotText(s: Slot, idleCores: number): SlotText {
  const t = s.text;
  if (t !== undefined && t.ver === s.ver && t.idleCores === idleCores) return t;
  const n: SlotText = { ver: s.ver, coresVer: s.coresVer, idleCores, worker: slotToWorker(s, idleCores) };
  if (t !== undefined && t.coresVer === s.coresVer && t.idleCores === idleCores) {
    if (t.coresPretty !== undefined) n.coresPretty = t.coresPretty;
    if (t.coresMini !== undefined) n.coresMini = t.coresMini;
  }
  s.text = n;
  return n;
}

/** While the stats were read in the last this many ms, a worker's text is rendered when its report arrives. */
const READ_RECENT_MS = 5000;

/**
 * A worker's report arrived: store it, and when the stats are being read
 * (`pretty` / `mini`: that layout was read recently) render the worker's
 * text now, in this message's turn (a few µs), so that the next read only
 * joins kept texts, however many workers changed since the previous one.
 */
function acceptReport(s: Slot, r: WorkerReport, idleCores: number, pretty: boolean, mini: boolean): void {
  setReport(s, r);
  try {
    if (pretty) slotJson(s, idleCores, false);
    if (mini) slotJson(s, idleCores, true);
  } catch {
    // never throw into the app's cluster 'message' event: the read renders it again and reports a failure
  }
}

/**
 * UTF-8 bytes of a text kept for long, in memory of their own: a small
 * `Buffer.from()` is a slice of a shared 8 KiB pool, which one kept slice
 * would keep alive whole.
 */
function ownBytes(text: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  b.write(text);
  return b;
}

/** The slot's worker object as uWSGI-layout JSON bytes (kept until the slot changes: a read copies them, nothing more). */
function slotJson(s: Slot, idleCores: number, minified: boolean): Buffer {
  const t = slotText(s, idleCores);
  if (minified) return (t.mini ??= ownBytes(renderWorker(t.worker, true, (t.coresMini ??= renderCores(t.worker.cores, true)))));
  return (t.pretty ??= ownBytes(renderWorker(t.worker, false, (t.coresPretty ??= renderCores(t.worker.cores, false)))));
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
  const status = s.worker === undefined ? 'cheap' : s.disconnected ? 'pause' : r && r.inFlight > 0 ? 'busy' : 'idle';
  return buildWorker({
    id: s.id,
    pid: s.worker ? s.pid : 0,
    accepting: s.worker !== undefined && s.accepting && !s.disconnected,
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
  for (let i = 1; i <= (opts.workers ?? 0); i++) slots.push(newSlot(i));

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
    setReport(slot, undefined);
    slot.ver++;
    byWorker.set(w, slot);
    return slot;
  };

  const onFork = (w: Worker): void => {
    assign(w);
  };
  const onListening = (w: Worker, addr: Address): void => {
    const slot = assign(w);
    slot.accepting = true;
    slot.ver++;
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
    setReport(slot, undefined);
    slot.ver++;
    slot.coresVer++;
    slot.accepting = false;
    slot.disconnected = false;
  };
  const onMessage = (w: Worker, msg: unknown): void => {
    const r = parseReport(msg);
    if (!r) return;
    const slot = byWorker.get(w) ?? assign(w);
    if (slot.worker !== w) return;
    if (r.maxCores > knownCores && r.maxCores <= 4096) knownCores = r.maxCores;
    const now = Date.now();
    acceptReport(slot, r, knownCores || DEFAULT_MAX_CORES, now - prettyReadAt < READ_RECENT_MS, now - miniReadAt < READ_RECENT_MS);
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
  const sampler = new ListenQueueSampler(getSockets, opts.queueSampleMs ?? 1000);

  let lastPoll = 0;
  const poll = (): void => {
    lastPoll = Date.now();
    for (const s of slots) {
      const w = s.worker;
      if (!w || s.disconnected) continue;
      try {
        if (w.isConnected()) w.send(POLL, undefined, ignore);
      } catch {
        // channel closing: the exit event will follow
      }
    }
  };

  /** The workers' core count (from their reports; the default until one reports). */
  const coreCount = (): number => knownCores || DEFAULT_MAX_CORES;
  const build = (): EmitterDocument => {
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
  const memos = [{}, {}] as [{ last?: DocMemo }, { last?: DocMemo }];
  const render = (minified: boolean): Buffer => {
    const q = sampler.figures();
    const head = buildDocument({ identity: processIdentity(), listenQueue: q.listenQueue, listenQueueErrors: q.listenQueueErrors, sockets: q.sockets, workers: [] });
    if (minified) miniReadAt = Date.now();
    else prettyReadAt = Date.now();
    return renderSlots(renderHead(head, minified), slots, coreCount(), minified, memos[minified ? 1 : 0]);
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
    sampler.close();
  };

  const server = await serveSource(source, opts.listen, { stop: detach });
  return {
    ...server,
    slots: () =>
      slots.map((s) => ({ id: s.id, pid: s.worker ? s.pid : 0, respawnCount: s.respawnCount, lastSpawn: s.lastSpawn, clusterWorkerId: s.worker?.id })),
    poll,
  };
}

const SEPARATOR = [Buffer.from(workerSeparator(false)), Buffer.from(workerSeparator(true))] as const;
const TAIL = [Buffer.from(renderTail(false)), Buffer.from(renderTail(true))] as const;

/** The last document a read produced, in one layout, and what it was made of. */
interface DocMemo {
  head: string;
  idleCores: number;
  vers: number[];
  bytes: Buffer;
}

/**
 * The document's bytes from its head and the slots (each slot re-rendered
 * only if it changed since it was last rendered). With `memo`: the previous
 * read's bytes again when neither the head nor any slot changed since.
 */
function renderSlots(head: string, slots: readonly Slot[], idleCores: number, minified: boolean, memo?: { last?: DocMemo }): Buffer {
  const last = memo?.last;
  if (last !== undefined && last.head === head && last.idleCores === idleCores && last.vers.length === slots.length) {
    let same = true;
    for (let i = 0; i < slots.length && same; i++) same = slots[i]!.ver === last.vers[i];
    if (same) return last.bytes;
  }
  const m = minified ? 1 : 0;
  const parts: Buffer[] = new Array<Buffer>(slots.length * 2 + 2);
  parts[0] = Buffer.from(head);
  let k = 1;
  for (let i = 0; i < slots.length; i++) {
    if (i > 0) parts[k++] = SEPARATOR[m];
    parts[k++] = slotJson(slots[i]!, idleCores, minified);
  }
  parts[k++] = TAIL[m];
  parts.length = k;
  const bytes = Buffer.concat(parts);
  if (memo !== undefined) memo.last = { head, idleCores, vers: slots.map((s) => s.ver), bytes };
  return bytes;
}

/** @internal exported for the bench and tests: documents for synthetic slots. */
export const __testing = { newSlot, slotToWorker, setReport, acceptReport, renderSlots };
