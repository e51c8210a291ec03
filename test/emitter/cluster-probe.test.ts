/**
 * A cluster worker whose event loop is blocked sends no report, and neither does an idle one: without asking, the
 * primary showed a worker stuck for 20 s in a synchronous handler as "idle" (seen at stop 28 in the monitor, beside
 * a healthy worker). While the stats are read, the primary asks a silent worker for a report; one that does not
 * answer within probeMs is shown busy, a core in a request since the question, until it answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClusterStats } from '../../src/emitter/index.js';
import { parseStats } from '../../src/protocol/parse.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';
import { get, killClusterWorkers, readAll, tempDir, waitFor } from './helpers.js';
import { Agent } from 'node:http';

const WORKER = fileURLToPath(new URL('./fixtures/cluster-worker.js', import.meta.url));

async function startCluster(t: import('node:test').TestContext, probeMs: number, env: Record<string, string> = {}) {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  const stats = await createClusterStats({ workers: 1, listen: { path }, probeMs });
  cluster.setupPrimary({ exec: WORKER, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  t.after(async () => {
    await killClusterWorkers();
    await stats.close();
  });
  let port = 0;
  const listening = new Promise<void>((resolve) => {
    const on = (_w: Worker, a: { port: number }): void => {
      port = a.port;
      cluster.off('listening', on);
      resolve();
    };
    cluster.on('listening', on);
  });
  cluster.fork(env);
  await listening;
  const read = async (): Promise<StatsSnapshot> => parseStats(await readAll({ path })) as StatsSnapshot;
  // one request served and reported: the worker is instrumented, and idle
  assert.equal((await get(port, '/')).status, 200);
  await waitFor(async () => (await read()).workers[0]!.requests === 1, 'the first request reported');
  return { port, read };
}

type Sample = { ms: number; status: unknown; accepting: unknown; inRequest: boolean; start: number | undefined; method: string | undefined; path: string | undefined };

/** Read the stats every 100 ms while GET /block/ms runs; the samples taken before the answer came. */
async function duringBlock(port: number, read: () => Promise<StatsSnapshot>, ms: number, route = 'block'): Promise<Sample[]> {
  const t0 = Date.now();
  let done = false;
  const blocked = (route === 'block' ? get(port, `/block/${ms}`) : get(port, `/${route}/${ms}`).then((r) => new Promise<typeof r>((res) => setTimeout(() => res(r), ms + 150)))).finally(() => (done = true));
  const samples: Sample[] = [];
  while (!done && samples.length < 200) {
    const w = (await read()).workers[0]!;
    const c = w.cores?.[0];
    if (!done) samples.push({ ms: Date.now() - t0, status: w.status, accepting: w.accepting, inRequest: c?.in_request === true, start: c?.request?.start, method: c?.request?.method, path: c?.request?.path });
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await blocked).status, 200);
  return samples;
}

test('a worker blocked in a synchronous handler is shown busy, in a request, while it is blocked; idle again once it answers', { timeout: 60_000 }, async (t) => {
  const { port, read } = await startCluster(t, 300);
  const before = Math.floor(Date.now() / 1000);
  const samples = await duringBlock(port, read, 3000);
  const stuck = samples.filter((s) => s.status === 'busy' && s.inRequest);
  assert.ok(stuck.length > 0, `never shown busy while blocked: ${JSON.stringify(samples.map((s) => [s.ms, s.status]))}`);
  // seen within the probe's bound (silent 300 ms, then unanswered 300 ms, checked every 150 ms), long before the end
  assert.ok(stuck[0]!.ms < 2000, `first seen busy after ${stuck[0]!.ms} ms`);
  assert.ok(stuck[0]!.start !== undefined && stuck[0]!.start >= before && stuck[0]!.start <= before + 3, `request_start ${stuck[0]!.start}`);
  // once the probe went unanswered: not accepting (the primary hands it no connection); before, as reported
  assert.ok(samples.some((s) => s.accepting === 0), `never shown not accepting: ${JSON.stringify(samples.map((s) => [s.ms, s.accepting]))}`);
  // answered: idle, nothing in flight, the blocked request counted
  const after = await waitFor(async () => {
    const w = (await read()).workers[0]!;
    return w.status === 'idle' && w.requests === 2 ? w : undefined;
  }, 'idle again after the block');
  assert.equal(after.cores?.[0]?.in_request, false);
  assert.equal(after.accepting, 1);
});

test('a request that blocks a quiet worker is reported as it starts: busy, in that request (method, path, start) for the whole block, even without the probe', { timeout: 60_000 }, async (t) => {
  // Before, the report of a request starting on a quiet worker waited debounceMs — on a timer the blocked loop never
  // ran: the primary showed the worker idle (probeMs 0), or a request "since the question" with no method or path.
  const { port, read } = await startCluster(t, 0, { FIXTURE_REQUEST_PATHS: '1' });
  // quiet: the fixture's 100 ms heartbeat has found nothing new to send (a worker under load is left to the probe)
  await new Promise((r) => setTimeout(r, 400));
  const before = Math.floor(Date.now() / 1000);
  const samples = await duringBlock(port, read, 2500);
  assert.ok(samples.length >= 5, 'read while blocked');
  for (const s of samples.filter((x) => x.ms >= 300)) {
    assert.deepEqual([s.status, s.inRequest, s.method, s.path], ['busy', true, 'GET', '/block/2500'], `at ${s.ms} ms`);
    assert.ok(s.start !== undefined && s.start >= before && s.start <= before + 1, `request_start ${s.start}`);
  }
});

test('probeMs 0: a worker blocked outside any request stays "idle" (what the primary showed before it asked); the probe shows it busy', { timeout: 60_000 }, async (t) => {
  const off = await startCluster(t, 0);
  const idle = await duringBlock(off.port, off.read, 2000, 'spin-later');
  assert.ok(idle.length >= 5, 'read while blocked');
  assert.deepEqual([...new Set(idle.map((s) => s.status))], ['idle']);
  await killClusterWorkers();
  const on = await startCluster(t, 300);
  const probed = await duringBlock(on.port, on.read, 2500, 'spin-later');
  assert.ok(probed.some((s) => s.status === 'busy' && s.inRequest), `never busy: ${JSON.stringify(probed.map((s) => [s.ms, s.status]))}`);
});

test('connections waiting for a blocked worker are in the listen queue: the primary holds them (round-robin), the kernel queue stays 0', { timeout: 60_000, skip: process.platform !== 'linux' && 'round-robin is the default on Linux' }, async (t) => {
  // Seen at stop 28: both workers blocked, 10 requests waiting, and the monitor showed "lq 0/511": a Node cluster
  // primary accepts every connection itself and holds it until a worker is free, so no "saturated", no "queue full".
  assert.equal(cluster.schedulingPolicy, cluster.SCHED_RR);
  const { port, read } = await startCluster(t, 300);
  const blocked = get(port, '/block/3000');
  await waitFor(async () => (await read()).workers[0]!.status === 'busy', 'the worker shown busy (blocked)');
  const agent = new Agent({ keepAlive: false, maxSockets: 10 });
  t.after(() => agent.destroy());
  const waitingReqs = Array.from({ length: 5 }, () => get(port, '/', agent));
  const doc = await waitFor(async () => {
    const d = await read();
    return d.sockets?.[0]?.queue === 5 ? d : undefined;
  }, 'the 5 connections counted in the socket queue', 2500);
  assert.equal(doc.listen_queue, 5);
  assert.equal(doc.sockets![0]!.max_queue, 511);
  for (const r of await Promise.all([blocked, ...waitingReqs])) assert.equal(r.status, 200);
  await waitFor(async () => (await read()).sockets?.[0]?.queue === 0, 'the queue empty once served');
});
