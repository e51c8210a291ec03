/**
 * The shell's ticker (src/tui/ticker.ts): no tick while frames are drawn at
 * the read cadence, a tick every second once they stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ticker, type TickTimers } from '../../src/tui/ticker.js';

/** A fake clock: timers fire when `advance` passes their time, in order. */
function fakeTimers(): TickTimers & { now: number; fired: number; advance(ms: number): void; pending(): number } {
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const t = {
    now: 0,
    fired: 0,
    setTimeout(fn: () => void, ms: number): unknown {
      const id = ++seq;
      timers.set(id, { at: t.now + ms, fn });
      return id;
    },
    clearTimeout(h: unknown): void {
      timers.delete(h as number);
    },
    advance(ms: number): void {
      const end = t.now + ms;
      for (let guard = 0; guard < 10_000; guard++) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const e of timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
        if (!next) break;
        timers.delete(next[0]);
        t.now = next[1].at;
        t.fired++;
        next[1].fn();
      }
      t.now = end;
    },
    pending: () => timers.size,
    clock: () => t.now,
  };
  return t;
}

test('ticker: frames drawn every second (with jitter) leave no tick; once they stop, a tick every second', () => {
  const timers = fakeTimers();
  const ticks: number[] = [];
  const tk = new Ticker(() => ticks.push(timers.now), { tickMs: 1000, slackMs: 250, timers });
  tk.start();
  // Frames at the 1 s cadence, each a little late or early.
  const jitter = [0, 40, 5, 120, 0, 200, 10, 0, 90, 30];
  let at = 0;
  for (const j of jitter) {
    const frameAt = at + j;
    timers.advance(frameAt - timers.now);
    tk.drew();
    at += 1000;
  }
  assert.deepEqual(ticks, [], 'no tick while frames come');
  // The frames stop: the first tick 1.25 s after the last frame, then every second.
  const last = timers.now;
  timers.advance(4000);
  assert.deepEqual(ticks, [last + 1250, last + 2250, last + 3250]);
  // A frame again pushes the next tick back.
  tk.drew();
  const again = timers.now;
  timers.advance(1200);
  assert.equal(ticks.length, 3);
  timers.advance(100);
  assert.deepEqual(ticks.slice(3), [again + 1250]);
  assert.equal(timers.pending(), 1, 'one timer armed at a time');
  tk.stop();
  assert.equal(timers.pending(), 0);
  tk.drew();
  timers.advance(5000);
  assert.equal(ticks.length, 4, 'no tick after stop');
});

test('ticker: ticks from the start while no frame comes; a tick that throws does not end the ticking', () => {
  const timers = fakeTimers();
  const ticks: number[] = [];
  const tk = new Ticker(
    () => {
      ticks.push(timers.now);
      if (ticks.length === 2) throw new Error('boom');
    },
    { tickMs: 1000, slackMs: 250, timers },
  );
  tk.start();
  for (let k = 0; k < 4; k++) {
    try {
      timers.advance(1000);
    } catch {
      /* the second tick throws */
    }
  }
  assert.deepEqual(ticks, [1000, 2000, 3000, 4000]);
  tk.stop();
});

test('ticker: woken at the start of every read (a timer callback), it never fires while reads come; ticks once they stop', () => {
  const timers = fakeTimers();
  const ticks: number[] = [];
  const tk = new Ticker(() => ticks.push(timers.now), { tickMs: 1000, slackMs: 250, timers });
  tk.start();
  // The session's read timer: a read starts every second (awake), its frame is drawn a few ms later.
  const readMs = [3, 12, 5, 40, 2, 7, 150, 4];
  for (let k = 0; k < readMs.length; k++) {
    timers.advance(k * 1000 - timers.now);
    tk.awake();
    timers.advance(readMs[k]!);
    tk.drew();
  }
  // Only the start's first arm fired (at 1000, a frame 1 s before it held the tick back); none after it.
  const firedWhileReading = timers.fired;
  assert.deepEqual(ticks, []);
  timers.advance(7000 - timers.now);
  assert.equal(timers.fired, firedWhileReading, 'the timer did not fire between reads');
  assert.ok(firedWhileReading <= 1, `fired ${firedWhileReading} times`);
  // Reads stop (the last one started at 7000, its frame drawn at 7004): ticks from 1.25 s after that frame, every second.
  timers.advance(3500);
  assert.deepEqual(ticks, [8254, 9254, 10254]);
  tk.stop();
});
