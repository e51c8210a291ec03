/**
 * FleetReplay: one replay clock over every address of a fleet recording,
 * driven by a hand-moved scheduler. Two addresses with interleaved records
 * (a at T0, T0+1000, …; b half a second later each time), one recorded
 * failure of b.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Recorder, RecordError } from '../../src/record/recorder.js';
import { FleetReplay, type ReplayedTarget } from '../../src/record/fleet-replay.js';
import { UNKNOWN_ADDR } from '../../src/record/replay.js';
import { buildView } from '../../src/model/view.js';
import { StatsError } from '../../src/protocol/errors.js';
import { FakeScheduler, rawDoc, settledState, tempDir } from './helpers.js';

const T = { timeout: 30_000 };
const T0 = 1_700_000_000_000;
const N = 6;
/** b's record at this index is a recorded failed read. */
const B_ERR = 2;

/** a: records at T0 + i·1000, 10·i requests per worker; b: at T0 + 500 + i·1000, 100·i requests; b's record 2 failed. */
async function makeFleet(file: string): Promise<void> {
  const rec = await Recorder.open(file);
  for (let i = 0; i < N; i++) {
    rec.record('a', T0 + i * 1000, rawDoc(10 * i));
    if (i === B_ERR) rec.recordError('b', T0 + 500 + i * 1000, new StatsError('REFUSED', 'connection refused by 127.0.0.1:9 (nothing listening there)'));
    else rec.record('b', T0 + 500 + i * 1000, rawDoc(100 * i, { pid: 2000 }));
  }
  await rec.close();
}

async function open(t: TestContext, opts: { paused?: boolean; speed?: number } = {}): Promise<{ fr: FleetReplay; clock: FakeScheduler; file: string }> {
  const file = join(tempDir(t), 'fleet.jsonl');
  await makeFleet(file);
  const clock = new FakeScheduler();
  const fr = await FleetReplay.open(file, { scheduler: clock, ...opts });
  t.after(() => fr.close());
  return { fr, clock, file };
}

function requests(s: { doc: { kind: string } } | undefined): number | undefined {
  const d = s?.doc as { kind: string; workers?: { requests?: number }[] } | undefined;
  return d?.kind === 'server' ? d.workers?.[0]?.requests : undefined;
}

function rps(t: ReplayedTarget): number | undefined {
  if (!t.cur) return undefined;
  const v = buildView(t.cur, t.prev);
  return v.kind === 'server' ? v.totals.rps : undefined;
}

async function at(fr: FleetReplay, addr: string): Promise<ReplayedTarget> {
  return (await fr.targetsAt()).find((x) => x.addr === addr)!;
}

test('one clock over two interleaved addresses: each shows its record current at the clock, with rates against its previous record', T, async (t) => {
  const { fr, clock } = await open(t);
  assert.deepEqual(fr.addresses, ['a', 'b']);
  assert.equal(fr.now(), T0, 'the clock starts at the first record of any address');
  assert.deepEqual(fr.state, { paused: false, speed: 1, clock: T0, position: 0, length: 2 * N, atEnd: false });

  let a = await at(fr, 'a');
  let b = await at(fr, 'b');
  assert.equal(a.cur?.at, T0);
  assert.equal(a.prev, undefined);
  assert.equal(b.cur, undefined, 'b has no record yet at T0');
  assert.equal(b.reads, 0);

  clock.advance(500);
  b = await at(fr, 'b');
  assert.equal(b.cur?.at, T0 + 500);
  assert.equal(requests(b.cur), 0);

  clock.advance(1000); // T0 + 1500: a's record 1 and b's record 1
  a = await at(fr, 'a');
  b = await at(fr, 'b');
  assert.equal(a.cur?.at, T0 + 1000);
  assert.equal(a.prev?.at, T0);
  assert.equal(rps(a), 20, 'a: 2 workers × 10 requests in 1 s');
  assert.equal(b.cur?.at, T0 + 1500);
  assert.equal(rps(b), 200, 'b: 2 workers × 100 requests in 1 s');
  assert.equal(fr.state.position, 3, 'four records played (0-based index 3)');
});

test('a recorded failure of one target: its error at the clock, its last good record kept; the next good record rates against the one before the failure', T, async (t) => {
  const { fr, clock } = await open(t);
  clock.advance(2500); // b's record 2 (the failure) is current
  let b = await at(fr, 'b');
  assert.equal(b.error?.code, 'REFUSED');
  assert.match(b.error!.message, /connection refused by 127\.0\.0\.1:9/);
  assert.equal(b.error?.at, T0 + 2500);
  assert.equal(b.failingSince, T0 + 2500);
  assert.equal(b.cur?.at, T0 + 1500, 'the last good record stays (as live: STALE then DOWN by its age)');
  const a = await at(fr, 'a');
  assert.equal(a.error, undefined, 'the other target is not affected');
  assert.equal(a.cur?.at, T0 + 2000);

  clock.advance(1000); // T0 + 3500: b's record 3 is good again
  b = await at(fr, 'b');
  assert.equal(b.error, undefined);
  assert.equal(b.cur?.at, T0 + 3500);
  assert.equal(b.prev?.at, T0 + 1500, 'rates against the good record before the failure');
  assert.equal(rps(b), (2 * 200) / 2, '2 workers × 200 requests in 2 s');
});

test('pause holds every target; fleet steps go to the next/previous record time of ANY target; wait() wakes at the next record', T, async (t) => {
  const { fr, clock, file } = await open(t);
  const w = fr.wait();
  clock.advance(499);
  assert.equal(await settledState(w, file), 'pending', 'not before the next record of any target');
  clock.advance(1);
  await w;
  assert.equal(fr.now(), T0 + 500);

  fr.pause();
  clock.advance(60_000);
  assert.equal(fr.now(), T0 + 500, 'paused: the clock holds');
  assert.equal((await at(fr, 'a')).cur?.at, T0);
  const held = fr.wait();
  clock.advance(60_000);
  assert.equal(await settledState(held, file), 'pending', 'paused: nothing falls due');

  fr.stepForward();
  await held; // a control wakes a waiter
  assert.equal(fr.now(), T0 + 1000, 'step: a\'s next record');
  assert.equal(fr.state.paused, true);
  fr.stepForward();
  assert.equal(fr.now(), T0 + 1500, 'step: b\'s next record');
  assert.equal((await at(fr, 'b')).cur?.at, T0 + 1500);
  fr.stepBack();
  assert.equal(fr.now(), T0 + 1000);
  assert.equal((await at(fr, 'b')).cur?.at, T0 + 500, 'back in time: b\'s earlier record again');

  // Between records (playing, then a step back): back to the record before the latest one shown.
  fr.resume();
  clock.advance(700); // T0 + 1700: latest record time T0 + 1500
  fr.stepBack();
  assert.equal(fr.now(), T0 + 1000);
  fr.seekStart();
  fr.stepBack();
  assert.equal(fr.now(), T0, 'clamped at the first record');
});

test('speed and seeks act on the one clock; the end of the file stops it', T, async (t) => {
  const { fr, clock, file } = await open(t);
  fr.faster();
  assert.equal(fr.state.speed, 2);
  clock.advance(250);
  assert.equal(fr.now(), T0 + 500, '×2: half a second of recording in 250 ms');
  fr.setSpeed(100);
  assert.equal(fr.state.speed, 16);
  fr.slower();
  assert.equal(fr.state.speed, 8);
  fr.setSpeed(1);

  fr.seekBy(2000);
  assert.equal(fr.now(), T0 + 2500);
  assert.equal((await at(fr, 'b')).error?.code, 'REFUSED');
  fr.seekBy(-60_000);
  assert.equal(fr.now(), T0, 'clamped to the start');
  fr.seekBy(60_000);
  const end = T0 + 500 + (N - 1) * 1000;
  assert.equal(fr.now(), end, 'clamped to the last record of any target');
  assert.equal(fr.state.atEnd, true);
  assert.equal(fr.state.position, 2 * N - 1);
  assert.equal(fr.state.paused, false, 'a seek keeps playing');
  const w = fr.wait();
  clock.advance(10_000);
  assert.equal(fr.now(), end, 'the clock stops at the end');
  assert.equal(await settledState(w, file), 'pending', 'no record after the end');
  const a = await at(fr, 'a');
  assert.equal(a.cur?.at, T0 + (N - 1) * 1000, 'a: its last record');
  fr.stepForward();
  assert.equal(fr.now(), end, 'a step at the end stays there');
  await w;

  // Playing through to the end from the start.
  fr.seekStart();
  fr.resume();
  clock.advance(3000);
  assert.equal(fr.now(), T0 + 3000);
  clock.advance(60_000);
  assert.equal(fr.now(), end);
  assert.equal((await at(fr, 'b')).cur?.at, end);
  fr.seekEnd();
  assert.equal(fr.now(), end);
});

test('replayOf(addr): a single-target Replay on the same clock: its pause pauses the fleet, its steps move the fleet, the fleet\'s moves move it', T, async (t) => {
  const { fr, clock, file } = await open(t);
  const rb = fr.replayOf('b');
  t.after(() => rb.close());
  assert.equal(rb.state.position, -1, 'b has no record at T0 yet');
  const first = rb.source();
  assert.equal(await settledState(first, file), 'pending');
  clock.advance(500);
  assert.equal((await first).at, T0 + 500, 'b\'s first record when the shared clock reaches it');

  rb.pause();
  assert.equal(fr.state.paused, true, 'paused in the monitor: the fleet is paused');
  rb.stepForward();
  assert.equal(fr.now(), T0 + 1500, 'a step in the monitor steps b\'s records: the fleet clock follows');
  assert.equal((await rb.source()).at, T0 + 1500);
  rb.stepForward();
  await assert.rejects(rb.source(), (e: unknown) => e instanceof StatsError && e.code === 'REFUSED', 'b\'s recorded failure');

  // The fleet moves the clock back: the monitor's replay follows.
  fr.seekStart();
  assert.equal(rb.state.position, -1);
  fr.stepForward();
  assert.equal(rb.state.position, 0);
  fr.resume();
  assert.equal(rb.state.paused, false);
  clock.advance(1000);
  assert.equal((await rb.source()).at, T0 + 1500);

  // Closing the monitor's replay leaves the recording open for the fleet.
  await rb.close();
  assert.equal((await at(fr, 'a')).cur?.at, T0 + 1000);
  assert.throws(() => fr.replayOf('nope'), (e: unknown) => e instanceof RecordError && e.code === UNKNOWN_ADDR);
});

test('starting paused: nothing moves until resumed; a file without records is refused', T, async (t) => {
  const { fr, clock } = await open(t, { paused: true, speed: 4 });
  clock.advance(10_000);
  assert.equal(fr.now(), T0);
  fr.resume();
  clock.advance(250);
  assert.equal(fr.now(), T0 + 1000);
  const empty = join(tempDir(t), 'empty.jsonl');
  await (await Recorder.open(empty)).close();
  await assert.rejects(FleetReplay.open(empty), (e: unknown) => e instanceof RecordError && /has no records/.test(e.message));
});
