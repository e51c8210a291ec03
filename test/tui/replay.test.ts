/**
 * `tsgitop --replay` in the live UI, through the headless harness: a
 * recording written by the test (uWSGI fixture documents with known request
 * counts) played by the real Replay + the CLI's adapter, on a replay clock
 * the test moves by hand. What a person sees: the REPLAY marker, pause
 * holding the values, a step moving exactly one record, the speed keys, and
 * the replay keys listed (and bound) only in a replay.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';
import { Recorder } from '../../src/record/recorder.js';
import { Replay } from '../../src/record/replay.js';
import { replayControls } from '../../src/record/adapters.js';
import { KEYMAP, REPLAY_KEYMAP, footerHints, keyMapFor } from '../../src/tui/keys.js';
import { formatCount, formatRate, formatTimestamp } from '../../src/format.js';
import type { Sample } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';
import { StatsError } from '../../src/protocol/errors.js';
import { FakeScheduler, FIXTURES, settledState, tempDir } from '../record/helpers.js';

const T = { timeout: 60_000 };
/** Recorded time of record 0. */
const R0 = Date.UTC(2026, 10, 23, 9, 12, 3);
const RECORDS = 6;

/**
 * Record i of 'web1' is the real idle-4p fixture (4 workers) with worker w
 * having served 1 + 10·w·i(i+1)/2 requests, one record a second: total
 * requests 4 + 50·i(i+1), RPS at record i (against record i−1) 100·i.
 */
function requestsAt(i: number): number {
  return 4 + 50 * i * (i + 1);
}

function fixtureDoc(i: number): string {
  const doc = JSON.parse(readFileSync(join(FIXTURES, 'idle-4p.json'), 'utf8')) as { workers: { id: number; requests: number }[] };
  for (const w of doc.workers) w.requests = 1 + (10 * w.id * i * (i + 1)) / 2;
  return JSON.stringify(doc, null, '\t');
}

/** A fleet recording: web1 (RECORDS samples; `errAt` a failed read) interleaved with web2. */
async function writeRecording(file: string, errAt?: number): Promise<void> {
  const rec = await Recorder.open(file);
  for (let i = 0; i < RECORDS; i++) {
    if (i === errAt) rec.recordError('web1', R0 + i * 1000, new StatsError('REFUSED', 'connection refused by 127.0.0.1:9 (nothing listening there)'));
    else rec.record('web1', R0 + i * 1000, fixtureDoc(i));
    rec.record('web2', R0 + i * 1000 + 10, fixtureDoc(0));
  }
  await rec.close();
}

interface Played {
  h: Harness;
  replay: Replay;
  clock: FakeScheduler;
  file: string;
  /** Reads the monitor started, and the latest one. */
  reads: { count: number; latest: Promise<Sample<StatsDocument>> | undefined; ev: EventEmitter };
}

async function play(t: TestContext, o: HarnessOptions & { target?: string; errAt?: number } = {}): Promise<Played> {
  const file = join(tempDir(t), 'fleet.rec');
  await writeRecording(file, o.errAt);
  const clock = new FakeScheduler();
  const replay = await Replay.open(file, { scheduler: clock, ...(o.target ? { addr: o.target } : {}) });
  const { controls, source } = replayControls(replay);
  const reads = { count: 0, latest: undefined as Promise<Sample<StatsDocument>> | undefined, ev: new EventEmitter() };
  const { target: _t, errAt: _e, ...rest } = o;
  const h = startHarness({
    cols: 140,
    rows: 40,
    ...rest,
    addressLabel: `${replay.addr} (replay of ${file})`,
    source: (signal) => {
      reads.count++;
      const p = source(signal);
      reads.latest = p;
      reads.ev.emit('read');
      return p;
    },
    now: replay.now,
    replay: controls,
  });
  t.after(async () => {
    await h.quit();
    await replay.close();
  });
  return { h, replay, clock, file, reads };
}

/** The status line (the line holding the REPLAY marker). */
function statusOf(h: Harness): string {
  return h.lines().find((l) => l.includes(' REPLAY ')) ?? '';
}

function header(h: Harness): string {
  return h.lines().slice(0, 3).join('\n');
}

/** Wait for the screen to show record `i` of web1 (1-based position, its request total, its RPS). */
async function showsRecord(h: Harness, i: number, rps: number | undefined): Promise<void> {
  const rpsText = `RPS ${formatRate(rps)}`;
  await h.waitFor(
    () => statusOf(h).includes(`(record ${i + 1}/${RECORDS})`) && header(h).includes(`req ${formatCount(requestsAt(i))} `) && header(h).includes(rpsText),
    `record ${i + 1} (req ${requestsAt(i)}, ${rpsText})`,
  );
}

test('replay in the monitor: REPLAY marker with speed, state, replay clock and position; the target and how many others', T, async (t) => {
  const { h, clock } = await play(t);
  await showsRecord(h, 0, undefined);
  let st = statusOf(h);
  assert.match(st, /^ REPLAY +×1 ▶ /, st);
  assert.ok(st.includes(`×1 ▶ ${formatTimestamp(R0)} (record 1/${RECORDS})`), st);
  assert.ok(st.includes('web1, 1 other target: --replay-target'), st);
  assert.ok(!st.includes('● live'), 'a replay never says live');
  assert.ok(header(h).includes(formatTimestamp(R0)), 'the header clock is the replay clock');

  // The replay clock reaches the next record: it is shown with its recorded rate.
  clock.advance(1000);
  await showsRecord(h, 1, 100);
  st = statusOf(h);
  assert.ok(st.includes(`${formatTimestamp(R0 + 1000)} (record 2/${RECORDS})`), st);
});

test('replay keys: pause holds the values, "." steps exactly one record, "," steps back with live rates, +/- change the speed', T, async (t) => {
  const { h, clock, replay, reads, file } = await play(t);
  await showsRecord(h, 0, undefined);
  clock.advance(1000);
  await showsRecord(h, 1, 100);

  // space pauses the replay clock.
  await h.press(' ');
  await h.waitFor(() => statusOf(h).includes('×1 ⏸ paused'), 'the paused marker');
  assert.equal(replay.state.paused, true);
  // However far the clock moves, no record comes: the read in flight (a replay key reads at
  // once) stays pending.
  clock.advance(60_000);
  assert.equal(clock.pending, 0, 'no timer armed while paused');
  assert.ok(reads.latest);
  assert.equal(await settledState(reads.latest, file), 'pending', 'paused: the read waits');
  await h.press('\x0c'); // Ctrl-L: a fresh frame
  await showsRecord(h, 1, 100);
  assert.ok(statusOf(h).includes(`${formatTimestamp(R0 + 1000)} (record 2/${RECORDS})`), 'the replay clock is frozen too');

  // "." steps exactly one record (and stays paused).
  await h.press('.');
  await showsRecord(h, 2, 200);
  assert.ok(statusOf(h).includes('⏸ paused'));
  await h.press('.');
  await showsRecord(h, 3, 300);
  assert.equal(replay.state.position, 3);
  // "," steps back: the rate is again record 2's against record 1, as live (not unknown).
  await h.press(',');
  await showsRecord(h, 2, 200);

  // Speed keys: +, = faster; - slower; the marker shows the speed.
  await h.press('+');
  await h.waitFor(() => statusOf(h).includes('×2 ⏸ paused'), 'speed ×2');
  await h.press('=');
  await h.waitFor(() => statusOf(h).includes('×4 ⏸'), 'speed ×4');
  await h.press('-');
  await h.press('-');
  await h.press('-');
  await h.waitFor(() => statusOf(h).includes('×0.5 ⏸'), 'speed ×0.5');
  assert.equal(replay.state.speed, 0.5);

  // p resumes (in a replay p is the replay clock's pause, not the display's); at ×0.5 a record takes 2 s.
  await h.press('p');
  await h.waitFor(() => statusOf(h).includes('×0.5 ▶'), 'playing again');
  assert.ok(!h.text().includes('PAUSED'), "the live monitor's display pause is not what p does in a replay");
  clock.advance(1999);
  assert.equal(replay.state.position, 2);
  clock.advance(1);
  await showsRecord(h, 3, 300);
});

test('replay keys: ] and [ seek a minute of recorded time, } and { jump to the ends', T, async (t) => {
  const { h } = await play(t);
  await showsRecord(h, 0, undefined);
  await h.press('}');
  await showsRecord(h, RECORDS - 1, 100 * (RECORDS - 1));
  await h.waitFor(() => statusOf(h).includes('■ end'), 'the end marker');
  await h.press('{');
  await showsRecord(h, 0, undefined);
  await h.press(']');
  // The recording is 5 s long: a minute forward clamps to its end.
  await showsRecord(h, RECORDS - 1, 100 * (RECORDS - 1));
  await h.press('[');
  await showsRecord(h, 0, undefined);
});

test('a recorded failed read replays as an outage; stepping back over it keeps rates against the last good record', T, async (t) => {
  const { h, clock } = await play(t, { errAt: 2 });
  await showsRecord(h, 0, undefined);
  clock.advance(1000);
  await showsRecord(h, 1, 100);
  clock.advance(1000);
  await h.waitFor(() => h.text().includes('STALE') && h.text().includes('connection refused by 127.0.0.1:9'), 'the recorded outage');
  assert.ok(statusOf(h).startsWith(' REPLAY '), 'the REPLAY marker leads even during an outage');
  clock.advance(1000);
  // Live, the rate after the outage was against the last good read (record 1): 500 requests in 2 s.
  await showsRecord(h, 3, 250);
  await h.press('}');
  await showsRecord(h, 5, 500);
  await h.press(',');
  await showsRecord(h, 4, 400);
  await h.press(',');
  await h.waitFor(() => statusOf(h).includes(`(record 4/${RECORDS})`) && header(h).includes(`req ${formatCount(requestsAt(3))} `), 'record 4 again');
  assert.ok(header(h).includes(`RPS ${formatRate(250)}`), `rate of record 4 against record 2 (before the failure):\n${header(h)}`);
});

test('--replay-target: the chosen target is played and named', T, async (t) => {
  const { h } = await play(t, { target: 'web2' });
  await showsRecord(h, 0, undefined);
  assert.ok(statusOf(h).includes('web2, 1 other target: --replay-target'), statusOf(h));
  assert.ok(header(h).includes('stats web2 (replay of'), header(h));
});

test('help overlay and footer list the replay keys in a replay, and only there', T, async (t) => {
  const { h } = await play(t);
  await showsRecord(h, 0, undefined);
  const footer = h.lines().at(-1)!;
  assert.ok(footer.startsWith('q quit  ? help  space/p play/pause  ,/. step  -/+ speed'), footer);
  assert.equal(footer, footerHints('main', keyMapFor({ replay: true })).map((x) => `${x.key} ${x.label}`).join('  '));
  await h.press('?');
  let text = h.text();
  for (const b of REPLAY_KEYMAP) {
    assert.ok(text.includes(b.name), `help misses replay key ${b.name}`);
    assert.ok(text.includes(b.help), `help misses '${b.help}'`);
  }
  const displayPause = KEYMAP.find((b) => b.action === 'pause')!;
  assert.ok(!text.includes(displayPause.help), "the display pause is not listed in a replay (p pauses the replay)");
  await h.press('\x1b');

  // The live monitor: no replay keys in the help, the footer or the bindings.
  const live = startHarness({ cols: 140, rows: 40 });
  t.after(async () => {
    await live.quit();
  });
  const { synth } = await import('./synth.js');
  await live.feed(synth(0, { workers: 2 }));
  assert.ok(!live.lines().at(-1)!.includes('play/pause'));
  await live.press('?');
  text = live.text();
  for (const b of REPLAY_KEYMAP) assert.ok(!text.includes(b.help), `live help lists '${b.help}'`);
  assert.ok(text.includes(displayPause.help));
  await live.press('\x1b');
  assert.ok(!live.text().includes('REPLAY'));
});
