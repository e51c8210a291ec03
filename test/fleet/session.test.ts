/**
 * The fleet session below the TUI, on a fake clock: no blessed, no sockets,
 * no sleeps — the test advances time and watches frames (issue 11, point 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetSession } from '../../src/fleet/session.js';
import type { TargetReader } from '../../src/fleet/poller.js';
import type { FleetView } from '../../src/fleet/view.js';
import { parseTargets } from '../../src/fleet/targets.js';
import { synthDoc } from '../tui/synth.js';

/** A clock the test moves: `sleep` resolves when `advance` passes its deadline. */
class FakeClock {
  now = Date.UTC(2026, 0, 1);
  #timers: { at: number; resolve: () => void }[] = [];
  sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const t = { at: this.now + ms, resolve };
      this.#timers.push(t);
      signal.addEventListener('abort', () => {
        this.#timers = this.#timers.filter((x) => x !== t);
        reject(signal.reason);
      }, { once: true });
    });
  get pending(): number {
    return this.#timers.length;
  }
  advance(ms: number): void {
    this.now += ms;
    const due = this.#timers.filter((t) => t.at <= this.now);
    this.#timers = this.#timers.filter((t) => t.at > this.now);
    for (const t of due) t.resolve();
  }
}

/** Resolves when `pred` holds, checked after each frame; rejects after `max` frames without it. */
function frames(session: FleetSession, clock: FakeClock) {
  const seen: FleetView[] = [];
  let wake: (() => void) | undefined;
  session.start((v) => {
    seen.push(v);
    wake?.();
  }, (where, e) => assert.fail(`${where}: ${String(e)}`));
  return {
    seen,
    async until(pred: () => boolean, what: string): Promise<void> {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise<void>((r) => ((wake = r), setImmediate(r)));
      assert.ok(pred(), what);
      void clock;
    },
  };
}

test('fleet session on a fake clock: one refresh per interval of injected time, states from the injected clock, a failing target never stops the others', async (t) => {
  const clock = new FakeClock();
  const reads = new Map<string, number>();
  const read: TargetReader = async (target) => {
    const n = (reads.get(target.label) ?? 0) + 1;
    reads.set(target.label, n);
    if (target.label === 'dead') throw new Error('connection refused');
    return { doc: synthDoc(n, { workers: 2 }), at: clock.now };
  };
  const targets = parseTargets('web = /tmp/tsgitop-session-a.sock\ndead = /tmp/tsgitop-session-b.sock\n', 'fleet.txt');
  const session = new FleetSession({ targets, intervalMs: 1000, read, now: () => clock.now, sleep: clock.sleep });
  t.after(() => session.close());
  const f = frames(session, clock);
  await f.until(() => f.seen.length === 1 && clock.pending === 1, 'the first frame, then a wait for the interval');
  assert.deepEqual(f.seen[0]!.rows.map((r) => [r.label, r.state]), [['web', 'up'], ['dead', 'down']]);
  assert.equal(f.seen[0]!.at, clock.now, 'the frame is stamped by the injected clock');
  // Nothing happens until the clock moves a whole interval.
  clock.advance(999);
  await new Promise((r) => setImmediate(r));
  assert.equal(f.seen.length, 1);
  clock.advance(1);
  await f.until(() => f.seen.length === 2, 'a second frame after one interval');
  assert.equal(f.seen[1]!.rows[0]!.rps, 30, 'web: 10 + 20 requests in one second of injected time');
  for (let i = 0; i < 3; i++) {
    const n = f.seen.length;
    clock.advance(1000);
    await f.until(() => f.seen.length === n + 1, `frame ${n + 1}`);
  }
  assert.equal(reads.get('web'), 5, 'one read per refresh');
  assert.equal(f.seen.at(-1)!.rows[1]!.state, 'down');
  assert.equal(f.seen.at(-1)!.rows[0]!.state, 'up', 'the failing target never held the other back');
});

test('fleet session: `reading` is called as each refresh starts, before its reads, and a throw from it stops nothing', async (t) => {
  const clock = new FakeClock();
  const log: string[] = [];
  const read: TargetReader = async (target) => {
    log.push(`read ${target.label}`);
    return { doc: synthDoc(1, { workers: 1 }), at: clock.now };
  };
  const targets = parseTargets('a = /tmp/tsgitop-session-e.sock\nb = /tmp/tsgitop-session-f.sock\n', 'fleet.txt');
  const session = new FleetSession({ targets, intervalMs: 1000, read, now: () => clock.now, sleep: clock.sleep });
  t.after(() => session.close());
  const seen: FleetView[] = [];
  let calls = 0;
  session.start(
    (v) => seen.push(v),
    (where, e) => assert.fail(`${where}: ${String(e)}`),
    () => {
      calls++;
      log.push('reading');
      if (calls === 2) throw new Error('a hook that fails');
    },
  );
  const settle = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setImmediate(r));
    assert.equal(seen.length, n);
  };
  await settle(1);
  for (const n of [2, 3]) {
    clock.advance(1000);
    await settle(n);
  }
  assert.equal(calls, 3, 'once per refresh');
  assert.deepEqual(log, ['reading', 'read a', 'read b', 'reading', 'read a', 'read b', 'reading', 'read a', 'read b']);
});

test('a monitor opened from the fleet reuses the fleet\'s reads: its source hands out each new read of its target, never reads twice', async (t) => {
  const clock = new FakeClock();
  let webReads = 0;
  const read: TargetReader = async (target) => {
    if (target.label !== 'web') throw new Error('no route');
    webReads++;
    return { doc: synthDoc(webReads, { workers: 1 }), at: clock.now };
  };
  const targets = parseTargets('web = /tmp/tsgitop-session-c.sock\nother = /tmp/tsgitop-session-d.sock\n', 'fleet.txt');
  const session = new FleetSession({ targets, intervalMs: 1000, read, now: () => clock.now, sleep: clock.sleep });
  t.after(() => session.close());
  const f = frames(session, clock);
  await f.until(() => f.seen.length === 1, 'the first frame');
  const feed = session.monitorFeed(targets[0]!);
  assert.equal(feed.addressLabel, targets[0]!.address.display);
  const first = await feed.source();
  assert.equal(first.doc.kind, 'server');
  assert.equal(webReads, 1, 'the newest read, at once, without reading');
  const next = feed.source();
  let got = false;
  void next.then(() => (got = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(got, false, 'the next sample waits for the fleet\'s next read');
  clock.advance(1000);
  const second = await next;
  assert.equal(webReads, 2, 'still one read per refresh: the monitor read nothing itself');
  assert.ok(second !== first);
  // The other target's monitor gets its failure as an error.
  await assert.rejects(session.monitorFeed(targets[1]!).source(), /no route/);
  // An abort (the monitor popped) ends a waiting read.
  const ac = new AbortController();
  const waiting = feed.source(ac.signal);
  ac.abort();
  await assert.rejects(waiting);
});
