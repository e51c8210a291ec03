/**
 * Request privacy at parse time (issue 10 point 7, issue 12 point 5): of a
 * core's request vars only REQUEST_METHOD and the path without its query
 * string survive parseStats; serializeStats (what --record stores) carries
 * nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStats, reduceRequestVars, serializeStats } from '../../src/protocol/parse.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';

const SECRET_VARS = [
  'REQUEST_METHOD=POST',
  'PATH_INFO=/report',
  'REQUEST_URI=/report?token=SECRET',
  'QUERY_STRING=token=SECRET',
  'SERVER_PROTOCOL=HTTP/1.1',
  'REMOTE_ADDR=10.1.2.3',
  'HTTP_COOKIE=session=COOKIEVALUE',
  'HTTP_AUTHORIZATION=Bearer AUTHVALUE',
  'HTTP_X_API_KEY=APIKEY',
  '',
];

function doc(vars: unknown[], extraCore: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '2.0.21-debian',
    pid: 1,
    sockets: [{ name: '127.0.0.1:8000', proto: 'uwsgi', queue: 0, max_queue: 100, shared: 0, can_offload: 0 }],
    workers: [
      {
        id: 1,
        pid: 10,
        requests: 5,
        status: 'busy',
        cores: [
          { id: 0, requests: 5, in_request: 1, vars, req_info: { request_start: 1700000000, secret: 'REQINFOSECRET' }, ...extraCore },
          { id: 1, requests: 0, in_request: 0, vars: [], req_info: {} },
        ],
      },
    ],
  });
}

const FORBIDDEN = /SECRET|COOKIEVALUE|AUTHVALUE|APIKEY|10\.1\.2\.3|token|HTTP_|QUERY_STRING|REQUEST_URI|REMOTE_ADDR|SERVER_PROTOCOL/;

test('parseStats keeps only the method and the path without query of an in-flight request', () => {
  const d = parseStats(doc(SECRET_VARS)) as StatsSnapshot;
  const c = d.workers[0]!.cores![0]!;
  assert.deepEqual(c.vars, ['REQUEST_METHOD=POST', 'PATH_INFO=/report']);
  assert.deepEqual(c.req_info, { request_start: 1700000000 });
  assert.deepEqual(c.request, { method: 'POST', path: '/report', start: 1700000000 });
  const idle = d.workers[0]!.cores![1]!;
  assert.deepEqual(idle.vars, []);
  assert.equal(idle.request, undefined);
  assert.doesNotMatch(JSON.stringify(d), FORBIDDEN);
});

test('the path comes from REQUEST_URI (cut at ? and #) when PATH_INFO is absent or empty', () => {
  assert.deepEqual(reduceRequestVars(['REQUEST_METHOD=GET', 'REQUEST_URI=/a/b?x=SECRET#frag']), {
    vars: ['REQUEST_METHOD=GET', 'PATH_INFO=/a/b'],
    method: 'GET',
    path: '/a/b',
  });
  assert.equal(reduceRequestVars(['PATH_INFO=', 'REQUEST_URI=/u#SECRET']).path, '/u');
  // a PATH_INFO that (oddly) carries a query is cut too
  assert.equal(reduceRequestVars(['PATH_INFO=/p?token=SECRET']).path, '/p');
  // nothing else, not even non-string entries or look-alike names
  assert.deepEqual(reduceRequestVars([42, null, { a: 1 }, 'REQUEST_METHODX=1', 'HTTP_COOKIE=c']).vars, []);
  // bounded
  assert.equal(reduceRequestVars(['PATH_INFO=/' + 'x'.repeat(5000)]).path!.length, 1024);
});

test('serializeStats: the reduced document round-trips through parseStats and holds no secret', () => {
  const text = doc(SECRET_VARS, { future_field: { nested: [1, 2] } });
  const d = parseStats(text);
  const out = serializeStats(d);
  assert.doesNotMatch(out, FORBIDDEN);
  assert.deepEqual(parseStats(out), d);
  assert.ok(out.includes('"future_field":{"nested":[1,2]}'), 'unknown fields are kept');
  assert.ok(out.includes('"in_request":1'), 'in_request in uWSGI form');
});

test('serializeStats round-trips every captured uWSGI fixture (server and Emperor)', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const dir = new URL('../../../fixtures/uwsgi/', import.meta.url);
  let n = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json') || name === 'capture-info.json') continue;
    const d = parseStats(readFileSync(new URL(name, dir)));
    assert.deepEqual(parseStats(serializeStats(d)), d, name);
    n++;
  }
  assert.ok(n >= 10, `${n} fixtures`);
});
