/**
 * `tsgitop --replay FILE` of a fleet recording, through a headless
 * terminal: the fleet view plays every target on one replay clock (a
 * FleetReplay adapted by the CLI's fleetReplayFeed). The recording is made
 * with Recorder: target a (2 workers, 20 rps), target b (4 workers, 400
 * rps; its reads fail from record 6 on), target c (a captured uWSGI
 * document, unchanged: 0 rps). The replay starts paused, so every screen
 * follows from the keys pressed.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Recorder } from '../../src/record/recorder.js';
import { FleetReplay } from '../../src/record/fleet-replay.js';
import { StatsError } from '../../src/protocol/errors.js';
import { fleetReplayFeed, replayTargets } from '../../src/record/adapters.js';
import { formatTimestamp } from '../../src/format.js';
import { fixture, rawDoc, tempDir } from '../record/helpers.js';
import { rowOf, startFleetHarness, stateOf, type FleetHarness } from './harness.js';

const T = { timeout: 30_000 };
const T0 = 1_700_000_000_000;
const N = 20;
/** b's reads fail from this record on. */
const B_FAIL = 6;

async function makeFleet(file: string): Promise<void> {
  const rec = await Recorder.open(file);
  const idle = fixture('idle-4p.json');
  for (let i = 0; i < N; i++) {
    rec.record('a', T0 + i * 1000, rawDoc(10 * i, { workers: 2 }));
    if (i < 3) rec.record('c', T0 + 200 + i * 1000, idle);
    if (i < B_FAIL) rec.record('b', T0 + 500 + i * 1000, rawDoc(100 * i, { workers: 4, pid: 2000 }));
    else rec.recordError('b', T0 + 500 + i * 1000, new StatsError('REFUSED', 'connection refused by 127.0.0.1:9 (nothing listening there)'));
  }
  await rec.close();
}

async function start(t: TestContext): Promise<{ h: FleetHarness; fr: FleetReplay }> {
  const file = join(tempDir(t), 'fleet.rec');
  await makeFleet(file);
  const fr = await FleetReplay.open(file, { paused: true });
  const targets = replayTargets(fr.addresses);
  const h = startFleetHarness({ targets, intervalMs: 1000, replay: fleetReplayFeed(fr, { targets, intervalMs: 1000, file }), cols: 120, rows: 30 });
  t.after(async () => {
    await h.quit();
    await fr.close();
  });
  return { h, fr };
}

/** The RPS cell of a row (STATE, BUSY, RPS after the label). */
function rpsOf(h: FleetHarness, label: string): string | undefined {
  return rowOf(h, label)?.slice(17).trim().split(/\s+/)[2];
}

function busyOf(h: FleetHarness, label: string): string | undefined {
  return rowOf(h, label)?.slice(17).trim().split(/\s+/)[1];
}

/** The REPLAY marker of the status line (`REPLAY ×1 ⏸ paused 2023-… (record 3/46)`). */
function marker(h: FleetHarness): string | undefined {
  return /REPLAY\s+×[\d.]+ (?:⏸ paused|▶|■ end) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(record \d+\/\d+\)/.exec(h.text())?.[0].replace(/\s+/g, ' ');
}

const total = 2 * N + 3;

test('fleet replay: rows of every target at the replay clock, the REPLAY marker, steps to the next/previous record of any target, pause holds, seeks', T, async (t) => {
  const { h, fr } = await start(t);
  await h.waitFor(() => stateOf(h, 'a') === 'up' && marker(h) !== undefined, 'the fleet at the first record');
  assert.equal(marker(h), `REPLAY ×1 ⏸ paused ${formatTimestamp(T0)} (record 1/${total})`);
  assert.match(h.lines()[0]!, new RegExp(`tsgitop fleet\\s+${formatTimestamp(T0)}`), 'the header shows the recorded time');
  assert.equal(busyOf(h, 'a'), '0/2');
  assert.equal(rpsOf(h, 'a'), '-', 'one record: no rate yet');
  assert.equal(stateOf(h, 'b'), 'DOWN', 'b has no record before T0 + 500');
  assert.match(rowOf(h, 'b')!, /DOWN\s+not read yet/);
  assert.match(h.lines().at(-1)!, /space\/p play\/pause\s+,\/\. step\s+-\/\+ speed/, 'the replay keys in the footer');
  assert.ok(!/● live/.test(h.text()), 'never "live" in a replay');

  // Steps: to the next record time of ANY target — c at +200, b at +500, a at +1000.
  await h.press('.');
  await h.waitFor(() => stateOf(h, 'c') === 'up' && marker(h)?.includes('(record 2/') === true, 'step to c\'s first record');
  assert.equal(fr.now(), T0 + 200);
  await h.press('.');
  await h.waitFor(() => stateOf(h, 'b') === 'up' && marker(h)?.includes(formatTimestamp(T0 + 500)) === true, 'step to b\'s first record');
  assert.equal(busyOf(h, 'b'), '0/4');
  await h.press('.');
  await h.waitFor(() => rpsOf(h, 'a') === '20.0', 'step to a\'s second record: a has its rate');
  assert.equal(rpsOf(h, 'b'), '-', 'b still at its first record');
  await h.press('.');
  await h.press('.');
  await h.waitFor(() => rpsOf(h, 'b') === '400' && marker(h)?.includes('(record 6/') === true, 'b\'s second record: 4 workers × 100 requests in 1 s');
  assert.equal(fr.now(), T0 + 1500);
  assert.equal(rpsOf(h, 'c'), '0', 'c: the same captured document twice, no requests');
  // Back: the previous record time of any target (c's second record at +1200).
  await h.press(',');
  await h.waitFor(() => rpsOf(h, 'b') === '-' && fr.now() === T0 + 1200, 'a step back');
  assert.equal(rpsOf(h, 'a'), '20.0');

  // Play at ×16, then pause: the clock moved, and while paused nothing moves however many frames are drawn.
  await h.press('+');
  await h.press('+');
  await h.press('+');
  await h.press('+');
  await h.waitFor(() => marker(h)?.startsWith('REPLAY ×16 ⏸') === true, 'speed ×16');
  const before = fr.now();
  await h.press(' ');
  await h.waitFor(() => fr.now() > before + 2000 && marker(h)?.includes('▶') === true, 'playing: the clock moves on screen');
  await h.press('p');
  await h.waitFor(() => marker(h)?.includes('⏸ paused') === true, 'paused again');
  const held = marker(h);
  const heldRows = [rowOf(h, 'a'), rowOf(h, 'b')];
  for (const k of ['j', 'k', 'j', 'k']) await h.press(k);
  await h.waitFor(() => marker(h) === held, 'the same REPLAY marker after more frames');
  assert.deepEqual([rowOf(h, 'a')?.replace(/^(\S+\s+)/, ''), rowOf(h, 'b')?.replace(/^(\S+\s+)/, '')], heldRows.map((r) => r?.replace(/^(\S+\s+)/, '')), 'paused: the rows hold');

  // } : the end — b's reads had been failing for 14 s: DOWN with its recorded error; a still up; c stopped long ago.
  await h.press('}');
  await h.waitFor(() => stateOf(h, 'b') === 'DOWN' && marker(h)?.includes(formatTimestamp(T0 + 500 + (N - 1) * 1000)) === true, 'the end of the recording');
  assert.match(rowOf(h, 'b')!, /DOWN\s+0\/4\s+400\s.*\s14\.0s\s.*connection refused by/, 'its last numbers (14 s old) and its recorded error');
  assert.equal(stateOf(h, 'a'), 'up');
  assert.equal(rpsOf(h, 'a'), '20.0');
  assert.equal(stateOf(h, 'c'), 'DOWN', 'c\'s last record is 17 s old');
  assert.match(marker(h)!, new RegExp(`\\(record ${total}/${total}\\)`));
  // [ : one minute back, clamped to the start.
  await h.press('[');
  await h.waitFor(() => fr.now() === T0 && stateOf(h, 'b') === 'DOWN' && rpsOf(h, 'a') === '-', 'back to the start');
  // The clock moved from elsewhere (the same clock a monitor would move) wakes the view: b's reads have been failing
  // since T0 + 6500 and its last good record (T0 + 5500) is 3.1 s old at T0 + 8600: STALE with its error; a stays up.
  fr.seekBy(8600);
  await h.waitFor(() => stateOf(h, 'b') === 'STALE' && marker(h)?.includes(formatTimestamp(T0 + 8600)) === true, 'b STALE');
  assert.match(rowOf(h, 'b')!, /STALE\s+0\/4/, 'a stale row keeps its last numbers');
  assert.equal(stateOf(h, 'a'), 'up');

  // ? lists the replay keys with the fleet's step.
  await h.press('?');
  await h.waitFor(() => /step to the previous\/next record of any target/.test(h.text()), 'help overlay with the replay keys');
  await h.press('?');
  assert.equal(await h.quit(), 0);
});

test('fleet replay: Enter opens the target\'s monitor replaying on the same clock; a step there moves the fleet\'s clock; q comes back to the fleet at that clock', T, async (t) => {
  const { h, fr } = await start(t);
  await h.waitFor(() => stateOf(h, 'a') === 'up' && marker(h) !== undefined, 'the fleet');
  await h.press('.');
  await h.press('.');
  await h.waitFor(() => fr.now() === T0 + 500 && stateOf(h, 'b') === 'up', 'at b\'s first record');
  // Select b (the last row: targets are in order of first appearance, a c b) and open its monitor.
  await h.press('G');
  await h.waitFor(() => /\(record \d+\/\d+\)\s+b$/m.test(h.text()), 'b selected (its label in the status line)');
  await h.press('\r');
  await h.waitFor(() => h.current() === 'monitor' && /WID\s+%\s+PID/.test(h.text()) && /REPLAY/.test(h.text()), 'b\'s monitor in replay');
  assert.ok(h.text().includes('b (replay of'), `the monitor names the target:\n${h.text()}`);
  assert.match(h.text(), new RegExp(`REPLAY\\s+×1 ⏸ paused ${formatTimestamp(T0 + 500)} \\(record 1/${N}\\)`), 'paused at the fleet\'s clock, b\'s first record');
  // 4 workers rows (pids 2001..2004).
  assert.match(h.text(), /2004/);
  // A step in the monitor: b's next record, a second of recorded time later — on the shared clock.
  await h.press('.');
  await h.waitFor(() => new RegExp(`⏸ paused ${formatTimestamp(T0 + 1500)} \\(record 2/`).test(h.text()), 'b\'s second record in the monitor');
  assert.equal(fr.now(), T0 + 1500, 'the fleet clock moved with it');
  // Play/pause in the monitor plays/pauses the one clock.
  await h.press(' ');
  await h.waitFor(() => fr.state.paused === false, 'playing from the monitor');
  await h.press(' ');
  await h.waitFor(() => fr.state.paused === true, 'paused from the monitor');
  const left = fr.now();
  // q: back to the fleet, at the clock the monitor left.
  await h.press('q');
  await h.waitFor(() => h.current() === 'fleet' && marker(h)?.includes(formatTimestamp(left)) === true && rpsOf(h, 'b') !== undefined, 'the fleet again, at the monitor\'s clock');
  assert.equal(h.exitCode, undefined);
  assert.equal(rpsOf(h, 'b'), '400', 'b\'s rate as it was live');
  assert.equal(await h.quit(), 0);
});
