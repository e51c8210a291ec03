/**
 * Fleet refresh benchmark (issue 13, point 6). First 1,000 targets at 1 Hz:
 * unix-socket stats servers in a child process, the fleet (poller tick,
 * per-target verdicts, the TUI table's visible rows) beside the floor (the
 * minimal reader: connect + read + JSON.parse of all of them) and beside the
 * same fleet with 50 dead and 50 hanging targets among them; then the same
 * fleet and floor over 1,000 servers whose document changes on every read
 * (counters advancing), where an unchanged answer's shortcut never applies;
 * three runs, medians of refresh time and of CPU (% of a core). Then the older part:
 * how long one fleet refresh takes with 50 targets —
 * 49 small, fast stats servers on 127.0.0.1 serving a real uWSGI document
 * (fixtures/uwsgi/idle-4p.json) and 1 that accepts and never answers.
 *
 * The servers run in a child process (so their work does not share the
 * poller's event loop). Scenarios, run round-robin one refresh at a time so
 * they share the machine's conditions (ratios are side by side):
 *  - fleet 49: FleetPoller over the 49 fast servers;
 *  - fleet 49 + 1 hanging: the same plus the hanging one (it must cost nothing);
 *  - sequential 49: the naive loop (fetchStats one target after the other);
 *  - the same two over 49 servers that answer 5 ms after connecting (a
 *    stand-in for network latency), for the concurrency ratio.
 * One refresh = tick() (reads) + buildFleetView + renderFleetText (200
 * columns). Writes bench/results/fleet.md.
 *
 *   node dist/bench/fleet.js [--quick] [--big-only] [--runs 3] [--seconds 30] [--warm 5]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FleetPoller } from '../src/fleet/poller.js';
import { parseTargets, type Target } from '../src/fleet/targets.js';
import { buildFleetView } from '../src/fleet/view.js';
import { FleetDiagnosis } from '../src/fleet/diagnosis.js';
import { buildFleetTable, fleetRowLine, fleetTitleLine, fleetTotalsLine } from '../src/tui/fleet/table.js';
import { makeTheme } from '../src/tui/theme.js';
import type { FleetView } from '../src/fleet/view.js';
import { renderFleetText } from '../src/fleet/render.js';
import { quantiles } from './stats.js';
import { fetchStats } from '../src/protocol/reader.js';
import { numArg } from './args.js';

const FAST = 49;
const INTERVAL_MS = 250;
const TIMEOUT_MS = 5000;
/** Simulated network latency of the second set of servers. */
const LATENCY_MS = 5;
/** Scenarios run round-robin, one refresh each, GAP_MS apart: each one refreshes every SCENARIOS × GAP_MS. */
const GAP_MS = 50;
/** The big fleet: this many answering targets, and (in the "with dead and hanging" scenario) BIG_BAD dead and BIG_BAD hanging ones among them. */
const BIG = 1000;
const BIG_BAD = 50;
const FIXTURE = fileURLToPath(new URL('../../fixtures/uwsgi/idle-4p.json', import.meta.url));

// ---- child: the servers

/** Processes serving the 1,000-target servers (each server i in process i mod SERVER_PROCS): more than one, as 1,000 uWSGI masters would be, so a loaded machine starves them less. */
const SERVER_PROCS = 4;

/** What one server process serves: the small part's ports (process 0 only) and its share of the big fleet's sockets, as [index, path]. */
interface Served {
  ports: number[];
  slowPorts: number[];
  hangPort: number;
  big: [number, string][];
  changing: [number, string][];
  hang: [number, string][];
}

/** Server process `part` of `parts` (`--serve PART PARTS DIR`): its share of the servers, in DIR. */
async function serve(part: number, parts: number, dir: string): Promise<void> {
  const doc = readFileSync(FIXTURE);
  const ports: number[] = [];
  const servers: net.Server[] = [];
  const listen = (s: net.Server): Promise<number> =>
    new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));
  const small = part === 0 ? FAST : 0;
  for (let i = 0; i < small; i++) {
    const s = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.end(doc);
    });
    servers.push(s);
    ports.push(await listen(s));
  }
  // The same, answering LATENCY_MS after the connection (a stand-in for a network round trip).
  const slowPorts: number[] = [];
  for (let i = 0; i < small; i++) {
    const s = net.createServer((sock) => {
      sock.on('error', () => {});
      setTimeout(() => sock.end(doc), LATENCY_MS);
    });
    servers.push(s);
    slowPorts.push(await listen(s));
  }
  const held = new Set<net.Socket>();
  const hang = net.createServer((sock) => {
    held.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => held.delete(sock));
  });
  servers.push(hang);
  const hangPort = part === 0 ? await listen(hang) : 0;
  // The 1,000-target fleet: unix sockets in a temp dir (a descriptor each, not a port each).
  const bigPaths: [number, string][] = [];
  const hangPaths: [number, string][] = [];
  const listenPath = (s: net.Server, p: string): Promise<void> => new Promise((resolve) => s.listen(p, () => resolve()));
  for (let i = part; i < BIG; i += parts) {
    const s = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.end(doc);
    });
    servers.push(s);
    const p = join(dir, `s${i}.sock`);
    await listenPath(s, p);
    bigPaths.push([i, p]);
  }
  // The same number of servers whose document changes on every read: counters advancing (advancing()).
  const changingPaths: [number, string][] = [];
  const next = advancing(doc);
  for (let i = part; i < BIG; i += parts) {
    let n = 0;
    const s = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.end(next(++n));
    });
    servers.push(s);
    const p = join(dir, `c${i}.sock`);
    await listenPath(s, p);
    changingPaths.push([i, p]);
  }
  for (let i = part; i < BIG_BAD; i += parts) {
    const s = net.createServer((sock) => {
      held.add(sock);
      sock.on('error', () => {});
      sock.on('close', () => held.delete(sock));
    });
    servers.push(s);
    const p = join(dir, `hang${i}.sock`);
    await listenPath(s, p);
    hangPaths.push([i, p]);
  }
  const served: Served = { ports, slowPorts, hangPort, big: bigPaths, changing: changingPaths, hang: hangPaths };
  process.stdout.write(JSON.stringify(served) + '\n');
  // Run until the parent closes our stdin.
  process.stdin.resume();
  process.stdin.on('end', () => {
    for (const s of held) s.destroy();
    for (const s of servers) s.close();
    process.exit(0);
  });
}

/**
 * The document `doc` at its n-th read by a busy server: every worker's, core's and app's `requests`
 * grows by 3 per read, `tx` by 4096 and `running_time` by 30 ms (the rest as captured). Every read
 * of a server gets new bytes of the same length class, so nothing can be reused from the last read.
 */
function advancing(doc: Buffer): (n: number) => Buffer {
  const text = doc.toString('utf8');
  const parts: string[] = [];
  const bases: number[] = [];
  const steps: number[] = [];
  let last = 0;
  for (const m of text.matchAll(/"(requests|tx|running_time)": ?(\d+)/g)) {
    const at = m.index + m[0].length - m[2]!.length;
    parts.push(text.slice(last, at));
    bases.push(Number(m[2]));
    steps.push(m[1] === 'requests' ? 3 : m[1] === 'tx' ? 4096 : 30_000);
    last = at + m[2]!.length;
  }
  const tail = text.slice(last);
  if (parts.length === 0) throw new Error('no counters to advance in the fixture');
  return (n) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) out += parts[i]! + String(bases[i]! + n * steps[i]!);
    return Buffer.from(out + tail);
  };
}

// ---- parent: the measurement

// ---- the 1,000-target fleet at 1 Hz, beside the floor

/** The floor's read (bench/floor.ts): connect, read to EOF, JSON.parse; nothing else. */
function floorRead(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(path);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => resolve(false));
    s.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve(true);
      } catch {
        resolve(false);
      }
    });
  });
}

/** The transport alone: connect and read to EOF (the bytes counted, then dropped); no decoding, no parse. */
function transportRead(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    let n = 0;
    const s = net.connect(path);
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('error', () => resolve(false));
    s.on('end', () => resolve(n > 0));
  });
}

interface BigScenario {
  name: string;
  note: string;
  refresh(): Promise<{ tick: number; model: number; render: number; up: number; of: number }>;
  close(): Promise<void>;
}

interface BigResult {
  total: number[];
  tick: number[];
  model: number[];
  render: number[];
  /** CPU ms of the scenario's own process over the measured seconds (all its threads). */
  cpuMs: number;
  /** Measured seconds. */
  windows: number;
  /** The scenario process's RSS at the end, MB. */
  rssMB: number;
  first: number;
  up: number;
  of: number;
}

/** The terminal of the TUI frame: 160 columns, the table's 45 visible rows. */
const TUI_COLS = 160;
const TUI_ROWS = 45;
const theme = makeTheme(true);

/** What the fleet view draws of one refresh: its table (filter, sort, short labels, fitted columns) and the visible rows, as tagged text. */
function tuiFrame(view: FleetView): string {
  const t = buildFleetTable({ view, width: TUI_COLS, sortId: undefined, reverse: false, filter: '' });
  let out = fleetTitleLine(t, TUI_COLS, theme);
  for (let i = 0; i < Math.min(t.rows.length, TUI_ROWS); i++) out += fleetRowLine(t, t.rows[i]!, TUI_COLS, theme, view.at, i === 0);
  return out + fleetTotalsLine(t, view.totals, TUI_COLS, theme, view.at);
}

/** What the TUI's session does each refresh (poller tick, per-target verdicts) and the fleet view's table (tuiFrame). */
function bigFleet(name: string, note: string, targets: Target[]): BigScenario {
  const poller = new FleetPoller({ targets, intervalMs: 1000, timeoutMs: TIMEOUT_MS });
  const diagnosis = new FleetDiagnosis();
  return {
    name,
    note,
    async refresh() {
      const t0 = performance.now();
      const snap = await poller.tick();
      const t1 = performance.now();
      const view = diagnosis.view(snap);
      const t2 = performance.now();
      const text = tuiFrame(view);
      const t3 = performance.now();
      if (text.length === 0) throw new Error('empty table');
      return { tick: t1 - t0, model: t2 - t1, render: t3 - t2, up: view.totals.up, of: targets.length };
    },
    close: () => poller.close(),
  };
}

function bigFloor(paths: string[], name = `floor ${paths.length}`): BigScenario {
  return {
    name,
    note: 'the minimal reader: connect + read to EOF + JSON.parse of every target at once, nothing else',
    async refresh() {
      const t0 = performance.now();
      const ok = await Promise.all(paths.map(floorRead));
      return { tick: performance.now() - t0, model: NaN, render: NaN, up: ok.filter(Boolean).length, of: paths.length };
    },
    close: async () => {},
  };
}

function bigTransport(paths: string[], name = `transport ${paths.length}`): BigScenario {
  return {
    name,
    note: 'the transport alone: connect + read to EOF of every target at once (the bytes counted and dropped), no decoding, no JSON.parse',
    async refresh() {
      const t0 = performance.now();
      const ok = await Promise.all(paths.map(transportRead));
      return { tick: performance.now() - t0, model: NaN, render: NaN, up: ok.filter(Boolean).length, of: paths.length };
    },
    close: async () => {},
  };
}

/** What a scenario's process is told: its scenario, its place in the turn, the schedule. */
interface BigSpec {
  name: string;
  note: string;
  kind: 'fleet' | 'floor' | 'transport';
  /** The targets, one a line (a fleet's targets file; the floor's socket paths). */
  lines: string[];
}

/** Wall-clock ms since the epoch with sub-ms precision, the same clock in every process. */
const wallNow = (): number => performance.timeOrigin + performance.now();
const sleepUntilWall = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - wallNow())));

/**
 * A scenario's own process (`--scenario`): reads its BigSpec and place from stdin, sets up, says
 * "ready", waits for "go T0", then refreshes once a second at T0 + (second × N + k) × slot, and
 * finally writes its BigResult. Its CPU is this whole process's (all threads: GC and JIT included)
 * from its first measured refresh to the end of the last measured second: another scenario's
 * garbage or compiling is never counted in it.
 */
async function scenarioChild(): Promise<void> {
  const rl = createInterface({ input: process.stdin });
  const lines = rl[Symbol.asyncIterator]();
  const first = await lines.next();
  const { spec, k, n, warm, seconds } = JSON.parse(String(first.value)) as { spec: BigSpec; k: number; n: number; warm: number; seconds: number };
  const sc =
    spec.kind === 'fleet' ? bigFleet(spec.name, spec.note, parseTargets(spec.lines.join('\n'), 'bench')) : spec.kind === 'transport' ? bigTransport(spec.lines, spec.name) : bigFloor(spec.lines, spec.name);
  process.stdout.write('ready\n');
  const go = await lines.next();
  const t0 = Number(/^go (\S+)$/.exec(String(go.value))?.[1]);
  if (!Number.isFinite(t0)) throw new Error(`scenario ${spec.name}: expected "go T0", got ${String(go.value)}`);
  const slot = 1000 / n;
  const o: BigResult = { total: [], tick: [], model: [], render: [], cpuMs: 0, windows: 0, first: NaN, up: 0, of: 0, rssMB: 0 };
  let c0: NodeJS.CpuUsage | undefined;
  for (let sec = 0; sec < warm + seconds; sec++) {
    await sleepUntilWall(t0 + (sec * n + k) * slot);
    if (sec === warm) c0 = process.cpuUsage();
    const a = performance.now();
    const r = await sc.refresh();
    const total = performance.now() - a;
    if (sec === 0) o.first = total;
    o.up = r.up;
    o.of = r.of;
    if (sec >= warm) {
      o.total.push(total);
      o.tick.push(r.tick);
      o.model.push(r.model);
      o.render.push(r.render);
    }
  }
  await sleepUntilWall(t0 + ((warm + seconds) * n + k) * slot);
  const c = process.cpuUsage(c0);
  o.cpuMs = (c.user + c.system) / 1000;
  o.windows = seconds;
  o.rssMB = process.memoryUsage().rss / 1048576;
  await sc.close();
  process.stdout.write(JSON.stringify(o) + '\n');
  rl.close();
}

/**
 * One run: each scenario in its own process, all at once; each refreshes once a second, taking turns
 * 1000/N ms apart (so they share the machine's conditions). Returns their results in `specs` order.
 */
async function measureBig(specs: BigSpec[], warm: number, seconds: number): Promise<BigResult[]> {
  const self = fileURLToPath(import.meta.url);
  const kids = specs.map((spec, k) => {
    const c = spawn(process.execPath, [self, '--scenario'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out = createInterface({ input: c.stdout! })[Symbol.asyncIterator]();
    c.stdin!.write(JSON.stringify({ spec, k, n: specs.length, warm, seconds }) + '\n');
    const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
    return { c, out, exited, spec };
  });
  const line = async (kid: (typeof kids)[number]): Promise<string> => {
    const r = await Promise.race([kid.out.next(), kid.exited.then(() => ({ done: true, value: undefined }))]);
    if (r.done) throw new Error(`scenario ${kid.spec.name}: its process ended early`);
    return String(r.value);
  };
  for (const kid of kids) if ((await line(kid)) !== 'ready') throw new Error(`scenario ${kid.spec.name}: not ready`);
  const t0 = wallNow() + 500;
  for (const kid of kids) kid.c.stdin!.write(`go ${t0}\n`);
  const results: BigResult[] = [];
  // JSON has no NaN (a floor's model and render times): null back to NaN.
  for (const kid of kids) results.push(JSON.parse(await line(kid), (_k, v: unknown) => (v === null ? NaN : v)) as BigResult);
  for (const kid of kids) {
    kid.c.stdin!.end();
    await kid.exited;
  }
  return results;
}

const median = (xs: number[]): number => quantiles(xs).median;


function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

interface Samples {
  tick: number[];
  model: number[];
  render: number[];
  total: number[];
  cpu: number;
  first: number;
  up: number;
  of: number;
}

/** One scenario: a refresh function measured into its own samples. */
interface Scenario {
  name: string;
  note: string;
  refresh(): Promise<{ tick: number; model: number; render: number; up: number; of: number }>;
  s: Samples;
  close(): Promise<void>;
}

function fleetScenario(name: string, note: string, targets: Target[]): Scenario {
  const poller = new FleetPoller({ targets, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS });
  return {
    name,
    note,
    s: { tick: [], model: [], render: [], total: [], cpu: 0, first: 0, up: 0, of: targets.length },
    async refresh() {
      const t0 = performance.now();
      const snap = await poller.tick();
      const t1 = performance.now();
      const view = buildFleetView(snap);
      const t2 = performance.now();
      const text = renderFleetText(view, { width: 200 });
      const t3 = performance.now();
      if (text.length === 0) throw new Error('empty table');
      return { tick: t1 - t0, model: t2 - t1, render: t3 - t2, up: view.totals.up, of: targets.length };
    },
    close: () => poller.close(),
  };
}

function sequentialScenario(name: string, note: string, targets: Target[]): Scenario {
  return {
    name,
    note,
    s: { tick: [], model: [], render: [], total: [], cpu: 0, first: 0, up: 0, of: targets.length },
    async refresh() {
      const t0 = performance.now();
      let up = 0;
      for (const t of targets) {
        await fetchStats(t.address, { timeoutMs: TIMEOUT_MS });
        up++;
      }
      return { tick: performance.now() - t0, model: NaN, render: NaN, up, of: targets.length };
    },
    close: async () => {},
  };
}

async function measure(scenarios: Scenario[], refreshes: number): Promise<void> {
  const warm = Math.max(2, Math.floor(refreshes * 0.1));
  for (let i = 0; i < refreshes + warm; i++) {
    for (const sc of scenarios) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await sc.refresh();
      const total = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (i === 0) sc.s.first = total;
      sc.s.up = r.up;
      if (i >= warm) {
        sc.s.tick.push(r.tick);
        sc.s.model.push(r.model);
        sc.s.render.push(r.render);
        sc.s.total.push(total);
        sc.s.cpu += (c.user + c.system) / 1000;
      }
      await new Promise((res) => setTimeout(res, Math.max(0, t0 + GAP_MS - performance.now())));
    }
  }
}

function cell(xs: number[]): string {
  if (xs.length === 0 || xs.every((x) => Number.isNaN(x))) return '';
  const st = quantiles(xs);
  return `${fmt(st.median)} / ${fmt(st.p95)}`;
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}


/** `n` distinct ports on 127.0.0.1 that nothing listens on (all bound at once, then closed): connections are refused. */
async function closedPorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => net.createServer());
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

function fdLimit(): string {
  try {
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? `${m[1]} (hard ${m[2]})` : '?';
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const si = process.argv.indexOf('--serve');
  if (si >= 0) return serve(Number(process.argv[si + 1]), Number(process.argv[si + 2]), process.argv[si + 3]!);
  if (process.argv.includes('--scenario')) return scenarioChild();
  const quick = process.argv.includes('--quick');
  const bigOnly = process.argv.includes('--big-only');
  const refreshes = quick ? 20 : 80;
  const runs = numArg('--runs', quick ? 1 : 3);
  const seconds = numArg('--seconds', quick ? 10 : 30);
  const warmS = numArg('--warm', 5);

  const dir = mkdtempSync(join(os.tmpdir(), 'tsgitop-fleet-'));
  const children = Array.from({ length: SERVER_PROCS }, (_, part) =>
    spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', String(part), String(SERVER_PROCS), dir], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const parts = await Promise.all(
    children.map(
      (child) =>
        new Promise<Served>((resolve, reject) => {
          const rl = createInterface({ input: child.stdout! });
          rl.once('line', (l) => {
            rl.close();
            resolve(JSON.parse(l) as Served);
          });
          child.once('exit', (code) => reject(new Error(`server child exited with ${String(code)}`)));
        }),
    ),
  );
  const { ports, slowPorts, hangPort } = parts[0]!;
  const merged = (pick: (p: Served) => [number, string][]): string[] => parts.flatMap(pick).sort((a, b) => a[0] - b[0]).map(([, path]) => path);
  const bigPaths = merged((p) => p.big);
  const changingPaths = merged((p) => p.changing);
  const hangPaths = merged((p) => p.hang);
  const list = (ps: number[], prefix: string): string => ps.map((p, i) => `${prefix}${String(i + 1).padStart(2, '0')} = 127.0.0.1:${p}`).join('\n');
  const fast = parseTargets(list(ports, 's'), 'bench');
  const withHang = parseTargets(`${list(ports, 's')}\nhang = 127.0.0.1:${hangPort}`, 'bench');
  const slow = parseTargets(list(slowPorts, 'l'), 'bench');
  // No labels: each target is its address, as with \`tsgitop ADDR …\` (the fleet shortens them against each other).
  const bigText = bigPaths.slice();
  // 900 answering, 25 dead unix sockets (no such file), 25 dead TCP ports (refused), 50 hanging; spread through the list.
  const deadPorts = await closedPorts(BIG_BAD / 2);
  const bad: string[] = [
    ...Array.from({ length: BIG_BAD / 2 }, (_, i) => join(dir, `dead${i}.sock`)),
    ...deadPorts.map((p) => `127.0.0.1:${p}`),
    ...hangPaths,
  ];
  const mixed = bigText.slice(0, BIG - 2 * BIG_BAD);
  bad.forEach((b, i) => mixed.splice(Math.floor(((i + 0.5) * mixed.length) / bad.length) + i, 0, b));

  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const cpuModel = os.cpus()[0]?.model ?? '?';
  const command = `npm run build && node dist/bench/fleet.js${quick ? ' --quick' : ''}${bigOnly ? ' --big-only' : ''} (also \`npm run bench -- fleet\`)`;
  let md = `# Fleet refresh benchmark

Command: \`${command}\`

Machine: nproc ${sh('nproc', [])}, ${cpuModel}, node ${process.version}, ${os.platform()} ${os.release()}, open files limit ${fdLimit()}, load average ${load} at start (other work shares the machine: treat absolute times as noisy), ${new Date().toISOString()}
`;
  try {
    // ---- 1,000 targets at 1 Hz (issue 13, point 6)
    const bigRuns: BigResult[][] = [];
    let names: { name: string; note: string }[] = [];
    for (let k = 0; k < runs; k++) {
      const specs: BigSpec[] = [
        { name: `fleet ${BIG}`, note: `${BIG} answering servers (idle: the same answer every time)`, kind: 'fleet', lines: bigText },
        { name: `floor ${BIG}`, note: 'the minimal reader: connect + read to EOF + JSON.parse of every target at once, nothing else', kind: 'floor', lines: bigPaths },
        {
          name: `fleet ${BIG}, ${2 * BIG_BAD} bad`,
          note: `${BIG - 2 * BIG_BAD} answering + ${BIG_BAD / 2} dead unix (no file) + ${BIG_BAD / 2} dead TCP (refused) + ${BIG_BAD} hanging (accept, never answer)`,
          kind: 'fleet',
          lines: mixed,
        },
        { name: `fleet ${BIG}, changing`, note: `${BIG} answering servers whose document changes on every read (counters advancing): every answer is parsed and every view built`, kind: 'fleet', lines: changingPaths },
        { name: `floor ${BIG}, changing`, note: 'the minimal reader over the changing servers', kind: 'floor', lines: changingPaths },
        {
          name: `transport ${BIG}`,
          note: 'the transport alone, under every reader above: connect + read to EOF of the idle servers (bytes counted and dropped), no decoding, no JSON.parse',
          kind: 'transport',
          lines: bigPaths,
        },
      ];
      // The order alternates between runs.
      if (k % 2 === 1) specs.reverse();
      const res = await measureBig(specs, warmS, seconds);
      const byName = new Map(specs.map((sc, i) => [sc.name, res[i]!]));
      if (k === 0) names = [...byName.keys()].sort().map((n) => ({ name: n, note: specs.find((s) => s.name === n)!.note }));
      bigRuns.push(names.map((n) => byName.get(n.name)!));
      process.stderr.write(`bench/fleet: 1000-target run ${k + 1}/${runs} done\n`);
    }
    const idx = (n: string): number => names.findIndex((x) => x.name === n);
    const iFleet = idx(`fleet ${BIG}`);
    const iFloor = idx(`floor ${BIG}`);
    const iMixed = idx(`fleet ${BIG}, ${2 * BIG_BAD} bad`);
    const iChanging = idx(`fleet ${BIG}, changing`);
    const iFloorChanging = idx(`floor ${BIG}, changing`);
    const iTransport = idx(`transport ${BIG}`);
    const pct = (r: BigResult): number => r.cpuMs / r.windows / 10;
    const perRun = bigRuns.map((run, k) => {
      const f = run[iFleet]!;
      const fl = run[iFloor]!;
      const m = run[iMixed]!;
      const c = run[iChanging]!;
      const cf = run[iFloorChanging]!;
      return {
        k,
        refresh: median(f.total),
        floor: median(fl.total),
        mixed: median(m.total),
        cpu: pct(f),
        cpuFloor: pct(fl),
        cpuMixed: pct(m),
        changing: median(c.total),
        floorChanging: median(cf.total),
        cpuChanging: pct(c),
        cpuFloorChanging: pct(cf),
        cpuTransport: pct(run[iTransport]!),
      };
    });
    const M = (f: (r: (typeof perRun)[number]) => number): number => median(perRun.map(f));
    const refreshMed = M((r) => r.refresh);
    const mixedMed = M((r) => r.mixed);
    const cpuMed = M((r) => r.cpu);
    const cpuMixedMed = M((r) => r.cpuMixed);
    const changingMed = M((r) => r.changing);
    const cpuChangingMed = M((r) => r.cpuChanging);
    const slotMs = Math.round(1000 / names.length);
    const rowsBig = bigRuns.flatMap((run, k) =>
      names.map((n, i) => {
        const r = run[i]!;
        return `| ${k + 1} | ${n.name} | ${r.up}/${r.of} | ${fmt(r.first)} | **${cell(r.total)}** | ${fmt(quantiles(r.total).max)} | ${cell(r.tick)} | ${cell(r.model)} | ${cell(r.render)} | **${pct(r).toFixed(2)} %** | ${r.rssMB.toFixed(0)} |`;
      }),
    );
    md += `
## 1,000 targets at 1 Hz (issue 13, point 6)

Targets: ${BIG} stats servers on **unix sockets in a temp dir** in ${SERVER_PROCS} child processes (server i in process i mod ${SERVER_PROCS}; one descriptor each, no ports), each answering every connection
with the real uWSGI 2.0.21 document \`fixtures/uwsgi/idle-4p.json\` (${readFileSync(FIXTURE).length} bytes, 4 workers), plus ${BIG_BAD} that accept and never answer,
plus ${BIG} more whose document changes on every read (every \`requests\` counter + 3, \`tx\` + 4096, \`running_time\` + 30 ms per read).
Scenarios, side by side in one run, **each in its own process** (started together, the same modules loaded), each refreshing once a second, taking turns ${slotMs} ms apart (the order alternates between runs):
${names.map((n) => `- **${n.name}**: ${n.note}`).join('\n')}

The issue's scenario is the first: idle servers answer the same bytes read after read (an idle uWSGI does too: its counters,
pids and queues stand still), and tsgitop does not parse, validate or model again what did not change since the last read —
an answer byte for byte the same as the target's last one is its last document, read at the new time (rates 0 over the new interval,
ages, states, verdicts and events as a full parse would give them: test/fleet/retime.test.ts, test/fleet/same-bytes.test.ts).
The floor parses every answer. The **changing** pair shows the other extreme, where every answer is new and the shortcut never applies.

One fleet refresh = \`FleetPoller.tick()\` (starts a read of every target, returns when the fresh reads are in; per-target timeout ${TIMEOUT_MS / 1000} s,
at most 256 reads in flight for the targets that answered last time and 256 for the others) + \`FleetDiagnosis.view\` (the rows and each target's verdict, as the TUI's session does) + the fleet view's table
(\`buildFleetTable\`: labels shortened against each other, columns fitted to ${TUI_COLS} cells; then the title, the ${TUI_ROWS} visible rows and the totals as tagged text —
what the TUI formats; blessed's own drawing is not included). The targets have no labels: each is its socket path, as with \`tsgitop PATH …\`. The floor's refresh = all its reads, concurrently. Times in ms, median / p95 over ${seconds} refreshes after
${warmS} s of warm-up; "first" = the very first refresh. **CPU** = user + system CPU time of the scenario's whole process (\`process.cpuUsage\`: all its threads, GC and JIT included)
over the ${seconds} measured seconds, divided by ${seconds} s: % of one core at 1 Hz — its refreshes, the reads they left running and everything else the process does; no other scenario's
garbage or compiling is counted in it. RSS = the scenario process's resident memory at the end.

| run | scenario | up (last) | first | **refresh** | max | reads (tick) | model | render | **CPU, % of a core** | RSS MB |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rowsBig.join('\n')}

Per run, each fleet against its floor in the same run:

| run | fleet refresh | floor | ratio | fleet CPU | floor CPU | ratio | 100 bad: refresh | CPU | changing: refresh | floor | ratio | changing: CPU | floor CPU | ratio |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${perRun.map((r) => `| ${r.k + 1} | ${fmt(r.refresh)} ms | ${fmt(r.floor)} ms | ${(r.refresh / r.floor).toFixed(2)}× | ${r.cpu.toFixed(2)} % | ${r.cpuFloor.toFixed(2)} % | ${(r.cpu / r.cpuFloor).toFixed(2)}× | ${fmt(r.mixed)} ms | ${r.cpuMixed.toFixed(2)} % | ${fmt(r.changing)} ms | ${fmt(r.floorChanging)} ms | ${(r.changing / r.floorChanging).toFixed(2)}× | ${r.cpuChanging.toFixed(2)} % | ${r.cpuFloorChanging.toFixed(2)} % | ${(r.cpuChanging / r.cpuFloorChanging).toFixed(2)}× |`).join('\n')}

**Medians of ${runs} runs, the issue's scenario (idle servers): one refresh of ${BIG} targets ${fmt(refreshMed)} ms** (target < 100 ms: ${refreshMed < 100 ? 'met' : 'NOT met'}; the floor ${fmt(M((r) => r.floor))} ms, ×${M((r) => r.refresh / r.floor).toFixed(2)});
**CPU ${cpuMed.toFixed(2)} % of a core at 1 Hz** (target < 5 %: ${cpuMed < 5 ? 'met' : 'NOT met'}; the floor ${M((r) => r.cpuFloor).toFixed(2)} %, ×${M((r) => r.cpu / r.cpuFloor).toFixed(2)}).
**With ${BIG_BAD} dead and ${BIG_BAD} hanging targets among them: ${fmt(mixedMed)} ms** per refresh (×${M((r) => r.mixed / r.refresh).toFixed(2)} the all-answering fleet; ${cpuMixedMed.toFixed(2)} % of a core):
the bad targets are read in the background and never waited for after the first refresh (${fmt(median(bigRuns.map((run) => run[iMixed]!.first)))} ms median, which waits at most one interval for targets never read).
**Every document changing on every read: ${fmt(changingMed)} ms** per refresh (the floor ${fmt(M((r) => r.floorChanging))} ms, ×${M((r) => r.changing / r.floorChanging).toFixed(2)}),
**${cpuChangingMed.toFixed(2)} % of a core** (${cpuChangingMed < 5 ? 'under' : 'over'} the 5 %; the floor ${M((r) => r.cpuFloorChanging).toFixed(2)} %, ×${M((r) => r.cpuChanging / r.cpuFloorChanging).toFixed(2)}).
**The transport alone** (connect + read to EOF of the same ${BIG} idle servers, nothing decoded or parsed) **costs ${M((r) => r.cpuTransport).toFixed(2)} % of a core**
(per run: ${perRun.map((r) => `${r.cpuTransport.toFixed(2)} %`).join(', ')}): the fleet's CPU is ×${M((r) => r.cpu / r.cpuTransport).toFixed(2)} of it and the floor's ×${M((r) => r.cpuFloor / r.cpuTransport).toFixed(2)};
what tsgitop adds over the transport (comparing, retiming, verdicts, the table) is ${M((r) => r.cpu - r.cpuTransport).toFixed(2)} % of a core, ${fmt((M((r) => r.cpu - r.cpuTransport) * 10 * 1000) / BIG)} µs per target per refresh
(the floor's JSON.parse and buffers over the transport: ${M((r) => r.cpuFloor - r.cpuTransport).toFixed(2)} %).${M((r) => r.cpuTransport) >= 5 ? ` The transport alone is over the 5 %: no Node reader that connects to ${BIG} sockets a second meets the absolute target on this machine.` : ''}
Load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.
${M((r) => r.floor) >= 100 || M((r) => r.cpuFloor) >= 5 ? `
The floor itself — no validation, no model, no screen — ${M((r) => r.floor) >= 100 ? `takes ${fmt(M((r) => r.floor))} ms` : ''}${M((r) => r.floor) >= 100 && M((r) => r.cpuFloor) >= 5 ? ' and ' : ''}${M((r) => r.cpuFloor) >= 5 ? `costs ${M((r) => r.cpuFloor).toFixed(2)} % of a core` : ''} here:
on this shared machine connecting to and reading ${BIG} sockets a second is at or beyond the absolute thresholds by itself; what tsgitop adds is the ratio
to the floor in the same run.
` : ''}`;

    if (!bigOnly) md += await smallSection(fast, withHang, slow, refreshes);
    const outDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(`${outDir}fleet.md`, md);
    process.stdout.write(md);
  } finally {
    for (const child of children) {
      child.stdin!.end();
      await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The 49-target scenarios (round-robin, 50 ms apart): concurrency and a hanging target at small scale. */
async function smallSection(fast: Target[], withHang: Target[], slow: Target[], refreshes: number): Promise<string> {
  const scenarios = [
    fleetScenario(`fleet ${FAST}`, `${FAST} fast servers`, fast),
    fleetScenario(`fleet ${FAST} + 1 hanging`, `the same + 1 that never answers`, withHang),
    sequentialScenario(`sequential ${FAST}`, 'naive loop, one read after the other', fast),
    fleetScenario(`fleet ${FAST}, ${LATENCY_MS} ms latency`, `${FAST} servers answering ${LATENCY_MS} ms after connect`, slow),
    sequentialScenario(`sequential ${FAST}, ${LATENCY_MS} ms latency`, 'naive loop over the same', slow),
  ];
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  await measure(scenarios, refreshes);
  for (const sc of scenarios) await sc.close();
  const med = (sc: Scenario): number => quantiles(sc.s.total).median;
  const [a, b, seq, lat, seqLat] = scenarios as [Scenario, Scenario, Scenario, Scenario, Scenario];
  const rows = scenarios.map(
    (sc) =>
      `| ${sc.name} | ${sc.note} | ${sc.s.up}/${sc.s.of} | ${fmt(sc.s.first)} | **${cell(sc.s.total)}** | ${fmt(quantiles(sc.s.total).max)} | ${cell(sc.s.tick)} | ${cell(sc.s.model)} | ${cell(sc.s.render)} | ${fmt(sc.s.cpu / sc.s.total.length)} |`,
  );
  return `
## 49 targets, concurrency and one hanging target

Load average ${load} at the start of this part.
Targets: stats servers on 127.0.0.1 in a child process (their work does not share tsgitop's event loop), each
answering every connection with a real uWSGI 2.0.21 document (\`fixtures/uwsgi/idle-4p.json\`, ${readFileSync(FIXTURE).length} bytes, 4 workers);
one more accepts and never answers. Per-target timeout ${TIMEOUT_MS / 1000} s. The scenarios run round-robin, one
refresh each ${GAP_MS} ms apart (each scenario refreshes about every ${scenarios.length * GAP_MS} ms), so they share the same
machine conditions. One refresh = \`FleetPoller.tick()\` (returns when the fresh reads are in) +
\`buildFleetView\` + \`renderFleetText\` at 200 columns; "sequential" = \`fetchStats\` of every target one
after the other (reads only). Times in ms, median / p95 over ${refreshes} refreshes after a 10% warm-up; "first" = the
very first refresh (it also waits, at most one interval = ${INTERVAL_MS} ms, for targets never read before).
CPU = user + system CPU time of the tsgitop process per refresh.

| scenario | targets | up (last) | first | **refresh** | max | reads (tick) | model | render | CPU ms |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Side by side in this run:
- **a hanging target does not hold up the refresh**: ${fmt(med(b))} vs ${fmt(med(a))} ms median without it
  (×${(med(b) / med(a)).toFixed(2)}: one more row, and a new connection to it every ${TIMEOUT_MS / 1000} s). It is read in the background and never
  waited for after the first refresh (which waits at most one interval: ${fmt(b.s.first)} ms), where a naive loop would wait
  its ${TIMEOUT_MS / 1000} s timeout on every refresh.
- with ${LATENCY_MS} ms of latency per server, concurrent reads take ${fmt(med(lat))} ms against ${fmt(med(seqLat))} ms one after the other
  (×${(med(seqLat) / med(lat)).toFixed(1)}); on bare loopback, where a read is a few hundred µs of CPU (connect, JSON
  parse, validation) and nothing to wait for, concurrency gains less: ${fmt(med(a))} vs ${fmt(med(seq))} ms (×${(med(seq) / med(a)).toFixed(2)}).
`;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/fleet: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
