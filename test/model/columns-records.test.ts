/**
 * A column owns everything about itself: default sort direction, colour
 * rule, totals cell and visibility live in the column records, and batch
 * text and the TUI table read the same records (issue 11, point 4).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_WORKER_COLUMNS,
  CORE_COLUMNS,
  VASSAL_COLUMNS,
  columnById,
  columnsHelp,
  shownColumns,
  sortDescending,
  WORKER_COLUMNS,
} from '../../src/columns.js';
import { FLEET_COLUMNS } from '../../src/fleet/render.js';
import { renderText } from '../../src/render/text.js';
import { buildTable, rowCells } from '../../src/tui/table.js';
import { buildView } from '../../src/model/index.js';
import type { ServerView } from '../../src/model/index.js';
import { sample, server, worker } from './factory.js';

function view(): ServerView {
  const prev = server({ workers: [1, 2, 3].map((id) => worker({ id, pid: 100 + id, requests: 10, tx: 1000, rss: 10 })) });
  const cur = server({
    workers: [
      worker({ id: 1, pid: 101, requests: 20, tx: 1000, rss: 300, running_time: 5 }),
      worker({ id: 2, pid: 102, requests: 40, tx: 9000, rss: 100, running_time: 50 }),
      worker({ id: 3, pid: 103, requests: 30, tx: 5000, rss: 200, running_time: 500 }),
    ],
  });
  return buildView(sample(cur, 2000), sample(prev, 0)) as ServerView;
}

const ids = (text: string): string[] => {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\s*WID\b/.test(l));
  return lines.slice(start + 1).filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s+/)[0]!);
};

test('one default sort direction per column: rates, memory and times biggest first; -r flips it', () => {
  for (const id of ['rps', 'rss', 'runt', 'req', 'txrate', 'excrate', 'avg', 'tx']) assert.equal(sortDescending(columnById(id), false), true, id);
  for (const id of ['wid', 'pid', 'status']) assert.equal(sortDescending(columnById(id), false), false, id);
  assert.equal(sortDescending(columnById('rps'), true), false, '-r flips the default');
  assert.equal(sortDescending(columnById('wid'), true), true);
  assert.equal(sortDescending(FLEET_COLUMNS.find((c) => c.id === 'rps'), false), true, 'the fleet RPS too');
  assert.equal(sortDescending(FLEET_COLUMNS.find((c) => c.id === 'target'), false), false);
  // batch and TUI order rows the same way for the same (column, direction)
  const v = view();
  for (const id of ['rps', 'rss', 'runt']) {
    const desc = sortDescending(columnById(id), false);
    const batch = ids(renderText(v, { sortBy: id, reverse: desc })).filter((x) => x !== 'Σ');
    const tui = buildTable({ workers: v.workers, width: 200, cores: 'hidden', unused: false, totals: false, filter: '', sortId: id, coreSortId: 'core', reverse: desc }).rows.map((r) => (r.kind === 'worker' ? String(r.worker.id) : '?'));
    assert.deepEqual(batch, tui, `${id}: batch and TUI agree`);
  }
  assert.deepEqual(ids(renderText(v, { sortBy: 'rss', reverse: true })).slice(0, 3), ['1', '3', '2'], 'rss biggest first');
});

test('-s txrate sorts (and shows the hidden TX/s column) in batch and in the TUI table', () => {
  const v = view();
  // tx rates: w1 0, w2 4000, w3 2000 B/s
  const text = renderText(v, { sortBy: 'txrate', reverse: true, width: 200 });
  assert.deepEqual(ids(text).slice(0, 3), ['2', '3', '1']);
  assert.match(text, /TX\/s/, 'the sort column is shown');
  assert.doesNotMatch(renderText(v, { width: 200 }), /TX\/s/, 'hidden otherwise');
  const t = buildTable({ workers: v.workers, width: 200, cores: 'hidden', unused: false, totals: false, filter: '', sortId: 'txrate', coreSortId: 'core', reverse: true });
  assert.equal(t.sortId, 'txrate');
  assert.deepEqual(t.rows.map((r) => (r.kind === 'worker' ? r.worker.id : -1)), [2, 3, 1]);
  assert.ok(t.columns.some((c) => c.id === 'txrate'));
  assert.deepEqual(shownColumns(ALL_WORKER_COLUMNS, undefined).map((c) => c.id), WORKER_COLUMNS.map((c) => c.id));
});

test('the totals cell and the colour rule come from the column: the same totals in batch and in the TUI', () => {
  const v = view();
  const text = renderText(v, { width: 200 }).trimEnd().split('\n');
  const batchTotals = text.at(-1)!.trim().split(/\s+/);
  const t = buildTable({ workers: v.workers, width: 200, cores: 'hidden', unused: false, totals: true, filter: '', sortId: 'wid', coreSortId: 'core', reverse: false });
  const row = t.rows.at(-1)!;
  assert.equal(row.kind, 'totals');
  const cells = rowCells(t, row, { now: 2000 }, v.totals, {}).map((c) => c.text).filter((x) => x !== '');
  assert.deepEqual(batchTotals, cells, 'batch totals line = TUI totals row');
  assert.equal(batchTotals[0], 'Σ');
  // colour: RPS > 0 is good, a growing RSS is 'mem' (hint), from the column records
  const w = t.rows[0]!;
  const styled = rowCells(t, w, { now: 2000 }, v.totals, { rssGrowing: new Set([v.workers[0]!.key]) });
  const at = (id: string): string => styled[t.columns.findIndex((c) => c.id === id)]!.style;
  assert.equal(at('rps'), 'good');
  assert.equal(at('rss'), 'mem');
  assert.equal(at('wid'), 'plain');
});

test('--help-columns text lists every table from the records', () => {
  const text = columnsHelp([
    { name: 'Workers', note: 'w', columns: ALL_WORKER_COLUMNS },
    { name: 'Cores', note: 'c', columns: CORE_COLUMNS },
    { name: 'Vassals', note: 'v', columns: VASSAL_COLUMNS },
    { name: 'Fleet', note: 'f', columns: FLEET_COLUMNS },
  ]);
  for (const cols of [ALL_WORKER_COLUMNS, CORE_COLUMNS, VASSAL_COLUMNS, FLEET_COLUMNS]) for (const c of cols) assert.ok(text.includes(`  ${c.id.padEnd(10)} ${c.title}`), c.id);
  assert.match(text, /^Workers \(w\):/m);
  assert.match(text, /^Fleet \(f\):/m);
  assert.match(text, /txrate\s+TX\/s\s+▼ .*shown when sorted by it/);
});
