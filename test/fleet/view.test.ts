import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFleetView, resolveTiming, targetState, type FleetSnapshot, type TargetSnapshot } from '../../src/fleet/view.js';
import { fleetToJson, renderFleetText, FLEET_COLUMNS } from '../../src/fleet/render.js';
import { parseTargets } from '../../src/fleet/targets.js';
import { buildView } from '../../src/model/view.js';
import { emperor, sample, server, vassal, worker } from '../model/factory.js';

const NOW = 1_700_000_100_000;
const [A, B, C, D, E] = parseTargets('a = :1\nb = :2\nc = :3\nd = :4\ne = :5\n', 't');

function up(requests: number, avg: number, at: number, extra: { busy?: boolean; lq?: number; rss?: number } = {}) {
  return sample(
    server({
      listen_queue: extra.lq ?? 0,
      workers: [
        worker({ id: 1, requests, avg_rt: avg, rss: extra.rss ?? 100, status: extra.busy ? 'busy' : 'idle', exceptions: requests / 10 }),
        worker({ id: 2, requests, avg_rt: avg, rss: extra.rss ?? 100 }),
      ],
    }),
    at,
  );
}

test('target states: up within 2 intervals of good data, stale until downAfter, down after or without data', () => {
  const timing = { intervalMs: 1000 };
  assert.deepEqual(resolveTiming(timing), { intervalMs: 1000, staleAfterMs: 2000, downAfterMs: 10_000 });
  assert.deepEqual(resolveTiming({ intervalMs: 5000 }), { intervalMs: 5000, staleAfterMs: 10_000, downAfterMs: 25_000 });
  const snap = (age: number | undefined): TargetSnapshot => ({ target: A!, reads: 1, cur: age === undefined ? undefined : up(1, 1, NOW - age) });
  assert.equal(targetState(snap(undefined), NOW, timing), 'down');
  assert.equal(targetState(snap(0), NOW, timing), 'up');
  assert.equal(targetState(snap(2000), NOW, timing), 'up');
  assert.equal(targetState(snap(2001), NOW, timing), 'stale');
  assert.equal(targetState(snap(10_000), NOW, timing), 'stale');
  assert.equal(targetState(snap(10_001), NOW, timing), 'down');
  assert.equal(targetState(snap(500), NOW, { intervalMs: 100, downAfterMs: 400 }), 'down');
});

test('buildFleetView: per-target rates from the model, fleet totals over the up targets only', () => {
  const snapshot: FleetSnapshot = {
    at: NOW,
    timing: { intervalMs: 1000 },
    targets: [
      // a: 2 workers, +100 requests each in 1 s → 200 rps; avg 1000 µs over 200 requests
      { target: A!, reads: 2, prev: up(100, 1000, NOW - 1500), cur: up(200, 1000, NOW - 500, { busy: true, lq: 3 }) },
      // b: 1 read only → no rates yet; avg 4000 µs over 100 requests; a failed read since (still up)
      { target: B!, reads: 2, cur: up(50, 4000, NOW - 800), error: { message: 'no complete answer from b within 5 s', code: 'TIMEOUT', at: NOW - 10 } },
      // c: stale (data 5 s old): shown, but not in the totals
      { target: C!, reads: 9, prev: up(0, 10, NOW - 6000), cur: up(1000, 10, NOW - 5000), error: { message: 'connection refused', at: NOW }, failingSince: NOW - 4000 },
      // d: never read, first read hanging
      { target: D!, reads: 0, inFlightSince: NOW - 700 },
      // e: an Emperor
      { target: E!, reads: 1, cur: sample(emperor({ vassals: [vassal(), vassal({ id: 'b.ini' })] }), NOW - 100) },
    ],
  };
  const v = buildFleetView(snapshot);
  const [a, b, c, d, e] = v.rows;
  assert.equal(a!.state, 'up');
  const direct = buildView(snapshot.targets[0]!.cur!, snapshot.targets[0]!.prev);
  assert.ok(direct.kind === 'server');
  assert.equal(a!.rps, direct.totals.rps);
  assert.equal(a!.rps, 200);
  assert.equal(a!.excRate, 10, 'only worker 1 raises: +10 in 1 s');
  assert.equal(a!.busy, 1);
  assert.equal(a!.workers, 2);
  assert.equal(a!.listenQueue, 3);
  assert.equal(a!.rss, 200);
  assert.equal(a!.ageMs, 500);
  assert.equal(a!.version, '2.0.21-debian');
  assert.equal(a!.error, undefined);

  assert.equal(b!.state, 'up', 'one failed read inside the window does not flap the state');
  assert.equal(b!.rps, undefined);
  assert.match(b!.error!, /within 5 s/);
  assert.equal(c!.state, 'stale');
  assert.equal(c!.rps, 1000 * 2 / 1);
  assert.equal(d!.state, 'down');
  assert.equal(d!.error, 'no answer yet');
  assert.equal(d!.workers, undefined);
  assert.equal(e!.state, 'up');
  assert.equal(e!.kind, 'emperor');
  assert.equal(e!.vassals, 2);

  const t = v.totals;
  assert.deepEqual([t.targets, t.up, t.stale, t.down], [5, 3, 1, 1]);
  assert.equal(t.workers, 4, 'a and b (the Emperor has no workers; c is stale)');
  assert.equal(t.busy, 1);
  assert.equal(t.rps, 200, 'b has no rate yet, c is stale');
  assert.equal(t.rss, 400);
  assert.equal(t.listenQueue, 3);
  // request-weighted: a 400 requests at 1000 µs, b 100 requests at 4000 µs → 1600 µs
  assert.equal(t.avgRt, (400 * 1000 + 100 * 4000) / 500);
});

test('renderFleetText: header, one line per target, fits the width by dropping columns', () => {
  const snapshot: FleetSnapshot = {
    at: NOW,
    timing: { intervalMs: 1000 },
    targets: [
      { target: A!, reads: 2, prev: up(100, 1000, NOW - 1500), cur: up(200, 1000, NOW - 500) },
      { target: B!, reads: 1, error: { message: 'connection refused by 127.0.0.1:2 (nothing listening there)', code: 'REFUSED', at: NOW } },
    ],
  };
  const v = buildFleetView(snapshot);
  const wide = renderFleetText(v, { width: 200 });
  const lines = wide.trimEnd().split('\n');
  assert.match(lines[0]!, /^tsgitop fleet - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d - targets: 2 \(up 1, down 1\)$/);
  assert.match(lines[1]!, /^workers: 2 \(busy 0\) - RPS: 200 - exc\/s: 10\.0 - avg: 1\.0ms - lq: 0 - rss: 200$/);
  const title = lines.findIndex((l) => l.startsWith('TARGET'));
  assert.ok(title > 0);
  for (const c of FLEET_COLUMNS) assert.ok(lines[title]!.includes(c.title), `title has ${c.title} at width 200`);
  assert.ok(lines[title]!.endsWith(' ERROR'));
  const rowA = lines[title + 1]!;
  const rowB = lines[title + 2]!;
  assert.match(rowA, /^a\s+up\s+0\/2\s+200\s+0\s+1\.0ms\s+0s\s+10\.0\s+200\s+2\.0\.21-debian\s+127\.0\.0\.1:1$/);
  assert.deepEqual(lines.slice(-2), ["diagnosis (worst per target):", "  a: error burst: 10.0 exceptions/s (most: worker 1)"], "worst verdict per target under the table");
  assert.match(rowB, /^b\s+DOWN\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+127\.0\.0\.1:2\s+connection refused by 127\.0\.0\.1:2 \(nothing listening there\)$/);

  const narrow = renderFleetText(v, { width: 40 });
  for (const l of narrow.split('\n')) assert.ok(l.length <= 40, `"${l}" fits 40 columns`);
  const nl = narrow.split('\n');
  const nt = nl.find((l) => l.startsWith('TARGET'))!;
  assert.ok(nt.includes('STATE') && !nt.includes('RPS') && !nt.includes('ADDRESS'), nt);
  assert.match(nl.find((l) => l.startsWith('b '))!, /^b +DOWN +connection refus…$/, 'the error keeps its room');
  const noErr = renderFleetText(buildFleetView({ ...snapshot, targets: [snapshot.targets[0]!] }), { width: 60 });
  const t60 = noErr.split('\n').find((l) => l.startsWith('TARGET'))!;
  assert.ok(t60.includes('RPS') && t60.includes('AVG') && !t60.includes('ERROR'), 'without errors the columns take the whole width');

  const sorted = renderFleetText(v, { sortBy: 'state', reverse: true }).split('\n');
  const st = sorted.findIndex((l) => l.startsWith('TARGET'));
  assert.ok(sorted[st + 1]!.startsWith('b '), 'DOWN first when sorting by state descending');
});

test('fleetToJson: stable keys, null for unknown', () => {
  const v = buildFleetView({
    at: NOW,
    timing: { intervalMs: 2000 },
    targets: [
      { target: A!, reads: 2, prev: up(100, 1000, NOW - 1500), cur: up(200, 1000, NOW - 500) },
      { target: B!, reads: 0 },
    ],
  });
  const j = fleetToJson(v) as { kind: string; interval: number; totals: Record<string, unknown>; targets: Record<string, unknown>[] };
  assert.equal(j.kind, 'fleet');
  assert.equal(j.interval, 2);
  assert.deepEqual(Object.keys(j.totals), ['targets', 'up', 'stale', 'down', 'workers', 'busy', 'rps', 'exc_rate', 'listen_queue', 'rss', 'avg_rt']);
  assert.equal(j.targets[0]!.rps, 200);
  assert.deepEqual(j.targets[1], {
    label: 'b',
    address: '127.0.0.1:2',
    state: 'down',
    error: 'not read yet',
    kind: null,
    workers: null,
    busy: null,
    vassals: null,
    rps: null,
    exc_rate: null,
    listen_queue: null,
    avg_rt: null,
    rss: null,
    requests: null,
    version: null,
    age_ms: null,
    oldest_request: null,
    verdict: null,
  });
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(j)));
});

test('a stale Node.js target (our emitter) that took the connection and sent nothing: its verdict says the event loop is not running; others, or a refusal, no guess', () => {
  const node = (at: number) => sample(server({ version: '2.0.21-tsgitop-0.1.0', workers: [worker({ id: 1 })] }), at);
  const silent = { message: 'no complete answer from a within 5 s (connected, nothing received: the server is hung or too busy to answer)', code: 'TIMEOUT', at: NOW, silent: true };
  const v = buildFleetView({
    at: NOW,
    timing: { intervalMs: 1000 },
    targets: [
      { target: A!, reads: 3, cur: node(NOW - 6000), error: silent, failingSince: NOW - 5000 },
      { target: B!, reads: 3, cur: up(1, 1, NOW - 6000), error: silent, failingSince: NOW - 5000 },
      { target: C!, reads: 3, cur: node(NOW - 6000), error: { message: 'connection refused', code: 'REFUSED', at: NOW }, failingSince: NOW - 5000 },
    ],
  });
  assert.deepEqual(
    v.rows.map((r) => r.verdict?.message),
    ['stale: no fresh read for 6s (connected, nothing sent: Node.js event loop blocked or process stopped)', 'stale: no fresh read for 6s', 'stale: no fresh read for 6s'],
  );
});
