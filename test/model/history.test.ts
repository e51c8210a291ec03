import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildView, History, Ring } from '../../src/model/index.js';
import type { Sample, ServerView } from '../../src/model/index.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';
import { sample, server, worker } from './factory.js';

test('Ring: fills, wraps around, keeps oldest → newest, bounded', () => {
  const r = new Ring<number>(3);
  assert.equal(r.capacity, 3);
  assert.equal(r.length, 0);
  assert.equal(r.last(), undefined);
  assert.deepEqual(r.toArray(), []);
  r.push(1);
  r.push(2);
  assert.deepEqual(r.toArray(), [1, 2]);
  assert.equal(r.last(), 2);
  r.push(3);
  r.push(4);
  r.push(5);
  assert.equal(r.length, 3);
  assert.deepEqual(r.toArray(), [3, 4, 5]);
  assert.deepEqual([...r], [3, 4, 5]);
  assert.equal(r.at(0), 3);
  assert.equal(r.at(2), 5);
  assert.equal(r.at(3), undefined);
  assert.equal(r.at(-1), undefined);
  assert.equal(r.last(), 5);
  for (let i = 6; i <= 1000; i++) r.push(i);
  assert.equal(r.length, 3);
  assert.deepEqual(r.toArray(), [998, 999, 1000]);
  r.clear();
  assert.equal(r.length, 0);
  r.push(7);
  assert.deepEqual(r.toArray(), [7]);
});

test('Ring: capacity 1 and invalid capacities', () => {
  const r = new Ring<string>(1);
  r.push('a');
  r.push('b');
  assert.deepEqual(r.toArray(), ['b']);
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new Ring(bad), RangeError, String(bad));
  }
});

type W = { id: number; pid: number; requests: number; avg_rt?: number; rss?: number };

/** A little driver: feeds successive documents through buildView, keeping the previous sample. */
function driver() {
  let prev: Sample<StatsSnapshot> | undefined;
  return (at: number, workers: W[], lq = 0): ServerView => {
    const cur = sample(server({ listen_queue: lq, workers: workers.map((w) => worker(w)) }), at);
    const v = buildView(cur, prev) as ServerView;
    prev = cur;
    return v;
  };
}

test('History: per-worker and totals series stay aligned, gaps are undefined', () => {
  const h = new History({ capacity: 4, evictAfter: 2 });
  const tick = driver();
  const v1 = tick(0, [{ id: 1, pid: 1, requests: 0, avg_rt: 2000, rss: 100 }], 0);
  h.update(v1);
  const v2 = tick(1000, [{ id: 1, pid: 1, requests: 10, avg_rt: 3000, rss: 200 }, { id: 2, pid: 2, requests: 0 }], 5);
  h.update(v2);
  assert.deepEqual(h.totals.rps.toArray(), [undefined, 10]);
  assert.deepEqual(h.totals.listenQueue.toArray(), [0, 5]);
  const s1 = h.worker('1')!;
  assert.deepEqual(s1.rps.toArray(), [undefined, 10]);
  assert.deepEqual(s1.avgRtMs.toArray(), [2, 3]);
  assert.deepEqual(s1.rss.toArray(), [100, 200]);
  assert.deepEqual(h.worker('2')!.rps.toArray(), [undefined]);
  // worker 1 disappears: gets a gap, then is evicted after evictAfter ticks unseen
  const v3 = tick(2000, [{ id: 2, pid: 2, requests: 4 }]);
  h.update(v3);
  assert.deepEqual(h.worker('1')!.rps.toArray(), [undefined, 10, undefined]);
  const v4 = tick(3000, [{ id: 2, pid: 2, requests: 8 }]);
  h.update(v4);
  assert.equal(h.worker('1'), undefined, 'evicted after 2 unseen ticks');
  assert.deepEqual(h.keys(), ['2']);
  assert.deepEqual(h.worker('2')!.rps.toArray(), [undefined, 4, 4]);
  assert.equal(h.ticks, 4);
  // capacity bound
  for (let i = 5; i < 20; i++) h.update(tick(i * 1000, [{ id: 2, pid: 2, requests: i * 10 }]));
  assert.equal(h.worker('2')!.rps.length, 4);
  assert.equal(h.totals.rps.length, 4);
});

test('History: pid/id churn keeps the number of tracked keys bounded', () => {
  const h = new History({ capacity: 8, evictAfter: 3, maxKeys: 5 });
  const tick = driver();
  for (let i = 0; i < 200; i++) {
    // two brand-new worker ids every tick
    const v = tick(i * 1000, [
      { id: 2 * i, pid: 10_000 + 2 * i, requests: 1 },
      { id: 2 * i + 1, pid: 10_001 + 2 * i, requests: 1 },
    ]);
    h.update(v);
    assert.ok(h.size <= 5, `tick ${i}: ${h.size} keys`);
  }
  // the newest keys are the ones kept
  assert.ok(h.worker('398') && h.worker('399'));
  assert.equal(h.worker('0'), undefined);
  h.clear();
  assert.equal(h.size, 0);
  assert.equal(h.totals.rps.length, 0);
});
