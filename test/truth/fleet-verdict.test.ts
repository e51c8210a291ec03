/**
 * Issue 12 point 6: the fleet's per-target worst verdict — in the fleet
 * view's last column (first to drop on narrow terminals), in --json and
 * under the batch table; a target that is not up is `stale`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFleetView, type FleetSnapshot } from '../../src/fleet/view.js';
import { parseTargets } from '../../src/fleet/targets.js';
import { fleetToJson, renderFleetText } from '../../src/fleet/render.js';
import { buildFleetTable } from '../../src/tui/fleet/table.js';
import { core, server, worker } from '../model/factory.js';

const NOW = 1_700_000_100_000;
const [A, B, C] = parseTargets('web1 = :1\nweb2 = :2\nweb3 = :3\n', 't');

function snapshot(): FleetSnapshot {
  const calm = server({ workers: [worker({ id: 1, requests: 10 }), worker({ id: 2, pid: 2, requests: 10 })] });
  const full = server({
    listen_queue: 9,
    sockets: [{ name: '127.0.0.1:8000', proto: 'uwsgi', queue: 9, max_queue: 8, shared: 0, can_offload: 0, extra: {} }],
    workers: [worker({ id: 1, status: 'busy', cores: [core({ in_request: true, request: { method: 'GET', path: '/report', start: NOW / 1000 - 4 } })] })],
  });
  return {
    at: NOW,
    timing: { intervalMs: 1000 },
    targets: [
      { target: A!, reads: 2, prev: { doc: calm, at: NOW - 1500 }, cur: { doc: calm, at: NOW - 500 } },
      { target: B!, reads: 2, prev: { doc: full, at: NOW - 1500 }, cur: { doc: full, at: NOW - 500 } },
      { target: C!, reads: 5, cur: { doc: calm, at: NOW - 4000 }, error: { message: 'refused', at: NOW }, failingSince: NOW - 3000 },
    ],
  };
}

test('fleet: each target carries its worst verdict (saturated before queue full; stale when not up)', () => {
  const v = buildFleetView(snapshot());
  assert.deepEqual(
    v.rows.map((r) => [r.label, r.verdict?.rule ?? null]),
    [['web1', null], ['web2', 'saturated'], ['web3', 'stale']],
  );
  assert.equal(v.rows[1]!.oldestRequest?.path, '/report');
  const j = fleetToJson(v) as { targets: { verdict: { rule: string } | null; oldest_request: { path: string; age: number } | null }[] };
  assert.deepEqual(j.targets.map((t) => t.verdict?.rule ?? null), [null, 'saturated', 'stale']);
  assert.deepEqual(j.targets[1]!.oldest_request, { method: 'GET', path: '/report', age: 3.5 }, 'age at the read (0.5 s before the snapshot)');
  const text = renderFleetText(v, { width: 200 });
  assert.match(text, /diagnosis \(worst per target\):\n {2}web2: saturated: the only worker busy, 9 waiting in the listen queue\n {2}web3: stale: no fresh read for 4s\n$/);
});

test('fleet view: VERDICT is the last column, shown when wide, dropped first when narrow', () => {
  const v = buildFleetView(snapshot());
  const wide = buildFleetTable({ view: v, width: 250, sortId: undefined, reverse: false, filter: '' });
  const col = wide.columns.find((c) => c.id === 'verdict');
  assert.ok(col, 'VERDICT shown at 250 columns');
  assert.equal(wide.columns.at(-1)!.id, 'verdict');
  assert.equal(col.format(wide.rows[1]!, { now: NOW }), 'saturated: the only worker busy, 9 waiting in the listen queue');
  assert.equal(col.format(wide.rows[0]!, { now: NOW }), '');
  const narrow = buildFleetTable({ view: v, width: 80, sortId: undefined, reverse: false, filter: '' });
  assert.equal(narrow.columns.some((c) => c.id === 'verdict'), false);
});

test('fleet: the CLI thresholds reach each target verdict (snapshot.diagnosis)', () => {
  const doc = server({
    workers: [
      worker({ id: 1, status: 'busy', cores: [core({ in_request: true, request: { method: 'GET', path: '/slow', start: NOW / 1000 - 4 } })] }),
      worker({ id: 2, pid: 2 }),
    ],
  });
  const snap: FleetSnapshot = { at: NOW, timing: { intervalMs: 1000 }, targets: [{ target: A!, reads: 2, prev: { doc, at: NOW - 1500 }, cur: { doc, at: NOW - 500 } }] };
  assert.equal(buildFleetView(snap).rows[0]!.verdict, undefined, 'default --slow 10: a 3.5 s request is not slow');
  const v = buildFleetView({ ...snap, diagnosis: { slowSeconds: 2 } });
  assert.equal(v.rows[0]!.verdict?.message, 'slow request: worker 1 GET /slow 3s');
});
