import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDocument, uint } from '../../src/emitter/render.js';
import { buildDocument, buildWorker, processIdentity } from '../../src/emitter/builder.js';
import type { EmitterDocument } from '../../src/emitter/doc.js';
import { renderPrometheus, escapeLabelValue } from '../../src/emitter/prometheus.js';
import { emitterVersion } from '../../src/emitter/version.js';

function sampleDoc(): EmitterDocument {
  return buildDocument({
    identity: { pid: 4114, uid: 0, gid: 0, cwd: '/tmp/x' },
    listenQueue: 0,
    listenQueueErrors: 0,
    version: '2.0.21-debian',
    sockets: [{ name: '127.0.0.1:36859', proto: 'http', queue: 0, max_queue: 100, shared: 0, can_offload: 0 }],
    workers: [
      buildWorker({
        id: 1, pid: 4116, accepting: true, status: 'busy', requests: 4, deltaRequests: 4, exceptions: 0, rss: 11403264, vsz: 136515584,
        runningTime: 682, lastSpawn: 1795424737, respawnCount: 1, tx: 224, avgRt: 145,
        cores: [
          { id: 0, requests: 2, static_requests: 0, routed_requests: 0, offloaded_requests: 0, write_errors: 0, read_errors: 0, in_request: 0 },
          { id: 1, requests: 2, static_requests: 0, routed_requests: 0, offloaded_requests: 0, write_errors: 0, read_errors: 0, in_request: 1, request_start: 1795424787 },
        ],
      }),
    ],
  });
}

// The layout uWSGI 2.0.21 prints (core/stats.c), including its odd
// indentation for empty lists and for an object value ("req_info").
const EXPECTED = [
  '{',
  '\t"version":"2.0.21-debian",',
  '\t"listen_queue":0,',
  '\t"listen_queue_errors":0,',
  '\t"signal_queue":0,',
  '\t"load":0,',
  '\t"pid":4114,',
  '\t"uid":0,',
  '\t"gid":0,',
  '\t"cwd":"/tmp/x",',
  '\t"locks":[',
  '\t\t{',
  '\t\t\t"user 0":0',
  '\t\t},',
  '\t\t{',
  '\t\t\t"signal":0',
  '\t\t},',
  '\t\t{',
  '\t\t\t"filemon":0',
  '\t\t},',
  '\t\t{',
  '\t\t\t"timer":0',
  '\t\t},',
  '\t\t{',
  '\t\t\t"rbtimer":0',
  '\t\t},',
  '\t\t{',
  '\t\t\t"cron":0',
  '\t\t},',
  '\t\t{',
  '\t\t\t"rpc":0',
  '\t\t},',
  '\t\t{',
  '\t\t\t"snmp":0',
  '\t\t}',
  '\t],',
  '\t"sockets":[',
  '\t\t{',
  '\t\t\t"name":"127.0.0.1:36859",',
  '\t\t\t"proto":"http",',
  '\t\t\t"queue":0,',
  '\t\t\t"max_queue":100,',
  '\t\t\t"shared":0,',
  '\t\t\t"can_offload":0',
  '\t\t}',
  '\t],',
  '\t"workers":[',
  '\t\t{',
  '\t\t\t"id":1,',
  '\t\t\t"pid":4116,',
  '\t\t\t"accepting":1,',
  '\t\t\t"requests":4,',
  '\t\t\t"delta_requests":4,',
  '\t\t\t"exceptions":0,',
  '\t\t\t"harakiri_count":0,',
  '\t\t\t"signals":0,',
  '\t\t\t"signal_queue":0,',
  '\t\t\t"status":"busy",',
  '\t\t\t"rss":11403264,',
  '\t\t\t"vsz":136515584,',
  '\t\t\t"running_time":682,',
  '\t\t\t"last_spawn":1795424737,',
  '\t\t\t"respawn_count":1,',
  '\t\t\t"tx":224,',
  '\t\t\t"avg_rt":145,',
  '\t\t\t"apps":[',
  '\t\t\t\t{',
  '\t\t\t\t\t"id":0,',
  '\t\t\t\t\t"modifier1":0,',
  '\t\t\t\t\t"mountpoint":"",',
  '\t\t\t\t\t"startup_time":0,',
  '\t\t\t\t\t"requests":4,',
  '\t\t\t\t\t"exceptions":0,',
  '\t\t\t\t\t"chdir":""',
  '\t\t\t\t}',
  '\t\t\t],',
  '\t\t\t"cores":[',
  '\t\t\t\t{',
  '\t\t\t\t\t"id":0,',
  '\t\t\t\t\t"requests":2,',
  '\t\t\t\t\t"static_requests":0,',
  '\t\t\t\t\t"routed_requests":0,',
  '\t\t\t\t\t"offloaded_requests":0,',
  '\t\t\t\t\t"write_errors":0,',
  '\t\t\t\t\t"read_errors":0,',
  '\t\t\t\t\t"in_request":0,',
  '\t\t\t\t\t"vars":[',
  '',
  '\t\t\t\t\t],',
  '\t\t\t\t\t"req_info":\t\t\t\t\t{',
  '',
  '\t\t\t\t\t}',
  '\t\t\t\t},',
  '\t\t\t\t{',
  '\t\t\t\t\t"id":1,',
  '\t\t\t\t\t"requests":2,',
  '\t\t\t\t\t"static_requests":0,',
  '\t\t\t\t\t"routed_requests":0,',
  '\t\t\t\t\t"offloaded_requests":0,',
  '\t\t\t\t\t"write_errors":0,',
  '\t\t\t\t\t"read_errors":0,',
  '\t\t\t\t\t"in_request":1,',
  '\t\t\t\t\t"vars":[',
  '',
  '\t\t\t\t\t],',
  '\t\t\t\t\t"req_info":\t\t\t\t\t{',
  '\t\t\t\t\t\t"request_start":1795424787',
  '\t\t\t\t\t}',
  '\t\t\t\t}',
  '\t\t\t]',
  '\t\t}',
  '\t]',
  '}',
].join('\n');

test('pretty output is byte-identical to uWSGI 2.0.21 layout (no trailing newline)', () => {
  assert.equal(renderDocument(sampleDoc()), EXPECTED);
});

test('minified output has no whitespace and parses to the same value as pretty', () => {
  const doc = sampleDoc();
  const mini = renderDocument(doc, true);
  assert.ok(!/[\t\n ]/.test(mini.replace(/"(?:[^"\\]|\\.)*"/g, '""')), 'no whitespace outside strings (the lock name "user 0" has one, as in uWSGI)');
  assert.ok(mini.startsWith('{"version":"2.0.21-debian","listen_queue":0,'));
  assert.ok(mini.includes('"vars":[],"req_info":{}'));
  assert.deepEqual(JSON.parse(mini), JSON.parse(renderDocument(doc)));
});

test('strings are JSON-escaped; numbers are non-negative safe integers', () => {
  const doc = sampleDoc();
  doc.cwd = 'a"b\\c\nd\u0001é';
  doc.workers[0]!.rss = -5;
  doc.workers[0]!.vsz = Number.NaN;
  doc.workers[0]!.tx = 12.9;
  doc.workers[0]!.running_time = 1e300;
  for (const minified of [false, true]) {
    const parsed = JSON.parse(renderDocument(doc, minified)) as { cwd: string; workers: Array<Record<string, number>> };
    assert.equal(parsed.cwd, doc.cwd);
    assert.equal(parsed.workers[0]!.rss, 0);
    assert.equal(parsed.workers[0]!.vsz, 0);
    assert.equal(parsed.workers[0]!.tx, 12);
    assert.equal(parsed.workers[0]!.running_time, Number.MAX_SAFE_INTEGER);
  }
  assert.equal(uint(Infinity), Number.MAX_SAFE_INTEGER);
  assert.equal(uint(-Infinity), 0);
});

test('locks, when present, render as one-key objects', () => {
  const doc = sampleDoc();
  doc.locks = [{ 'user 0': 0 }, { signal: 0 }];
  const parsed = JSON.parse(renderDocument(doc)) as { locks: unknown };
  assert.deepEqual(parsed.locks, [{ 'user 0': 0 }, { signal: 0 }]);
  assert.ok(renderDocument(doc).includes('\t"locks":[\n\t\t{\n\t\t\t"user 0":0\n\t\t},\n\t\t{\n\t\t\t"signal":0\n\t\t}\n\t],'));
});

test('a worker always has at least one core and one app; vars is [] and req_info has only request_start', () => {
  const w = buildWorker({
    id: 3, pid: 0, accepting: false, status: 'cheap', requests: 0, deltaRequests: 0, exceptions: 0, rss: 0, vsz: 0,
    runningTime: 0, lastSpawn: 0, respawnCount: 0, tx: 0, avgRt: 0, cores: [],
  });
  const doc = buildDocument({ identity: processIdentity(), listenQueue: 0, listenQueueErrors: 0, sockets: [], workers: [w] });
  const parsed = JSON.parse(renderDocument(doc)) as { workers: Array<{ cores: Array<{ vars: unknown; req_info: unknown }>; apps: unknown[] }> };
  assert.equal(parsed.workers[0]!.cores.length, 1);
  assert.deepEqual(parsed.workers[0]!.cores[0]!.vars, []);
  assert.deepEqual(parsed.workers[0]!.cores[0]!.req_info, {});
  assert.equal(parsed.workers[0]!.apps.length, 1);
});

test('version is 2.0.21-tsgitop-<package version>', () => {
  assert.match(emitterVersion(), /^2\.0\.21-tsgitop-\d+\.\d+\.\d+/);
});

test('prometheus text: HELP/TYPE once per family, escaped labels, one sample per worker/core', () => {
  const doc = sampleDoc();
  doc.sockets[0]!.name = 'we"ird\\name\nx';
  const text = renderPrometheus(doc);
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n');
  const families = new Map<string, string>();
  for (const l of lines) {
    if (l.startsWith('# TYPE ')) {
      const [, , name, type] = l.split(' ');
      assert.ok(!families.has(name!), `duplicate TYPE for ${name}`);
      families.set(name!, type!);
      assert.ok(lines[lines.indexOf(l) - 1]!.startsWith(`# HELP ${name} `), `HELP precedes TYPE for ${name}`);
    } else if (!l.startsWith('#')) {
      // name{labels} value
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/.exec(l);
      assert.ok(m, `bad sample line: ${l}`);
      assert.ok(families.has(m[1]!), `sample ${m[1]} before its TYPE`);
      if (families.get(m[1]!) === 'counter') assert.ok(m[1]!.endsWith('_total'), `counter ${m[1]} should end in _total`);
    }
  }
  assert.ok(text.includes('uwsgi_worker_requests_total{worker_id="1"} 4\n'));
  assert.ok(text.includes('uwsgi_worker_core_in_request{worker_id="1",core_id="1"} 1\n'));
  assert.ok(text.includes('uwsgi_worker_average_response_time_seconds{worker_id="1"} 0.000145\n'));
  assert.ok(text.includes('uwsgi_worker_status{worker_id="1",status="busy"} 1\n'));
  assert.ok(text.includes('uwsgi_socket_queue_length{name="we\\"ird\\\\name\\nx",proto="http"} 0\n'));
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});

test('request vars render in uWSGI 2.0.21 layout (one per line, unindented, then ""), pretty and minified', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = sampleDoc();
  doc.workers[0]!.cores[1]!.vars = ['REQUEST_METHOD=GET', 'PATH_INFO=/slow'];
  const pretty = renderDocument(doc);
  const want = '"vars":[\n"REQUEST_METHOD=GET",\n"PATH_INFO=/slow",\n""\n\t\t\t\t\t],';
  assert.ok(pretty.includes('\t\t\t\t\t' + want), pretty);
  // the real uWSGI capture has the same layout (with more vars between)
  const real = readFileSync(new URL('../../../fixtures/uwsgi/load-4p4t.json', import.meta.url), 'utf8');
  assert.ok(real.includes('\t\t\t\t\t"vars":[\n"REQUEST_METHOD=GET",\n"PATH_INFO=/slow",\n'));
  assert.ok(real.includes('",\n""\n\t\t\t\t\t],\n\t\t\t\t\t"req_info":'));
  const mini = renderDocument(doc, true);
  assert.ok(mini.includes('"vars":["REQUEST_METHOD=GET","PATH_INFO=/slow",""],"req_info":{"request_start":'));
  assert.deepEqual(JSON.parse(mini), JSON.parse(pretty));
});
