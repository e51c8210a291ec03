/**
 * The soak: the monitor (runMonitor in the headless harness, real
 * fetchStats) watching the demo cluster (runDemo in a child process, a
 * worker crashing every few seconds) at 10 Hz. The heap (after a forced GC)
 * and the RSS of the monitor's process are sampled every `sampleEveryMs`;
 * active handles/timers are compared before start and after stop.
 * Used by test/faults/soak.test.ts (bounded: 45 s; long: 10 min) and
 * bench/soak.ts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRealMonitor, isLive, JUNK } from './real-monitor.js';
import { mib, settledMemory, until } from './mode.js';

const DEMO = fileURLToPath(new URL('./demo-child.js', import.meta.url));

export interface SoakOptions {
  durationMs: number;
  sampleEveryMs: number;
  /** Monitor refresh rate (default 10 Hz). */
  hz?: number;
  workers?: number;
  /** A demo worker crashes every crashMs…2×crashMs (default 2000). */
  crashMs?: number;
  /** Progress lines (bench). */
  log?: (line: string) => void;
}

export interface SoakSample {
  /** Seconds since the start of sampling. */
  t: number;
  /** Heap used after a forced GC, MiB. */
  heapMiB: number;
  rssMiB: number;
  externalMiB: number;
  reads: number;
}

export interface SoakResult {
  durationS: number;
  hz: number;
  workers: number;
  crashMs: number;
  reads: number;
  readsOk: number;
  readsFailed: number;
  codes: Record<string, number>;
  frames: number;
  renderErrors: number;
  /** Worker pid changes seen in the documents (respawns after the demo's crashes). */
  respawnsSeen: number;
  /** Samples where the screen was not live (STALE / NO DATA). */
  notLiveSamples: number;
  junkSeen: string[];
  samples: SoakSample[];
  /** Median of the last 3 settled-heap samples minus the median of the first 3. */
  heapGrowthMiB: number;
  rssGrowthMiB: number;
  /** Heap growth per minute from a least-squares fit over all samples. */
  heapSlopeMiBPerMin: number;
  handlesBefore: Record<string, number>;
  handlesAfter: Record<string, number>;
  /** Resource types with more instances after stop than before. */
  leaked: Record<string, number>;
  exitCode: number;
  demoLoad: { sent: number; ok: number; errors: number } | undefined;
}

function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function leakedOf(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after)) if (n > (before[k] ?? 0)) out[k] = n - (before[k] ?? 0);
  return out;
}

function median3(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function slopePerMin(samples: SoakSample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((a, s) => a + s.t, 0) / n;
  const my = samples.reduce((a, s) => a + s.heapMiB, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mx) * (s.heapMiB - my);
    den += (s.t - mx) ** 2;
  }
  return den === 0 ? 0 : Math.round((num / den) * 60 * 1000) / 1000;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Run one soak (see the module comment). Cleans up the demo whatever happens. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const hz = o.hz ?? 10;
  const workers = o.workers ?? 4;
  const crashMs = o.crashMs ?? 2000;
  const log = o.log ?? (() => undefined);
  const handlesBefore = resources();

  const demo = spawn(process.execPath, [DEMO, String(crashMs), String(workers)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let demoOut = '';
  demo.stdout.setEncoding('utf8').on('data', (d: string) => (demoOut += d));
  const demoExit = new Promise<void>((r) => demo.on('exit', () => r()));
  const stopDemo = async (): Promise<void> => {
    if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGTERM');
    const t = setTimeout(() => demo.kill('SIGKILL'), 10_000);
    await demoExit;
    clearTimeout(t);
  };

  try {
    await until(() => demoOut.includes('\n'), 'the demo to start', 30_000);
    const { stats: address } = JSON.parse(demoOut.split('\n')[0]!) as { stats: string };
    log(`demo up: ${address}`);

    const lastPid = new Map<number, number>();
    let respawnsSeen = 0;
    const m = startRealMonitor(undefined, address, {
      frequencyMs: 1000 / hz,
      timeoutMs: 2000,
      cols: 120,
      rows: 40,
      backoff: { initialMs: 100, maxMs: 1000 },
      observe: (doc) => {
        if (doc.kind !== 'server') return;
        for (const w of doc.workers) {
          if (w.id === undefined || w.pid === undefined || w.pid === 0) continue;
          const p = lastPid.get(w.id);
          if (p !== undefined && p !== w.pid) respawnsSeen++;
          lastPid.set(w.id, w.pid);
        }
      },
    });
    let exitCode = -1;
    const samples: SoakSample[] = [];
    let notLiveSamples = 0;
    const junkSeen: string[] = [];
    try {
      await m.h.waitFor(() => isLive(m.h), 'live demo data', 20_000);
      // Warm-up: JIT, history rings filling, first crashes.
      await sleep(Math.min(5000, o.durationMs / 6));
      const t0 = Date.now();
      const end = t0 + o.durationMs;
      for (;;) {
        // The harness keeps every byte written in `out.raw`: scan it, then drop it (it is the test's buffer, not the monitor's).
        const raw = m.h.out.raw;
        m.h.out.raw = '';
        const j = JUNK.exec(raw) ?? JUNK.exec(m.h.text());
        if (j && junkSeen.length < 5) junkSeen.push(raw.slice(Math.max(0, j.index - 80), j.index + 20));
        if (!isLive(m.h)) notLiveSamples++;
        const mem = settledMemory();
        const s: SoakSample = {
          t: Math.round((Date.now() - t0) / 100) / 10,
          heapMiB: mib(mem.heapUsed),
          rssMiB: mib(mem.rss),
          externalMiB: mib(mem.external),
          reads: m.stats.reads,
        };
        samples.push(s);
        log(`t=${s.t}s heap=${s.heapMiB}MiB rss=${s.rssMiB}MiB reads=${s.reads} respawns=${respawnsSeen}`);
        if (Date.now() >= end) break;
        await sleep(Math.min(o.sampleEveryMs, Math.max(0, end - Date.now())));
      }
    } finally {
      exitCode = await m.h.quit();
    }
    await stopDemo();
    const stopped = demoOut.split('\n').find((l) => l.includes('"stopped"'));
    // Sockets and timers close asynchronously: wait (with a deadline) for the count to come back down.
    let handlesAfter = resources();
    await until(() => Object.keys(leakedOf(handlesBefore, (handlesAfter = resources()))).length === 0, 'handles to close', 5000).catch(() => undefined);

    const heap = samples.map((s) => s.heapMiB);
    const rss = samples.map((s) => s.rssMiB);
    const growth = (xs: number[]): number => Math.round((median3(xs.slice(-3)) - median3(xs.slice(0, 3))) * 10) / 10;
    return {
      durationS: Math.round(o.durationMs / 1000),
      hz,
      workers,
      crashMs,
      reads: m.stats.reads,
      readsOk: m.stats.ok,
      readsFailed: m.stats.failed,
      codes: m.stats.codes,
      frames: m.h.frames.length,
      renderErrors: m.h.frames.filter((f) => f.error !== undefined).length,
      respawnsSeen,
      notLiveSamples,
      junkSeen,
      samples,
      heapGrowthMiB: growth(heap),
      rssGrowthMiB: growth(rss),
      heapSlopeMiBPerMin: slopePerMin(samples),
      handlesBefore,
      handlesAfter,
      leaked: leakedOf(handlesBefore, handlesAfter),
      exitCode,
      demoLoad: stopped ? (JSON.parse(stopped) as { load: SoakResult['demoLoad'] }).load : undefined,
    };
  } finally {
    await stopDemo();
  }
}

/** A markdown summary of a soak result (RELIABILITY.md and bench/results/soak.md). */
export function soakMarkdown(r: SoakResult): string {
  const first = r.samples[0];
  const last = r.samples.at(-1);
  const lines = [
    `| figure | value |`,
    `| --- | --- |`,
    `| duration (after a warm-up) | ${r.durationS} s at ${r.hz} Hz, ${r.workers} demo workers, a crash every ${r.crashMs / 1000}–${(2 * r.crashMs) / 1000} s |`,
    `| reads (ok / failed) | ${r.reads} (${r.readsOk} / ${r.readsFailed}${r.readsFailed ? `: ${JSON.stringify(r.codes)}` : ''}) |`,
    `| frames drawn (render errors) | ${r.frames} (${r.renderErrors}) |`,
    `| worker respawns seen | ${r.respawnsSeen} |`,
    `| samples not live | ${r.notLiveSamples} of ${r.samples.length} |`,
    `| heap after GC, first → last sample | ${first?.heapMiB} → ${last?.heapMiB} MiB (growth ${r.heapGrowthMiB} MiB, slope ${r.heapSlopeMiBPerMin} MiB/min) |`,
    `| RSS, first → last sample | ${first?.rssMiB} → ${last?.rssMiB} MiB (growth ${r.rssGrowthMiB} MiB) |`,
    `| active resources before → after stop | ${JSON.stringify(r.handlesBefore)} → ${JSON.stringify(r.handlesAfter)} |`,
    `| leaked handles/timers | ${Object.keys(r.leaked).length === 0 ? 'none' : JSON.stringify(r.leaked)} |`,
    `| NaN/Infinity/undefined drawn | ${r.junkSeen.length === 0 ? 'never' : JSON.stringify(r.junkSeen)} |`,
    `| monitor exit code | ${r.exitCode} |`,
  ];
  return lines.join('\n') + '\n';
}
