/**
 * Fault injection for the live monitor: runMonitor (headless harness) with
 * the real fetchStats source against a real stats server process that
 * misbehaves on command. For every fault: the monitor stays up, memory
 * stays within the stated bound, the screen says what happened (STALE +
 * the error in the status line, last good rows kept), and live data comes
 * back once the fault ends.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaultServer, type Mode } from './servers.js';
import { startRealMonitor, isLive, JUNK, type RealMonitor } from './real-monitor.js';
import { BUDGET, MemSampler, MiB, figure, mib, settledMemory, type MemPoint } from './mode.js';

const T = { timeout: 120_000 };
const GOOD_A: Mode = { kind: 'good', workers: 3, pidBase: 4100, masterPid: 4000, reqBase: 5000, reqStep: 7 };
const GOOD_B: Mode = { kind: 'good', workers: 3, pidBase: 8800, masterPid: 8000, reqBase: 10, reqStep: 3 };
/** Failed reads held during each fault before it ends. */
const HOLD_FAILURES = BUDGET.faultHoldMs >= 3000 ? 20 : 4;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-faults-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function pidsShown(m: RealMonitor, base: number, n = 3): boolean {
  const s = m.h.text();
  for (let i = 0; i < n; i++) if (!new RegExp(`\\b${base + i}\\b`).test(s)) return false;
  return true;
}

async function waitLive(m: RealMonitor, pidBase: number, what: string, timeoutMs = 15_000): Promise<void> {
  await m.h.waitFor(() => isLive(m.h) && pidsShown(m, pidBase), what, timeoutMs);
}

/** The table rows (lines after the title row) contain no negative number. */
function assertNoNegative(m: RealMonitor): void {
  const lines = m.h.lines();
  const head = lines.findIndex((l) => /\bWID\b/.test(l));
  const rows = lines.slice(head + 1).join('\n');
  assert.doesNotMatch(rows, /(^|\s)-\d/, `negative number in the table:\n${rows}`);
}

function assertClean(m: RealMonitor): void {
  assert.doesNotMatch(m.h.text(), JUNK, `junk on screen:\n${m.h.text()}`);
  const bad = m.h.frames.filter((f) => f.error !== undefined);
  assert.equal(bad.length, 0, `render errors: ${bad.map((f) => f.error).join('; ')}`);
}

interface Bound {
  /** Peak RSS above the settled baseline. */
  peakRss: number;
  /** Heap after GC, after recovery, above the baseline. */
  settledHeap: number;
}
const DEFAULT_BOUND: Bound = { peakRss: 64 * MiB, settledHeap: 8 * MiB };

interface FaultCase {
  name: string;
  fault: (srv: FaultServer, path: string) => Promise<void>;
  /** What the screen must say during the fault (besides STALE). */
  expect: RegExp;
  /** End the fault; returns the pid base the recovered screen must show. */
  recover: (srv: FaultServer, path: string, t: TestContext) => Promise<{ srv: FaultServer; pidBase: number }>;
  bound?: Partial<Bound>;
  timeoutMs?: number;
  /** Serve on 127.0.0.1 instead of a unix socket. */
  tcp?: boolean;
}

function memFigures(name: string, base: MemPoint, peak: MemPoint, after: MemPoint, bound: Bound): Record<string, number> {
  const f = {
    peakRssMiB: mib(peak.rss - base.rss),
    peakHeapMiB: mib(peak.heapUsed - base.heapUsed),
    settledHeapMiB: mib(after.heapUsed - base.heapUsed),
    settledExternalMiB: mib(after.external - base.external),
    boundPeakRssMiB: mib(bound.peakRss),
    boundSettledHeapMiB: mib(bound.settledHeap),
  };
  figure('monitor', `memory ${name}`, f);
  return f;
}

async function runFault(t: TestContext, c: FaultCase): Promise<void> {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  let srv = await FaultServer.start(t, path, GOOD_A, { tcp: c.tcp === true });
  const m = startRealMonitor(t, c.tcp ? srv.address : path, { timeoutMs: c.timeoutMs ?? 500 });
  await waitLive(m, 4100, 'live data before the fault');
  await m.moreReads(2);
  assertClean(m);

  const base = settledMemory();
  const sampler = new MemSampler();
  const failedBefore = m.stats.failed;
  await c.fault(srv, path);
  await m.h.waitFor(() => m.h.text().includes('STALE') && c.expect.test(m.h.text()), `STALE and ${c.expect} on screen`, 20_000);
  // The last good rows stay on screen while it is stale.
  assert.ok(pidsShown(m, 4100), `the last good rows stay on screen:\n${m.h.text()}`);
  await m.moreFailures(HOLD_FAILURES, 'failed reads during the fault', 60_000);
  assert.ok(m.h.text().includes('STALE'), `still STALE during the fault:\n${m.h.text()}`);
  assert.equal(m.h.exitCode, undefined, 'the monitor is still running');

  const r = await c.recover(srv, path, t);
  srv = r.srv;
  await waitLive(m, r.pidBase, 'live data after the fault', 20_000);
  await m.moreReads(2);
  await m.h.waitFor(() => isLive(m.h) && pidsShown(m, r.pidBase), 'a live frame after two more reads');
  assertNoNegative(m);
  assertClean(m);

  const peak = sampler.stop();
  const after = settledMemory();
  const bound = { ...DEFAULT_BOUND, ...c.bound };
  const f = memFigures(c.name, base, peak, after, bound);
  figure('monitor', `fault ${c.name}`, { failedReads: m.stats.failed - failedBefore, codes: m.stats.codes, reads: m.stats.reads, lastError: m.stats.lastError });
  t.diagnostic(`${c.name}: ${m.stats.failed - failedBefore} failed reads (${JSON.stringify(m.stats.codes)}); memory ${JSON.stringify(f)}`);
  assert.ok(peak.rss - base.rss <= bound.peakRss, `peak RSS grew by ${mib(peak.rss - base.rss)} MiB (bound ${mib(bound.peakRss)})`);
  assert.ok(after.heapUsed - base.heapUsed <= bound.settledHeap, `heap after GC grew by ${mib(after.heapUsed - base.heapUsed)} MiB (bound ${mib(bound.settledHeap)})`);
  assert.doesNotMatch(m.h.out.raw, JUNK, 'no junk was ever drawn');

  assert.equal(await m.h.quit(), 0);
  figure('monitor', `held ${c.name}`, true);
}

/** Switch the same server back to good data with new pids and lower counters. */
const backToGood = async (srv: FaultServer): Promise<{ srv: FaultServer; pidBase: number }> => {
  await srv.setMode(GOOD_B);
  return { srv, pidBase: 8800 };
};

const CASES: FaultCase[] = [
  {
    name: 'server killed mid-write, restarted with new pids and lower counters',
    fault: async (srv) => {
      const from = srv.events.length;
      await srv.setMode({ ...GOOD_A, kind: 'half' });
      await srv.waitEvent((e) => e.event === 'half', 'a half-written document', 10_000, from);
      await srv.kill('SIGKILL');
    },
    // TRUNCATED for the read that was cut, then REFUSED on the stale socket file.
    expect: /ends in the middle of a JSON document|nothing is listening on socket file/,
    recover: async (_srv, path, t) => ({ srv: await FaultServer.start(t, path, GOOD_B), pidBase: 8800 }),
  },
  {
    name: 'socket file deleted, then re-created',
    fault: async (_srv, path) => unlinkSync(path),
    expect: /no such socket file/,
    recover: async (srv) => {
      await srv.setMode(GOOD_B);
      await srv.relisten();
      return { srv, pidBase: 8800 };
    },
  },
  {
    name: 'accepts and never writes',
    fault: (srv) => srv.setMode({ kind: 'silent' }),
    expect: /no complete answer from .* within 500 ms/,
    recover: backToGood,
  },
  {
    name: 'trickles one byte per 100 ms',
    fault: (srv) => srv.setMode({ ...GOOD_A, kind: 'trickle', intervalMs: 100 }),
    expect: /no complete answer from .* within 500 ms/,
    recover: backToGood,
  },
  {
    name: 'streams 1 GiB',
    fault: (srv) => srv.setMode({ kind: 'huge', totalBytes: 1024 * MiB }),
    expect: /exceeds the size cap of 16 MiB/,
    recover: backToGood,
    // One read holds at most the cap (16 MiB by default); a retry may start before the last one's buffers are collected.
    bound: { peakRss: 3 * 64 * MiB },
    timeoutMs: 5000,
  },
  {
    name: 'invalid UTF-8',
    fault: (srv) => srv.setMode({ kind: 'badutf8' }),
    expect: /bad answer from .*UTF-8/i,
    recover: backToGood,
  },
  {
    name: '100k-deep nesting',
    fault: (srv) => srv.setMode({ kind: 'deep', depth: 100_000 }),
    expect: /bad answer from .*nested deeper than 512 levels/,
    recover: backToGood,
  },
  {
    name: 'garbage bytes',
    fault: (srv) => srv.setMode({ kind: 'garbage' }),
    expect: /bad answer from|not a stats document|ends in the middle/,
    recover: backToGood,
  },
  {
    name: 'accepts and closes without a byte',
    fault: (srv) => srv.setMode({ kind: 'close' }),
    expect: /empty answer: .* closed the connection without/,
    recover: backToGood,
  },
  {
    name: 'TCP connection reset (RST)',
    tcp: true,
    fault: (srv) => srv.setMode({ kind: 'reset' }),
    expect: /connection reset by 127\.0\.0\.1:\d+/,
    recover: backToGood,
  },
];

for (const c of CASES) {
  test(`fault: ${c.name}`, T, async (t) => runFault(t, c));
}

/** Cases where the document is valid but hostile: the screen stays live and sane. */
test('fault: 100k workers — shown, scrollable, memory bounded, then back to normal', T, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  const srv = await FaultServer.start(t, path, GOOD_A);
  // 100k workers are ~33 MB, above the 16 MiB default cap: read as a user who raised --max-bytes to 64M would.
  const m = startRealMonitor(t, path, { timeoutMs: 5000, frequencyMs: 200, maxBytes: 64 * MiB });
  await waitLive(m, 4100, 'live data before the fault');
  const base = settledMemory();
  const sampler = new MemSampler();
  await srv.setMode({ kind: 'wide', workers: 100_000 });
  await m.h.waitFor(() => /\/100000\b/.test(m.h.text()) && isLive(m.h), 'the 100000-row table', 60_000);
  const okBefore = m.stats.ok;
  await m.moreReads(3, 'three more reads of 100k workers', 60_000);
  assert.ok(m.stats.ok >= okBefore + 3, `reads of the 100k document succeed (codes ${JSON.stringify(m.stats.codes)}, last error ${m.stats.lastError})`);
  // Keys still work on a huge table.
  await m.h.press('G');
  await m.h.waitFor(() => /100000\/100000/.test(m.h.text()), 'End key scrolls to the last row', 20_000);
  await srv.setMode(GOOD_B);
  await waitLive(m, 8800, 'back to 3 workers', 30_000);
  assertClean(m);
  const peak = sampler.stop();
  const after = settledMemory();
  const f = memFigures('100k workers', base, peak, after, { peakRss: 768 * MiB, settledHeap: 64 * MiB });
  t.diagnostic(`100k workers: ${JSON.stringify(f)}`);
  // A 100k-worker document is ~33 MB of JSON, two parsed reads and their views ~60 MB; the history keeps
  // at most 4096 keys x 3 series x 240 points (~25 MB); blessed's row strings come on top. Measured ~540 MiB
  // peak (it was ~1 GiB before History stopped allocating a series for every key, test/faults/bugs.test.ts).
  assert.ok(peak.rss - base.rss <= 768 * MiB, `peak RSS grew by ${f.peakRssMiB} MiB (bound 768)`);
  assert.ok(after.heapUsed - base.heapUsed <= 64 * MiB, `heap after GC grew by ${f.settledHeapMiB} MiB (bound 64)`);
  assert.equal(await m.h.quit(), 0);
  figure('monitor', 'held 100k workers', true);
});

test('fault: negative / fractional / 1e308 counters — no NaN, Infinity or negative on screen', T, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  const srv = await FaultServer.start(t, path, GOOD_A);
  const m = startRealMonitor(t, path);
  await waitLive(m, 4100, 'live data before the fault');
  await srv.setMode({ kind: 'weird' });
  await m.h.waitFor(() => isLive(m.h) && pidsShown(m, 5100, 6), 'the odd-number workers', 10_000);
  // Every value of the menu goes through every field over 9 reads.
  for (let i = 0; i < 12; i++) {
    await m.moreReads(1);
    await m.h.waitFor(() => isLive(m.h), 'live');
    assertClean(m);
    assertNoNegative(m);
  }
  // The cores views (merged, listed) draw the same odd values; a third 'a' hides them again.
  for (const mode of ['merged', 'listed']) {
    await m.h.press('a');
    await m.moreReads(2);
    await m.h.waitFor(() => isLive(m.h), `live with cores ${mode}`);
    assertClean(m);
  }
  await m.h.press('a');
  await srv.setMode(GOOD_B);
  await waitLive(m, 8800, 'back to normal');
  assertClean(m);
  assert.doesNotMatch(m.h.out.raw, JUNK, 'no junk was ever drawn');
  figure('monitor', 'fault odd counters', { reads: m.stats.reads, failed: m.stats.failed, codes: m.stats.codes });
  assert.equal(await m.h.quit(), 0);
  figure('monitor', 'held odd counters', true);
});

test('fault: duplicate worker ids — every row shown, selection and sorting work', T, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  const srv = await FaultServer.start(t, path, GOOD_A);
  const m = startRealMonitor(t, path);
  await waitLive(m, 4100, 'live data before the fault');
  await srv.setMode({ kind: 'dupids' });
  await m.h.waitFor(() => isLive(m.h) && pidsShown(m, 6100, 7), 'all 7 workers with shared ids', 10_000);
  await m.h.press('j');
  await m.h.press('j');
  await m.h.press('>');
  await m.moreReads(3);
  await m.h.waitFor(() => isLive(m.h) && pidsShown(m, 6100, 7), 'still all 7 rows after keys and reads');
  assertClean(m);
  assertNoNegative(m);
  await srv.setMode(GOOD_B);
  await waitLive(m, 8800, 'back to normal');
  assert.equal(await m.h.quit(), 0);
  figure('monitor', 'fault duplicate ids', { reads: m.stats.reads, failed: m.stats.failed, codes: m.stats.codes });
  figure('monitor', 'held duplicate ids', true);
});

test('fault: terminal resized to 20x5 and back', T, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  await FaultServer.start(t, path, GOOD_A);
  const m = startRealMonitor(t, path);
  await waitLive(m, 4100, 'live data');
  for (let round = 0; round < 3; round++) {
    m.h.out.resizeTo(20, 5);
    await m.h.waitFor(() => m.h.frames.some((f) => f.reason === 'resize') && m.h.lines().every((l) => l.length <= 20), '20x5 frame', 10_000);
    await m.moreReads(2);
    await m.h.nextFrame('a frame at 20x5');
    const tiny = m.h.text();
    assert.ok(tiny.trim().length > 0, 'something is drawn at 20x5');
    assert.ok(m.h.lines().length === 5);
    assertClean(m);
    m.h.out.resizeTo(120, 30);
    await waitLive(m, 4100, 'full screen again');
    assertClean(m);
  }
  figure('monitor', 'fault resize', { rounds: 3, frames: m.h.frames.length });
  assert.equal(await m.h.quit(), 0);
  figure('monitor', 'held resize', true);
});

test('fault: render throws for a while (MonitorOptions.hooks.beforeRender) — shown, then recovers', T, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  await FaultServer.start(t, path, GOOD_A);
  let throwing = false;
  const m = startRealMonitor(t, path, {
    hooks: {
      beforeRender() {
        if (throwing) throw new Error('injected render failure');
      },
    },
  });
  await waitLive(m, 4100, 'live data');
  throwing = true;
  await m.h.waitFor(() => m.h.text().includes('render error: injected render failure'), 'the render error on the status line');
  await m.moreReads(5);
  assert.equal(m.h.exitCode, undefined, 'still running');
  throwing = false;
  await m.moreReads(2);
  await m.h.waitFor(() => isLive(m.h) && pidsShown(m, 4100), 'live again');
  assert.equal(await m.h.quit(), 0);
  figure('monitor', 'fault render throws', { reads: m.stats.reads, renderErrors: m.h.frames.filter((f) => f.error !== undefined).length });
  figure('monitor', 'held render throws', true);
});

// ---------------------------------------------------------------- permission

const REMOTE = fileURLToPath(new URL('./monitor-remote.js', import.meta.url));

interface Remote {
  send(cmd: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): void;
}

function startRemote(t: TestContext, address: string, uid: number | undefined): Promise<Remote> {
  const child = spawn(process.execPath, [REMOTE, address], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: '/',
    ...(uid !== undefined ? { uid, gid: uid } : {}),
  });
  t.after(() => {
    child.kill('SIGKILL');
  });
  let buf = '';
  let stderr = '';
  const waiters = new Map<number, (v: Record<string, unknown>) => void>();
  let onReady: ((v: Record<string, unknown>) => void) | undefined;
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      if (msg.ready) onReady?.(msg);
      else waiters.get(msg.id as number)?.(msg);
    }
  });
  let seq = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`remote monitor did not start; stderr: ${stderr}`)), 10_000);
    child.on('exit', (code) => reject(new Error(`remote monitor exited ${code}; stderr: ${stderr}`)));
    onReady = () => {
      clearTimeout(timer);
      resolve({
        send: (cmd) =>
          new Promise((res) => {
            const id = ++seq;
            waiters.set(id, res);
            child.stdin!.write(JSON.stringify({ ...cmd, id }) + '\n');
          }),
        close: () => child.kill('SIGKILL'),
      });
    };
  });
}

test('fault: permission denied on the socket file, then granted', T, async (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const path = join(dir, 'stats.sock');
  const srv = await FaultServer.start(t, path, GOOD_A);
  chmodSync(path, 0o777);
  // root ignores file modes: the monitor runs as nobody.
  const uid = process.getuid?.() === 0 ? 65534 : undefined;
  let r: Remote;
  try {
    r = await startRemote(t, path, uid);
  } catch (e) {
    t.skip(`cannot run the monitor as uid ${uid}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  let res = await r.send({ wait: '● live', timeoutMs: 10_000 });
  assert.ok(res.ok, `live at first: ${String(res.error)}`);
  chmodSync(path, 0o000);
  res = await r.send({ wait: 'STALE.*permission denied connecting to', timeoutMs: 10_000 });
  assert.ok(res.ok, `permission denied shown: ${String(res.error)}\n${String(res.screen)}`);
  assert.match(String(res.screen), /\b4100\b/, 'last good rows kept');
  await srv.setMode(GOOD_B);
  chmodSync(path, 0o777);
  res = await r.send({ wait: '● live[\\s\\S]*\\b8800\\b', timeoutMs: 10_000 });
  assert.ok(res.ok, `recovered: ${String(res.error)}\n${String(res.screen)}`);
  assert.doesNotMatch(String(res.screen), /STALE/);
  const stats = res.stats as { codes: Record<string, number> };
  figure('monitor', 'fault permission denied', { uid: uid ?? process.getuid?.(), codes: stats.codes });
  assert.ok((stats.codes.PERMISSION ?? 0) >= 1, `PERMISSION failures seen: ${JSON.stringify(stats.codes)}`);
  const q = await r.send({ quit: true });
  assert.equal(q.exit, 0);
  figure('monitor', 'held permission denied', true);
});
