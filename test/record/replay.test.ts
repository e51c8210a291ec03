import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Recorder, RecordError } from '../../src/record/recorder.js';
import { Replay, UNKNOWN_ADDR } from '../../src/record/replay.js';
import { headerLine, sampleLine } from '../../src/record/lines.js';
import { buildView } from '../../src/model/view.js';
import type { Sample } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';
import { StatsError } from '../../src/protocol/errors.js';
import { FakeScheduler, rawDoc, settledState, tempDir } from './helpers.js';

const T = { timeout: 60_000 };
const T0 = 1_700_000_000_000;

/**
 * A recording of address 'a': one sample per second at T0, T0+1000, …;
 * workers have served 10·i requests at record i (2 workers → 20 rps). Record
 * `errAt` (if given) is a failed read.
 */
async function makeRecording(file: string, n: number, errAt?: number): Promise<void> {
  const rec = await Recorder.open(file);
  for (let i = 0; i < n; i++) {
    if (i === errAt) rec.recordError('a', T0 + i * 1000, new StatsError('REFUSED', 'connection refused by 127.0.0.1:9 (nothing listening there)'));
    else rec.record('a', T0 + i * 1000, rawDoc(10 * i));
  }
  await rec.close();
}

function requests(s: Sample<StatsDocument>): number | undefined {
  return s.doc.kind === 'server' ? s.doc.workers[0]?.requests : undefined;
}

test('replay at 1x: samples come when the replay clock reaches them, with their recorded time, so rates are as live', T, async (t) => {
  const file = join(tempDir(t), 'r.jsonl');
  await makeRecording(file, 4);
  const clock = new FakeScheduler();
  const r = await Replay.open(file, { scheduler: clock });
  t.after(() => r.close());
  assert.equal(r.length, 4);
  assert.equal(r.addr, 'a');

  const s0 = await r.source();
  assert.equal(s0.at, T0);
  assert.equal(requests(s0), 0);
  assert.equal(r.now(), T0);

  const p1 = r.source();
  clock.advance(999);
  assert.equal(await settledState(p1, file), 'pending', 'not before the clock reaches the next record');
  assert.equal(r.now(), T0 + 999);
  clock.advance(1);
  const s1 = await p1;
  assert.equal(s1.at, T0 + 1000);
  assert.equal(requests(s1), 10);
  const v = buildView(s1, s0);
  assert.equal(v.kind, 'server');
  if (v.kind === 'server') assert.equal(v.totals.rps, 20, '2 workers × 10 requests in 1 s, as live');
});

test('speed: 4x reaches the next record after 250 ms; 16x skips to the latest record due; clamped to 0.25…16', T, async (t) => {
  const file = join(tempDir(t), 'r.jsonl');
  await makeRecording(file, 10);
  const clock = new FakeScheduler();
  const r = await Replay.open(file, { scheduler: clock, speed: 4 });
  t.after(() => r.close());
  await r.source();
  const p = r.source();
  clock.advance(249);
  assert.equal(await settledState(p, file), 'pending');
  clock.advance(1);
  assert.equal((await p).at, T0 + 1000);

  r.setSpeed(16);
  clock.advance(250); // 4 s of recording: records 2..5 are due, the latest wins
  const s = await r.source();
  assert.equal(s.at, T0 + 5000);
  r.setSpeed(100);
  assert.equal(r.state.speed, 16);
  r.setSpeed(0.01);
  assert.equal(r.state.speed, 0.25);
  r.faster();
  assert.equal(r.state.speed, 0.5);
  r.slower();
  r.slower();
  assert.equal(r.state.speed, 0.25, 'slower() stops at the minimum');
});

test('pause freezes the clock; step forward / back move one record and wake a waiting read', T, async (t) => {
  const file = join(tempDir(t), 'r.jsonl');
  await makeRecording(file, 5);
  const clock = new FakeScheduler();
  const r = await Replay.open(file, { scheduler: clock });
  t.after(() => r.close());
  const changes: number[] = [];
  r.onChange((s) => changes.push(s.position));
  await r.source();
  r.pause();
  const p = r.source();
  clock.advance(60_000);
  assert.equal(await settledState(p, file), 'pending', 'paused: nothing new however long we wait');
  assert.equal(r.now(), T0);
  assert.equal(clock.pending, 0, 'no timer armed while paused');

  r.stepForward();
  assert.equal((await p).at, T0 + 1000);
  r.stepForward();
  assert.equal((await r.source()).at, T0 + 2000);
  assert.equal(r.state.paused, true);
  r.stepBack();
  assert.equal((await r.source()).at, T0 + 1000);
  assert.deepEqual(changes.slice(-3), [1, 2, 1]);

  r.resume();
  const q = r.source();
  clock.advance(1000);
  assert.equal((await q).at, T0 + 2000, 'playing again from where the step left the clock');
});

test('seek to end and start; at the end reads wait; stepping is clamped', T, async (t) => {
  const file = join(tempDir(t), 'r.jsonl');
  await makeRecording(file, 5);
  const clock = new FakeScheduler();
  const r = await Replay.open(file, { scheduler: clock });
  t.after(() => r.close());
  await r.source();
  r.seekEnd();
  assert.equal((await r.source()).at, T0 + 4000);
  assert.equal(r.state.atEnd, true);
  const p = r.source();
  clock.advance(10_000);
  assert.equal(await settledState(p, file), 'pending');
  assert.equal(r.now(), T0 + 4000, 'the clock stops at the last record');
  r.seekStart();
  assert.equal((await p).at, T0);
  r.stepBack();
  assert.equal(r.state.position, 0);
  // Any record can be loaded without moving the replay (e.g. a predecessor for rates after a step back).
  const e3 = await r.entry(3);
  assert.ok(e3.kind === 'doc' && e3.t === T0 + 3000 && e3.doc.kind === 'server' && e3.doc.workers[0]?.requests === 30);
  assert.equal(r.state.position, 0);
  await assert.rejects(r.entry(5), RangeError);
});

test('a recorded failed read replays as that failure; an abort rejects and leaves no timer', T, async (t) => {
  const file = join(tempDir(t), 'r.jsonl');
  await makeRecording(file, 3, 1);
  const clock = new FakeScheduler();
  const r = await Replay.open(file, { scheduler: clock });
  t.after(() => r.close());
  await r.source();
  clock.advance(1000);
  await assert.rejects(r.source(), (e: unknown) => {
    assert.ok(e instanceof StatsError);
    assert.equal(e.code, 'REFUSED');
    assert.equal(e.message, 'connection refused by 127.0.0.1:9 (nothing listening there)');
    return true;
  });
  const ac = new AbortController();
  const p = r.source(ac.signal);
  assert.equal(clock.pending, 1);
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
  assert.equal(clock.pending, 0);
});

test('several addresses: one is played (default the first), unknown ones are a clear error', T, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'r.jsonl');
  const rec = await Recorder.open(file);
  for (let i = 0; i < 3; i++) {
    rec.record('web1', T0 + i * 1000, rawDoc(i));
    rec.record('web2', T0 + i * 1000 + 10, rawDoc(100 + i));
  }
  await rec.close();
  const clock = new FakeScheduler();
  const a = await Replay.open(file, { scheduler: clock, paused: true });
  t.after(() => a.close());
  assert.deepEqual(a.info.addresses, ['web1', 'web2']);
  assert.equal(a.addr, 'web1');
  const b = await Replay.open(file, { scheduler: clock, addr: 'web2', paused: true });
  t.after(() => b.close());
  assert.equal(requests(await b.source()), 100);
  b.stepForward();
  assert.equal(requests(await b.source()), 101);
  await assert.rejects(Replay.open(file, { addr: 'web3' }), (e: unknown) => {
    assert.ok(e instanceof RecordError);
    assert.match(e.message, /no records of 'web3' \(it has: web1, web2\)$/);
    assert.equal(e.code, UNKNOWN_ADDR, 'callers tell an unknown address from an unreadable file');
    return true;
  });
});

test('default target: the first address with a document (a fleet recording may start with a dead target)', T, async (t) => {
  const file = join(tempDir(t), 'r.jsonl');
  const rec = await Recorder.open(file);
  for (let i = 0; i < 3; i++) {
    rec.recordError('dead', T0 + i * 1000, new StatsError('REFUSED', 'connection refused by 127.0.0.1:9 (nothing listening there)'));
    rec.record('web', T0 + i * 1000 + 10, rawDoc(i));
  }
  await rec.close();
  const r = await Replay.open(file, { scheduler: new FakeScheduler(), paused: true });
  t.after(() => r.close());
  assert.deepEqual(r.info.addresses, ['dead', 'web']);
  assert.equal(r.addr, 'web');
  // Asked for, the dead target still plays (its outage).
  const d = await Replay.open(file, { scheduler: new FakeScheduler(), paused: true, addr: 'dead' });
  t.after(() => d.close());
  await assert.rejects(d.source(), { code: 'REFUSED' });
});

test('files that are not recordings are refused with one line', T, async (t) => {
  const dir = tempDir(t);
  const cases: [string, string | Buffer, RegExp][] = [
    ['empty', '', /the file is empty/],
    ['text', 'hello\nworld\n', /not a tsgitop recording \(no header line\)/],
    ['newer', '{"tsgitop_recording":7}\n', /format version 7 is newer than this tsgitop reads \(1\)/],
    ['no-records', headerLine(T0), /the recording has no records/],
  ];
  for (const [name, body, re] of cases) {
    const f = join(dir, name);
    writeFileSync(f, body);
    await assert.rejects(Replay.open(f), (e: unknown) => {
      assert.ok(e instanceof RecordError, name);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
  await assert.rejects(Replay.open(join(dir, 'nope')), /cannot replay .*nope: no such file/);
  // a directory opens on Linux and fails at its first read: said in words, not Node's "illegal operation on a directory"
  await assert.rejects(Replay.open(dir), /^RecordError: cannot replay .*: it is a directory \(EISDIR\)$|cannot replay .*: it is a directory \(EISDIR\)$/);
});

test('a damaged record in the middle replays as a bad answer, not a crash', T, async (t) => {
  const file = join(tempDir(t), 'r.jsonl');
  const good = (i: number) => sampleLine('a', T0 + i * 1000, rawDoc(i)).toString('utf8');
  // Balanced, but not a stats document: indexed, then rejected by parseStats when loaded.
  writeFileSync(file, headerLine(T0) + good(0) + `{"t":${T0 + 1000},"addr":"a","doc":{"workers":"no"}}\n` + good(2));
  const r = await Replay.open(file, { paused: true });
  t.after(() => r.close());
  await r.source();
  r.stepForward();
  await assert.rejects(r.source(), (e: unknown) => {
    assert.ok(e instanceof StatsError);
    assert.equal(e.code, 'BAD_SHAPE');
    assert.match(e.message, /^damaged record 2 \(byte \d+\) of .*: \$\.workers: expected an array/);
    return true;
  });
  r.stepForward();
  assert.equal((await r.source()).at, T0 + 2000);
});

function gcFn(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Heap in use plus the memory of Buffers / ArrayBuffers (where file bytes would sit). */
function mem(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function buffers(): number {
  return process.memoryUsage().arrayBuffers;
}

test('bounded memory: a 20 MB recording is indexed and played through with a small read buffer', T, async (t) => {
  const file = join(tempDir(t), 'big.jsonl');
  // ~20 MB: 500 records of ~40 KB each.
  const ws = createWriteStream(file);
  ws.write(headerLine(T0));
  const n = 500;
  for (let i = 0; i < n; i++) {
    if (!ws.write(sampleLine('a', T0 + i * 1000, rawDoc(i, { workers: 8, pad: 38_000 })))) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'close');
  const size = statSync(file).size;
  assert.ok(size > 20e6, `file is ${size} bytes`);

  const gc = gcFn();
  // The measurement can see a whole-file load: reading the file is visible in heap + array buffers.
  gc();
  const before = buffers();
  const whole = readFileSync(file);
  assert.ok(buffers() - before > 0.9 * size, 'a whole-file read would show');
  whole.fill(0);

  gc();
  const base = mem();
  const baseBuffers = buffers();
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, buffers() - baseBuffers);
  };
  const sampler = setInterval(sample, 1);
  const r = await Replay.open(file, { readBufferBytes: 16 * 1024, paused: true });
  t.after(() => r.close());
  assert.equal(r.length, n);
  assert.equal(r.info.bytes, size);
  for (let i = 0; i < n; i++) {
    const s = await r.source();
    assert.equal(s.at, T0 + i * 1000);
    sample();
    r.stepForward();
  }
  clearInterval(sampler);
  gc();
  const retained = mem() - base;
  assert.ok(retained < 2e6, `retained ${retained} bytes after playing a ${size}-byte file`);
  assert.ok(peak < 1e6, `peak ${peak} bytes of buffers while indexing/playing a ${size}-byte file`);
});

test('seekBy moves the replay clock by recorded time, to the record current there, clamped; keeps paused or playing', T, async (t) => {
  const file = join(tempDir(t), 'r.jsonl');
  await makeRecording(file, 10);
  const clock = new FakeScheduler();
  const r = await Replay.open(file, { scheduler: clock, paused: true });
  t.after(() => r.close());
  assert.equal(r.delivered, -1, 'nothing handed out yet');
  assert.equal((await r.source()).at, T0);
  assert.equal(r.delivered, 0);

  r.seekBy(3500);
  assert.equal(r.state.position, 3, 'the record current 3.5 s later');
  assert.equal(r.now(), T0 + 3500, 'the clock moved by exactly the delta');
  assert.equal(r.state.paused, true);
  const s = await r.source();
  assert.equal(s.at, T0 + 3000);
  assert.equal(r.delivered, 3);

  r.seekBy(-1200);
  assert.equal(r.state.position, 2);
  assert.equal(r.now(), T0 + 2300);
  r.seekBy(-60_000);
  assert.equal(r.state.position, 0);
  assert.equal(r.now(), T0, 'clamped to the first record');
  r.seekBy(60_000);
  assert.equal(r.state.position, 9);
  assert.equal(r.now(), T0 + 9000, 'clamped to the last record');
  assert.equal(r.state.atEnd, true);

  // Playing: seeking keeps playing from the new clock.
  r.seekBy(-5000);
  r.resume();
  assert.equal(r.state.position, 4);
  const changes: number[] = [];
  r.onChange((st) => changes.push(st.position));
  const next = r.source();
  assert.equal((await next).at, T0 + 4000, 'the record current at the new clock comes first');
  const after = r.source();
  clock.advance(999);
  assert.equal(await settledState(after, file), 'pending');
  clock.advance(1);
  assert.equal((await after).at, T0 + 5000);
  r.seekBy(0);
  r.seekBy(Number.NaN);
  assert.deepEqual(changes, [], 'no-op seeks change nothing');
});
