import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStats, MAX_DEPTH, firstInvalidUtf8 } from '../../src/protocol/parse.js';
import { StatsError } from '../../src/protocol/errors.js';
import type { StatsDocument, StatsSnapshot, EmperorSnapshot } from '../../src/protocol/types.js';
import { sampleDoc } from './helpers.js';

function server(doc: StatsDocument): StatsSnapshot {
  assert.equal(doc.kind, 'server');
  return doc as StatsSnapshot;
}

function emperor(doc: StatsDocument): EmperorSnapshot {
  assert.equal(doc.kind, 'emperor');
  return doc as EmperorSnapshot;
}

function expectError(input: string | Uint8Array, code: 'NOT_JSON' | 'BAD_SHAPE', message: string | RegExp, path?: string): StatsError {
  let caught: unknown;
  try {
    parseStats(input);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof StatsError, `expected a StatsError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  assert.doesNotMatch(caught.message, /[\r\n]/);
  if (path !== undefined) assert.equal(caught.path, path);
  return caught;
}

test('a real-format uWSGI document parses, from a Buffer and from a string alike', () => {
  const text = sampleDoc(2);
  const a = server(parseStats(Buffer.from(text)));
  const b = server(parseStats(text));
  assert.deepEqual(a, b);
  assert.equal(a.version, '2.0.21-debian');
  assert.equal(a.pid, 1000);
  assert.equal(a.cwd, '/srv/app');
  assert.deepEqual(a.locks, [{ 'user 0': 0 }, { signal: 0 }]);
  assert.deepEqual(a.sockets, [{ name: '127.0.0.1:3031', proto: 'uwsgi', queue: 0, max_queue: 100, shared: 0, can_offload: 0, extra: {} }]);
  assert.equal(a.workers.length, 2);
  const w = a.workers[1];
  assert.ok(w);
  assert.equal(w.id, 2);
  assert.equal(w.pid, 1002);
  assert.equal(w.requests, 20);
  assert.equal(w.status, 'idle');
  assert.equal(w.running_time, 2468);
  assert.equal(w.tx, 600);
  assert.equal(w.avg_rt, 100);
  assert.equal(w.last_spawn, 1795424967);
  assert.equal(w.apps?.[0]?.mountpoint, '');
  assert.equal(w.apps?.[0]?.requests, 20);
  const c = w.cores?.[0];
  assert.ok(c);
  assert.equal(c.in_request, false);
  assert.deepEqual(c.vars, []);
  assert.deepEqual(c.req_info, {});
  // No unknown keys: no `extra` (and no `request`: not in a request) — nothing was added to uWSGI's objects.
  assert.equal('extra' in c, false);
  assert.equal('request' in c, false);
  assert.equal('extra' in w, false);
  assert.deepEqual(a.extra, {}); // the document itself always has one
});

test('minimal document: every absent field is undefined, never 0', () => {
  const d = server(parseStats('{"workers":[{}]}'));
  for (const k of ['version', 'listen_queue', 'listen_queue_errors', 'signal_queue', 'load', 'pid', 'uid', 'gid', 'cwd', 'locks', 'sockets'] as const) {
    assert.equal(d[k], undefined, k);
  }
  const w = d.workers[0];
  assert.ok(w);
  for (const [k, v] of Object.entries(w)) {
    if (k === 'extra') assert.deepEqual(v, {});
    else assert.equal(v, undefined, k);
  }
});

test('null is treated as absent at every level', () => {
  const d = server(
    parseStats(
      '{"version":null,"load":null,"locks":null,"sockets":[{"name":null,"queue":null}],' +
        '"workers":[{"id":null,"status":null,"apps":null,"cores":[{"in_request":null,"vars":null,"req_info":null}]}]}',
    ),
  );
  assert.equal(d.version, undefined);
  assert.equal(d.load, undefined);
  assert.equal(d.locks, undefined);
  assert.equal(d.sockets?.[0]?.name, undefined);
  assert.equal(d.sockets?.[0]?.queue, undefined);
  assert.equal(d.workers[0]?.status, undefined);
  assert.equal(d.workers[0]?.apps, undefined);
  assert.equal(d.workers[0]?.cores?.[0]?.in_request, undefined);
  assert.equal(d.workers[0]?.cores?.[0]?.vars, undefined);
  assert.equal(d.workers[0]?.cores?.[0]?.req_info, undefined);
  // `workers: null` is absent too, which leaves no stats document.
  expectError('{"workers":null}', 'BAD_SHAPE', /^\$\.workers: missing/, '$.workers');
});

test('in_request: 0/1, other numbers and booleans become booleans', () => {
  const d = server(parseStats('{"workers":[{"cores":[{"in_request":1},{"in_request":0},{"in_request":true},{"in_request":false},{"in_request":2}]}]}'));
  assert.deepEqual(
    d.workers[0]?.cores?.map((c) => c.in_request),
    [true, false, true, false, true],
  );
});

test('negative counters are accepted by the parser (the model clamps them)', () => {
  const d = server(parseStats('{"workers":[{"requests":-5,"tx":-1}]}'));
  assert.equal(d.workers[0]?.requests, -5);
  assert.equal(d.workers[0]?.tx, -1);
});

test('unknown fields are kept in extra with their keys exactly, at every level', () => {
  const d = server(
    parseStats(
      JSON.stringify({
        'version': '2.0.30',
        'new top': { a: [1, 2] },
        'caches': [{ name: 'c' }],
        'sockets': [{ name: 's', 'Weird Key!': true }],
        'workers': [
          {
            id: 1,
            'cheaped ': 'x',
            'apps': [{ id: 0, 'ünïcode': 'ok' }],
            'cores': [{ id: 0, 'in_request': 0, 'req_info': { request_start: 17 }, 'vars': ['PATH_INFO=/'], 'future': null }],
          },
        ],
      }),
    ),
  );
  assert.deepEqual(d.extra, { 'new top': { a: [1, 2] }, 'caches': [{ name: 'c' }] });
  assert.deepEqual(d.sockets?.[0]?.extra, { 'Weird Key!': true });
  assert.deepEqual(d.workers[0]?.extra, { 'cheaped ': 'x' });
  assert.deepEqual(d.workers[0]?.apps?.[0]?.extra, { 'ünïcode': 'ok' });
  assert.deepEqual(d.workers[0]?.cores?.[0]?.extra, { future: null });
  assert.deepEqual(d.workers[0]?.cores?.[0]?.req_info, { request_start: 17 });
  assert.deepEqual(d.workers[0]?.cores?.[0]?.vars, ['PATH_INFO=/']);
});

test('"__proto__" and "constructor" keys are kept as own properties, no prototype pollution', () => {
  const d = server(parseStats('{"__proto__":{"polluted":1},"constructor":2,"workers":[{"__proto__":{"x":1},"id":1}]}'));
  assert.equal(Object.getPrototypeOf(d.extra), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(d.extra, '__proto__'));
  assert.deepEqual(Object.keys(d.extra), ['__proto__', 'constructor']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(d.extra, '__proto__')?.value, { polluted: 1 });
  assert.equal(d.extra['constructor'], 2);
  assert.equal((d.extra as { polluted?: unknown }).polluted, undefined);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.ok(Object.prototype.hasOwnProperty.call(d.workers[0]?.extra, '__proto__'));
  assert.equal(JSON.stringify(d.workers[0]?.extra), '{"__proto__":{"x":1}}');
});

// [document, exact message, path]
const WRONG: Array<[string, string, string]> = [
  ['[]', '$: expected an object, got array', '$'],
  ['"workers"', '$: expected an object, got string', '$'],
  ['null', '$: expected an object, got null', '$'],
  ['42', '$: expected an object, got number', '$'],
  ['{"workers":{}}', '$.workers: expected an array, got object', '$.workers'],
  ['{"workers":"x"}', '$.workers: expected an array, got string', '$.workers'],
  ['{"workers":[1]}', '$.workers[0]: expected an object, got number', '$.workers[0]'],
  ['{"workers":[{},null]}', '$.workers[1]: expected an object, got null', '$.workers[1]'],
  ['{"workers":[{},{},{},{"requests":"12"}]}', '$.workers[3].requests: expected a number, got string', '$.workers[3].requests'],
  ['{"workers":[{"pid":true}]}', '$.workers[0].pid: expected a number, got boolean', '$.workers[0].pid'],
  ['{"workers":[{"tx":1e400}]}', '$.workers[0].tx: expected a finite number, got Infinity', '$.workers[0].tx'],
  ['{"workers":[{"avg_rt":-1e400}]}', '$.workers[0].avg_rt: expected a finite number, got -Infinity', '$.workers[0].avg_rt'],
  ['{"workers":[{"status":0}]}', '$.workers[0].status: expected a string, got number', '$.workers[0].status'],
  ['{"workers":[{"apps":{}}]}', '$.workers[0].apps: expected an array, got object', '$.workers[0].apps'],
  ['{"workers":[{"apps":[{"mountpoint":[]}]}]}', '$.workers[0].apps[0].mountpoint: expected a string, got array', '$.workers[0].apps[0].mountpoint'],
  ['{"workers":[{"cores":[{},"c"]}]}', '$.workers[0].cores[1]: expected an object, got string', '$.workers[0].cores[1]'],
  ['{"workers":[{"cores":[{"in_request":"1"}]}]}', '$.workers[0].cores[0].in_request: expected a boolean or 0/1, got string', '$.workers[0].cores[0].in_request'],
  ['{"workers":[{"cores":[{"vars":{}}]}]}', '$.workers[0].cores[0].vars: expected an array, got object', '$.workers[0].cores[0].vars'],
  ['{"workers":[{"cores":[{"req_info":[]}]}]}', '$.workers[0].cores[0].req_info: expected an object, got array', '$.workers[0].cores[0].req_info'],
  ['{"workers":[{"cores":[{"read_errors":"0"}]}]}', '$.workers[0].cores[0].read_errors: expected a number, got string', '$.workers[0].cores[0].read_errors'],
  ['{"version":2,"workers":[]}', '$.version: expected a string, got number', '$.version'],
  ['{"load":"0.5","workers":[]}', '$.load: expected a number, got string', '$.load'],
  ['{"locks":[1],"workers":[]}', '$.locks[0]: expected an object, got number', '$.locks[0]'],
  ['{"locks":{},"workers":[]}', '$.locks: expected an array, got object', '$.locks'],
  ['{"sockets":[{"queue":"0"}],"workers":[]}', '$.sockets[0].queue: expected a number, got string', '$.sockets[0].queue'],
  ['{"vassals":[{"id":5}]}', '$.vassals[0].id: expected a string, got number', '$.vassals[0].id'],
  ['{"vassals":[null]}', '$.vassals[0]: expected an object, got null', '$.vassals[0]'],
  ['{"emperor":["/etc",3],"vassals":[]}', '$.emperor[1]: expected a string, got number', '$.emperor[1]'],
  ['{"emperor":"/etc"}', '$.emperor: expected an array, got string', '$.emperor'],
  ['{"emperor":[],"vassals":{}}', '$.vassals: expected an array, got object', '$.vassals'],
  ['{"vassals":[],"emperor_tyrant":"no"}', '$.emperor_tyrant: expected a boolean or 0/1, got string', '$.emperor_tyrant'],
  ['{}', '$.workers: missing (not a uWSGI stats document: no "workers" or "vassals")', '$.workers'],
  ['{"version":"2.0.21"}', '$.workers: missing (not a uWSGI stats document: no "workers" or "vassals")', '$.workers'],
];

for (const [doc, message, path] of WRONG) {
  test(`BAD_SHAPE ${message}`, () => {
    expectError(doc, 'BAD_SHAPE', message, path);
  });
}

const EMPEROR_DOC = `{
	"version":"2.0.21-debian",
	"pid":6088,
	"uid":0,
	"gid":0,
	"cwd":"/tmp/tsgp/vassals",
	"emperor":[
"/tmp/tsgp/vassals"
	],
	"emperor_tyrant":0,
	"throttle_level":0,
	"vassals":[
		{
			"id":"app.ini",
			"pid":6090,
			"born":1795424993,
			"last_mod":1795424993,
			"last_heartbeat":0,
			"loyal":0,
			"ready":1,
			"accepting":1,
			"last_loyal":0,
			"last_ready":1795424993,
			"last_accepting":1795424993,
			"first_run":1795424993,
			"last_run":1795424993,
			"cursed":0,
			"zerg":0,
			"on_demand":"",
			"uid":0,
			"gid":0,
			"monitor":"/tmp/tsgp/vassals",
			"respawns":0
		}
	],
	"blacklist":[

	]
}`;

test('an Emperor document (as uWSGI 2.0.21 prints it) parses as kind emperor', () => {
  const e = emperor(parseStats(EMPEROR_DOC));
  assert.equal(e.version, '2.0.21-debian');
  assert.equal(e.pid, 6088);
  assert.deepEqual(e.emperor, ['/tmp/tsgp/vassals']);
  assert.equal(e.emperor_tyrant, false);
  assert.equal(e.vassals.length, 1);
  assert.equal(e.vassals[0]?.id, 'app.ini');
  assert.equal(e.vassals[0]?.pid, 6090);
  assert.equal(e.vassals[0]?.extra['respawns'], 0);
  assert.equal(e.vassals[0]?.extra['monitor'], '/tmp/tsgp/vassals');
  assert.deepEqual(e.extra, {});
  assert.equal(e.throttle_level, 0);
  assert.deepEqual(e.blacklist, []);
});

test('Emperor discrimination: vassals array wins; emperor key alone gives vassals []', () => {
  assert.equal(parseStats('{"vassals":[],"workers":[]}').kind, 'emperor');
  const e = emperor(parseStats('{"emperor":["/etc/uwsgi"]}'));
  assert.deepEqual(e.vassals, []);
  assert.equal(parseStats('{"emperor":["/x"],"workers":[]}').kind, 'server');
  assert.equal(emperor(parseStats('{"vassals":[],"emperor_tyrant":true}')).emperor_tyrant, true);
});

test('invalid UTF-8 is NOT_JSON with the byte offset', () => {
  const ok = Buffer.from('{"workers":[],"x":"');
  const cases: Array<[number[], number]> = [
    [[0xff], ok.length],
    [[0xc0, 0x80], ok.length], // overlong NUL
    [[0xed, 0xa0, 0x80], ok.length], // UTF-16 surrogate
    [[0xf4, 0x90, 0x80, 0x80], ok.length], // above U+10FFFF
    [[0xc3, 0xa9, 0x80], ok.length + 2], // é then a stray continuation byte
    [[0xe2, 0x82], ok.length], // cut 3-byte sequence (followed by '"}')
  ];
  for (const [bad, at] of cases) {
    const buf = Buffer.concat([ok, Buffer.from(bad), Buffer.from('"}')]);
    expectError(buf, 'NOT_JSON', `invalid UTF-8 at byte ${at}`);
    assert.equal(firstInvalidUtf8(buf), at);
  }
  // A multi-byte character cut by the end of the input.
  expectError(Buffer.from([0x7b, 0xf0, 0x9f, 0x98]), 'NOT_JSON', 'invalid UTF-8 at byte 1');
});

test('valid multi-byte UTF-8 and a leading BOM are accepted', () => {
  const text = '{"workers":[{"status":"é—😀"}],"cwd":"/ünï"}';
  const d = server(parseStats(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])));
  assert.equal(d.workers[0]?.status, 'é—😀');
  assert.equal(d.cwd, '/ünï');
  assert.equal(server(parseStats('\ufeff' + text)).cwd, '/ünï');
});

test('firstInvalidUtf8 agrees with a fatal TextDecoder on every 2-byte and 3-byte lead pattern', () => {
  const td = new TextDecoder('utf-8', { fatal: true });
  const probe = (b: Uint8Array): void => {
    let valid = true;
    try {
      td.decode(b);
    } catch {
      valid = false;
    }
    assert.equal(firstInvalidUtf8(b) === -1, valid, `bytes ${Buffer.from(b).toString('hex')}`);
  };
  for (let a = 0; a < 256; a++) {
    for (let b = 0; b < 256; b++) {
      probe(Uint8Array.of(a, b));
      probe(Uint8Array.of(a, b, 0x80));
      probe(Uint8Array.of(a, b, 0x80, 0x80));
    }
  }
});

test('not JSON: one-line NOT_JSON with a short reason', () => {
  expectError('hello', 'NOT_JSON', /^invalid JSON: /);
  expectError('', 'NOT_JSON', /^invalid JSON: /);
  expectError('{"workers":[],}', 'NOT_JSON', /^invalid JSON: /);
  expectError('{"workers":\n\t[\n}', 'NOT_JSON', /^invalid JSON: .*\\n/); // V8 quotes the text; newlines are escaped
  expectError('{"workers":[]} trailing', 'NOT_JSON', /^invalid JSON: /);
  const e = expectError('x'.repeat(100000), 'NOT_JSON', /^invalid JSON: /);
  assert.ok(e.message.length <= 200, `short message (${e.message.length})`);
});

function nested(depth: number, open = '[', close = ']'): string {
  return open.repeat(depth) + close.repeat(depth);
}

test('100k-deep nesting is NOT_JSON wherever it hides, never a RangeError', () => {
  expectError(`{"workers":[],"x":${nested(100000)}}`, 'NOT_JSON', `JSON nested deeper than ${MAX_DEPTH} levels`);
  expectError(`{"workers":[{"cores":[{"vars":${nested(100000)}}]}]}`, 'NOT_JSON', /nested deeper/);
  expectError(`{"workers":[{"cores":[{"req_info":{"a":${nested(100000)}}}]}]}`, 'NOT_JSON', /nested deeper/);
  expectError(`{"workers":[],"locks":[{"a":${nested(100000)}}]}`, 'NOT_JSON', /nested deeper/);
  expectError(`{"vassals":[{"x":${nested(100000)}}]}`, 'NOT_JSON', /nested deeper/);
  const objs = '{"a":'.repeat(100000) + '1' + '}'.repeat(100000);
  expectError(`{"workers":[],"x":${objs}}`, 'NOT_JSON', /nested deeper/);
  // A deep array at the top is simply not an object.
  expectError(nested(100000), 'BAD_SHAPE', '$: expected an object, got array', '$');
});

test(`nesting exactly ${MAX_DEPTH} deep is accepted, one more is not`, () => {
  // The root object is depth 1, so the extra value may add MAX_DEPTH - 1 levels.
  const ok = parseStats(`{"workers":[],"x":${nested(MAX_DEPTH - 1)}}`);
  assert.equal(ok.kind, 'server');
  expectError(`{"workers":[],"x":${nested(MAX_DEPTH)}}`, 'NOT_JSON', /nested deeper/);
  // Known structure counts too: $ > workers > worker > cores > core > vars
  const inVars = (n: number): string => `{"workers":[{"cores":[{"vars":${nested(n)}}]}]}`;
  assert.equal(parseStats(inVars(MAX_DEPTH - 5)).kind, 'server');
  expectError(inVars(MAX_DEPTH - 4), 'NOT_JSON', /nested deeper/);
});

test('100k workers parse (linear time, no stack growth)', () => {
  const parts: string[] = [];
  for (let i = 0; i < 100000; i++) {
    parts.push(`{"id":${i + 1},"pid":${i + 2},"requests":${i},"status":"idle","cores":[{"id":0,"in_request":${i % 2}}]}`);
  }
  const d = server(parseStats(`{"workers":[${parts.join(',')}]}`));
  assert.equal(d.workers.length, 100000);
  assert.equal(d.workers[99999]?.id, 100000);
  assert.equal(d.workers[99999]?.cores?.[0]?.in_request, true);
  assert.equal(d.workers[50000]?.requests, 50000);
  // An error deep in a huge array still names the exact element.
  parts[77777] = '{"id":"x"}';
  expectError(`{"workers":[${parts.join(',')}]}`, 'BAD_SHAPE', '$.workers[77777].id: expected a number, got string', '$.workers[77777].id');
});

test('a huge flat extra array is fine', () => {
  const d = server(parseStats(`{"workers":[],"metrics":[${new Array(200000).fill('1').join(',')}]}`));
  assert.equal((d.extra['metrics'] as unknown[]).length, 200000);
});
