/**
 * Hostile clients and secrets: the app keeps serving while stats clients
 * misbehave, and nothing from a request or the environment leaks into the
 * stats or /metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { createConnection, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createStatsServer, RequestCounters } from '../../src/emitter/index.js';
import { parseStats } from '../../src/protocol/parse.js';
import { get, rawHttpGet, readAll, tempDir, waitFor } from './helpers.js';

async function app(t: import('node:test').TestContext, handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Read to EOF; resolves with the bytes, or with an empty buffer when the server hung up on us. */
function readOrRefused(path: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = createConnection({ path });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('error', () => undefined);
  });
}

test('500 concurrent stats clients: each gets a whole document or is refused; the app keeps answering', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  const { server, port } = await app(t, (_q, s) => s.end('ok'));
  const stats = await createStatsServer({ server, instrumentOptions: { counters: new RequestCounters(8) }, listen: { path } });
  t.after(() => stats.close());

  const appJobs = Array.from({ length: 50 }, () => get(port, '/'));
  const statsJobs = Array.from({ length: 500 }, () => readOrRefused(path));
  const [appRes, statsRes] = await Promise.all([Promise.all(appJobs), Promise.all(statsJobs)]);
  assert.equal(appRes.filter((r) => r.status === 200).length, 50, 'every app request completed');
  let served = 0;
  for (const b of statsRes) {
    if (b.length === 0) continue; // refused (over maxClients)
    assert.equal(parseStats(b).kind, 'server', 'never a truncated document');
    served++;
  }
  assert.ok(served >= 1, 'some clients were served');
  t.diagnostic(`served ${served} of 500 concurrent clients (maxClients 64)`);
  // afterwards the server is healthy
  assert.equal(parseStats(await readAll({ path })).kind, 'server');
});

test('a raw client that never reads takes no slot (answered at once); garbage floods do not stop the server', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  const { server, port } = await app(t, (_q, s) => s.end('ok'));
  const stats = await createStatsServer({
    server,
    instrumentOptions: { counters: new RequestCounters(8) },
    listen: { path, maxClients: 1, clientTimeoutMs: 300 },
  });
  t.after(() => stats.close());

  const lazy: Socket[] = [];
  t.after(() => lazy.forEach((s) => s.destroy()));
  for (let i = 0; i < 5; i++) {
    const s = createConnection({ path });
    s.pause(); // never reads
    s.on('error', () => undefined);
    lazy.push(s);
    await new Promise((r) => s.once('connect', r));
  }
  // five clients that never read, maxClients 1: the next reader is still served a whole document at once…
  assert.equal(parseStats(await readOrRefused(path)).kind, 'server');
  // …and the app is unaffected
  assert.equal((await get(port, '/')).status, 200);

  // 2 MB of garbage: the server discards it (and hangs up past 1 MB), then serves the next client
  await new Promise<void>((resolve) => {
    const s = createConnection({ path }, () => {
      s.write(randomBytes(2 * 1024 * 1024));
    });
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => resolve());
  });
  const after = await waitFor(async () => {
    const b = await readOrRefused(path);
    return b.length > 0 ? b : undefined;
  }, 'stats after the garbage flood', 5000);
  assert.equal(parseStats(after).kind, 'server');
  assert.equal((await get(port, '/')).status, 200);
});

test('no header, URL, query, cookie, body or environment value ever appears in the stats or /metrics', async (t) => {
  const tag = randomBytes(6).toString('hex');
  const secrets = {
    header: `HDR-${tag}-secret`,
    query: `QRY-${tag}-secret`,
    path: `PTH-${tag}-secret`,
    cookie: `CKE-${tag}-secret`,
    body: `BDY-${tag}-secret`,
    env: `ENV-${tag}-secret`,
  };
  process.env.TSGITOP_PLANTED_SECRET = secrets.env;
  t.after(() => {
    delete process.env.TSGITOP_PLANTED_SECRET;
  });
  const held: http.ServerResponse[] = [];
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  const { server, port } = await app(t, (req, res) => {
    req.resume();
    if ((req.url ?? '').includes('hold')) held.push(res);
    else req.on('end', () => res.end(`echo ${req.headers['x-api-key'] ?? ''}`));
  });
  t.after(() => held.forEach((r) => r.destroy()));
  const stats = await createStatsServer({
    server,
    instrumentOptions: { counters: new RequestCounters(8) },
    listen: [{ path }, { host: '127.0.0.1', port: 0, http: true, prometheus: true }],
  });
  t.after(() => stats.close());
  const httpPort = Number(new URL(stats.addresses[1]!).port);

  const send = (p: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: p, method: 'POST', headers: { 'X-Api-Key': secrets.header, Cookie: `session=${secrets.cookie}` } },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(secrets.body);
    });
  await send(`/${secrets.path}?token=${secrets.query}`);
  // one request stays in flight, so in_request/req_info are populated while we read
  const inflight = http.request({ host: '127.0.0.1', port, path: `/hold/${secrets.path}?token=${secrets.query}`, method: 'POST', headers: { 'X-Api-Key': secrets.header } });
  inflight.on('error', () => undefined);
  inflight.write(secrets.body);
  t.after(() => inflight.destroy());
  await waitFor(() => held.length === 1, 'the held request');

  const outputs = [
    (await readAll({ path })).toString(),
    stats.json(true),
    (await rawHttpGet({ host: '127.0.0.1', port: httpPort }, '/')).raw.toString(),
    (await rawHttpGet({ host: '127.0.0.1', port: httpPort }, '/metrics')).raw.toString(),
  ];
  const doc = JSON.parse(outputs[0]!) as { workers: Array<{ requests: number; cores: Array<{ in_request: number; vars: unknown[]; req_info: Record<string, unknown> }> }> };
  assert.equal(doc.workers[0]!.requests, 1, 'the finished request was counted');
  assert.ok(doc.workers[0]!.cores.some((c) => c.in_request === 1), 'the held request is in flight');
  for (const c of doc.workers[0]!.cores) {
    assert.deepEqual(c.vars, []);
    assert.deepEqual(Object.keys(c.req_info).filter((k) => k !== 'request_start'), []);
  }
  for (const out of outputs) {
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(!out.includes(value), `${what} secret leaked`);
      assert.ok(!out.includes(tag), `${what} tag leaked`);
    }
  }
});
