import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClusterStats, renderDocument } from '../../src/emitter/index.js';
import { parseStats } from '../../src/protocol/parse.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';
import { alive, get, killClusterWorkers, rawHttpGet, readAll, tempDir, waitFor } from './helpers.js';

const WORKER = fileURLToPath(new URL('./fixtures/cluster-worker.js', import.meta.url));

function server(doc: ReturnType<typeof parseStats>): StatsSnapshot {
  assert.equal(doc.kind, 'server');
  return doc as StatsSnapshot;
}

test('node:cluster: exact counts over raw unix, TCP and HTTP; respawned worker keeps its slot', async (t) => {
  const dir = tempDir(t);
  const statsPath = join(dir, 'stats.sock');
  const stats = await createClusterStats({
    workers: 2,
    listen: [{ path: statsPath }, { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, http: true, prometheus: true }],
  });
  let stopping = false;
  const respawn = (): void => {
    if (!stopping) cluster.fork();
  };
  cluster.setupPrimary({ exec: WORKER, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  cluster.on('exit', respawn);
  t.after(async () => {
    stopping = true;
    cluster.off('exit', respawn);
    await killClusterWorkers();
    await stats.close();
  });

  let appPort = 0;
  const listening = new Promise<void>((resolve) => {
    let n = 0;
    const on = (_w: Worker, a: { port: number }): void => {
      appPort = a.port;
      if (++n === 2) {
        cluster.off('listening', on);
        resolve();
      }
    };
    cluster.on('listening', on);
  });
  cluster.fork();
  cluster.fork();
  await listening;

  const [unixAddr, tcpAddr, httpAddr] = stats.addresses;
  assert.equal(unixAddr, statsPath);
  const tcpPort = Number(tcpAddr!.split(':')[1]);
  const httpPort = Number(new URL(httpAddr!).port);

  // load: 60 ok + 7 failures + 3 × 1000-byte bodies, on keep-alive and fresh connections
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.after(() => agent.destroy());
  const jobs: Promise<{ status: number }>[] = [];
  for (let i = 0; i < 60; i++) jobs.push(get(appPort, '/', i % 2 ? agent : undefined));
  for (let i = 0; i < 7; i++) jobs.push(get(appPort, '/fail', agent));
  for (let i = 0; i < 3; i++) jobs.push(get(appPort, '/bytes/1000', agent));
  const results = await Promise.all(jobs);
  assert.equal(results.filter((r) => r.status === 500).length, 7);
  const SENT = 70;

  const total = (d: StatsSnapshot): number => d.workers.reduce((a, w) => a + (w.requests ?? 0), 0);
  const doc = await waitFor(async () => {
    const d = server(parseStats(await readAll({ path: statsPath })));
    return total(d) === SENT ? d : undefined;
  }, `${SENT} requests in the stats`);

  assert.equal(doc.workers.length, 2);
  assert.deepEqual(doc.workers.map((w) => w.id), [1, 2]);
  assert.equal(doc.workers.reduce((a, w) => a + (w.exceptions ?? 0), 0), 7);
  assert.equal(doc.workers.reduce((a, w) => a + (w.delta_requests ?? 0), 0), SENT);
  const tx = doc.workers.reduce((a, w) => a + (w.tx ?? 0), 0);
  assert.ok(tx > 3000, `tx ${tx} includes the three 1000-byte bodies`);
  for (const w of doc.workers) {
    assert.ok(w.pid && alive(w.pid), 'worker pid is alive');
    assert.notEqual(w.pid, process.pid);
    assert.equal(w.respawn_count, 1);
    assert.equal(w.accepting, 1);
    assert.ok((w.rss ?? 0) > 0 && (w.vsz ?? 0) >= (w.rss ?? 0));
    assert.ok(['idle', 'busy'].includes(w.status ?? ''));
    const coreSum = (w.cores ?? []).reduce((a, c) => a + (c.requests ?? 0), 0);
    assert.equal(coreSum, w.requests, 'per-core requests add up to the worker requests');
  }
  assert.equal(doc.pid, process.pid, 'the primary is the master');
  assert.equal(doc.sockets?.[0]?.name, `127.0.0.1:${appPort}`);

  // the same figures over TCP and HTTP
  const viaTcp = server(parseStats(await readAll({ host: '127.0.0.1', port: tcpPort })));
  assert.equal(total(viaTcp), SENT);
  const viaHttp = await rawHttpGet({ host: '127.0.0.1', port: httpPort }, '/');
  assert.equal(viaHttp.statusLine, 'HTTP/1.0 200 OK');
  assert.equal(total(server(parseStats(viaHttp.body))), SENT);
  const metrics = (await rawHttpGet({ host: '127.0.0.1', port: httpPort }, '/metrics')).body.toString();
  const promTotal = [...metrics.matchAll(/^uwsgi_worker_requests_total\{worker_id="\d+"\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  assert.equal(promTotal, SENT);

  // busy: a held request shows up as in_request on a core and status busy
  const hold = http.get({ host: '127.0.0.1', port: appPort, path: '/hold' });
  hold.on('error', () => undefined);
  const busyDoc = await waitFor(async () => {
    const d = server(parseStats(await readAll({ path: statsPath })));
    return d.workers.some((w) => w.status === 'busy' && (w.cores ?? []).some((c) => c.in_request === true && typeof c.req_info?.request_start === 'number'))
      ? d
      : undefined;
  }, 'a busy worker');
  assert.ok(busyDoc);
  hold.destroy();
  await waitFor(async () => server(parseStats(await readAll({ path: statsPath }))).workers.every((w) => w.status === 'idle'), 'all idle again');

  // kill worker in slot 1: the replacement takes slot 1, respawn_count 2, new last_spawn, counters kept
  const before = server(parseStats(await readAll({ path: statsPath })));
  const victim = before.workers[0]!;
  const victimReq = victim.requests ?? 0;
  const slot1 = stats.slots()[0]!;
  process.kill(victim.pid!, 'SIGKILL');
  const after = await waitFor(async () => {
    const d = server(parseStats(await readAll({ path: statsPath })));
    const w = d.workers[0]!;
    return w.respawn_count === 2 && w.pid !== victim.pid && w.pid !== 0 && w.accepting === 1 ? d : undefined;
  }, 'slot 1 respawned');
  const w1 = after.workers[0]!;
  assert.equal(w1.id, 1);
  assert.ok(alive(w1.pid!));
  assert.ok((w1.last_spawn ?? 0) >= (victim.last_spawn ?? 0));
  assert.ok(stats.slots()[0]!.clusterWorkerId !== slot1.clusterWorkerId, 'a different node:cluster worker now holds slot 1');
  assert.equal(w1.requests, victimReq, 'requests survive the respawn (uWSGI keeps them per slot)');
  assert.equal(w1.delta_requests, 0, 'delta_requests restarts with the new process');
  assert.equal(after.workers[1]!.respawn_count, 1, 'slot 2 untouched');
  assert.equal(after.workers.length, 2);

  // requests to the new worker add to the slot
  for (let i = 0; i < 10; i++) await get(appPort, '/');
  let lastSeen: unknown;
  await waitFor(async () => { const d = server(parseStats(await readAll({ path: statsPath }))); lastSeen = d.workers.map((w) => [w.id, w.pid, w.requests, w.delta_requests, w.status]); return total(d) === SENT + 1 + 10; }, "the 10 new requests (+1: the aborted /hold counts, like uWSGI)", 3000).catch((e: unknown) => { throw new Error(`${String(e)} ${JSON.stringify(lastSeen)} victimReq=${victimReq}`); });
  // after respawns, busy/idle flips and new counts, the per-worker texts kept between reads give the bytes a fresh rendering gives
  assert.equal(stats.json(), renderDocument(stats.document()));
  assert.equal(stats.json(true), renderDocument(stats.document(), true));
});

test('a slot without a live worker is "cheap"; a worker added beyond `workers` gets a new slot', async (t) => {
  const stats = await createClusterStats({ workers: 3 });
  t.after(() => stats.close());
  const d = stats.document();
  assert.deepEqual(d.workers.map((w) => [w.id, w.status, w.pid, w.accepting, w.respawn_count]), [
    [1, 'cheap', 0, 0, 0],
    [2, 'cheap', 0, 0, 0],
    [3, 'cheap', 0, 0, 0],
  ]);
  assert.equal((JSON.parse(stats.json()) as { workers: unknown[] }).workers.length, 3);
  // like uWSGI (fixtures/uwsgi/cheaper.json), a cheap worker lists as many (idle) cores as the others
  assert.ok(d.workers.every((w) => w.cores.length === 16 && w.cores.every((c) => c.in_request === 0)));
});
