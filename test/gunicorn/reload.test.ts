/**
 * The gunicorn stats module across a graceful reload (SIGHUP: uWSGI resets counters on a graceful
 * reload, and so does the module; a crash after it still keeps them) and against hostile stats
 * clients (idle connections are dropped after 2 s, at most 8 at once; an oversized HTTP head gets 431;
 * the master and its workers keep serving).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { pythonAvailable, startGunicorn, sum } from './helpers.js';

const avail = pythonAvailable();

test('SIGHUP reloads: new workers start fresh counters (twice, slots reused); a crash after one still keeps them', async (t) => {
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 2 });
  t.after(() => g.stop());
  for (let i = 0; i < 10; i++) await g.request('/');
  const before = await g.waitDoc((d) => sum(d.workers, 'requests') === 10, '10 requests');
  const old = new Set(before.workers.map((w) => w.pid));
  process.kill(g.pid, 'SIGHUP');
  const after = await g.waitDoc((d) => d.workers.length === 2 && d.workers.every((w) => !old.has(w.pid) && w.accepting === 1), 'two new workers after the reload', 30_000);
  assert.equal(sum(after.workers, 'requests'), 0, 'a graceful reload resets the counters, as in uWSGI');
  assert.ok(after.workers.every((w) => w.respawn_count === 1 && w.harakiri_count === 0));
  for (let i = 0; i < 6; i++) await g.request(i === 5 ? '/error' : '/');
  const served = await g.waitDoc((d) => sum(d.workers, 'requests') === 6, '6 requests after the reload');
  const victim = served.workers.find((w) => w.requests > 0)!;
  process.kill(victim.pid, 'SIGKILL');
  const back = await g.waitDoc((d) => d.workers.length === 2 && d.workers.every((w) => w.accepting === 1) && !d.workers.some((w) => w.pid === victim.pid), 'the respawn', 30_000);
  const w = back.workers.find((x) => x.id === victim.id);
  assert.ok(w, `the respawned worker keeps id ${victim.id}: ${JSON.stringify(back.workers.map((x) => [x.id, x.pid]))}`);
  assert.equal(w.requests, victim.requests);
  assert.equal(w.exceptions, victim.exceptions);
  assert.equal(w.respawn_count, 2);
  assert.equal(sum(back.workers, 'requests'), 6);
  // a second reload: the new workers reuse the slots of the first generation, which start afresh
  const gen2 = new Set(back.workers.map((x) => x.pid));
  process.kill(g.pid, 'SIGHUP');
  const again = await g.waitDoc((d) => d.workers.length === 2 && d.workers.every((x) => !gen2.has(x.pid) && x.accepting === 1), 'two new workers after the second reload', 30_000);
  assert.deepEqual(again.workers.map((x) => [x.requests, x.exceptions, x.respawn_count, x.tx]), [[0, 0, 1, 0], [0, 0, 1, 0]]);
});

test('hostile stats clients: idle ones dropped after 2 s, oversized head 431, reads served again, app unharmed', async (t) => {
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 1, stats: 'http' });
  const socks: Socket[] = [];
  t.after(async () => {
    for (const s of socks) s.destroy();
    await g.stop();
  });
  const port = Number(g.statsAddress.slice(g.statsAddress.lastIndexOf(':') + 1));
  const started = Date.now();
  const closed = Array.from({ length: 20 }, () => {
    const s = connect({ host: '127.0.0.1', port });
    socks.push(s);
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    return new Promise<number>((resolve) => s.once('close', () => resolve(Date.now() - started)));
  });
  const times = await Promise.race([Promise.all(closed), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('idle clients not dropped within 10 s')), 10_000))]);
  assert.ok(Math.max(...times) < 8000, `every idle client dropped (slowest after ${Math.max(...times)} ms)`);
  assert.equal(await g.request('/'), 200, 'the app serves meanwhile');
  const big = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let out = '';
    s.on('connect', () => s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`));
    s.on('data', (b) => (out += b.toString()));
    s.on('close', () => resolve(out));
    s.on('error', (e) => (out ? resolve(out) : reject(e)));
  });
  assert.match(big, /^HTTP\/1\.0 431 /);
  const d = await g.waitDoc((x) => x.workers[0]!.requests === 1, 'a normal read after the attack');
  assert.equal(d.workers.length, 1);
});
