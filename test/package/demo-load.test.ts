/**
 * The demo spreads its load over a respawned worker (issue 14 point 11):
 * after a simulated crash, the new worker serves its share within seconds —
 * keep-alive connections to the old workers are recycled, so new
 * connections reach the new worker too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { runDemo } from '../../src/demo/index.js';
import { fetchStats } from '../../src/protocol/reader.js';
import { parseAddress } from '../../src/protocol/address.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function snapshot(addr: string): Promise<StatsSnapshot> {
  const r = await fetchStats(parseAddress(addr), { timeoutMs: 3000 });
  assert.equal(r.doc.kind, 'server');
  return r.doc as StatsSnapshot;
}

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(100);
  }
}

test('demo: after a crash, the respawned worker gets its share of the load', { timeout: 60_000 }, async (t) => {
  const demo = await runDemo({ workers: 4, crashEveryMs: false });
  t.after(() => demo.stop());
  // Everyone busy first.
  await until('every worker serving', 15_000, async () => {
    const d = await snapshot(demo.statsAddress);
    return d.workers.every((w) => (w.requests ?? 0) > 5) ? d : undefined;
  });
  const before = await snapshot(demo.statsAddress);
  const victim = before.workers[1]!;
  const worker = Object.values(cluster.workers ?? {}).find((w) => w?.process.pid === victim.pid);
  assert.ok(worker, `cluster worker with pid ${victim.pid}`);
  worker.send({ demo: 'crash' });
  // The victim's slot in a fresh read.
  const slot = async (): Promise<StatsSnapshot['workers'][number] | undefined> => (await snapshot(demo.statsAddress)).workers.find((x) => x.id === victim.id);
  // The slot comes back with a new pid.
  const respawned = await until('the respawn', 15_000, async () => {
    const w = await slot();
    return w && w.pid !== victim.pid && (w.pid ?? 0) > 0 && (w.respawn_count ?? 0) > (victim.respawn_count ?? 0) ? w : undefined;
  });
  // The window starts once the new worker has served a request (it listens, and the load reaches it) — not after a
  // fixed wait, which a loaded CI machine can outlast (a run gave the new worker 26 requests against a mean of 75).
  const served = respawned.requests ?? 0;
  await until('the respawned worker serving', 15_000, async () => {
    const w = await slot();
    return w && w.pid === respawned.pid && (w.requests ?? 0) > served ? w : undefined;
  });
  const a = await snapshot(demo.statsAddress);
  await delay(5000);
  const b = await snapshot(demo.statsAddress);
  const delta = new Map<number | undefined, number>();
  for (const w of b.workers) delta.set(w.id, (w.requests ?? 0) - (a.workers.find((x) => x.id === w.id)?.requests ?? 0));
  const others = [...delta].filter(([id]) => id !== victim.id).map(([, n]) => n);
  const mean = others.reduce((x, y) => x + y, 0) / others.length;
  const mine = delta.get(victim.id)!;
  t.diagnostic(`requests in 5 s: respawned worker ${mine}, others ${others.join(', ')}`);
  assert.ok(mean > 10, `the load runs (${others.join(', ')})`);
  assert.ok(mine >= 0.35 * mean, `respawned worker served ${mine} requests, the others ${others.join(', ')} (mean ${mean.toFixed(0)})`);
});
