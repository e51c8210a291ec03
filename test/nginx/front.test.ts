/**
 * Pure tests: the stub_status parser (src/protocol/nginx.ts) and the front model
 * (src/model/front.ts): rates from two samples, a new nginx master (counters down), dropped
 * connections, the stack line and the "backend saturated" verdict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFrontAddress, parseStubStatus, type StubStatus } from '../../src/protocol/nginx.js';
import { StatsError } from '../../src/protocol/errors.js';
import { frontText, frontToJson, frontVerdict, frontView, serverKind, stackText } from '../../src/model/front.js';
import { buildView } from '../../src/model/index.js';
import type { ServerView } from '../../src/model/types.js';
import { sample, server, worker, core } from '../model/factory.js';

// What nginx 1.22 sends (its own trailing spaces included).
const PAGE = 'Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n';

function st(p: Partial<StubStatus>): StubStatus {
  return { active: 1, accepts: 0, handled: 0, requests: 0, reading: 0, writing: 1, waiting: 0, ...p };
}

test('parseStubStatus reads every figure of a real page', () => {
  assert.deepEqual(parseStubStatus(PAGE), { active: 291, accepts: 16630948, handled: 16630948, requests: 31070465, reading: 6, writing: 179, waiting: 106 });
  assert.equal(parseStubStatus(PAGE.replace(/\n/g, '\r\n')).requests, 31070465);
});

test('parseStubStatus: anything else is one BAD_SHAPE line', () => {
  const bad = ['', '<html><body>404</body></html>', '{"workers":[]}', PAGE.split('\n').slice(0, 3).join('\n'), PAGE.replace('16630948 16630948', '1x 2'), PAGE.replace('31070465', '1'.repeat(30))];
  for (const text of bad) {
    assert.throws(() => parseStubStatus(text), (e: unknown) => e instanceof StatsError && e.code === 'BAD_SHAPE' && !e.message.includes('\n'), JSON.stringify(text));
  }
  assert.throws(() => parseStubStatus('{"workers":[]}'), /give it as the address/);
});

test('parseFrontAddress takes http(s) URLs only', () => {
  assert.equal(parseFrontAddress('http://127.0.0.1:8080/nginx_status').url.pathname, '/nginx_status');
  assert.throws(() => parseFrontAddress('/tmp/app.status'), (e: unknown) => e instanceof StatsError && e.code === 'BAD_ADDRESS');
});

test('frontView: req/s and accepts/s from two samples; none on the first read', () => {
  const a = { status: st({ accepts: 100, handled: 100, requests: 1000 }), at: 10_000 };
  const b = { status: st({ accepts: 150, handled: 150, requests: 1640, active: 41, writing: 12 }), at: 12_000 };
  const first = frontView(a);
  assert.equal(first.rps, undefined);
  assert.equal(first.interval, undefined);
  const v = frontView(b, a);
  assert.equal(v.interval, 2);
  assert.equal(v.rps, 320);
  assert.equal(v.acceptsPerSec, 25);
  assert.equal(v.state, 'ok');
  assert.equal(frontText(v), 'nginx 320 req/s  conns 41 (w 12)');
  assert.equal(frontToJson(v).rps, 320);
  assert.equal(frontToJson(first).rps, null);
});

test('frontView: a counter going down is a new master: reset, no rates', () => {
  const a = { status: st({ accepts: 500, handled: 500, requests: 9000 }), at: 0 };
  const b = { status: st({ accepts: 3, handled: 3, requests: 4 }), at: 1000 };
  const v = frontView(b, a);
  assert.equal(v.reset, true);
  assert.equal(v.rps, undefined);
  assert.equal(v.acceptsPerSec, undefined);
  assert.equal(frontText(v), 'nginx - req/s  conns 1 (w 1)');
});

test('frontView: accepts above handled in the interval → dropping', () => {
  const a = { status: st({ accepts: 100, handled: 98, requests: 100 }), at: 0 };
  const b = { status: st({ accepts: 200, handled: 190, requests: 190 }), at: 1000 };
  const v = frontView(b, a);
  assert.equal(v.dropped, 10);
  assert.equal(v.droppedPerSec, 8);
  assert.equal(v.state, 'dropping');
  assert.match(frontText(v), /DROPPING 8\.0\/s$/);
  // the same lifetime drop count with no new drops: ok
  assert.equal(frontView({ status: st({ accepts: 300, handled: 290, requests: 290 }), at: 2000 }, b).state, 'ok');
});

/** A server view at 318 req/s, 4 workers, every one busy, socket queue 9/8. */
function saturated(opts: { queue: number; max: number; busy: boolean; n?: number }): ServerView {
  const ws = (req: number) => Array.from({ length: opts.n ?? 4 }, (_, i) => i + 1).map((id) => worker({ id, pid: 100 + id, requests: req, status: opts.busy ? 'busy' : 'idle', cores: [core({ in_request: opts.busy })] }));
  const sock = [{ name: '127.0.0.1:3031', proto: 'uwsgi', queue: opts.queue, max_queue: opts.max, shared: 0, can_offload: 0, extra: {} }];
  const prev = sample(server({ workers: ws(1000), sockets: sock, listen_queue: opts.queue }), 0);
  const cur = sample(server({ workers: ws(1000 + 318 / (opts.n ?? 4)), sockets: sock, listen_queue: opts.queue }), 1000);
  const v = buildView(cur, prev);
  assert.equal(v.kind, 'server');
  return v as ServerView;
}

test('stackText: the front beside the workers', () => {
  const f = frontView({ status: st({ requests: 1320, active: 41, writing: 12 }), at: 1000 }, { status: st({ requests: 1000 }), at: 0 });
  assert.equal(stackText(f, saturated({ queue: 9, max: 8, busy: true })), 'nginx 320 req/s  conns 41 (w 12)  →  uWSGI 318 req/s  busy 4/4  lq 9/8 FULL');
});

test('frontVerdict: backend saturated only when the front outruns full/busy workers', () => {
  const f = (rps: number) => frontView({ status: st({ requests: 1000 + rps }), at: 1000 }, { status: st({ requests: 1000 }), at: 0 });
  const v = frontVerdict(f(320), saturated({ queue: 9, max: 8, busy: true }));
  assert.ok(v);
  assert.equal(v.rule, 'saturated');
  assert.equal(v.severity, 'critical');
  assert.equal(v.message, 'backend saturated: nginx 320 req/s > workers 318 req/s, queue full 9/8 FULL: nginx will answer 502/504');
  assert.match(frontVerdict(f(320), saturated({ queue: 3, max: 100, busy: true }))!.message, /all 4 workers busy, 3 waiting/);
  assert.match(frontVerdict(f(320), saturated({ queue: 3, max: 100, busy: true, n: 1 }))!.message, /the only worker busy, 3 waiting/);
  assert.equal(frontVerdict(f(300), saturated({ queue: 9, max: 8, busy: true })), undefined, 'the workers keep up');
  assert.equal(frontVerdict(f(320), saturated({ queue: 0, max: 100, busy: true })), undefined, 'nothing waiting');
  assert.equal(frontVerdict(f(320), saturated({ queue: 0, max: 100, busy: false })), undefined);
  assert.equal(frontVerdict(frontView({ status: st({}), at: 0 }), saturated({ queue: 9, max: 8, busy: true })), undefined, 'no rate yet');
});

test('serverKind names what serves the document', () => {
  assert.equal(serverKind('2.0.21-debian'), 'uWSGI');
  assert.equal(serverKind('2.0.21-tsgitop-gunicorn'), 'gunicorn');
  assert.equal(serverKind('2.0.21-tsgitop-0.1.0'), 'Node.js');
});
