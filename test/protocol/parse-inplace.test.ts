/**
 * Issue 13 point 5: parseStats types an object with exactly uWSGI's keys in
 * uWSGI's order in place (no copy); any other object is copied. Both paths
 * must give the same result, and the in-place path must keep request privacy
 * (the raw vars and req_info are replaced before parseStats returns).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStats, serializeStats } from '../../src/protocol/parse.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';

const VARS = ['REQUEST_METHOD=GET', 'PATH_INFO=/a', 'QUERY_STRING=token=SECRET', 'HTTP_COOKIE=c=SECRET'];

/** A core in uWSGI's key order. */
function core(id: number, inRequest: number, vars: string[], start: number | null): Record<string, unknown> {
  return {
    id,
    requests: 10 + id,
    static_requests: 0,
    routed_requests: 0,
    offloaded_requests: 0,
    write_errors: 0,
    read_errors: null,
    in_request: inRequest,
    vars,
    req_info: start === null ? {} : { request_start: start, secret: 'SECRET' },
  };
}

/** A worker in uWSGI's key order. */
function worker(id: number): Record<string, unknown> {
  return {
    id,
    pid: 100 + id,
    accepting: 1,
    requests: 21,
    delta_requests: 1,
    exceptions: 0,
    harakiri_count: 0,
    signals: 0,
    signal_queue: 0,
    status: 'busy',
    rss: 0,
    vsz: 0,
    running_time: 5,
    last_spawn: 1,
    respawn_count: 1,
    tx: 9,
    avg_rt: null,
    apps: [{ id: 0, modifier1: 0, mountpoint: '', startup_time: 0, requests: 21, exceptions: 0, chdir: '/srv' }],
    cores: [core(0, 1, VARS, 1700000000), core(1, 0, [], null)],
  };
}

/** The same object with its keys in reverse order (forces the copying path). */
function reversed(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).reverse()) {
    const v = o[k];
    out[k] = Array.isArray(v) ? v.map((e) => (e !== null && typeof e === 'object' && !Array.isArray(e) ? reversed(e as Record<string, unknown>) : e)) : v;
  }
  return out;
}

test('in-place and copying parses give deep-equal documents (same keys, null → undefined, 0/1 → boolean)', () => {
  const w = worker(1);
  const a = parseStats(JSON.stringify({ workers: [w] })) as StatsSnapshot;
  const b = parseStats(JSON.stringify({ workers: [reversed(w)] })) as StatsSnapshot;
  assert.deepStrictEqual(a, b);
  const c = a.workers[0]!.cores![0]!;
  assert.equal(c.in_request, true);
  assert.ok('read_errors' in c && c.read_errors === undefined);
  assert.deepStrictEqual(Object.keys(c), Object.keys(b.workers[0]!.cores![0]!));
  assert.ok('avg_rt' in a.workers[0]! && a.workers[0]!.avg_rt === undefined);
  assert.deepStrictEqual(c.request, { method: 'GET', path: '/a', start: 1700000000 });
  assert.equal(a.workers[1], undefined);
});

test('in-place parse keeps privacy: nothing of the raw vars or req_info is reachable', () => {
  const d = parseStats(JSON.stringify({ workers: [worker(1), worker(2)] })) as StatsSnapshot;
  const all = JSON.stringify(d) + serializeStats(d);
  assert.ok(!all.includes('SECRET'), all);
  assert.deepStrictEqual(d.workers[0]!.cores![0]!.vars, ['REQUEST_METHOD=GET', 'PATH_INFO=/a']);
  assert.deepStrictEqual(d.workers[0]!.cores![0]!.req_info, { request_start: 1700000000 });
  assert.deepStrictEqual(d.workers[0]!.cores![1]!.vars, []);
});

test('an unknown key (even "extra" or "request") takes the copying path and lands in extra', () => {
  const w = worker(1);
  const c = { ...core(0, 0, [], null), request: { method: 'FAKE' }, extra: 1 };
  w['cores'] = [c];
  w['extra'] = 'x';
  const d = parseStats(JSON.stringify({ workers: [w] })) as StatsSnapshot;
  assert.deepStrictEqual(d.workers[0]!.extra, { extra: 'x' });
  assert.deepStrictEqual(d.workers[0]!.cores![0]!.extra, { request: { method: 'FAKE' }, extra: 1 });
  assert.equal(d.workers[0]!.cores![0]!.request, undefined);
});

test('nothing is added to what uWSGI sent: no extra without unknown keys, request only on a core in a request (both paths)', () => {
  const w = worker(1);
  for (const d of [parseStats(JSON.stringify({ workers: [w] })), parseStats(JSON.stringify({ workers: [reversed(w)] }))] as StatsSnapshot[]) {
    const pw = d.workers[0]!;
    const [busy, idle] = pw.cores!;
    const coreKeys = ['id', 'requests', 'static_requests', 'routed_requests', 'offloaded_requests', 'write_errors', 'read_errors', 'in_request', 'vars', 'req_info'];
    assert.deepStrictEqual(Object.keys(idle!), coreKeys);
    assert.deepStrictEqual(Object.keys(busy!), [...coreKeys, 'request']);
    assert.equal('extra' in pw, false);
    assert.equal('extra' in pw.apps![0]!, false);
    assert.equal(pw.cores!.length, 2);
  }
  // An unknown key still lands in extra, on exactly the object that had it.
  const x = worker(1);
  (x['cores'] as Record<string, unknown>[])[1]!['future'] = 3;
  const d = parseStats(JSON.stringify({ workers: [x] })) as StatsSnapshot;
  assert.deepStrictEqual(d.workers[0]!.cores![1]!.extra, { future: 3 });
  assert.equal('extra' in d.workers[0]!.cores![0]!, false);
  assert.equal('extra' in d.workers[0]!, false);
});

test('a wrong type in an in-place object is still an error with its JSON path', () => {
  const w = worker(1);
  (w['cores'] as Record<string, unknown>[])[1]!['requests'] = '7';
  assert.throws(() => parseStats(JSON.stringify({ workers: [worker(0), w] })), {
    code: 'BAD_SHAPE',
    message: '$.workers[1].cores[1].requests: expected a number, got string',
  });
});

test('bytes: an ASCII document (decoded natively) parses the same as its text, also as a view into a larger buffer', () => {
  const text = JSON.stringify({ workers: [worker(1), worker(2)] });
  const big = new TextEncoder().encode(`xx${text}\u00e9\u00e9`);
  const view = big.subarray(2, 2 + text.length); // ASCII, at an offset, with non-ASCII bytes right after it
  assert.deepStrictEqual(parseStats(view), parseStats(text));
  const utf8 = JSON.stringify({ version: 'v\u00e9', workers: [] });
  assert.equal((parseStats(new TextEncoder().encode(utf8)) as StatsSnapshot).version, 'v\u00e9');
  assert.throws(() => parseStats(Uint8Array.from([0x7b, 0xff, 0x7d])), { code: 'NOT_JSON', message: 'invalid UTF-8 at byte 1' });
});
