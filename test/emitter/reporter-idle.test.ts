// A worker's heartbeat is skipped when its report would equal the last one
// sent: idle workers cost the cluster primary no IPC. A change is still
// reported, and a poll is still answered (even when nothing changed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster, { type Address, type Worker } from 'node:cluster';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createClusterStats } from '../../src/emitter/index.js';
import type { ReportMessage } from '../../src/emitter/ipc.js';
import { get, killClusterWorkers, waitFor } from './helpers.js';

const WORKER = fileURLToPath(new URL('./fixtures/cluster-worker.js', import.meta.url));

test('cluster worker: no report equal to the previous one unless polled; changes and polls are reported', async (t) => {
  const stats = await createClusterStats({ queueSampleMs: 0, probeMs: 0 }); // no liveness questions: their answers are reports too
  cluster.setupPrimary({ exec: WORKER, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const reports: { at: number; key: string }[] = [];
  const onMessage = (_w: Worker, msg: unknown): void => {
    const m = msg as Partial<ReportMessage>;
    if (m?.tsgitop === 'report') reports.push({ at: performance.now(), key: JSON.stringify([m.n, m.c, m.p]) });
  };
  cluster.on('message', onMessage);
  t.after(async () => {
    cluster.off('message', onMessage);
    await killClusterWorkers();
    await stats.close();
  });
  // the fixture reports with a 100 ms heartbeat and a 10 ms debounce
  const w = cluster.fork();
  const port = await new Promise<number>((resolve) => w.once('listening', (a: Address) => resolve(a.port)));
  await get(port, '/');
  await waitFor(() => stats.document().workers[0]?.requests === 1, 'the request reported');

  // measure over ~12 heartbeat periods of an idle worker: every report must differ from the one before it
  const from = reports.length;
  const t0 = performance.now();
  await waitFor(() => performance.now() - t0 >= 1200, 'an idle window of 12 heartbeats', 5000, 100);
  const window = reports.slice(from - 1);
  const repeats = window.filter((r, i) => i > 0 && r.key === window[i - 1]!.key).length;
  assert.equal(repeats, 0, `${repeats} of ${window.length - 1} reports in the idle window repeated the previous one`);

  // a change is reported
  await get(port, '/');
  await waitFor(() => stats.document().workers[0]?.requests === 2, 'the second request reported');
  // a poll is answered even when nothing changed
  const asked = performance.now();
  stats.poll();
  await waitFor(() => reports.some((r) => r.at > asked), 'a reply to the poll', 5000);
});

test('cluster worker: a busy worker reports once per heartbeat, not once per debounce; waking up is reported after the debounce', async (t) => {
  const stats = await createClusterStats({ queueSampleMs: 0, probeMs: 0 }); // no liveness questions: their answers are reports too
  cluster.setupPrimary({ exec: WORKER, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const reports: number[] = [];
  const onMessage = (_w: Worker, msg: unknown): void => {
    if ((msg as Partial<ReportMessage>)?.tsgitop === 'report') reports.push(performance.now());
  };
  cluster.on('message', onMessage);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.after(async () => {
    cluster.off('message', onMessage);
    agent.destroy();
    await killClusterWorkers();
    await stats.close();
  });
  // the fixture reports with a 100 ms heartbeat and a 10 ms debounce
  const w = cluster.fork();
  const port = await new Promise<number>((resolve) => w.once('listening', (a: Address) => resolve(a.port)));
  await get(port, '/', agent);
  await waitFor(() => stats.document().workers[0]?.requests === 1, 'the first request reported');
  // quiet: wait for a heartbeat period with no report
  await waitFor(() => reports.length > 0 && performance.now() - reports[reports.length - 1]! > 250, 'a quiet worker', 5000, 10);

  // waking up: reported after the debounce, well before the next heartbeat could carry it
  const woke = performance.now();
  await get(port, '/', agent);
  await waitFor(() => reports.some((r) => r > woke), 'the wake-up report', 5000, 1);

  // busy for 1.2 s (requests back to back on 4 connections): about one report per 100 ms heartbeat
  const from = reports.length;
  const t0 = performance.now();
  let served = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() - t0 < 1200) {
      await get(port, '/', agent);
      served++;
    }
  };
  await Promise.all([loop(), loop(), loop(), loop()]);
  const sent = reports.length - from;
  assert.ok(served > 50, `only ${served} requests served: not busy enough to tell`);
  // 12 heartbeats (+ a wake-up report and scheduling slack); a report per 10 ms debounce would be ~100
  assert.ok(sent <= 20, `${sent} reports in 1.2 s of ${served} requests (expected about 12)`);
});

test('cluster worker: an idle worker whose rss keeps moving reports it at most about once a second, not every heartbeat', async (t) => {
  const stats = await createClusterStats({ queueSampleMs: 0, probeMs: 0 }); // no liveness questions: their answers are reports too
  cluster.setupPrimary({ exec: WORKER, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const reports: { at: number; n: number[] }[] = [];
  const onMessage = (_w: Worker, msg: unknown): void => {
    const m = msg as Partial<ReportMessage>;
    if (m?.tsgitop === 'report' && Array.isArray(m.n)) reports.push({ at: performance.now(), n: m.n });
  };
  cluster.on('message', onMessage);
  t.after(async () => {
    cluster.off('message', onMessage);
    await killClusterWorkers();
    await stats.close();
  });
  // the fixture reports with a 100 ms heartbeat and reads its memory at most every 200 ms; its rss moves all the time
  const w = cluster.fork({ FIXTURE_MEMORY_CHURN: '1' });
  const port = await new Promise<number>((resolve) => w.once('listening', (a: Address) => resolve(a.port)));
  await get(port, '/');
  await waitFor(() => stats.document().workers[0]?.requests === 1, 'the request reported');

  const from = reports.length;
  const t0 = performance.now();
  await waitFor(() => performance.now() - t0 >= 2500, 'an idle window of 2.5 s', 10_000, 100);
  const window = reports.slice(from);
  const RSS = 6;
  const moved = window.filter((r, i) => (i === 0 ? reports[from - 1] : window[i - 1])!.n[RSS] !== r.n[RSS]).length;
  // the memory is still reported (the rss moved in every window of 1 s)…
  assert.ok(moved >= 1, `no rss change reported in 2.5 s of an rss that kept moving (${window.length} reports)`);
  // …but not at every 200 ms reading (12 or so reports): at most one a second, plus scheduling slack
  assert.ok(window.length <= 4, `${window.length} reports in 2.5 s of an idle worker whose only news was its rss`);
  for (const r of window) assert.equal(r.n[0], 1, 'the requests did not move while idle');
});
