/**
 * The gunicorn stats module across a graceful reload (SIGHUP: uWSGI resets counters on a graceful
 * reload, and so does the module; a crash after it still keeps them) and against hostile stats
 * clients (idle connections are dropped after 2 s, at most 8 at once; an oversized HTTP head gets 431;
 * the master and its workers keep serving).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODULE, pythonAvailable, startGunicorn, sum } from './helpers.js';

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

test('a SIGHUP that loads another version of the module (its own slot layout) keeps the master serving: the old workers exit cleanly', async (t) => {
  // Seen at stop 30: gthread's per-listener counts made a slot's \`waiting\` an array; a HUP after upgrading the module
  // re-runs the file, and its child_exit, clearing the old workers' slots of the old layout, raised in the master — the
  // arbiter then exited. Here the "older" module is today's with \`waiting\` a single counter, as it was until then.
  if (!avail.ok) return t.skip(avail.reason);
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-gunicorn-hup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const today = readFileSync(MODULE, 'utf8');
  let older = today;
  for (const [from, to] of [
    ["('waiting', _U64 * _LISTENERS)]", "('waiting', _U64)]"],
    ['slot.waiting[:] = n', 'slot.waiting = sum(n)'],
    ['_st.slots[i].waiting[k]', '(_st.slots[i].waiting if k == 0 else 0)'],
  ] as const) {
    assert.ok(older.includes(from), `the module still has ${from}`);
    older = older.replace(from, to);
  }
  const config = join(dir, 'tsgitop_gunicorn.py');
  writeFileSync(config, older);
  const g = await startGunicorn({ workers: 2, threads: 2, workerClass: 'gthread', config });
  t.after(() => g.stop());
  for (let i = 0; i < 4; i++) assert.equal(await g.request('/'), 200);
  const old = new Set((await g.read()).workers.map((w) => w.pid));
  writeFileSync(config, today); // the upgrade, then the reload
  process.kill(g.pid, 'SIGHUP');
  const after = await g.waitDoc((d) => d.workers.length === 2 && d.workers.every((w) => !old.has(w.pid) && w.accepting === 1), 'two new workers after the reload', 30_000);
  assert.equal(after.pid, g.pid, 'the same master');
  assert.equal(await g.request('/'), 200);
  assert.doesNotMatch(g.log(), /Traceback|Unhandled exception in main loop/);
  process.kill(g.pid, 0); // still there
});

test('a module hook that raises in the master (here child_exit) is logged, and gunicorn goes on: respawns, serves, answers stats', async (t) => {
  // Before stop 30 any exception in a master-side hook reached gunicorn's main loop, and the arbiter exited.
  if (!avail.ok) return t.skip(avail.reason);
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-gunicorn-raise-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const doc = '"""Master, a worker is gone: free its slot; gunicorn\'s timeout kill counts as a harakiri."""\n';
  const today = readFileSync(MODULE, 'utf8');
  assert.ok(today.includes(doc), 'child_exit as expected');
  const config = join(dir, 'tsgitop_gunicorn.py');
  writeFileSync(config, today.replace(doc, doc + "    raise RuntimeError('child_exit fails on purpose')\n"));
  const g = await startGunicorn({ workers: 2, config });
  t.after(() => g.stop());
  const victim = (await g.read()).workers[0]!;
  process.kill(victim.pid, 'SIGKILL');
  await g.waitDoc((d) => d.workers.length >= 2 && d.workers.every((w) => w.pid !== victim.pid && w.accepting === 1), 'a new worker in place of the killed one', 30_000);
  assert.equal(await g.request('/'), 200);
  assert.match(g.log(), /tsgitop: child_exit failed; the stats may be wrong until a restart/);
  assert.match(g.log(), /child_exit fails on purpose/);
  assert.doesNotMatch(g.log(), /Unhandled exception in main loop/);
  process.kill(g.pid, 0); // the master is still there
});

test('more workers at once than the slot table held (TTIN, then a HUP while they drain): every worker listed, every request counted', async (t) => {
  // Seen at stop 30: -w 2 (6 slots), five TTINs — 7 workers, tsgitop listed 6 and missed the 7th's requests; a HUP
  // then left the 2 new workers without a slot: "workers: 0 … diagnosis: ok" while they served.
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 2 });
  t.after(() => g.stop());
  for (let i = 0; i < 5; i++) {
    process.kill(g.pid, 'SIGTTIN');
    await g.waitDoc((d) => d.workers.length === 3 + i && d.workers.every((w) => w.accepting === 1), `${3 + i} workers listed`, 20_000);
  }
  const seven = await g.read();
  assert.equal(new Set(seven.workers.map((w) => w.pid)).size, 7);
  for (let i = 0; i < 70; i++) assert.equal(await g.request('/'), 200);
  await g.waitDoc((d) => sum(d.workers, 'requests') === 70, 'all 70 requests counted');
  const old = new Set(seven.workers.map((w) => w.pid));
  process.kill(g.pid, 'SIGHUP'); // back to -w 2: 2 new workers while the 7 drain
  const after = await g.waitDoc((d) => d.workers.length === 2 && d.workers.every((w) => !old.has(w.pid) && w.accepting === 1), 'the 2 new workers listed', 30_000);
  for (let i = 0; i < 10; i++) assert.equal(await g.request('/'), 200);
  await g.waitDoc((d) => d.workers.length === 2 && sum(d.workers, 'requests') === 10, 'their 10 requests counted');
  assert.equal(after.pid, g.pid);
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
