/**
 * Issue 13 point 5: what buildView does per worker stays cheap and nothing
 * displays-only work leaks into it. A worker view's cores are built on first
 * use (once), never as an own property; matching by index (same worker list)
 * and by key (a worker gone, one new) give the same rates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildView } from '../../src/model/view.js';
import type { ServerView } from '../../src/model/types.js';
import { core, sample, server, worker } from './factory.js';

test('a worker view: cores built on first use, the same array after, not an own key; busy from the raw cores', () => {
  const prev = sample(server({ workers: [worker({ id: 1, requests: 10, cores: [core({ id: 0, requests: 10 })] })] }), 0);
  const cur = sample(server({ workers: [worker({ id: 1, requests: 30, cores: [core({ id: 0, requests: 30, in_request: true })] })] }), 1000);
  const v = buildView(cur, prev) as ServerView;
  const w = v.workers[0]!;
  assert.ok(!Object.keys(w).includes('cores'));
  assert.equal(w.busy, true);
  const cores = w.cores;
  assert.equal(w.cores, cores);
  assert.equal(cores[0]!.rps, 20);
  assert.equal(cores[0]!.inRequest, true);
});

test('matching: the same list (by index) and a changed list (by key) give the same rates and events', () => {
  const a = [worker({ id: 1, requests: 10 }), worker({ id: 2, requests: 20 }), worker({ id: 3, requests: 30 })];
  const b = [worker({ id: 1, requests: 15 }), worker({ id: 2, requests: 28 }), worker({ id: 3, requests: 30 })];
  const same = buildView(sample(server({ workers: b }), 2000), sample(server({ workers: a }), 0)) as ServerView;
  assert.deepEqual(same.workers.map((w) => w.rps), [2.5, 4, 0]);
  assert.deepEqual(same.events, []);
  // Worker 3 gone, worker 4 new, the rest reordered: matched by key.
  const c = [worker({ id: 2, requests: 28 }), worker({ id: 1, requests: 15 }), worker({ id: 4, requests: 1 })];
  const moved = buildView(sample(server({ workers: c }), 2000), sample(server({ workers: a }), 0)) as ServerView;
  assert.deepEqual(moved.workers.map((w) => [w.key, w.rps]), [['2', 4], ['1', 2.5], ['4', undefined]]);
  assert.deepEqual(moved.events.map((e) => e.kind), ['new_worker', 'gone_worker']);
  assert.equal(moved.totals.rps, 6.5);
});
