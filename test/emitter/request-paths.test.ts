/**
 * In-flight requests in the emitter's document, as uWSGI sends them (issue
 * 12 point 7): `req_info.request_start` (unix s) on every busy core; with
 * `requestPaths: true`, `vars` carry REQUEST_METHOD and PATH_INFO only —
 * never the query, headers, cookies, body or environment (secrets planted
 * in each are searched for in every output: raw, HTTP, /metrics, and the
 * cluster primary's document). Also: `locks` and a fixed number of cores
 * per worker, checked against a live uWSGI 2.0.21.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { createConnection, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClusterStats, createStatsServer, RequestCounters } from '../../src/emitter/index.js';
import { pathOnly } from '../../src/emitter/instrument.js';
import { UWSGI_LOCK_NAMES } from '../../src/emitter/builder.js';
import { connectAndRead, killClusterWorkers, rawHttpGet, readAll, startUwsgi, tempDir, uwsgiMissing, waitFor } from './helpers.js';

const SECRETS = {
  query: 'QSECRET-7f3a9c',
  cookie: 'CSECRET-5b1e2d',
  auth: 'ASECRET-9d8c7b',
  header: 'HSECRET-1a2b3c',
  body: 'BSECRET-4d5e6f',
  env: 'ESECRET-0a9b8c',
  userinfo: 'USECRET-6e5d4c',
  fragment: 'FSECRET-3c2b1a',
};

interface Held {
  sockets: Socket[];
}

/** Send a request that the app holds (head sent, body partly sent), carrying every secret. */
function holdWithSecrets(port: number, target: string, held: Held): void {
  const s = createConnection({ host: '127.0.0.1', port }, () => {
    s.write(
      `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=${SECRETS.cookie}\r\nAuthorization: Bearer ${SECRETS.auth}\r\n` +
        `X-Api-Key: ${SECRETS.header}\r\nContent-Length: 1000\r\n\r\nbody=${SECRETS.body}`,
    );
  });
  s.on('error', () => undefined);
  held.sockets.push(s);
}

function assertNoSecret(text: string, where: string): void {
  for (const [k, v] of Object.entries(SECRETS)) {
    assert.ok(!text.includes(v), `the ${k} secret appears in ${where}`);
    assert.ok(!text.includes(v.slice(0, 7)), `part of the ${k} secret appears in ${where}`);
  }
}

test('pathOnly keeps the path, drops query, fragment, scheme and userinfo, and bounds the length', () => {
  assert.equal(pathOnly('/a/b?x=1'), '/a/b');
  assert.equal(pathOnly('/a#frag?x'), '/a');
  assert.equal(pathOnly('/a?x#y'), '/a');
  assert.equal(pathOnly('http://user:pw@host:8080/p/q?x=1'), '/p/q');
  assert.equal(pathOnly('https://host'), '/');
  assert.equal(pathOnly('*'), '*');
  assert.equal(pathOnly(''), '');
  assert.equal(pathOnly(undefined), '');
  assert.equal(pathOnly('/' + 'a'.repeat(5000)).length, 1024);
});

test('single process, requestPaths: in-flight cores show request_start, REQUEST_METHOD and PATH_INFO — and no secret anywhere', async (t) => {
  process.env.TSGITOP_TEST_SECRET = SECRETS.env;
  t.after(() => delete process.env.TSGITOP_TEST_SECRET);
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  const holds: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    holds.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const stats = await createStatsServer({
    server,
    requestPaths: true,
    instrumentOptions: { counters: new RequestCounters(4) },
    listen: [{ path }, { host: '127.0.0.1', port: 0, http: true, prometheus: true }],
  });
  const held: Held = { sockets: [] };
  t.after(async () => {
    held.sockets.forEach((s) => s.destroy());
    await stats.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const before = Math.floor(Date.now() / 1000);
  holdWithSecrets(port, `/report/q1?token=${SECRETS.query}#${SECRETS.fragment}`, held);
  holdWithSecrets(port, `http://admin:${SECRETS.userinfo}@127.0.0.1:${port}/abs/path?k=${SECRETS.query}`, held);
  await waitFor(() => holds.length === 2, 'two held requests');
  const httpPort = Number(new URL(stats.addresses[1]!).port);
  const raw = (await readAll({ path })).toString();
  const viaHttp = (await rawHttpGet({ host: '127.0.0.1', port: httpPort }, '/')).body.toString();
  const metrics = (await rawHttpGet({ host: '127.0.0.1', port: httpPort }, '/metrics')).body.toString();
  for (const [text, where] of [
    [raw, 'the raw stats'],
    [viaHttp, 'the HTTP stats'],
    [metrics, '/metrics'],
    [stats.json(true), 'the minified stats'],
  ] as const) {
    assertNoSecret(text, where);
  }
  const doc = JSON.parse(raw) as { workers: Array<{ cores: Array<{ in_request: number; vars: string[]; req_info: { request_start?: number } }> }> };
  const busy = doc.workers[0]!.cores.filter((c) => c.in_request === 1);
  assert.equal(busy.length, 2);
  const vars = busy.map((c) => c.vars);
  assert.deepEqual(vars, [
    ['REQUEST_METHOD=POST', 'PATH_INFO=/report/q1', ''],
    ['REQUEST_METHOD=POST', 'PATH_INFO=/abs/path', ''],
  ]);
  for (const c of busy) {
    const st = c.req_info.request_start!;
    assert.ok(st >= before && st <= Math.floor(Date.now() / 1000), `request_start ${st} is the request's start (unix s)`);
  }
  assert.equal(doc.workers[0]!.cores.length, 4, 'a fixed number of cores');
  // ended: the path is gone
  for (const r of holds) r.end('ok');
  await waitFor(() => stats.document().workers[0]!.cores.every((c) => c.in_request === 0), 'requests to end');
  const after = stats.json(false);
  assert.ok(!after.includes('REQUEST_METHOD') && !after.includes('/report/q1'));
});

test('without requestPaths, in-flight cores carry request_start and empty vars', async (t) => {
  const holds: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => holds.push(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const stats = await createStatsServer({ server, instrumentOptions: { counters: new RequestCounters(2) } });
  const held: Held = { sockets: [] };
  t.after(async () => {
    held.sockets.forEach((s) => s.destroy());
    await stats.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  holdWithSecrets(port, `/report?token=${SECRETS.query}`, held);
  await waitFor(() => holds.length === 1, 'a held request');
  const text = stats.json(false);
  assertNoSecret(text, 'the stats');
  assert.ok(!text.includes('/report') && !text.includes('REQUEST_METHOD'));
  const core = stats.document().workers[0]!.cores[0]!;
  assert.equal(core.in_request, 1);
  assert.ok((core.request_start ?? 0) > 1_700_000_000);
  for (const r of holds) r.end('ok');
});

test('cluster, requestPaths in the workers: the primary shows method and path of in-flight requests, no secret', async (t) => {
  const WORKER = fileURLToPath(new URL('./fixtures/cluster-worker.js', import.meta.url));
  const dir = tempDir(t);
  const statsPath = join(dir, 'stats.sock');
  const stats = await createClusterStats({ workers: 1, listen: { path: statsPath } });
  cluster.setupPrimary({ exec: WORKER, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const held: Held = { sockets: [] };
  t.after(async () => {
    held.sockets.forEach((s) => s.destroy());
    await killClusterWorkers();
    await stats.close();
  });
  const port = await new Promise<number>((resolve) => {
    cluster.once('listening', (_w: Worker, a: { port: number }) => resolve(a.port));
    cluster.fork({ ...process.env, FIXTURE_REQUEST_PATHS: '1', TSGITOP_TEST_SECRET: SECRETS.env });
  });
  holdWithSecrets(port, `/hold?token=${SECRETS.query}`, held);
  const text = await waitFor(async () => {
    const b = (await readAll({ path: statsPath })).toString();
    return b.includes('PATH_INFO=/hold') ? b : undefined;
  }, 'the held request in the primary');
  assertNoSecret(text, 'the cluster stats');
  assert.ok(text.includes('"REQUEST_METHOD=POST",\n"PATH_INFO=/hold",\n""\n'));
});

test('locks and the fixed core count match a live uWSGI 2.0.21', async (t) => {
  const why = uwsgiMissing();
  if (why) return t.skip(why);
  const dir = tempDir(t);
  const u = await startUwsgi(dir);
  t.after(() => u.stop());
  const real = JSON.parse((await connectAndRead(u.statsPath)).toString()) as { locks: Array<Record<string, number>>; workers: Array<{ cores: unknown[] }> };
  assert.deepEqual(real.locks.map((l) => Object.keys(l)[0]), [...UWSGI_LOCK_NAMES], 'the same lock names, in order');
  assert.ok(real.locks.every((l) => Object.values(l)[0] === 0));
  // uWSGI (2 threads) reports both cores of every worker though they served nothing: a fixed count
  assert.ok(real.workers.every((w) => w.cores.length === 2));
  const server = http.createServer((_q, s) => s.end('ok'));
  const stats = await createStatsServer({ server, instrumentOptions: { counters: new RequestCounters(2) } });
  t.after(() => stats.close());
  const ours = stats.document();
  assert.deepEqual(ours.locks, real.locks);
  assert.equal(ours.workers[0]!.cores.length, 2, 'our idle worker reports all of its cores too');
});
