/**
 * The whole stack for real: nginx-light in front of a real uWSGI (uwsgi_pass over the uwsgi
 * protocol) and a real gunicorn with the stats module (proxy_pass), configured like the common
 * deployment guides. stub_status counts every request that went through; each backend counts its
 * own; `tsgitop -b --front` prints the front line beside the workers and, with the workers
 * saturated, the "backend saturated" verdict while nginx answers 504.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchStubStatus, parseFrontAddress } from '../../src/protocol/nginx.js';
import { readHttp } from '../../src/protocol/http.js';
import { resolveOptions } from '../../src/protocol/transport.js';
import { runCli } from '../cli/run-cli.js';
import { freePort, startUwsgi, until, uwsgiAvailable } from '../helpers/uwsgi.js';
import { get, pythonAvailable, startGunicorn, sum, type StatsDoc } from '../gunicorn/helpers.js';
import { nginxAvailable, proxyLocation, saturatedStack, startNginx, uwsgiLocation } from './helpers.js';
import { connect } from 'node:net';

function skipReason(): string | undefined {
  const n = nginxAvailable();
  if (!n.ok) return n.reason;
  const u = uwsgiAvailable();
  if (!u.ok) return u.reason;
  const g = pythonAvailable();
  if (!g.ok) return g.reason;
  return undefined;
}

function readUnixJson(path: string): Promise<StatsDoc> {
  return new Promise((resolve, reject) => {
    const s = connect({ path });
    let t = '';
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.on('data', (b) => (t += b.toString()));
    s.on('end', () => {
      try {
        resolve(JSON.parse(t) as StatsDoc);
      } catch (e) {
        reject(e);
      }
    });
    s.on('error', reject);
  });
}

test('nginx → uWSGI (uwsgi_pass) and → gunicorn (proxy_pass): stub_status and both backends count exactly', async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  const up = await freePort();
  const u = await startUwsgi({ processes: 2, stats: 'unix', extraArgs: ['--socket', `127.0.0.1:${up}`] });
  t.after(() => u.stop());
  const g = await startGunicorn({ workers: 2 });
  t.after(() => g.stop());
  const n = await startNginx([uwsgiLocation(`127.0.0.1:${up}`), proxyLocation(`127.0.0.1:${g.port}`)]);
  t.after(() => n.stop());
  const front = parseFrontAddress(n.statusUrl);

  // the page nginx 1.22 really sends
  const page = (await readHttp(front, resolveOptions({ timeoutMs: 5000, maxBytes: 65536 }))).toString();
  assert.match(page, /^Active connections: \d+ \nserver accepts handled requests\n \d+ \d+ \d+ \nReading: \d+ Writing: \d+ Waiting: \d+ \n$/);

  const s0 = await fetchStubStatus(front);
  for (let i = 0; i < 30; i++) assert.equal(await get(n.ports[0]!, '/'), 200);
  for (let i = 0; i < 20; i++) assert.equal(await get(n.ports[1]!, i % 5 === 4 ? '/error' : '/'), i % 5 === 4 ? 500 : 200);
  const s1 = await fetchStubStatus(front);
  // every request a new connection; the second stub_status read is counted before it is answered
  assert.equal(s1.status.requests - s0.status.requests, 51);
  assert.equal(s1.status.accepts - s0.status.accepts, 51);
  assert.equal(s1.status.handled, s1.status.accepts);
  assert.ok(s1.status.active >= 1 && s1.status.writing >= 1, 'the reading connection itself is active and writing');

  const uw = await until(async () => sum((await readUnixJson(u.statsAddress)).workers, 'requests') >= 30, Date.now() + 10_000);
  assert.ok(uw);
  assert.equal(sum((await readUnixJson(u.statsAddress)).workers, 'requests'), 30);
  const gd = await g.waitDoc((d) => sum(d.workers, 'requests') >= 20, '20 requests via nginx');
  assert.equal(sum(gd.workers, 'requests'), 20);
  assert.equal(sum(gd.workers, 'exceptions'), 4);

  // the CLI: a front line above the gunicorn table, a front object in --json
  const text = await runCli(['-b', '-n', '1', '-f', '0.3', '--width', '160', '--front', n.statusUrl, g.statsAddress]);
  assert.equal(text.code, 0, text.stderr);
  const first = text.stdout.toString().split('\n')[0]!;
  assert.match(first, /^nginx [\d.]+ req\/s {2}conns \d+ \(w \d+\) {2}→ {2}gunicorn [\d.]+ req\/s {2}busy 0\/2 {2}lq 0\/\d+/);
  const j = await runCli(['--json', '-n', '1', '-f', '0.3', '--front', n.statusUrl, u.statsAddress]);
  assert.equal(j.code, 0, j.stderr);
  const o = JSON.parse(j.stdout.toString()) as { front: { kind: string; requests: number; rps: number; active: number; state: string }; totals: { requests: number } };
  assert.equal(o.front.kind, 'nginx');
  assert.ok(o.front.requests > s1.status.requests);
  assert.equal(typeof o.front.rps, 'number');
  assert.equal(o.front.state, 'ok');
  assert.equal(o.totals.requests, 30);
});

test('--front that cannot be read: a line saying why, the table goes on (exit 0)', async (t) => {
  const g0 = pythonAvailable();
  if (!g0.ok) return t.skip(g0.reason);
  const g = await startGunicorn({ workers: 1 });
  t.after(() => g.stop());
  const dead = await freePort();
  const r = await runCli(['-b', '-n', '1', '-f', '0.2', '-t', '1', '--front', `http://127.0.0.1:${dead}/nginx_status`, g.statsAddress]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.toString().split('\n');
  assert.match(lines[0]!, /^nginx: .*refused/i);
  const pid = (await g.read()).workers[0]!.pid;
  assert.ok(lines.some((l) => new RegExp(`\\b${pid}\\b`).test(l)));
  const page = await runCli(['--json', '-n', '1', '-f', '0.2', '--front', `http://127.0.0.1:${g.port}/`, g.statsAddress]);
  const o = JSON.parse(page.stdout.toString()) as { front: { error: string } };
  assert.match(o.front.error, /not an nginx stub_status page/);
});

test('workers saturated behind nginx: the front line shows the full queue and the verdict says nginx will answer 502/504', async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  // 8 lanes of slow requests through nginx for as long as the CLI runs (bounded: 20 s, 300 requests)
  const { g, n, load } = await saturatedStack(t);
  const r = await runCli(['-b', '-n', '3', '-f', '1', '--width', '200', '--front', n.statusUrl, g.statsAddress]);
  const j = await runCli(['--json', '-n', '2', '-f', '1', '--front', n.statusUrl, g.statsAddress]);
  await load.stop();
  const statuses = load.statuses;
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.toString();
  assert.match(out, /^nginx [\d.]+ req\/s {2}conns \d+ \(w \d+\) {2}→ {2}gunicorn [\d.]+ req\/s {2}busy 1\/1 {2}lq \d+\/2 FULL/m);
  assert.match(out, /backend saturated: nginx [\d.]+ req\/s > workers [\d.]+ req\/s, queue full \d+\/2 FULL: nginx will answer 502\/504/);
  const objs = j.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { diagnosis: Array<{ rule: string; message: string }>; front: { rps: number } });
  assert.ok(objs.some((o) => o.diagnosis.some((d) => d.rule === 'saturated' && /nginx will answer 502\/504/.test(d.message))), j.stdout.toString().slice(0, 3000));
  // and nginx did answer 504 (upstream connect timed out against the full backlog)
  assert.ok(statuses.some((s) => s === 504 || s === 502), `statuses: ${statuses.join(',')}`);
  assert.ok(statuses.some((s) => s === 200), 'the worker kept serving');
});
