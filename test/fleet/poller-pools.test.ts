import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseStats } from '../../src/protocol/parse.js';
import { defaultMaxConcurrent, FleetPoller, type TargetReader } from '../../src/fleet/poller.js';
import { parseTargets } from '../../src/fleet/targets.js';
import { buildFleetView } from '../../src/fleet/view.js';

// More hanging targets than read slots: the answering targets must not wait for a slot behind them
// (issue 13, point 6: a dead or hanging target never delays the rest, at any scale).
test('fleet poller: more hanging targets than read slots never hold up the answering ones', { timeout: 30_000 }, async (t) => {
  const GOOD = 5;
  const HANGING = 20;
  const SLOTS = 4;
  const HANG_MS = 2000;
  const lines = [...Array.from({ length: GOOD }, (_, i) => `good${i} = /tmp/good${i}.sock`), ...Array.from({ length: HANGING }, (_, i) => `hang${i} = /tmp/hang${i}.sock`)];
  const targets = parseTargets(lines.join('\n'), 'targets');
  const doc = { version: '2.0.21', listen_queue: 0, workers: [{ id: 1, pid: 10, requests: 1, status: 'idle', rss: 1, avg_rt: 1, exceptions: 0 }] };
  let inFlightHanging = 0;
  const read: TargetReader = (target, o) =>
    new Promise((resolve, reject) => {
      if (target.label.startsWith('good')) {
        setImmediate(() => resolve({ doc: JSON.parse(JSON.stringify(doc)), at: Date.now() }));
        return;
      }
      // A hanging target: no answer until its deadline (or close()).
      inFlightHanging++;
      const timer = setTimeout(() => {
        inFlightHanging--;
        reject(new Error('timeout'));
      }, Math.min(o.timeoutMs, HANG_MS));
      o.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        inFlightHanging--;
        reject(new Error('aborted'));
      });
    });
  const poller = new FleetPoller({ targets, intervalMs: 1000, timeoutMs: HANG_MS, waitMs: 1000, maxConcurrent: SLOTS, read });
  t.after(() => poller.close());

  // Tick 1: nothing was ever read, so every target is in the same pool; the good ones come first in the list.
  const s1 = await poller.tick();
  assert.equal(buildFleetView(s1).totals.up, GOOD, 'the first tick reads every answering target');
  assert.equal(inFlightHanging, SLOTS, `the hanging targets fill every slot of their pool (${inFlightHanging} in flight)`);

  // Tick 2: the hanging ones still hold (and queue for) their slots for up to 2 s; the good ones answer at once.
  const before = s1.targets.filter((x) => x.target.label.startsWith('good')).map((x) => x.reads);
  const t0 = performance.now();
  const s2 = await poller.tick();
  const took = performance.now() - t0;
  const after = s2.targets.filter((x) => x.target.label.startsWith('good')).map((x) => x.reads);
  assert.deepEqual(
    after,
    before.map((n) => n + 1),
    'every answering target was read again in this tick',
  );
  assert.ok(took < 500, `the second tick took ${took.toFixed(0)} ms (waited for slots held by hanging targets?)`);
});

// 1,000 targets are read all at once by default (256 at a time made the reads trickle and cost 1.6x the CPU):
// the default is a quarter of the open-files limit, 256..4096.
test('fleet poller: by default a quarter of the open-files limit (256..4096) of reads start together', { timeout: 30_000 }, async (t) => {
  const limit = defaultMaxConcurrent();
  assert.ok(limit >= 256 && limit <= 4096, `default ${limit}`);
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
  if (m) assert.equal(limit, Math.max(256, Math.min(4096, Math.floor(Number(m[1]) / 4))));
  const N = Math.min(limit + 10, 1100);
  const targets = parseTargets(Array.from({ length: N }, (_, i) => `t${i} = /tmp/t${i}.sock`).join('\n'), 'targets');
  let inFlight = 0;
  let most = 0;
  const release: (() => void)[] = [];
  const read: TargetReader = () =>
    new Promise((resolve) => {
      most = Math.max(most, ++inFlight);
      release.push(() => {
        inFlight--;
        resolve({ doc: parseStats('{"workers": []}'), at: Date.now() });
      });
    });
  const poller = new FleetPoller({ targets, intervalMs: 1000, timeoutMs: 5000, waitMs: 0, read });
  t.after(() => poller.close());
  await poller.tick(); // starts the reads, waits for none (waitMs 0)
  assert.equal(most, Math.min(N, limit), 'as many reads in flight as the default allows, at once');
  // Answer them all; those that waited for a slot start as slots free up, and every target is read.
  const deadline = performance.now() + 10_000;
  while (release.length > 0) {
    assert.ok(performance.now() < deadline, 'reads still pending');
    release.splice(0).forEach((r) => r());
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(poller.snapshot().targets.filter((x) => x.reads === 1).length, N);
});
