/**
 * The Diagnoser's history covers every worker (issue 12 point 6, found by the
 * perf review: past the 4096th worker no crash loop or memory growth was
 * ever seen), and stays bounded: per worker a fixed number of samples, and
 * workers gone from a read are forgotten.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildView, Diagnoser } from '../../src/model/index.js';
import type { StatsDocument } from '../../src/protocol/types.js';
import { server, worker } from './factory.js';

const T0 = 1_700_000_000_000;
const N = 10_000;

/** N workers; worker `loop` has been respawned `respawns` times (new pid each time), worker `grow` has RSS `growRss`. */
function doc(n: number, loop: number, respawns: number, grow = 0, growRss = 100e6): StatsDocument {
  const ws = [];
  for (let id = 1; id <= n; id++) {
    ws.push(worker({ id, pid: id === loop ? 1_000_000 + respawns : 10_000 + id, respawn_count: id === loop ? 1 + respawns : 1, requests: 100, rss: id === grow ? growRss : 100e6 }));
  }
  return server({ workers: ws });
}

test('crash loop on worker 6000 of 10,000 is reported (every worker has history)', () => {
  const d = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60 });
  let prev = { doc: doc(N, 6000, 0), at: T0 };
  d.update(buildView(prev));
  let last: ReturnType<Diagnoser['update']> = [];
  for (let i = 1; i <= 3; i++) {
    const cur = { doc: doc(N, 6000, i), at: T0 + i * 2000 };
    last = d.update(buildView(cur, prev));
    if (i < 3) assert.deepEqual(last.filter((v) => v.rule === 'crash_loop'), [], `not yet after ${i} respawns`);
    prev = cur;
  }
  const loops = last.filter((v) => v.rule === 'crash_loop');
  assert.equal(loops.length, 1, 'exactly the looping worker');
  assert.equal(loops[0]!.message, 'crash loop: worker 6000 respawned 3 times in 60s');
  assert.equal(loops[0]!.workerId, 6000);
  assert.equal(d.trackedWorkers, N);
});

test('memory growth on worker 9999 of 10,000 is reported; the history follows the read (vanished workers forgotten)', () => {
  const d = new Diagnoser({ memGrowthPct: 20, memWindowSeconds: 10 });
  let prev = { doc: doc(N, 0, 0, 9999, 100e6), at: T0 };
  d.update(buildView(prev));
  let last: ReturnType<Diagnoser['update']> = [];
  for (let s = 1; s <= 11; s++) {
    const cur = { doc: doc(N, 0, 0, 9999, 100e6 * (1 + s * 0.03)), at: T0 + s * 1000 };
    last = d.update(buildView(cur, prev));
    prev = cur;
  }
  const mem = last.filter((v) => v.rule === 'memory_growth');
  assert.deepEqual(mem.map((v) => v.workerId), [9999]);
  assert.match(mem[0]!.message, /^memory growth: worker 9999 RSS \+29% in 10s$/);
  // the server shrinks to 10 workers: the other 9,990 are forgotten at once
  const small = { doc: doc(10, 0, 0), at: T0 + 12_000 };
  d.update(buildView(small, prev));
  assert.equal(d.trackedWorkers, 10);
});

test('per-worker memory is bounded whatever the window: a worker respawning on every read for a day', () => {
  const d = new Diagnoser({ crashRespawns: 1_000_000, crashWindowSeconds: 86_400, memWindowSeconds: 86_400 });
  let prev = { doc: doc(2, 1, 0, 2, 100e6), at: T0 };
  d.update(buildView(prev));
  // 5,000 reads 1 s apart, a respawn on each: the count is exact, the samples stay few
  for (let i = 1; i <= 5000; i++) {
    const cur = { doc: doc(2, 1, i, 2, 100e6 + i * 1e5), at: T0 + i * 1000 };
    d.update(buildView(cur, prev));
    prev = cur;
  }
  const d2 = new Diagnoser({ crashRespawns: 5000, crashWindowSeconds: 86_400 });
  // same scenario, threshold at the exact count: fires
  let p2 = { doc: doc(2, 1, 0), at: T0 };
  d2.update(buildView(p2));
  let last: ReturnType<Diagnoser['update']> = [];
  for (let i = 1; i <= 5000; i++) {
    const cur = { doc: doc(2, 1, i), at: T0 + i * 1000 };
    last = d2.update(buildView(cur, p2));
    p2 = cur;
  }
  assert.equal(last.find((v) => v.rule === 'crash_loop')?.message, 'crash loop: worker 1 respawned 5000 times in 86400s');
  assert.ok(d.samplesKept() <= 2 * 2 * (60 + 2) * 2, `bounded samples, got ${d.samplesKept()}`);
});
