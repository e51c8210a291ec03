import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetPoller, type TargetReader } from '../../src/fleet/poller.js';
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
