/**
 * The monitor session below the TUI (no blessed): the test is its source
 * and its clock. Each read becomes an immutable frame; failures keep the
 * last good view and raise connection events; an old frame keeps showing
 * what it showed (pause is the shell keeping one), history included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MonitorSession, type MonitorFrame } from '../../src/session/monitor.js';
import type { Sample } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';
import { synth, T0 } from '../tui/synth.js';

function controlled() {
  const pending: { resolve(s: Sample<StatsDocument>): void; reject(e: unknown): void }[] = [];
  let waiting: (() => void) | undefined;
  return {
    source: (): Promise<Sample<StatsDocument>> =>
      new Promise((resolve, reject) => {
        pending.push({ resolve, reject });
        waiting?.();
      }),
    async next(): Promise<{ resolve(s: Sample<StatsDocument>): void; reject(e: unknown): void }> {
      for (let i = 0; i < 100 && pending.length === 0; i++) await new Promise<void>((r) => ((waiting = r), setImmediate(r)));
      const p = pending.shift();
      assert.ok(p, 'a read was requested');
      return p;
    },
  };
}

test('monitor session: each read is an immutable frame; a failure keeps the last view and says since when; recovery is an event; an old frame keeps its view, events and history', async (t) => {
  const src = controlled();
  const clock = { now: T0 };
  const session = new MonitorSession({ source: src.source, node: 'n', addressLabel: 'a', intervalMs: 60_000, fastMs: 100, now: () => clock.now });
  t.after(() => session.stop());
  const frames: [MonitorFrame, string][] = [];
  let readings = 0;
  session.start(
    (f, reason) => frames.push([f, reason]),
    (where, e) => assert.fail(`${where}: ${String(e)}`),
    () => readings++,
  );

  (await src.next()).resolve(synth(1, { workers: 2 }));
  await new Promise((r) => setImmediate(r));
  const [f1, r1] = frames[0]!;
  assert.equal(r1, 'sample');
  assert.ok(Object.isFrozen(f1), 'frames are immutable');
  assert.equal(f1.view?.kind, 'server');
  assert.equal(f1.readAt, T0);
  assert.equal(f1.failure, undefined);

  clock.now += 1000;
  session.refetch();
  (await src.next()).resolve(synth(2, { workers: 2 }));
  await new Promise((r) => setImmediate(r));
  const [f2] = frames[1]!;
  assert.equal(f2.view?.kind === 'server' ? f2.view.workers[0]!.rps : undefined, 10, 'a rate from two reads');
  assert.equal(f1.view?.kind === 'server' ? f1.view.workers[0]!.rps : 'x', undefined, 'the first frame is unchanged');
  assert.equal(session.seriesOf(f1, session.history.totals.rps.toArray()).length, 1, 'history as of the first frame');
  assert.equal(session.seriesOf(f2, session.history.totals.rps.toArray()).length, 2);

  clock.now += 1000;
  session.refetch();
  (await src.next()).reject(new Error('connection refused'));
  await new Promise((r) => setImmediate(r));
  const [f3, r3] = frames[2]!;
  assert.equal(r3, 'failure');
  assert.equal(f3.view, f2.view, 'the last good view stays');
  assert.deepEqual([f3.failure?.message, f3.failure?.since], ['connection refused', T0 + 2000]);
  assert.equal(session.lastEventOf(f3)?.kind, 'connection_lost');
  assert.equal(session.lastEventOf(f3)?.message, 'connection lost: connection refused (last read 1.0s ago)');
  assert.equal(session.lastEventOf(f2)?.kind === 'connection_lost', false, 'events after a frame are not part of it');
  assert.equal(readings, 3, 'reading: once for each read started (what the ticker of the shell waits on)');

  clock.now += 3000;
  session.refetch();
  (await src.next()).resolve(synth(3, { workers: 2 }));
  await new Promise((r) => setImmediate(r));
  const [f4] = frames[3]!;
  assert.equal(f4.failure, undefined);
  assert.equal(session.lastEventOf(f4)?.kind, 'connection_restored');
  // the outage counts from the last good read (T0 + 1000), not from the failure noticed a read later
  assert.match(session.lastEventOf(f4)!.message, /^connection restored after 4\.0s without a read$/);
  assert.equal(f3.failure?.message, 'connection refused', 'the failure frame still says what it said');
});
