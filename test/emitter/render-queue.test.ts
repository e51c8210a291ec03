// The cluster primary renders a changed worker's text after the turn its
// change arrived in, for every layout a listener serves, whether or not
// anyone read the stats lately: the very first read after start, and the
// first read after a pause, only copy kept bytes. A layout no listener
// serves (read only through json()) costs nothing until it is read.
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



function startWorkers(n: number): Worker[] {
  const ws: Worker[] = [];
  for (let i = 1; i <= n; i++) {
    const w = standInWorker(i);
    cluster.emit('fork', w);
    cluster.emit('listening', w, { addressType: 4, address: '127.0.0.1', port: 1 });
    cluster.emit('message', w, reportOf(i));
    ws.push(w);
  }
  return ws;
}

function stop(stats: ClusterStats, ws: Worker[]): Promise<void> {
  for (const w of ws) cluster.emit('exit', w, 0, null);
  return stats.close();
}

test('listeners served: every worker text is rendered after the turn of its change, before any read; reads copy kept bytes', async (t) => {
  const dir = tempDir(t);
  const pretty = join(dir, 'stats.sock');
  const mini = join(dir, 'mini.sock');
  const stats = await createClusterStats({ listen: [{ path: pretty }, { path: mini, minified: true }], queueSampleMs: 0, probeMs: 0 });
  const ws = startWorkers(64);
  t.after(() => stop(stats, ws));
  assert.equal(__testing.unrendered(stats, false), 64, 'changes of this turn are queued, not rendered in the message handler');
  await waitFor(() => __testing.unrendered(stats, false) === 0 && __testing.unrendered(stats, true) === 0, 'the render queue to catch up (no read yet)', 5000, 1);

  // the very first read: nothing left to render
  const first = await readAll({ path: pretty });
  const doc = stats.document();
  assert.equal(doc.workers.length, 64);
  assert.equal(first.toString(), renderDocument(doc), 'the kept texts give a fresh rendering, byte for byte');
  assert.equal((await readAll({ path: mini })).toString(), renderDocument(doc, true));

  // every worker reports a change; nobody reads: the texts are rendered all the same
  for (let i = 0; i < ws.length; i++) cluster.emit('message', ws[i]!, reportOf(1000 + i));
  assert.equal(__testing.unrendered(stats, false), 64);
  await waitFor(() => __testing.unrendered(stats, false) === 0 && __testing.unrendered(stats, true) === 0, 'the changed texts rendered without a read', 5000, 1);
  const after = JSON.parse((await readAll({ path: pretty })).toString()) as { workers: { requests: number }[] };
  assert.deepEqual(after.workers.map((w) => w.requests), ws.map((_, i) => 1000 + i));

  // a worker exits: its slot's text is rendered again (cheap) without a read
  cluster.emit('exit', ws[5]!, 0, null);
  await waitFor(() => __testing.unrendered(stats, false) === 0, 'the exited slot rendered', 5000, 1);
  assert.ok((await readAll({ path: pretty })).toString().includes('"status":"cheap"'));
});

test('no listener: nothing is rendered until json() reads; while it is being read, changes are rendered as they come', async (t) => {
  const stats = await createClusterStats({ queueSampleMs: 0, probeMs: 0 });
  const ws = startWorkers(16);
  t.after(() => stop(stats, ws));
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(__testing.unrendered(stats, false), 16, 'nobody reads: no work');
  assert.equal(JSON.parse(stats.json()).workers.length, 16);
  assert.equal(__testing.unrendered(stats, false), 0, 'the read rendered them');
  assert.equal(__testing.unrendered(stats, true), 16, 'the minified layout was not read: still nothing');
  cluster.emit('message', ws[3]!, reportOf(777));
  await waitFor(() => __testing.unrendered(stats, false) === 0, 'the change rendered while the stats are being read', 5000, 1);
  assert.equal(__testing.unrendered(stats, true), 16);
  assert.equal(JSON.parse(stats.json()).workers[3].requests, 777);
});
