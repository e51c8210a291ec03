import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { RequestCounters, CORE_FIELDS, readShared, type SharedReader, SHARED_METHOD_BYTES, SHARED_PATH_BYTES, type RequestOutcome } from '../../src/emitter/counters.js';

const ok = (rt: number, extra: Partial<RequestOutcome> = {}): RequestOutcome => ({
  rtMicros: rt,
  txBytes: 0,
  exception: false,
  writeError: false,
  readError: false,
  ...extra,
});

function core(c: RequestCounters, id: number): number[] {
  const s = c.snapshot();
  return s.cores.slice(id * CORE_FIELDS, (id + 1) * CORE_FIELDS);
}

test('avg_rt follows uWSGI: avg = floor((avg + rt) / 2) per finished request; running_time sums', () => {
  const c = new RequestCounters(4);
  const rts = [1000, 3000, 10, 2_000_397, 7];
  let avg = 0;
  let sum = 0;
  for (const rt of rts) {
    c.end(c.begin(1), ok(rt));
    avg = Math.floor((avg + rt) / 2);
    sum += rt;
    assert.equal(c.avgRt, avg);
  }
  assert.equal(c.runningTime, sum);
  assert.equal(c.requests, rts.length);
  // the observed real-uWSGI case: avg 260 then a 2000397 µs request → 1000328
  const d = new RequestCounters(1);
  d.avgRt = 260;
  d.end(d.begin(1), ok(2_000_397));
  assert.equal(d.avgRt, 1_000_328);
});

test('fractional and negative response times are floored / clamped to 0', () => {
  const c = new RequestCounters(1);
  c.end(c.begin(1), ok(99.9));
  assert.equal(c.runningTime, 99);
  c.end(c.begin(1), ok(-5));
  assert.equal(c.runningTime, 99);
  assert.equal(c.avgRt, Math.floor(Math.floor(99 / 2) / 2));
});

test('a request takes the lowest free slot and frees it when it ends', () => {
  const c = new RequestCounters(8);
  const a = c.begin(10);
  const b = c.begin(11);
  const d = c.begin(12);
  assert.deepEqual([a, b, d], [0, 1, 2]);
  c.end(b, ok(1));
  assert.equal(c.isBusy(1), false);
  assert.equal(c.begin(13), 1, 'the freed lowest slot is reused');
  c.end(a, ok(1));
  assert.equal(c.begin(14), 0);
  assert.equal(c.begin(15), 3);
  assert.equal(c.inFlight, 4);
  // in_request / request_start reported per core
  assert.deepEqual(core(c, 2), [0, 0, 0, 0, 12]);
  assert.deepEqual(core(c, 1), [1, 0, 0, 0, 13]);
});

test('requests are counted when they end, per core, with exceptions and errors', () => {
  const c = new RequestCounters(4);
  const s0 = c.begin(5);
  const s1 = c.begin(5);
  assert.equal(c.requests, 0, 'in-flight requests are not counted yet');
  c.end(s1, ok(10, { exception: true, writeError: true, txBytes: 100 }));
  c.end(s0, ok(10, { readError: true, txBytes: 50 }));
  assert.equal(c.requests, 2);
  assert.equal(c.exceptions, 1);
  assert.equal(c.tx, 150);
  assert.deepEqual(core(c, 0), [1, 0, 0, 1, 0]);
  assert.deepEqual(core(c, 1), [1, 1, 1, 0, 0]);
  assert.equal(c.inFlight, 0);
});

test('ending a slot twice (or an unknown slot) is ignored', () => {
  const c = new RequestCounters(2);
  const s = c.begin(1);
  c.end(s, ok(5));
  c.end(s, ok(5));
  c.end(7, ok(5)); // beyond maxCores
  c.end(-1, ok(5));
  assert.equal(c.requests, 1);
  assert.equal(c.inFlight, 0);
});

test('beyond maxCores concurrent requests share the last core, which stays in a request until all of them end', () => {
  const c = new RequestCounters(2);
  const slots = [c.begin(1), c.begin(2), c.begin(3), c.begin(4)];
  assert.deepEqual(slots, [0, 1, 1, 1]);
  let s = c.snapshot();
  assert.equal(s.overflow, false);
  assert.equal(s.cores.length, 2 * CORE_FIELDS, 'always exactly maxCores cores');
  assert.equal(s.cores[1 * CORE_FIELDS + 4], 2, 'the shared core keeps its first request start');
  c.end(1, ok(1));
  c.end(1, ok(1));
  assert.equal(c.isBusy(1), true, 'one shared request still in flight');
  c.end(1, ok(1));
  assert.equal(c.isBusy(1), false);
  c.end(0, ok(1));
  assert.equal(c.begin(9), 0, 'the lowest free slot is taken again');
  s = c.snapshot();
  assert.equal(s.cores[1 * CORE_FIELDS], 3, 'the shared core counted its three requests');
  assert.equal(c.inFlight, 1);
});

test('snapshot always reports maxCores cores (uWSGI reports every core of a worker), busy or not', () => {
  const c = new RequestCounters(16);
  assert.equal(c.snapshot().cores.length, 16 * CORE_FIELDS);
  const a = c.begin(1);
  const b = c.begin(1);
  [a, b].forEach((x) => c.end(x, ok(1)));
  assert.equal(c.snapshot().cores.length, 16 * CORE_FIELDS);
  assert.equal(new RequestCounters().snapshot().cores.length, 16 * CORE_FIELDS, 'default 16');
});

test('request paths: a busy core keeps method and path, dropped when it ends; absent unless given', () => {
  const c = new RequestCounters(2);
  const a = c.begin(1);
  assert.equal(c.snapshot().paths, undefined);
  c.end(a, ok(1));
  const b = c.begin(5, 'GET', '/report');
  const d = c.begin(6, 'POST', '/upload');
  assert.deepEqual(c.snapshot().paths, ['GET', '/report', 'POST', '/upload']);
  c.end(b, ok(1));
  assert.deepEqual(c.snapshot().paths, ['', '', 'POST', '/upload']);
  c.end(d, ok(1));
  assert.deepEqual(c.snapshot().paths, ['', '', '', '']);
});

test('onChange fires on begin and end', () => {
  const c = new RequestCounters(2);
  let n = 0;
  c.onChange = () => n++;
  c.end(c.begin(1), ok(1));
  assert.equal(n, 2);
});

test('maxCores must be a sane integer', () => {
  assert.throws(() => new RequestCounters(0), RangeError);
  assert.throws(() => new RequestCounters(1.5), RangeError);
});

test('a tx source is asked when tx is read (a snapshot included), its bytes added once; removing it asks it a last time', () => {
  const c = new RequestCounters(2);
  let pending = 0;
  let asked = 0;
  const remove = c.addTxSource(() => {
    asked++;
    const n = pending;
    pending = 0;
    return n;
  });
  c.end(c.begin(1), ok(5, { txBytes: 100 }));
  pending = 40;
  assert.equal(asked, 0, 'not asked per request');
  assert.equal(c.tx, 140);
  assert.equal(asked, 1);
  pending = 2;
  assert.equal(c.snapshot().tx, 142);
  assert.equal(c.tx, 142, 'nothing counted twice');
  pending = 7;
  remove();
  pending = 1000;
  assert.equal(c.tx, 149, 'asked a last time on removal, then never');
  remove();
  assert.equal(c.tx, 149);
});

test('the shared mirror (for the stats thread) reads as the counters\' own snapshot after every begin and end, shared last slot and paths included', () => {
  const c = new RequestCounters(3);
  const sab = c.share();
  assert.equal(c.share(), sab, 'share() is idempotent');
  let seed = 7;
  const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const open: number[] = [];
  let tx = 0;
  c.addTxSource(() => {
    const n = tx;
    tx = 0;
    return n;
  });
  for (let step = 0; step < 400; step++) {
    if (open.length === 0 || (open.length < 6 && rnd(2) === 0)) {
      open.push(c.begin(1_700_000_000 + step, rnd(5) === 0 ? 'PROPFIND' : 'GET', `/p/${step}/é${'x'.repeat(rnd(40))}`));
    } else {
      const slot = open.splice(rnd(open.length), 1)[0]!;
      tx += rnd(500);
      c.end(slot, ok(rnd(9000), { exception: rnd(4) === 0, writeError: rnd(7) === 0, readError: rnd(9) === 0 }));
    }
    const own = c.snapshot(); // reads tx, which publishes it
    assert.deepEqual(readShared(sab), own, `step ${step}`);
  }
});

test('the shared mirror keeps the first bytes of a long method or path, cut at a character boundary', () => {
  const c = new RequestCounters(2);
  const sab = c.share();
  const path = '/' + 'ü'.repeat(SHARED_PATH_BYTES); // 2 bytes each: cut in the middle of one
  c.begin(1, 'M'.repeat(SHARED_METHOD_BYTES + 5), path);
  const p = readShared(sab).paths!;
  assert.equal(p[0], 'M'.repeat(SHARED_METHOD_BYTES));
  assert.ok(path.startsWith(p[1]!) && Buffer.byteLength(p[1]!) <= SHARED_PATH_BYTES && Buffer.byteLength(p[1]!) >= SHARED_PATH_BYTES - 1, `kept ${Buffer.byteLength(p[1]!)} bytes`);
  assert.equal(p[2], '');
  // without request paths: no paths at all, like snapshot()
  const d = new RequestCounters(2);
  const s2 = d.share();
  d.begin(1);
  assert.equal(readShared(s2).paths, undefined);
  assert.deepEqual(readShared(s2), d.snapshot());
});

test('a read of the shared mirror from another thread while this one counts is never torn (the totals match the cores)', { timeout: 30_000 }, async () => {
  // the writer: a thread counting requests as fast as it can; the reader (here) checks each read's sums
  const url = new URL('../../src/emitter/counters.js', import.meta.url).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then(({ RequestCounters }) => {
      const c = new RequestCounters(4);
      parentPort.postMessage(c.share());
      const ok = { rtMicros: 10, txBytes: 0, exception: false, writeError: false, readError: false };
      const until = Date.now() + 700;
      let i = 0;
      while (Date.now() < until) {
        const a = c.begin(1, 'GET', '/a' + (i % 7));
        const b = c.begin(2, 'POST', '/b');
        c.end(a, { ...ok, exception: i % 3 === 0 });
        c.end(b, ok);
        i++;
      }
      parentPort.postMessage(i);
    });`;
  const w = new Worker(code, { eval: true });
  const sab = await new Promise<SharedArrayBuffer>((r) => w.once('message', r));
  let done = false;
  const ended = new Promise<number>((r) => w.once('message', (n: number) => ((done = true), r(n))));
  let reads = 0;
  const reader = {};
  while (!done && reads < 2_000_000) {
    const s = readShared(sab, reader);
    let req = 0;
    let exc = 0;
    let busy = 0;
    for (let i = 0; i < s.maxCores; i++) {
      req += s.cores[i * CORE_FIELDS]!;
      exc += s.cores[i * CORE_FIELDS + 1]!;
      if (s.cores[i * CORE_FIELDS + 4]! > 0) busy++;
    }
    assert.equal(req, s.requests, `read ${reads}: requests`);
    assert.equal(exc, s.exceptions, `read ${reads}: exceptions`);
    assert.equal(busy, s.inFlight, `read ${reads}: in flight`);
    reads++;
    if (reads % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
  const loops = await ended;
  await w.terminate();
  assert.ok(loops > 1000 && reads >= 100, `${loops} loops, ${reads} reads`);
});

test('a write that holds the mirror\'s lock longer than the wait gets the last whole read; with none yet, a bounded wait', () => {
  const c = new RequestCounters(2);
  const sab = c.share();
  c.begin(1, 'GET', '/a');
  const reader: SharedReader = { waitMs: 20 };
  const whole = readShared(sab, reader);
  assert.equal(whole.inFlight, 1);
  // a writer stopped mid-write: the lock held (seq odd), the figures half written
  const seq = new Int32Array(sab, 0, 1);
  Atomics.add(seq, 0, 1);
  new Float64Array(sab, 0, 16)[6] = 7; // in flight, torn
  let t = performance.now();
  assert.deepEqual(readShared(sab, reader), whole);
  let took = performance.now() - t;
  assert.ok(took >= 20 && took < 1000, `answered after ${took.toFixed(1)} ms`);
  // a reader with no whole read yet waits 10× longer, then takes what is there
  t = performance.now();
  assert.equal(readShared(sab, { waitMs: 5 }).inFlight, 7);
  took = performance.now() - t;
  assert.ok(took >= 50 && took < 1000, `answered after ${took.toFixed(1)} ms`);
  // the write ends: the next read is whole and current
  Atomics.add(seq, 0, 1);
  assert.equal(readShared(sab, reader).inFlight, 7);
});
