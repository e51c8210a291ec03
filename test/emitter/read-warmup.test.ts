// A cluster primary rehearses its stats read off the read path after the
// first read (issue 13 point 7: a read at 512 × 4 costs < 1 ms of the event
// loop): one dry run of the read per render-queue catch-up, until WARM_RUNS
// are done, only for the layouts a listener serves — so that V8 optimizes the read's
// loops there, not during a read. The dry runs change nothing that is
// served: no slot is added, and every read is still byte for byte a fresh
// rendering of the document.
//
// Workers are simulated by emitting node:cluster's own events with
// stand-in Worker objects (this process is the primary; nothing is forked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import { createClusterStats } from '../../src/emitter/index.js';
import { __testing, type ClusterStats } from '../../src/emitter/cluster.js';
import { renderDocument } from '../../src/emitter/render.js';
import { readAll, reportOf, standInWorker, tempDir, waitFor } from './helpers.js';



function stop(stats: ClusterStats, ws: Worker[]): Promise<void> {
  for (const w of ws) cluster.emit('exit', w, 0, null);
  return stats.close();
}

test('after the first read, the read is rehearsed WARM_RUNS times as the render queue catches up, for served layouts only; what is served stays exact', async (t) => {
  const dir = tempDir(t);
  const pretty = join(dir, 'stats.sock');
  const stats = await createClusterStats({ listen: { path: pretty }, queueSampleMs: 0, probeMs: 0 });
  const ws: Worker[] = [];
  for (let i = 1; i <= 32; i++) {
    const w = standInWorker(i, 60_000);
    cluster.emit('fork', w);
    cluster.emit('listening', w, { addressType: 4, address: '127.0.0.1', port: 1 });
    cluster.emit('message', w, reportOf(i));
    ws.push(w);
  }
  t.after(() => stop(stats, ws));
  const runs = __testing.WARM_RUNS;
  assert.ok(runs > 1);
  const rounds = async (from: number, to: number, until: () => boolean): Promise<void> => {
    // rounds of reports, each caught up by the render queue (one dry run per catch-up after the first read)
    for (let round = from; round <= to && !until(); round++) {
      for (const w of ws) cluster.emit('message', w, reportOf(round * 1000 + w.id));
      await waitFor(() => __testing.unrendered(stats, false) === 0, `round ${round} rendered`, 5000, 1);
      await new Promise((r) => setImmediate(r));
    }
  };
  await rounds(1, 3, () => false);
  assert.deepEqual(__testing.warmLeft(stats), [runs, runs], 'no dry run before the first read');
  const first = (await readAll({ path: pretty })).toString();
  assert.equal(first, renderDocument(stats.document()), 'the first read');
  await rounds(4, 3 * runs, () => __testing.warmLeft(stats)![0] === 0);
  assert.deepEqual(__testing.warmLeft(stats), [0, runs], 'every dry run of the served (pretty) layout done; none of the minified one, which no listener serves');
  assert.equal(stats.slots().length, 32, 'the dry runs added no slot');
  const bytes = (await readAll({ path: pretty })).toString();
  const doc = stats.document();
  assert.equal(doc.workers.length, 32);
  assert.equal(bytes, renderDocument(doc), 'the read after the dry runs: a fresh rendering, byte for byte');
  // and later reads too, after changes
  for (const w of ws) cluster.emit('message', w, reportOf(999_000 + w.id));
  await waitFor(() => __testing.unrendered(stats, false) === 0, 'the last round rendered', 5000, 1);
  const again = (await readAll({ path: pretty })).toString();
  assert.equal(again, renderDocument(stats.document()));
  assert.deepEqual((JSON.parse(again) as { workers: { requests: number }[] }).workers.map((w) => w.requests), ws.map((w) => 999_000 + w.id));
});
