/**
 * Fleet refresh benchmark: how long one fleet refresh takes with 50 targets —
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
 *   node dist/bench/fleet.js [--quick]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FleetPoller } from '../src/fleet/poller.js';
import { parseTargets, type Target } from '../src/fleet/targets.js';
import { buildFleetView } from '../src/fleet/view.js';
import { renderFleetText } from '../src/fleet/render.js';
import { quantiles } from './stats.js';
import { fetchStats } from '../src/protocol/reader.js';

const FAST = 49;
const INTERVAL_MS = 250;
const TIMEOUT_MS = 5000;
/** Simulated network latency of the second set of servers. */
const LATENCY_MS = 5;
/** Scenarios run round-robin, one refresh each, GAP_MS apart: each one refreshes every SCENARIOS × GAP_MS. */
const GAP_MS = 50;
const FIXTURE = fileURLToPath(new URL('../../fixtures/uwsgi/idle-4p.json', import.meta.url));

// ---- child: the servers

async function serve(): Promise<void> {
  const doc = readFileSync(FIXTURE);
  const ports: number[] = [];
  const servers: net.Server[] = [];
  const listen = (s: net.Server): Promise<number> =>
    new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));
  for (let i = 0; i < FAST; i++) {
    const s = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.end(doc);
    });
    servers.push(s);
    ports.push(await listen(s));
  }
  // The same, answering LATENCY_MS after the connection (a stand-in for a network round trip).
  const slowPorts: number[] = [];
  for (let i = 0; i < FAST; i++) {
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
  const hangPort = await listen(hang);
  process.stdout.write(JSON.stringify({ ports, slowPorts, hangPort }) + '\n');
  // Run until the parent closes our stdin.
  process.stdin.resume();
  process.stdin.on('end', () => {
    for (const s of held) s.destroy();
    for (const s of servers) s.close();
    process.exit(0);
  });
}

// ---- parent: the measurement


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

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const quick = process.argv.includes('--quick');
  const refreshes = quick ? 20 : 80;

  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`server child exited with ${String(code)}`)));
  });
  const { ports, slowPorts, hangPort } = JSON.parse(line) as { ports: number[]; slowPorts: number[]; hangPort: number };
  const list = (ps: number[], prefix: string): string => ps.map((p, i) => `${prefix}${String(i + 1).padStart(2, '0')} = 127.0.0.1:${p}`).join('\n');
  const fast = parseTargets(list(ports, 's'), 'bench');
  const withHang = parseTargets(`${list(ports, 's')}\nhang = 127.0.0.1:${hangPort}`, 'bench');
  const slow = parseTargets(list(slowPorts, 'l'), 'bench');

  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const scenarios = [
    fleetScenario(`fleet ${FAST}`, `${FAST} fast servers`, fast),
    fleetScenario(`fleet ${FAST} + 1 hanging`, `the same + 1 that never answers`, withHang),
    sequentialScenario(`sequential ${FAST}`, 'naive loop, one read after the other', fast),
    fleetScenario(`fleet ${FAST}, ${LATENCY_MS} ms latency`, `${FAST} servers answering ${LATENCY_MS} ms after connect`, slow),
    sequentialScenario(`sequential ${FAST}, ${LATENCY_MS} ms latency`, 'naive loop over the same', slow),
  ];
  try {
    await measure(scenarios, refreshes);
    const med = (sc: Scenario): number => quantiles(sc.s.total).median;
    const [a, b, seq, lat, seqLat] = scenarios as [Scenario, Scenario, Scenario, Scenario, Scenario];
    const cpuModel = os.cpus()[0]?.model ?? '?';
    const rows = scenarios.map(
      (sc) =>
        `| ${sc.name} | ${sc.note} | ${sc.s.up}/${sc.s.of} | ${fmt(sc.s.first)} | **${cell(sc.s.total)}** | ${fmt(quantiles(sc.s.total).max)} | ${cell(sc.s.tick)} | ${cell(sc.s.model)} | ${cell(sc.s.render)} | ${fmt(sc.s.cpu / sc.s.total.length)} |`,
    );
    const md = `# Fleet refresh benchmark

Command: \`npx tsc -p tsconfig.json && node dist/bench/fleet.js${quick ? ' --quick' : ''}\`

Machine: nproc ${sh('nproc', [])}, ${cpuModel}, node ${process.version}, ${os.platform()} ${os.release()}, load average ${load} at start (other work may share the machine: treat absolute times as noisy), ${new Date().toISOString()}

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
    const outDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(`${outDir}fleet.md`, md);
    process.stdout.write(md);
    for (const sc of scenarios) await sc.close();
  } finally {
    child.stdin!.end();
    await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/fleet: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
