import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tickRenders, type TickInput } from '../../src/tui/state.js';
import { Poller } from '../../src/session/poller.js';

const live: TickInput = { paused: false, failing: false, noData: false, busyMs: 0, freqMs: 1000, tickMs: 1000 };

test('tickRenders: live 1 s refresh with a short read in flight draws nothing (the read redraws)', () => {
  assert.equal(tickRenders(live), false);
  assert.equal(tickRenders({ ...live, busyMs: 5 }), false);
  assert.equal(tickRenders({ ...live, busyMs: 999 }), false);
  assert.equal(tickRenders({ ...live, freqMs: 100 }), false, 'fast refresh redraws more often than the ticker');
});

test('tickRenders: draws when nothing else would within a tick', () => {
  assert.equal(tickRenders({ ...live, paused: true }), true);
  assert.equal(tickRenders({ ...live, failing: true }), true);
  assert.equal(tickRenders({ ...live, noData: true }), true);
  assert.equal(tickRenders({ ...live, freqMs: 2000 }), true);
  assert.equal(tickRenders({ ...live, busyMs: 1000 }), true, 'a read stuck for a whole tick: ages must move');
  assert.equal(tickRenders({ ...live, busyMs: 4000 }), true);
});

test('poller.busyMs: time since the read in flight started, 0 when idle', async () => {
  let clock = 100;
  let finish!: (v: number) => void;
  let started!: () => void;
  const isStarted = new Promise<void>((r) => (started = r));
  let got!: () => void;
  const success = new Promise<void>((r) => (got = r));
  const p = new Poller<number>({
    read: () =>
      new Promise<number>((res) => {
        finish = res;
        started();
      }),
    intervalMs: () => 60_000,
    onSuccess: () => got(),
    onFailure: () => {},
    clock: () => clock,
  });
  assert.equal(p.busyMs, 0);
  p.start();
  await isStarted;
  assert.equal(p.busyMs, 0);
  clock = 1350;
  assert.equal(p.busyMs, 1250);
  finish(1);
  await success;
  assert.equal(p.busyMs, 0, 'idle after the read');
  p.stop();
});

test('poller.onStart: called once before each read, from the read timer after the first; a throwing onStart stops nothing', async () => {
  const log: string[] = [];
  let reads = 0;
  let done!: () => void;
  const three = new Promise<void>((r) => (done = r));
  const p = new Poller<number>({
    read: async () => {
      log.push(`read ${++reads}`);
      return reads;
    },
    intervalMs: () => 5,
    onSuccess: (n) => {
      log.push(`ok ${n}`);
      if (n === 3) done();
    },
    onFailure: () => {},
    onStart: () => {
      log.push('start');
      if (reads === 1) throw new Error('listener bug');
    },
  });
  p.start();
  await three;
  p.stop();
  assert.deepEqual(log, ['start', 'read 1', 'ok 1', 'start', 'read 2', 'ok 2', 'start', 'read 3', 'ok 3']);
});
