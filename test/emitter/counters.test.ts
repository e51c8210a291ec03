import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCounters, CORE_FIELDS, type RequestOutcome } from '../../src/emitter/counters.js';

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
