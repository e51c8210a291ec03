/** Unit tests of the TUI's pure parts: key map, state moves, layout, charts, header, table, poller. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYMAP, bindingFor, footerHints, helpLines, keyName, type ActionId } from '../../src/tui/keys.js';
import { moveSelection, nextCoresMode, pickSort, scrollTop, selectionIndex, stepSort, matchesFilter } from '../../src/tui/state.js';
import { computeLayout, PANE_MIN_ROWS, TABLE_MIN_ROWS } from '../../src/tui/layout.js';
import { clockLabel, lineSeries, niceScale, sparkline } from '../../src/tui/series.js';
import { CHART_SPLIT_MIN_COLS, chartLayout, chartTitleLine, stripSgr, yLabelCount } from '../../src/tui/chart.js';
import { respawnsText } from '../../src/tui/detail.js';
import { clean, clip, clipLeft, formatAge, oneLine, pad } from '../../src/tui/text.js';
import { headerPlain, headerStyled, packHeader, serverHeaderItems, type HeaderItem } from '../../src/tui/header.js';
import { styledToTagged } from '../../src/tui/fastbox.js';
import { buildTable, headerLine, plainLine, rowCells, taggedLine, coreStatus, totalsCell, withMark } from '../../src/tui/table.js';
import { makeTheme } from '../../src/tui/theme.js';
import { Poller, backoffDelay } from '../../src/session/poller.js';
import { buildView } from '../../src/model/view.js';
import type { ServerView } from '../../src/model/types.js';
import { synth, T0 } from './synth.js';

function view(tick: number, workers = 4, cores = 2): ServerView {
  const v = buildView(synth(tick, { workers, cores }), tick > 0 ? synth(tick - 1, { workers, cores }) : undefined);
  assert.equal(v.kind, 'server');
  return v as ServerView;
}

test('key map: every action has a binding, no key means two things in one context', () => {
  const actions = new Set(KEYMAP.map((b) => b.action));
  const all: ActionId[] = ['quit', 'help', 'up', 'down', 'pageUp', 'pageDown', 'home', 'end', 'open', 'back', 'sortNext', 'sortPrev', 'sortPick', 'sortRps', 'sortRss', 'sortTime', 'reverse', 'cores', 'unused', 'totals', 'fast', 'pause', 'filter', 'chart', 'events', 'redraw', 'suspend'];
  for (const a of all) assert.ok(actions.has(a), `no binding for ${a}`);
  for (const ctx of ['main', 'detail'] as const) {
    const seen = new Map<string, string>();
    for (const b of KEYMAP) {
      if (!b.contexts.includes(ctx) && !b.contexts.includes('global')) continue;
      for (const k of b.keys) {
        const prev = seen.get(k);
        assert.ok(prev === undefined || prev === b.action, `${ctx}: key ${k} bound to ${prev} and ${b.action}`);
        seen.set(k, b.action);
      }
    }
  }
});

test('key map: lookups by context; q quits the table but goes back from the detail', () => {
  assert.equal(bindingFor('q', 'main')?.action, 'quit');
  assert.equal(bindingFor('q', 'detail')?.action, 'back');
  assert.equal(bindingFor('C-c', 'detail')?.action, 'quit');
  assert.equal(bindingFor('s', 'main')?.action, 'sortNext');
  assert.equal(bindingFor('s', 'detail'), undefined);
  assert.equal(bindingFor('7', 'main')?.action, 'sortPick');
  assert.equal(bindingFor(undefined, 'main'), undefined);
  assert.equal(keyName('G', { name: 'g', full: 'S-g', shift: true } as never), 'G');
  assert.equal(keyName('\r', { name: 'return', full: 'return' }), undefined, "blessed's first report of \\r is ignored");
  assert.equal(keyName('\r', { name: 'enter', full: 'enter' }), 'enter');
  assert.equal(keyName('\x03', { name: 'c', full: 'C-c', ctrl: true }), 'C-c');
  assert.equal(keyName(undefined, { name: 'up', full: 'up' }), 'up');
  assert.equal(keyName(' ', { name: 'space', full: 'space' }), 'space');
});

test('key map drives the footer and the help lines', () => {
  const f = footerHints('main');
  assert.deepEqual(
    f.map((h) => h.key),
    KEYMAP.filter((b) => b.showInFooter && b.contexts.includes('main')).map((b) => b.name),
  );
  assert.ok(footerHints('detail').some((h) => h.key === 'Esc/q'));
  assert.equal(helpLines().length, KEYMAP.length);
});

test('selection moves clamp, wrap from nothing, and survive a vanished key', () => {
  const keys = ['a', 'b', 'c', 'd'];
  assert.equal(moveSelection(keys, undefined, 1), 'a');
  assert.equal(moveSelection(keys, undefined, -1), 'd');
  assert.equal(moveSelection(keys, 'b', 1), 'c');
  assert.equal(moveSelection(keys, 'd', 5), 'd');
  assert.equal(moveSelection(keys, 'b', -9), 'a');
  assert.equal(moveSelection(keys, 'zz', 1), 'a');
  assert.equal(moveSelection(keys, 'b', 'end'), 'd');
  assert.equal(moveSelection([], 'b', 1), undefined);
  // Always a selection when there are rows: found → kept; nothing yet → the first row;
  // vanished → the row now at its index, clamped to the last row; no rows → none.
  assert.equal(selectionIndex(2, 0, 4), 2);
  assert.equal(selectionIndex(-1, 0, 4), 0);
  assert.equal(selectionIndex(-1, 2, 4), 2);
  assert.equal(selectionIndex(-1, 9, 4), 3);
  assert.equal(selectionIndex(-1, 3, 0), -1);
  assert.equal(selectionIndex(7, 1, 4), 1, 'a stale index beyond the rows is not trusted');
  assert.equal(scrollTop(0, 0, 5, 20), 0);
  assert.equal(scrollTop(7, 0, 5, 20), 3);
  assert.equal(scrollTop(2, 3, 5, 20), 2);
  assert.equal(scrollTop(-1, 50, 5, 20), 15);
  assert.equal(stepSort(['a', 'b', 'c'], 'c', 1), 'a');
  assert.equal(stepSort(['a', 'b', 'c'], 'a', -1), 'c');
  assert.equal(stepSort(['a', 'b', 'c'], 'x', 1), 'a');
  assert.deepEqual(pickSort('rps', false, 'rps'), { id: 'rps', reverse: true });
  // another column starts in its own default direction, not in the last column's (htop)
  assert.deepEqual(pickSort('rps', true, 'wid'), { id: 'wid', reverse: false });
  assert.deepEqual(pickSort('wid', false, 'req', true), { id: 'req', reverse: true });
  assert.deepEqual(pickSort('req', true, 'req', true), { id: 'req', reverse: false });
  assert.equal(nextCoresMode('hidden'), 'merged');
  assert.equal(nextCoresMode('merged'), 'listed');
  assert.equal(nextCoresMode('listed'), 'hidden');
  assert.ok(matchesFilter('BUS', [1, 1000, 'busy']));
  assert.ok(!matchesFilter('7', [1, 1000, 'idle']));
  assert.ok(matchesFilter('  ', [1]));
});

test('layout: panes appear at 80x24, the table keeps its minimum, every row is used', () => {
  const small = computeLayout(80, 24, 3, { chart: true, events: true });
  assert.equal(small.pane, 'both', 'chart and event log at 80x24');
  assert.ok(small.stacked, 'one above the other below 140 columns');
  assert.ok(small.tableHeight >= TABLE_MIN_ROWS);
  assert.ok(small.chartHeight >= 7 && small.paneHeight - small.chartHeight >= 4, JSON.stringify(small));
  assert.equal(small.footerTop, 23);
  const ev = computeLayout(80, 24, 3, { chart: false, events: true, rows: 5 });
  assert.equal(ev.pane, 'events');
  assert.equal(ev.tableHeight, 5, 'a 5-row table keeps its 5 rows; the pane takes the rest');
  assert.equal(ev.tableTop + ev.tableHeight + ev.paneHeight, ev.footerTop);
  // A long table: the pane takes its proportional share, not more.
  const long = computeLayout(120, 40, 3, { chart: false, events: true, rows: 100 });
  assert.equal(long.paneHeight, Math.round((40 - 1 - 5) * 0.4));
  // A short table on a tall terminal: the rows it does not need go to the pane (no empty band).
  const short = computeLayout(120, 40, 3, { chart: false, events: true, rows: 4 });
  assert.equal(short.tableHeight, 4);
  assert.equal(short.paneTop + short.paneHeight, short.footerTop);
  const tall = computeLayout(200, 50, 3, { chart: true, events: true });
  assert.equal(tall.pane, 'both');
  assert.ok(!tall.stacked);
  assert.equal(tall.tableTop + tall.tableHeight + tall.paneHeight, tall.footerTop);
  const justTall = computeLayout(80, PANE_MIN_ROWS, 1, { chart: false, events: true });
  assert.equal(justTall.pane, 'events');
  assert.ok(justTall.tableHeight >= TABLE_MIN_ROWS);
  const tooSmall = computeLayout(80, PANE_MIN_ROWS - 1, 1, { chart: false, events: true });
  assert.equal(tooSmall.pane, 'none');
  const none = computeLayout(200, 50, 3, { chart: false, events: false, rows: 2 });
  assert.equal(none.pane, 'none');
  assert.equal(none.tableHeight, 50 - 3 - 1 - 1 - 1, 'without a pane the table takes every row');
  const tiny = computeLayout(10, 3, 3, { chart: true, events: true });
  assert.ok(tiny.tableHeight >= 0 && tiny.footerTop === 2);
  // Every size and want: the parts tile the screen, the table keeps its minimum whenever a pane shows.
  for (let rows = 1; rows <= 70; rows++)
    for (const cols of [20, 80, 139, 140, 200])
      for (const want of [{ chart: true, events: true }, { chart: true, events: false }, { chart: false, events: true }])
        for (const n of [undefined, 0, 3, 40]) {
          const L = computeLayout(cols, rows, 3, { ...want, rows: n });
          const at = `${cols}x${rows} ${JSON.stringify(want)} rows=${n}`;
          assert.equal(L.tableTop + L.tableHeight + L.paneHeight, Math.max(L.tableTop, L.footerTop), at);
          if (L.pane !== 'none') assert.ok(L.tableHeight >= Math.min(TABLE_MIN_ROWS, Math.max(1, n ?? TABLE_MIN_ROWS)) && L.paneHeight >= 5, at);
          if (L.pane !== 'none' && n !== undefined) assert.ok(L.tableHeight >= Math.min(n, TABLE_MIN_ROWS), `the table shows its rows up to the minimum: ${at}`);
          if (L.stacked) assert.ok(L.chartHeight >= 7 && L.paneHeight - L.chartHeight >= 4, at);
          if (rows >= 24) assert.notEqual(L.pane, 'none', at);
        }
});

test('charts: sparkline keeps the newest points, right-aligned; gaps are blank', () => {
  assert.equal(sparkline([0, 7], 2), '▁█');
  assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3), '▇▇█');
  assert.equal(sparkline([5], 3), '  █');
  assert.equal(sparkline([0, undefined, 0], 3), '▁ ▁');
  assert.equal(sparkline([100, 101, 102], 3, true), '▁▅█');
  assert.equal(sparkline([100, 101, 102], 3, false), '███');
  // What contrib's sparkline gets wrong (see charts.ts): byte-sized values, rates below 1/s.
  assert.equal(sparkline([50e6, 51e6, 60e6], 3, true), '▁▂█');
  assert.equal(sparkline([0.2, 0.5, 0.9], 3), '▃▅█');
});

test('line series for the contrib chart: numbers only, leading gaps dropped, inner gaps interpolated, newest kept', () => {
  const t = (i: number): number => new Date(2025, 0, 15, 12, 0, i).getTime();
  const times = [0, 1, 2, 3, 4, 5].map(t);
  const s = lineSeries([undefined, 10, undefined, 30, 40, undefined], times, 10);
  assert.deepEqual(s.y, [10, 20, 30, 40, 40]);
  assert.deepEqual(s.x, ['12:00:01', '12:00:02', '12:00:03', '12:00:04', '12:00:05']);
  assert.equal(s.gaps, 2);
  assert.equal(s.last, undefined, 'the newest read is a gap: "now" is unknown');
  assert.equal(s.max, 40);
  const newest = lineSeries([1, 2, 3, 4, 5, 6], times, 3);
  assert.deepEqual(newest.y, [4, 5, 6]);
  assert.deepEqual(newest.x, ['12:00:03', '12:00:04', '12:00:05']);
  assert.equal(newest.last, 6);
  // Values the chart could loop on (Infinity) or misdraw never reach it.
  const bad = lineSeries([Infinity, NaN, -1, 7], times.slice(0, 4), 10);
  assert.deepEqual(bad.y, [7]);
  assert.deepEqual(lineSeries([undefined, undefined], times.slice(0, 2), 10).y, []);
  assert.equal(clockLabel(undefined), '?');
  assert.ok(lineSeries([1, 2], [], 10).x.every((l) => l === '?'), 'labels are never empty (contrib prints "undefined" for "")');
});

test('chart scale, layout and title', () => {
  assert.deepEqual(niceScale(1873, 4), { maxY: 2000, step: 500, labels: 4 });
  assert.deepEqual(niceScale(1000, 4), { maxY: 1500, step: 500, labels: 3 });
  assert.deepEqual(niceScale(0, 3), { maxY: 1, step: 1, labels: 1 });
  assert.deepEqual(niceScale(undefined, 2, true), { maxY: 1, step: 1, labels: 1 });
  assert.deepEqual(niceScale(0.5, 4), { maxY: 0.6, step: 0.2, labels: 3 });
  assert.deepEqual(niceScale(3, 4, true), { maxY: 4, step: 1, labels: 4 });
  assert.deepEqual(niceScale(0.3, 4, true), { maxY: 1, step: 1, labels: 1 });
  assert.deepEqual(niceScale(90, 4), { maxY: 100, step: 25, labels: 4 });
  for (const m of [0.01, 0.7, 1, 9, 99, 1234, 98765, 1e6]) {
    for (const n of [1, 2, 3, 4]) {
      const sc = niceScale(m, n);
      assert.ok(sc.maxY > m, `room above ${m}: ${sc.maxY}`);
      assert.ok(sc.labels >= 1 && sc.labels <= n, `labels ${sc.labels} within ${n}`);
      assert.ok(sc.maxY <= m * 2.6 || sc.labels === 1, `not much more than twice ${m} with ${n} labels: ${JSON.stringify(sc)}`);
      assert.ok(sc.step >= 1 ? Number.isInteger(sc.step) : true, `integer steps from 1 up: ${sc.step}`);
    }
  }
  assert.equal(yLabelCount(12), 4);
  assert.equal(yLabelCount(4), 1);
  const wide = chartLayout({ top: 30, left: 0, width: 75, height: 13 });
  assert.deepEqual(wide.title, { top: 30, left: 0, width: 75, height: 1 });
  assert.ok(wide.lq, 'the listen queue gets its own chart');
  assert.equal(wide.rps.width + 1 + wide.lq.width, 75);
  assert.equal(wide.rps.top, 31);
  assert.equal(wide.rps.height, 12);
  assert.ok(wide.rps.width > wide.lq.width);
  const narrow = chartLayout({ top: 30, left: 0, width: CHART_SPLIT_MIN_COLS - 1, height: 13 });
  assert.equal(narrow.lq, undefined);
  assert.equal(narrow.rps.width, CHART_SPLIT_MIN_COLS - 1);
  const rps = lineSeries([10, 20], [0, 1], 10);
  const lq = lineSeries([0, 3], [0, 1], 10);
  const mono = makeTheme(false);
  const title = chartTitleLine(wide, rps, lq, 2, mono).replace(/\{\/?[a-z-]+\}/g, '');
  assert.equal(title.length, 75);
  assert.match(title, /^Total RPS {2}now 20\.0 {2}max 20\.0 {2}\(2 reads\)\s+Listen queue {2}now 3 {2}max 3\s*$/);
  assert.equal(title.indexOf('Listen queue'), wide.lq.left, 'each title sits over its chart');
  const one = chartTitleLine(narrow, rps, lq, 2, mono).replace(/\{\/?[a-z-]+\}/g, '');
  assert.equal(one.trimEnd(), 'Total RPS now 20.0 max 20.0 · Listen queue now 3 max 3');
  assert.equal(stripSgr('\x1b[32m⣀\x1b[39m\x1b[39m\x1b[49m12\x1b[39m\x1b[49m'), '⣀12');
});

test('totals: the ReSpwn cell counts re-spawns; the detail view says the same', () => {
  const v = view(1);
  assert.equal(totalsCell('respawn', { ...v.totals, respawns: 3 }), '3');
  assert.equal(totalsCell('respawn', { ...v.totals, respawns: undefined }), '-');
  assert.equal(respawnsText(1), '0 (respawn_count 1)');
  assert.equal(respawnsText(4), '3 (respawn_count 4)');
  assert.equal(respawnsText(undefined), '-');
  const items = serverHeaderItems({ ...v, totals: { ...v.totals, respawns: 2 } }, T0, true, '/tmp/s.sock');
  assert.deepEqual(items.filter((i) => i.label === 'respawns').map((i) => [i.value, i.style]), [['2', 'respawn']]);
});

test('text helpers: control characters never reach the terminal; clipping marks the cut', () => {
  assert.equal(clean('busy\x1b[2J\n'), 'busy\\x1b[2J\\x0a');
  assert.equal(clean('\u009bX'), '\\x9bX');
  assert.equal(clip('abcdef', 4), 'abc…');
  assert.equal(clipLeft('/a/b/c/d', 5), '…/c/d');
  assert.equal(pad('ab', 4, 'right'), '  ab');
  assert.equal(pad('abcdef', 3), 'ab…');
  assert.equal(oneLine(new Error('first\nsecond')), 'first');
  assert.equal(formatAge(12_345), '12s');
  assert.equal(formatAge(1_234), '1.2s');
  assert.equal(formatAge(185_000), '3m05s');
});

test('header packs into the width without exceeding it, keeping the important items', () => {
  const v = view(2);
  for (const width of [40, 80, 120, 200]) {
    const lines = headerPlain(packHeader(serverHeaderItems(v, T0 + 2000, width >= 100, '/tmp/some/quite/long/path/to/the/stats.socket'), width, 3));
    assert.ok(lines.length <= 3);
    for (const l of lines) assert.ok(l.length <= width, `${width}: '${l}' is ${l.length} long`);
    const all = lines.join(' ');
    assert.match(all, /RPS 100 /); // workers serve 10, 20, 30, 40 requests per second
  }
});

test('header lines as styled runs: the label bold, the value in its style, items two spaces apart, text as it is', () => {
  const items: HeaderItem[][] = [
    [
      { label: 'uWSGI', value: '2.0.{x}' },
      { label: '', value: '12:00:00' },
      { label: 'lq', value: '9/8 FULL', style: 'bad' },
    ],
    [{ label: 'busy', value: '3', style: 'busy' }],
  ];
  const color = headerStyled(items, makeTheme(true));
  assert.deepEqual(color[0]!.texts, ['uWSGI', ' ', '2.0.{x}', '  ', '12:00:00', '  ', 'lq', ' ', '9/8 FULL']);
  // As tagged text (what a box without the fast path gets): braces escaped, each run's tags around it.
  assert.equal(styledToTagged(color[0]!), '{bold}uWSGI{/bold} 2.0.{open}x{close}  12:00:00  {bold}lq{/bold} {bold}{red-fg}9/8 FULL{/red-fg}{/bold}');
  assert.equal(color.map((l) => l.texts.join('')).join('\n'), headerPlain(items).join('\n'));
  const mono = headerStyled(items, makeTheme(false));
  assert.equal(styledToTagged(mono[1]!), '{bold}busy{/bold} {bold}3{/bold}');
});

test('table: sort, reverse, filter and the three cores modes', () => {
  const v = view(2, 4, 3);
  const base = { workers: v.workers, width: 80, cores: 'hidden' as const, unused: false, totals: false, filter: '', sortId: 'wid', coreSortId: 'core', reverse: false };
  const ids = (t: ReturnType<typeof buildTable>): string[] => t.rows.map((r) => r.key);
  assert.deepEqual(ids(buildTable(base)), ['w:1', 'w:2', 'w:3', 'w:4']);
  assert.deepEqual(ids(buildTable({ ...base, sortId: 'rps', reverse: true })), ['w:4', 'w:3', 'w:2', 'w:1']);
  assert.deepEqual(ids(buildTable({ ...base, filter: 'busy' })), ['w:2']);
  assert.deepEqual(ids(buildTable({ ...base, totals: true })).at(-1), 'totals');
  // merged: one row per used core (3 cores, the last one unused), listed: under each worker
  const merged = buildTable({ ...base, cores: 'merged' });
  assert.equal(merged.kind, 'cores');
  assert.equal(merged.rows.length, 4 * 2);
  assert.equal(buildTable({ ...base, cores: 'merged', unused: true }).rows.length, 4 * 3);
  const listed = buildTable({ ...base, cores: 'listed' });
  assert.deepEqual(ids(listed).slice(0, 3), ['w:1', 'c:1:0', 'c:1:1']);
  // busy only where the core is in a request
  const w2 = v.workers[1]!;
  assert.equal(coreStatus({ worker: w2, core: w2.cores[0]! }), 'busy');
  assert.equal(coreStatus({ worker: w2, core: w2.cores[1]! }), 'idle');
});

test('table lines are exactly the width, coloured or not, and the sort column is marked', () => {
  const v = view(2, 4, 2);
  const theme = makeTheme(false);
  for (const width of [40, 80, 132]) {
    const t = buildTable({ workers: v.workers, width, cores: 'listed', unused: true, totals: true, filter: '', sortId: 'rps', coreSortId: 'core', reverse: true });
    for (const r of t.rows) {
      const cells = rowCells(t, r, { now: T0 }, v.totals, {});
      assert.equal(plainLine(t, cells, width).length, width);
      const tagged = taggedLine(t, cells, width, theme, false).replace(/\{[^}]*\}/g, '');
      assert.equal(tagged.length, width, `tagged line at ${width}: '${tagged}'`);
    }
    const head = headerLine(t, width, theme).replace(/\{[^}]*\}/g, '');
    assert.equal(head.length, width);
    if (t.columns.some((c) => c.id === 'rps')) assert.match(head, /▼RPS/);
  }
});

test('poller: one read at a time, keeps the cadence, backs off and resets on success', async () => {
  assert.equal(backoffDelay(1, 500, 10_000), 500);
  assert.equal(backoffDelay(2, 500, 10_000), 1000);
  assert.equal(backoffDelay(6, 500, 10_000), 10_000);
  assert.equal(backoffDelay(60, 500, 10_000), 10_000);

  let inFlight = 0;
  let maxInFlight = 0;
  let n = 0;
  const results: string[] = [];
  const delays: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const p = new Poller<number>({
    read: async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const i = ++n;
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (i === 2 || i === 3) throw new Error(`fail ${i}`);
      return i;
    },
    intervalMs: () => 1,
    onSuccess: (v) => {
      results.push(`ok${v}`);
      if (v >= 5) done();
    },
    onFailure: (e, d) => {
      results.push((e as Error).message);
      delays.push(d);
    },
    backoffInitialMs: 2,
    backoffMaxMs: 3,
  });
  p.start();
  p.start(); // no second loop
  await finished;
  p.stop();
  assert.equal(maxInFlight, 1);
  assert.deepEqual(results, ['ok1', 'fail 2', 'fail 3', 'ok4', 'ok5']);
  assert.deepEqual(delays, [2, 3]);
  assert.equal(p.failures, 0);
});

test('poller: stop aborts the read in flight and nothing is called afterwards', async () => {
  let aborted = false;
  let called = false;
  let started!: () => void;
  const isStarted = new Promise<void>((r) => (started = r));
  const p = new Poller<number>({
    read: (signal) =>
      new Promise<number>((_res, rej) => {
        started();
        signal.addEventListener('abort', () => {
          aborted = true;
          rej(new Error('aborted'));
        });
      }),
    intervalMs: () => 1000,
    onSuccess: () => (called = true),
    onFailure: () => (called = true),
  });
  p.start();
  await isStarted;
  p.stop();
  await new Promise((r) => setImmediate(r));
  assert.ok(aborted);
  assert.ok(!called);
});

test('colour hints: RSS growth over the history window, recent spawns', async () => {
  const { rowHints } = await import('../../src/session/hints.js');
  const { History } = await import('../../src/model/history.js');
  const hist = new History();
  let v: ServerView | undefined;
  for (let tick = 0; tick < 10; tick++) {
    const s = synth(tick, { workers: 2, cores: 1 });
    s.doc.workers[0]!.rss = (20 + tick * 3) * 1024 * 1024; // grows 20 → 47 MiB
    s.doc.workers[1]!.rss = 20 * 1024 * 1024; // flat
    s.doc.workers[1]!.last_spawn = Math.floor((T0 + tick * 1000) / 1000) - 5; // spawned 5 s ago
    v = buildView(s) as ServerView;
    hist.update(v);
  }
  const hints = rowHints(v!, hist, T0 + 9000);
  assert.deepEqual([...hints.rssGrowing!], ['1']);
  assert.deepEqual([...hints.recentSpawn!], ['2']);
  // Too little history: no RSS verdict.
  const short = new History();
  short.update(v!);
  assert.equal(rowHints(v!, short, T0 + 9000).rssGrowing!.size, 0);
});

test('status line: STALE age and retry before the message; PAUSED; filter counts; fits the width', async () => {
  const { statusLine, helpBox } = await import('../../src/tui/status.js');
  const theme = makeTheme(false);
  const plain = (s: string): string => s.replace(/\{[^}]*\}/g, '');
  const base = { cols: 80, now: T0, theme, addressLabel: '/tmp/s.sock', paused: false, every: '1s', fast: false, filter: '', filterEditing: false };
  assert.equal(plain(statusLine(base)), 'connecting to /tmp/s.sock …');
  assert.equal(plain(statusLine({ ...base, lastGoodAt: T0 - 500 })), '● live · every 1s');
  const stale = plain(statusLine({ ...base, lastGoodAt: T0 - 12_000, lastError: { message: 'x'.repeat(200), retryAt: T0 + 4000 } }));
  assert.ok(stale.startsWith(' STALE 12s   retry in 4.0s  xxx'), stale);
  assert.ok(stale.length <= 80);
  assert.match(plain(statusLine({ ...base, lastError: { message: 'refused', retryAt: T0 } })), /^ NO DATA {3}retry in 0\.0s {2}refused$/);
  // The error once: its "connection lost" event is not echoed beside it (it is while the error is over).
  const lost = { at: T0 - 2000, kind: 'connection_lost' as const, message: 'connection lost: refused' };
  assert.match(plain(statusLine({ ...base, lastGoodAt: T0 - 2000, lastError: { message: 'refused', retryAt: T0 }, lastEvent: lost })), /^ STALE 2\.0s {3}retry in 0\.0s {2}refused$/);
  assert.match(plain(statusLine({ ...base, lastGoodAt: T0, lastEvent: lost })), /connection lost: refused$/);
  assert.match(plain(statusLine({ ...base, lastGoodAt: T0, paused: true, shownAt: T0 - 3000 })), /^ PAUSED {3}showing 3\.0s old data/);
  assert.match(plain(statusLine({ ...base, lastGoodAt: T0, filter: 'bu', matched: { matched: 1, total: 4 } })), /filter "bu" {2}1\/4 match$/);
  assert.match(plain(statusLine({ ...base, lastGoodAt: T0, lastEvent: { at: T0 - 1000, kind: 'respawn', message: 'worker 2 respawned' } })), /worker 2 respawned$/);
  assert.doesNotMatch(plain(statusLine({ ...base, lastGoodAt: T0, lastEvent: { at: T0 - 60_000, kind: 'respawn', message: 'old news' } })), /old news/);
  assert.match(plain(statusLine({ ...base, lastGoodAt: T0, renderError: 'boom' })), /^render error: boom/);

  const big = helpBox(120, 50, 0, theme);
  assert.equal(plain(big.content).split('\n').length, 2 + KEYMAP.length, 'every entry on one page');
  const small = helpBox(80, 24, 99, theme);
  assert.ok(small.top > 0 && small.top + small.page === KEYMAP.length, 'scroll clamps to the last page');
  assert.ok(small.height <= 22 && small.width <= 78);
  for (const l of plain(small.content).split('\n')) assert.ok(l.length <= small.width - 2, `'${l}' too wide`);
});

test('editFilter: printable characters append (to 64), Backspace deletes, Enter keeps, Esc clears, other keys ignored', async () => {
  const { editFilter, FILTER_MAX } = await import('../../src/tui/state.js');
  let st = { filter: '', filterEditing: true };
  for (const ch of 'bu') st = editFilter(st, ch, ch) ?? st;
  assert.deepEqual(st, { filter: 'bu', filterEditing: true });
  assert.deepEqual(editFilter(st, undefined, 'backspace'), { filter: 'b', filterEditing: true });
  assert.deepEqual(editFilter(st, '\r', 'enter'), { filter: 'bu', filterEditing: false });
  assert.deepEqual(editFilter(st, '\x1b', 'escape'), { filter: '', filterEditing: false });
  assert.equal(editFilter(st, undefined, 'up'), undefined, 'a named key without a character');
  assert.equal(editFilter(st, '\x7f', undefined), undefined, 'DEL is not text');
  assert.equal(editFilter(st, '\x01', undefined), undefined, 'control characters are not text');
  const full = { filter: 'x'.repeat(FILTER_MAX), filterEditing: true };
  assert.equal(editFilter(full, 'y', 'y'), undefined, 'the prompt stops at its limit');
});

test('helpScroll: line and page moves never go above the top; closing keys close; others are ignored', async () => {
  const { helpScroll } = await import('../../src/tui/state.js');
  assert.equal(helpScroll('down', 0, 10), 1);
  assert.equal(helpScroll('j', 4, 10), 5);
  assert.equal(helpScroll('up', 0, 10), 0);
  assert.equal(helpScroll('k', 3, 10), 2);
  assert.equal(helpScroll('pagedown', 3, 10), 13);
  assert.equal(helpScroll('space', 0, 7), 7);
  assert.equal(helpScroll('pageup', 3, 10), 0);
  assert.equal(helpScroll('pageup', 25, 10), 15);
  for (const k of ['escape', 'q', '?', 'f1', 'enter']) assert.equal(helpScroll(k, 5, 10), 'close', k);
  assert.equal(helpScroll('x', 5, 10), undefined);
  assert.equal(helpScroll(undefined, 5, 10), undefined);
});

test('navigationMove: ↑↓ by count, PgUp/PgDn by page, Home/End, nothing for other actions', async () => {
  const { navigationMove, moveSelection } = await import('../../src/tui/state.js');
  assert.equal(navigationMove('up', 3, 10), -3);
  assert.equal(navigationMove('down', 1, 10), 1);
  assert.equal(navigationMove('pageUp', 1, 10), -10);
  assert.equal(navigationMove('pageDown', 1, 7), 7);
  assert.equal(navigationMove('home', 1, 10), 'home');
  assert.equal(navigationMove('end', 1, 10), 'end');
  for (const a of ['quit', 'open', 'sortNext', 'filter']) assert.equal(navigationMove(a, 1, 10), undefined, a);
  const keys = ['a', 'b', 'c', 'd'];
  assert.equal(moveSelection(keys, 'a', navigationMove('pageDown', 1, 2)!), 'c');
  assert.equal(moveSelection(keys, 'c', navigationMove('home', 1, 2)!), 'a');
});

test('resolveSelection: keeps the selected key, hands a vanished row to its neighbour, reports changes only', async () => {
  const { resolveSelection } = await import('../../src/tui/state.js');
  assert.deepEqual(resolveSelection(['a', 'b', 'c'], { selected: 'b', selectedIndex: 1 }), { index: 1, update: undefined });
  assert.deepEqual(resolveSelection(['x', 'a', 'b'], { selected: 'b', selectedIndex: 1 }), { index: 2, update: { selected: 'b', selectedIndex: 2 } }, 'moved');
  assert.deepEqual(resolveSelection(['a', 'c'], { selected: 'b', selectedIndex: 1 }), { index: 1, update: { selected: 'c', selectedIndex: 1 } }, 'vanished: the row now at its index');
  assert.deepEqual(resolveSelection(['a'], { selected: 'z', selectedIndex: 5 }), { index: 0, update: { selected: 'a', selectedIndex: 0 } }, 'clamped');
  assert.deepEqual(resolveSelection([], { selected: 'a', selectedIndex: 3 }), { index: -1, update: { selected: undefined, selectedIndex: 3 } }, 'no rows: nothing selected, last index kept');
  assert.deepEqual(resolveSelection([], { selected: undefined, selectedIndex: 3 }), { index: -1, update: undefined });
  assert.deepEqual(resolveSelection(['a', 'b'], { selected: undefined, selectedIndex: 0 }), { index: 0, update: { selected: 'a', selectedIndex: 0 } }, 'a row is always selected');
});

test('withMark: the scroll position only in blank cells at the end of a row; the row itself unchanged', () => {
  const th = makeTheme(false);
  const row = { texts: ['  11', '  60.0K', '   ', '  '], opens: ['', '', '', ''], closes: ['', '', '', ''] };
  const before = JSON.stringify(row);
  // 5 blank cells across two runs: room for ' 1/9' (4), not for ' 1-9/30' (7).
  const m = withMark(row, '1/9', th)!;
  assert.equal(m.texts.join(''), '  11  60.0K  1/9');
  assert.equal(m.texts.join('').length, row.texts.join('').length, 'the same width');
  assert.equal(withMark(row, '1-9/30', th), undefined, 'no cell is cut to make room');
  assert.equal(withMark({ texts: ['1', '2'], opens: ['', ''], closes: ['', ''] }, 'x', th), undefined);
  assert.equal(JSON.stringify(row), before, 'the (memoized) row is not modified');
  // Exactly enough blank: every blank cell goes, the value stays whole.
  assert.equal(withMark({ texts: ['60.0K', '  '], opens: ['', ''], closes: ['', ''] }, 'z', th)!.texts.join(''), '60.0K z');
});
