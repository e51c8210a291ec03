/**
 * Issue 13 point 5 ("parsing does no work for fields nothing displays"): a
 * worker, app or core with exactly uWSGI's keys is only CHECKED in place —
 * its counters are read once and never written back; of a core only the
 * three request fields are written (privacy), and nothing of a worker or an
 * app. The checks stay complete: every wrong type, null or non-finite
 * number in any field gives the same BAD_SHAPE (same message, same path) as
 * the field-by-field path an object with other keys takes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServer } from '../../src/protocol/documents.js';
import { parseStats } from '../../src/protocol/parse.js';
import { StatsError } from '../../src/protocol/errors.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';

const CORE = { id: 0, requests: 7, static_requests: 0, routed_requests: 0, offloaded_requests: 0, write_errors: 0, read_errors: 0, in_request: 0, vars: [], req_info: {} };
const APP = { id: 0, modifier1: 0, mountpoint: '', startup_time: 3, requests: 7, exceptions: 0, chdir: '/srv' };
const WORKER = {
  id: 1,
  pid: 101,
  accepting: 1,
  requests: 7,
  delta_requests: 7,
  exceptions: 0,
  harakiri_count: 0,
  signals: 0,
  signal_queue: 0,
  status: 'idle',
  rss: 0,
  vsz: 0,
  running_time: 3_000_000_000, // not a small integer: stored by V8 as a double
  last_spawn: 1_700_000_000.5,
  respawn_count: 1,
  tx: 4096,
  avg_rt: 0,
  apps: [APP],
  cores: [CORE, { ...CORE, id: 1, in_request: 1, vars: ['REQUEST_METHOD=GET', 'PATH_INFO=/x', 'HTTP_COOKIE=SECRET'], req_info: { request_start: 1_700_000_001 } }],
};

type Rec = Record<string, unknown>;

/** A copy of `o` (same keys, same order) whose every property is an accessor that counts the writes to it. */
function counting(o: Rec, writes: string[], path: string): Rec {
  const out: Rec = {};
  for (const k of Object.keys(o)) {
    let v = o[k];
    if (Array.isArray(v)) v = v.map((e, i) => (e !== null && typeof e === 'object' && !Array.isArray(e) && k !== 'vars' ? counting(e as Rec, writes, `${path}.${k}[${i}]`) : e));
    Object.defineProperty(out, k, {
      enumerable: true,
      configurable: true,
      get: () => v,
      set: (x: unknown) => {
        writes.push(`${path}.${k}`);
        v = x;
      },
    });
  }
  return out;
}

test('a uWSGI-shaped worker is checked in place: no counter, status, app or idle-core field is written; a core only gets its request fields', () => {
  const writes: string[] = [];
  const w = counting(WORKER as unknown as Rec, writes, '$.workers[0]');
  const root = { workers: [w] };
  const doc = parseServer(root, root.workers);
  assert.ok((doc.workers[0] as unknown) === w, 'the worker is the object it was given, not a copy');
  assert.ok((doc.workers[0]!.apps![0] as unknown) === (w['apps'] as Rec[])[0], 'the app is not copied');
  assert.deepStrictEqual(writes, [
    '$.workers[0].cores[0].in_request',
    '$.workers[0].cores[0].vars',
    '$.workers[0].cores[0].req_info',
    '$.workers[0].cores[1].in_request',
    '$.workers[0].cores[1].vars',
    '$.workers[0].cores[1].req_info',
  ]);
  // The values read through are the typed ones.
  const c = doc.workers[0]!.cores!;
  assert.equal(c[0]!.in_request, false);
  assert.deepStrictEqual(c[1]!.vars, ['REQUEST_METHOD=GET', 'PATH_INFO=/x']);
  assert.deepStrictEqual(c[1]!.request, { method: 'GET', path: '/x', start: 1_700_000_001 });
  assert.equal(doc.workers[0]!.running_time, 3_000_000_000);
});

/** The same object with its keys in reverse order: the field-by-field (copying) path. */
function reversed(o: Rec): Rec {
  const out: Rec = {};
  for (const k of Object.keys(o).reverse()) {
    const v = o[k];
    out[k] = Array.isArray(v) && k !== 'vars' ? v.map((e) => (e !== null && typeof e === 'object' ? reversed(e as Rec) : e)) : v;
  }
  return out;
}

function errorOf(text: string): string {
  try {
    parseStats(text);
  } catch (e) {
    assert.ok(e instanceof StatsError, String(e));
    return `${e.code} ${e.message}`;
  }
  return 'ok';
}

/** JSON texts of a wrong value, as they would appear in a document (1e999 is JSON.parse's Infinity). */
const BAD = ['true', 'false', '"7"', '"idle"', '[]', '[1]', '{}', '1e999', '-1e999'];

test('every field of a uWSGI-shaped worker, app and core: a wrong value gives the same BAD_SHAPE in place as field by field', () => {
  const places: [string, (w: Rec) => Rec][] = [
    ['worker', (w) => w],
    ['app', (w) => (w['apps'] as Rec[])[0]!],
    ['core', (w) => (w['cores'] as Rec[])[1]!],
  ];
  let checked = 0;
  for (const [what, pick] of places) {
    for (const key of Object.keys(pick(WORKER as unknown as Rec))) {
      if (key === 'apps' || key === 'cores' || key === 'req_info') continue; // containers (req_info's content is not a type error)
      for (const bad of BAD) {
        const w = structuredClone(WORKER) as unknown as Rec;
        pick(w)[key] = '@BAD@';
        const inPlace = JSON.stringify({ workers: [w] }).replace('"@BAD@"', bad);
        const copied = JSON.stringify({ workers: [reversed(w)] }).replace('"@BAD@"', bad);
        const a = errorOf(inPlace);
        const b = errorOf(copied);
        assert.equal(a, b, `${what}.${key} = ${bad}`);
        const okType = (key === 'status' || key === 'mountpoint' || key === 'chdir' ? ['"7"', '"idle"'] : key === 'in_request' ? ['true', 'false'] : key === 'vars' ? ['[]', '[1]'] : []).includes(bad);
        if (okType) assert.equal(a, 'ok', `${what}.${key} = ${bad}`);
        else assert.match(a, /^BAD_SHAPE \$\.workers\[0\]\S* expected/, `${what}.${key} = ${bad}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 250, `only ${checked} cases`);
});

test('null in any scalar field of a uWSGI-shaped object is undefined (present, not written as null), the rest untouched', () => {
  for (const [what, key] of [
    ['worker', 'tx'],
    ['worker', 'status'],
    ['app', 'chdir'],
    ['core', 'read_errors'],
    ['core', 'in_request'],
  ] as const) {
    const w = structuredClone(WORKER) as unknown as Rec;
    const obj = what === 'worker' ? w : what === 'app' ? (w['apps'] as Rec[])[0]! : (w['cores'] as Rec[])[0]!;
    obj[key] = null;
    const d = parseStats(JSON.stringify({ workers: [w] })) as StatsSnapshot;
    const got = (what === 'worker' ? d.workers[0] : what === 'app' ? d.workers[0]!.apps![0] : d.workers[0]!.cores![0]) as unknown as Rec;
    assert.ok(key in got && got[key] === undefined, `${what}.${key}`);
    assert.equal(d.workers[0]!.requests, 7);
  }
});

test('huge finite values (whose sum would overflow) are accepted in place', () => {
  const w = structuredClone(WORKER) as unknown as Rec;
  w['rss'] = 1e308;
  w['vsz'] = 1e308;
  (w['cores'] as Rec[])[0]!['requests'] = 1.7e308;
  (w['cores'] as Rec[])[0]!['static_requests'] = 1.7e308;
  const d = parseStats(JSON.stringify({ workers: [w] })) as StatsSnapshot;
  assert.equal(d.workers[0]!.rss, 1e308);
  assert.equal(d.workers[0]!.vsz, 1e308);
  assert.equal(d.workers[0]!.cores![0]!.static_requests, 1.7e308);
});

test('a null apps or cores array of a uWSGI-shaped worker is undefined', () => {
  const w = structuredClone(WORKER) as unknown as Rec;
  w['apps'] = null;
  w['cores'] = null;
  const d = parseStats(JSON.stringify({ workers: [w] })) as StatsSnapshot;
  const got = d.workers[0]!;
  assert.ok('apps' in got && got.apps === undefined);
  assert.ok('cores' in got && got.cores === undefined);
});
