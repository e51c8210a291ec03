/**
 * Issue 12 "done when" 3 against a real uWSGI 2.0: `kill -9` of a worker
 * under paced load. uWSGI keeps the worker's counters across the respawn, so
 * every `--json` iteration's totals.rps equals Δtotals.requests / interval
 * (within 5 %), and no worker whose counters did not go down has a null rps.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startUwsgi, stopAllUwsgi, uwsgiAvailable } from '../helpers/uwsgi.js';
import { pacedLoad, startCli, writeApp } from './helpers.js';

const avail = uwsgiAvailable();
const skip = avail.ok ? false : `uwsgi not installed: ${avail.reason}`;
if (skip) console.log(`# skipping real-uWSGI rate tests: ${skip}`);
after(() => stopAllUwsgi());

interface JsonTick {
  interval: number;
  totals: { requests: number; rps: number | null; respawns: number };
  workers: { key: string; pid: number; requests: number; rps: number | null; respawned: boolean; reset: boolean }[];
  events: { kind: string; message: string }[];
}

test('kill -9 of a worker under paced load: totals.rps = Δrequests/interval every tick, no null rps without a reset', { skip, timeout: 90_000 }, async (t) => {
  const { app, cleanup } = writeApp();
  t.after(cleanup);
  const u = await startUwsgi({ processes: 2, stats: 'unix', app });
  t.after(() => u.stop());
  const load = pacedLoad(u.httpPort, '/', 60, 40);
  t.after(() => load.stop());
  const cli = startCli(['--json', '-n', '10', '-f', '0.5', u.statsAddress]);
  t.after(() => cli.kill());
  // wait until the load shows, then kill worker 1 (its pid from our own output)
  const first = JSON.parse(await cli.waitLine((l) => (JSON.parse(l) as JsonTick).totals.rps! > 0)) as JsonTick;
  const victim = first.workers.find((w) => w.key === '1')!.pid;
  process.kill(victim, 'SIGKILL');
  const res = await cli.done;
  assert.equal(res.code, 0, res.stderr);
  const sent = await load.stop();
  const ticks = cli.lines.map((l) => JSON.parse(l) as JsonTick);
  assert.equal(ticks.length, 10);
  let respawnSeen = false;
  for (let i = 1; i < ticks.length; i++) {
    const a = ticks[i - 1]!;
    const b = ticks[i]!;
    const expected = (b.totals.requests - a.totals.requests) / b.interval;
    assert.notEqual(b.totals.rps, null, `tick ${i}: totals.rps known`);
    assert.ok(Math.abs(b.totals.rps! - expected) <= 0.05 * Math.max(expected, 1), `tick ${i}: totals.rps ${b.totals.rps} vs Δrequests/interval ${expected}`);
    for (const w of b.workers) {
      const p = a.workers.find((x) => x.key === w.key)!;
      if (w.requests >= p.requests) assert.notEqual(w.rps, null, `tick ${i} worker ${w.key}: counters did not go down, rps must be known`);
      if (w.respawned) {
        respawnSeen = true;
        assert.notEqual(w.pid, p.pid);
        assert.equal(w.reset, false, 'a respawn keeps the counters');
      }
    }
    if (b.events.some((e) => e.kind === 'respawn' && e.message.includes(`pid ${victim} ->`))) respawnSeen = true;
  }
  assert.ok(respawnSeen, `the kill -9 was seen as a respawn:\n${cli.lines.join('\n')}`);
  const last = ticks[ticks.length - 1]!;
  assert.ok(last.totals.respawns >= 1, 'header respawns counts it');
  assert.ok(sent > 100, `paced load sent ${sent}`);
});

test('--max-requests recycling under paced load: the header RPS is never "-" and equals Δrequests/interval', { skip, timeout: 90_000 }, async (t) => {
  const { app, cleanup } = writeApp();
  t.after(cleanup);
  const u = await startUwsgi({ processes: 2, stats: 'unix', app, extraArgs: ['--max-requests', '15', '--min-worker-lifetime', '1'] });
  t.after(() => u.stop());
  const load = pacedLoad(u.httpPort, '/', 40, 40);
  t.after(() => load.stop());
  const cli = startCli(['--json', '-n', '10', '-f', '0.5', u.statsAddress]);
  t.after(() => cli.kill());
  const res = await cli.done;
  assert.equal(res.code, 0, res.stderr);
  await load.stop();
  const ticks = cli.lines.map((l) => JSON.parse(l) as JsonTick);
  let recycled = 0;
  for (let i = 1; i < ticks.length; i++) {
    const a = ticks[i - 1]!;
    const b = ticks[i]!;
    assert.notEqual(b.totals.rps, null, `tick ${i}: RPS known across recycling`);
    const expected = (b.totals.requests - a.totals.requests) / b.interval;
    assert.ok(Math.abs(b.totals.rps! - expected) <= 0.05 * Math.max(expected, 1), `tick ${i}: ${b.totals.rps} vs ${expected}`);
    recycled += b.workers.filter((w) => w.respawned).length;
  }
  assert.ok(recycled >= 1, `workers were recycled (${recycled} respawns seen)`);
});
