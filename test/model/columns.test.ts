import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  columnById,
  CORE_COLUMNS,
  EXTRA_WORKER_COLUMNS,
  fitColumns,
  lineWidth,
  sortRows,
  VASSAL_COLUMNS,
  WORKER_COLUMNS,
  type Column,
} from '../../src/columns.js';
import { buildView } from '../../src/model/index.js';
import type { ServerView, WorkerView } from '../../src/model/index.js';
import { core, sample, server, worker } from './factory.js';

const titles = <R>(cols: readonly Column<R>[]) => cols.map((c) => c.title);

test('worker columns are uwsgitop\'s, in its order, with unique ids', () => {
  assert.deepEqual(titles(WORKER_COLUMNS), [
    'WID', '%', 'PID', 'REQ', 'RPS', 'EXC', 'SIG', 'STATUS', 'AVG', 'RSS', 'VSZ', 'TX', 'ReSpwn', 'HC', 'RunT', 'LastSpwn',
  ]);
  for (const table of [[...WORKER_COLUMNS, ...EXTRA_WORKER_COLUMNS], CORE_COLUMNS, VASSAL_COLUMNS] as Column<unknown>[][]) {
    const ids = table.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const c of table) {
      assert.ok(c.width >= c.title.length, `${c.id}: title fits its width`);
      assert.ok(c.help.length > 0);
    }
  }
  assert.deepEqual(titles(CORE_COLUMNS), ['CORE', 'REQ', 'RPS', 'STATIC', 'ROUTED', 'OFFL', 'RERR', 'WERR', 'IN-REQ']);
});

test('fitColumns at 40 / 80 / 120 / 200 columns', () => {
  const at = (w: number) => fitColumns(WORKER_COLUMNS, w);
  assert.equal(lineWidth(WORKER_COLUMNS), 116);
  assert.deepEqual(titles(at(40)), ['WID', '%', 'REQ', 'RPS', 'STATUS']);
  assert.deepEqual(titles(at(80)), ['WID', '%', 'PID', 'REQ', 'RPS', 'EXC', 'STATUS', 'AVG', 'RSS', 'TX', 'ReSpwn']);
  assert.deepEqual(titles(at(120)), titles(WORKER_COLUMNS));
  assert.deepEqual(titles(at(200)), titles(WORKER_COLUMNS));
  assert.deepEqual(titles(fitColumns([...WORKER_COLUMNS, ...EXTRA_WORKER_COLUMNS], 200)), [...titles(WORKER_COLUMNS), 'TX/s', 'EXC/s']);
  assert.deepEqual(titles(fitColumns([...WORKER_COLUMNS, ...EXTRA_WORKER_COLUMNS], 120)), titles(WORKER_COLUMNS), 'extras drop first');
  for (const w of [40, 80, 120, 200]) assert.ok(lineWidth(at(w)) <= w, `fits at ${w}`);
  for (const w of [1, 4, 10, 27, 28, 33, 34, 41, 60, 79, 81, 115, 116]) {
    const cols = at(w);
    assert.ok(cols.length >= 1);
    if (cols.length > 1) assert.ok(lineWidth(cols) <= w, `fits at ${w}`);
    // table order is preserved
    const idx = cols.map((c) => WORKER_COLUMNS.indexOf(c));
    assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
    // must-haves survive from 40 up
    if (w >= 40) for (const t of ['WID', 'STATUS', 'REQ', 'RPS']) assert.ok(titles(cols).includes(t), `${t} at ${w}`);
  }
  assert.deepEqual(titles(at(1)), ['WID'], 'never empty');
  // equal priorities: the rightmost goes first
  const mk = (title: string, priority: number): Column<unknown> => ({
    id: title, title, width: 3, align: 'right', priority, help: title, value: () => 1, format: () => '1',
  });
  const tied = [mk('A', 0), mk('B', 1), mk('C', 1), mk('D', 1)];
  assert.deepEqual(titles(fitColumns(tied, 11)), ['A', 'B', 'C']);
  assert.deepEqual(titles(fitColumns(tied, 7)), ['A', 'B']);
  assert.deepEqual(titles(fitColumns(tied, 15)), ['A', 'B', 'C', 'D']);
  assert.deepEqual(fitColumns([], 80), []);
  // monotone: a wider screen never shows fewer columns
  let last = 0;
  for (let w = 1; w <= 130; w++) {
    const n = at(w).length;
    assert.ok(n >= last, `width ${w}`);
    last = n;
  }
});

function views(): WorkerView[] {
  const prev = server({
    workers: [1, 2, 3, 4, 5].map((id) => worker({ id, pid: 100 + id, requests: 10 })),
  });
  const cur = server({
    workers: [
      worker({ id: 1, pid: 101, requests: 30, avg_rt: 500, status: 'idle' }),
      worker({ id: 2, pid: 102, requests: 20, avg_rt: undefined, status: 'busy' }),
      worker({ id: 3, pid: 999, requests: 5, avg_rt: 200, status: 'idle' }), // counters went down (a reset) → rps undefined
      worker({ id: 4, pid: 104, requests: 30, avg_rt: 500, status: 'cheap' }),
      worker({ id: 5, pid: 105, requests: 10, avg_rt: 100, status: undefined }),
    ],
  });
  return (buildView(sample(cur, 2000), sample(prev, 0)) as ServerView).workers;
}

test('sortRows: numeric, stable both ways, undefined always last', () => {
  const ws = views();
  const rps = columnById('rps')!;
  // rps: w1 10, w2 5, w3 undefined, w4 10, w5 0
  assert.deepEqual(sortRows(ws, rps).map((w) => w.id), [5, 2, 1, 4, 3]);
  assert.deepEqual(sortRows(ws, rps, true).map((w) => w.id), [1, 4, 2, 5, 3], 'ties keep input order when reversed');
  const avg = columnById('AVG')!;
  assert.deepEqual(sortRows(ws, avg).map((w) => w.id), [5, 3, 1, 4, 2]);
  assert.deepEqual(sortRows(ws, avg, true).map((w) => w.id), [1, 4, 3, 5, 2]);
  const status = columnById('status')!;
  assert.deepEqual(sortRows(ws, status).map((w) => w.id), [2, 4, 1, 3, 5]);
  assert.deepEqual(sortRows(ws, status, true).map((w) => w.id), [1, 3, 4, 2, 5]);
  // input untouched
  assert.deepEqual(ws.map((w) => w.id), [1, 2, 3, 4, 5]);
  // NaN from a custom key counts as unknown
  const nanCol: Column<{ k: number }> = { ...(rps as unknown as Column<{ k: number }>), value: (r) => r.k, sortKey: (r) => r.k };
  assert.deepEqual(
    sortRows([{ k: Number.NaN }, { k: 2 }, { k: 1 }], nanCol, true).map((r) => r.k),
    [2, 1, Number.NaN],
  );
});

test('columnById by id or title, case-insensitive; other tables', () => {
  assert.equal(columnById('RPS')!.id, 'rps');
  assert.equal(columnById('%')!.id, 'share');
  assert.equal(columnById('lastspwn')!.id, 'lastspawn');
  assert.equal(columnById('TX/s')!.id, 'txrate');
  assert.equal(columnById('nope'), undefined);
  assert.equal(columnById('in-req', CORE_COLUMNS)!.id, 'inreq');
});

test('cells format through format.ts with the render context', () => {
  const w = worker({
    id: 7, pid: 4242, requests: 123, exceptions: 2, signals: 1, status: 'idle', avg_rt: 12_400, rss: 45.6 * 1024 ** 2,
    vsz: 0, tx: 12.3 * 1024, respawn_count: 3, harakiri_count: 0, running_time: 245e6, last_spawn: 1_700_000_000,
    cores: [core({ id: 0, requests: 123, in_request: true })],
  });
  const v = (buildView(sample(server({ workers: [w] }), 0)) as ServerView).workers[0]!;
  const ctx = { now: 1_700_000_000_000 };
  const cells = Object.fromEntries(WORKER_COLUMNS.map((c) => [c.title, c.format(v, ctx)]));
  assert.deepEqual(
    { ...cells, LastSpwn: undefined },
    {
      WID: '7', '%': '100.0', PID: '4242', REQ: '123', RPS: '-', EXC: '2', SIG: '1', STATUS: 'idle', AVG: '12ms',
      // vsz 0 = not measured by uWSGI (measuredBytes): '-'
      RSS: '45.6M', VSZ: '-', TX: '12.3K', ReSpwn: '2', HC: '0', RunT: '4m05s', LastSpwn: undefined,
    },
  );
  assert.match(cells.LastSpwn!, /^\d\d:\d\d:\d\d$/, 'same day as now → HH:MM:SS');
  assert.match(columnById('lastspawn')!.format(v, { now: ctx.now + 3 * 86400e3 }), /^\d\d-\d\d \d\d:\d\d$/);
  const c = v.cores[0]!;
  assert.deepEqual(CORE_COLUMNS.map((k) => k.format(c, ctx)), ['7:0', '123', '-', '0', '0', '0', '0', '0', 'yes']);
  // status unknown but a core is busy → shows busy
  const v2 = (buildView(sample(server({ workers: [worker({ status: undefined, cores: [core({ in_request: true })] })] }), 0)) as ServerView).workers[0]!;
  assert.equal(columnById('status')!.format(v2, ctx), 'busy');
});
