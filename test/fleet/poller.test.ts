import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FleetPoller } from '../../src/fleet/poller.js';
import { parseTargets } from '../../src/fleet/targets.js';
import { buildFleetView, type FleetView } from '../../src/fleet/view.js';
import { runFleetBatch } from '../../src/fleet/batch.js';
import { Recorder } from '../../src/record/recorder.js';
import { RecordingIndex } from '../../src/record/reader.js';
import { freePort, startUwsgi, stopAllUwsgi, uwsgiAvailable } from '../helpers/uwsgi.js';
import { pause, runs, startEmitter, startHanging, statesOf, tempDir, tickUntil } from './helpers.js';

const T = { timeout: 60_000 };
after(() => stopAllUwsgi());

function row(v: FleetView, label: string) {
  const r = v.rows.find((x) => x.label === label);
  assert.ok(r, `row ${label}`);
  return r;
}

async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await p;
  return [v, performance.now() - t0];
}

test('fleet poller: live emitters, a hanging server and a closed port; the slow ones never hold up the rest', T, async (t) => {
  const dir = tempDir(t);
  const e1 = await startEmitter(t, join(dir, 'e1.sock'));
  const e2 = await startEmitter(t, join(dir, 'e2.sock'));
  const hang = await startHanging(t);
  const deadPort = await freePort();
  const targets = parseTargets(`e1 = ${e1.address}\ne2 = ${e2.address}\nhang = 127.0.0.1:${hang.port}\ndead = 127.0.0.1:${deadPort}\n`, 'targets');
  const rec = await Recorder.open(join(dir, 'fleet.rec'));
  const timeoutMs = 3000;
  const poller = new FleetPoller({ targets, intervalMs: 500, timeoutMs, waitMs: 1000, downAfterMs: 2500, recorder: rec });
  t.after(() => poller.close());

  // Tick 1 waits for everyone's first read, but only up to waitMs — not the hanging read's 3 s deadline.
  const [s1, d1] = await timed(poller.tick());
  assert.ok(d1 < timeoutMs, `first tick took ${d1.toFixed(0)} ms`);
  let v = buildFleetView(s1);
  assert.equal(row(v, 'e1').state, 'up');
  assert.equal(row(v, 'e2').state, 'up');
  assert.ok(row(v, 'e1').ageMs! < 1000, 'fresh data');
  assert.equal(row(v, 'e1').workers, 1);
  assert.equal(row(v, 'dead').state, 'down');
  assert.match(row(v, 'dead').error!, /connection refused by 127\.0\.0\.1:\d+/);
  assert.equal(row(v, 'hang').state, 'down');
  assert.equal(row(v, 'hang').error, 'no answer yet');
  assert.equal(poller.inFlight, 1, 'only the hanging read is still in flight');

  // Traffic on e1 between two reads → a real rate.
  for (let i = 0; i < 5; i++) assert.equal(await e1.request(), 200);
  await pause(200);
  const [s2, d2] = await timed(poller.tick());
  assert.ok(d2 < 1000, `second tick took ${d2.toFixed(0)} ms: it does not wait for the hanging read in flight`);
  v = buildFleetView(s2);
  assert.ok(row(v, 'e1').rps! > 0, `e1 rps ${row(v, 'e1').rps}`);
  assert.equal(typeof row(v, 'e2').rps, 'number', 'e2 has a rate too (two good reads)');
  assert.equal(hang.accepted(), 1, 'one read in flight per target, never a second one on top');

  // e2 goes away: up → stale (good data older than 2 intervals) → down (older than downAfterMs).
  await e2.close();
  const views = await tickUntil(poller, (x) => row(x, 'e2').state === 'down' && row(x, 'hang').error !== 'no answer yet', 15_000);
  assert.deepEqual(runs(['up', ...statesOf(views, 'e2')]), ['up', 'stale', 'down']);
  for (const x of views) assert.equal(row(x, 'e1').state, 'up', 'e1 stays up throughout');
  const last = views[views.length - 1]!;
  assert.match(row(last, 'e2').error!, /no such socket file|connection refused/);
  assert.match(row(last, 'hang').error!, /no complete answer from 127\.0\.0\.1:\d+ within 3 s/);
  assert.equal(row(last, 'hang').state, 'down');
  assert.deepEqual([last.totals.up, last.totals.stale, last.totals.down], [1, 0, 3]);

  // Everything was recorded: samples of the live ones, failures of the rest.
  await poller.close();
  await rec.close();
  const idx = await RecordingIndex.open(rec.file);
  t.after(() => idx.close());
  const kinds = (label: string) => Array.from(idx.recordsOf(label), (i) => idx.kind(i));
  assert.ok(kinds('e1').length >= 3 && kinds('e1').every((k) => k === 'doc'));
  assert.ok(kinds('dead').length >= 2 && kinds('dead').every((k) => k === 'err'));
  const e2kinds = kinds('e2');
  assert.equal(e2kinds[0], 'doc');
  assert.equal(e2kinds[e2kinds.length - 1], 'err');
  const lastDead = await idx.load(idx.recordsOf('dead')[0]!);
  assert.ok(lastDead.kind === 'err' && lastDead.error.code === 'REFUSED');
});

test('fleet poller with real uWSGI: one is killed mid-run and goes stale then down; the others keep fresh data', T, async (t) => {
  const avail = uwsgiAvailable();
  if (!avail.ok) return t.skip(avail.reason);
  const dir = tempDir(t);
  const [u1, u2] = await Promise.all([startUwsgi({ processes: 2, stats: 'unix' }), startUwsgi({ processes: 2, stats: 'unix' })]);
  t.after(() => u1.stop());
  t.after(() => u2.stop());
  const em = await startEmitter(t, join(dir, 'em.sock'));
  const hang = await startHanging(t);
  const deadPort = await freePort();
  const targets = parseTargets(
    [`u1 = ${u1.statsAddress}`, `u2 = ${u2.statsAddress}`, `em = ${em.address}`, `hang = 127.0.0.1:${hang.port}`, `dead = 127.0.0.1:${deadPort}`].join('\n'),
    'targets',
  );
  const timeoutMs = 2000;
  const poller = new FleetPoller({ targets, intervalMs: 400, timeoutMs, downAfterMs: 2000 });
  t.after(() => poller.close());

  const [s1, d1] = await timed(poller.tick());
  assert.ok(d1 < timeoutMs + 500, `tick took ${d1.toFixed(0)} ms (per-target timeout ${timeoutMs} ms)`);
  let v = buildFleetView(s1);
  for (const l of ['u1', 'u2', 'em']) assert.equal(row(v, l).state, 'up', l);
  assert.equal(row(v, 'u1').workers, 2);
  assert.match(row(v, 'u1').version!, /^2\./);
  assert.equal(row(v, 'hang').state, 'down');
  assert.equal(row(v, 'dead').state, 'down');

  for (let i = 0; i < 4; i++) assert.equal(await u1.request('/'), 200);
  await pause(150);
  const [s2, d2] = await timed(poller.tick());
  assert.ok(d2 < timeoutMs, `tick took ${d2.toFixed(0)} ms`);
  v = buildFleetView(s2);
  assert.ok(row(v, 'u1').rps! > 0, 'requests between two reads show as a rate');
  assert.ok(row(v, 'u2').ageMs! < 1000);

  await u1.stop();
  const views = await tickUntil(poller, (x) => row(x, 'u1').state === 'down', 15_000);
  assert.deepEqual(runs(['up', ...statesOf(views, 'u1')]), ['up', 'stale', 'down']);
  for (const x of views) {
    assert.equal(row(x, 'u2').state, 'up', 'u2 stays up');
    assert.equal(row(x, 'em').state, 'up', 'the emitter stays up');
    assert.ok(row(x, 'u2').ageMs! <= 2 * 400, `u2 data is fresh (${row(x, 'u2').ageMs} ms)`);
  }
});

test('fleet batch: a baseline tick, then one table (or JSON line) per interval; exit 1 only when every target is down', T, async (t) => {
  const dir = tempDir(t);
  const e1 = await startEmitter(t, join(dir, 'e1.sock'));
  const deadPort = await freePort();
  const targets = parseTargets(`web = ${e1.address}\ngone = 127.0.0.1:${deadPort}\n`, 'targets');
  const out: string[] = [];
  const code = await runFleetBatch(targets, { intervalMs: 150, iterations: 2, timeoutMs: 1000, width: 160 }, (s) => {
    out.push(s);
  });
  assert.equal(code, 0);
  assert.equal(out.length, 2);
  for (const table of out) {
    assert.match(table, /^tsgitop fleet - .* - targets: 2 \(up 1, down 1\)\n/);
    assert.match(table, /\nweb +up +0\/1 +0 /);
    assert.match(table, /\ngone +DOWN .*connection refused/);
    for (const l of table.split('\n')) assert.ok(l.length <= 160);
  }
  const json: string[] = [];
  await runFleetBatch(targets, { intervalMs: 150, iterations: 1, json: true }, (s) => {
    json.push(s);
  });
  const j = JSON.parse(json[0]!) as { kind: string; targets: { label: string; state: string; rps: number | null }[] };
  assert.equal(j.kind, 'fleet');
  assert.deepEqual(
    j.targets.map((x) => [x.label, x.state, x.rps]),
    [
      ['web', 'up', 0],
      ['gone', 'down', null],
    ],
  );
  const allDown = parseTargets(`gone = 127.0.0.1:${deadPort}\n`, 'targets');
  assert.equal(await runFleetBatch(allDown, { intervalMs: 100, iterations: 1 }, () => {}), 1);
});
