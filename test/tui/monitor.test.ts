/**
 * End-to-end tests of the monitor through a headless xterm: what a person
 * would see on the screen after each read and key press.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, colourSgr, type Harness, type HarnessOptions } from './harness.js';
import { synth, synthEmperor, T0, type SynthOptions } from './synth.js';
import { KEYMAP, footerHints } from '../../src/tui/keys.js';
import { WORKER_COLUMNS } from '../../src/columns.js';
import { StatsError } from '../../src/protocol/errors.js';

const W4: SynthOptions = { workers: 4, cores: 2 };

function start(t: TestContext, o: HarnessOptions = {}): Harness {
  const h = startHarness(o);
  t.after(async () => {
    await h.quit();
  });
  return h;
}

/** Index of the table's title row (the line holding the first column title). */
function headRow(h: Harness): number {
  return h.lines().findIndex((l) => /^\s*[▲▼]?(WID|CORE|VASSAL)\b/.test(l));
}

/** The table's body lines (after the title row, up to the first blank line or pane title). */
function body(h: Harness): string[] {
  const lines = h.lines();
  const i = headRow(h);
  if (i < 0) return [];
  const out: string[] = [];
  for (let j = i + 1; j < lines.length - 1; j++) {
    if (lines[j]!.trim() === '' || /^(Events \(|Total RPS)/.test(lines[j]!)) break;
    out.push(lines[j]!);
  }
  return out;
}

/** First cell of every body row. */
/**
 * The scroll position (`first-last/count`) the table shows: at the end of its last row when that row ends in
 * enough blank cells, else at the end of the title line. Every row stays whole either way (assertWholeRows).
 */
function scrollMark(h: Harness): string | undefined {
  const re = /\s(\d+-\d+\/\d+)$/;
  return re.exec(body(h).at(-1) ?? '')?.[1] ?? re.exec(h.lines()[headRow(h)] ?? '')?.[1];
}

/** No row was cut to make room for the scroll position: each has as many fields as the first (values hold no spaces here). */
function assertWholeRows(h: Harness): void {
  const rows = body(h).map((l) => l.replace(/\s\d+-\d+\/\d+$/, '').trim().split(/\s+/));
  for (const r of rows) assert.equal(r.length, rows[0]!.length, `a row with ${r.length} fields, not ${rows[0]!.length}: ${r.join(' ')}\n${h.text()}`);
}

function ids(h: Harness): string[] {
  return body(h).map((l) => l.trim().split(/\s+/)[0]!);
}

/** The cell of column `title` in body row `row` (by the title's right edge, for right-aligned columns). */
function cell(h: Harness, row: number, title: string): string {
  const head = h.lines()[headRow(h)]!;
  const re = new RegExp(`[▲▼]?${title.replace(/[%]/g, '\\$&')}[▲▼]?(?=\\s|$)`);
  const m = re.exec(head);
  assert.ok(m, `no column ${title} in '${head}'`);
  const line = body(h)[row]!;
  if (['STATUS', 'IN-REQ', 'VASSAL'].includes(title)) return (line.slice(m.index).match(/^\S*/) ?? [''])[0];
  const end = m.index + m[0].length;
  // Walk left from the end of the title to the start of the value.
  let s = end;
  while (s > 0 && line[s - 1] !== ' ') s--;
  return line.slice(s, end).trim();
}

async function twoTicks(h: Harness, o: SynthOptions = W4): Promise<void> {
  await h.src.resolve(synth(0, o));
  await h.waitFor(() => h.text().includes('RPS -'), 'the first read');
  await h.src.resolve(synth(1, o));
  await h.waitFor(() => /RPS 100 /.test(h.text()) || /RPS [0-9]/.test(h.lines()[0] ?? ''), 'the second read');
}

function localClock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

test('header values; RPS is "-" on the first read, then numbers', async (t) => {
  const h = start(t);
  await h.waitFor(() => h.text().includes('connecting to /tmp/test.sock'), 'the connecting line');
  await h.src.resolve(synth(0, W4));
  await h.waitFor(() => h.text().includes('1003'), 'the first read');
  const head = h.lines().slice(0, 3).join('\n');
  assert.match(head, /uWSGI 2\.0\.21-debian/);
  assert.ok(head.includes(localClock(h.clock.now)), `local time in ${head}`);
  assert.match(head, /req 6 /);
  assert.match(head, /RPS - /);
  assert.match(head, /lq 0 /);
  assert.match(head, /lq-err 0 /);
  assert.match(head, /tx 3\.0K/); // 6 requests × 512 bytes
  assert.match(head, /node testnode/);
  assert.match(head, /master 999/);
  assert.match(head, /uid 33/);
  assert.match(head, /gid 33/);
  assert.match(head, /cwd \/srv\/app/);
  assert.deepEqual(ids(h), ['1', '2', '3', '4']);
  for (let r = 0; r < 4; r++) assert.equal(cell(h, r, 'RPS'), '-');

  await h.src.resolve(synth(1, W4));
  await h.waitFor(() => h.lines()[0]!.includes('RPS 100'), 'RPS after the second read');
  assert.match(h.lines()[0]!, /req 106 /);
  assert.deepEqual([0, 1, 2, 3].map((r) => cell(h, r, 'RPS')), ['10.0', '20.0', '30.0', '40.0']);
  assert.match(h.lines()[3]!, /● live · every 0\.02s/);
});

test('sorting: P sorts by RPS (biggest first), r reverses, s / < step the column, 1-9 pick one', async (t) => {
  const h = start(t);
  await twoTicks(h);
  assert.deepEqual(ids(h), ['1', '2', '3', '4']);
  assert.match(h.lines()[headRow(h)]!, /▲WID/);
  await h.press('P');
  assert.deepEqual(ids(h), ['4', '3', '2', '1']);
  assert.match(h.lines()[headRow(h)]!, /▼RPS/);
  await h.press('r');
  assert.deepEqual(ids(h), ['1', '2', '3', '4']);
  assert.match(h.lines()[headRow(h)]!, /▲RPS/);
  await h.press('s'); // RPS → EXC, in EXC's own direction (most first, not ▲ kept from RPS): only worker 1 has exceptions
  assert.match(h.lines()[headRow(h)]!, /▼EXC/);
  assert.equal(ids(h)[0], '1');
  await h.press('r');
  assert.match(h.lines()[headRow(h)]!, /▲EXC/);
  assert.deepEqual(ids(h), ['2', '3', '4', '1']);
  await h.press('<');
  assert.match(h.lines()[headRow(h)]!, /▼RPS/);
  assert.deepEqual(ids(h), ['4', '3', '2', '1']);
  await h.press('3'); // third visible column: PID, in its own direction (ascending), not RPS's ▼
  assert.match(h.lines()[headRow(h)]!, /▲PID/);
  assert.deepEqual(ids(h), ['1', '2', '3', '4']);
  await h.press('3'); // same column again: reverse
  assert.match(h.lines()[headRow(h)]!, /▼PID/);
  assert.deepEqual(ids(h), ['4', '3', '2', '1']);
  // The order holds across reads.
  await h.src.resolve(synth(2, W4));
  await h.waitFor(() => h.lines()[0]!.includes('req 206'), 'the third read');
  assert.deepEqual(ids(h), ['4', '3', '2', '1']);
});

test('initial sort from the options (CLI --sort/--reverse)', async (t) => {
  const h = start(t, { sortBy: 'RPS', reverse: true });
  await twoTicks(h);
  assert.deepEqual(ids(h), ['4', '3', '2', '1']);
});

test('totals row toggles with t', async (t) => {
  const h = start(t);
  await twoTicks(h);
  assert.ok(!ids(h).includes('Σ'));
  await h.press('t');
  const rows = body(h);
  assert.equal(ids(h).at(-1), 'Σ');
  assert.match(rows.at(-1)!, /\s106\s/);
  assert.match(rows.at(-1)!, /\s100\s/);
  assert.match(rows.at(-1)!, /busy:1/);
  assert.match(rows.at(-1)!, /\s4w\s/);
  await h.press('t');
  assert.ok(!ids(h).includes('Σ'));
});

test('cores: a cycles hidden → merged → listed → hidden; u shows unused cores', async (t) => {
  const h = start(t);
  const o: SynthOptions = { workers: 3, cores: 3 };
  await twoTicks(h, o);
  assert.deepEqual(ids(h), ['1', '2', '3']);
  await h.press('a');
  assert.match(h.lines()[headRow(h)]!, /CORE/);
  assert.deepEqual(ids(h), ['1:0', '1:1', '2:0', '2:1', '3:0', '3:1']);
  // busy only where that core is in a request (worker 2 is busy, core 0 in a request)
  assert.equal(cell(h, 2, 'STATUS'), 'busy');
  assert.equal(cell(h, 3, 'STATUS'), 'idle');
  assert.equal(cell(h, 0, 'STATUS'), 'idle');
  assert.match(h.lines()[3]!, /cores: merged/);
  await h.press('u');
  assert.deepEqual(ids(h), ['1:0', '1:1', '1:2', '2:0', '2:1', '2:2', '3:0', '3:1', '3:2']);
  await h.press('u');
  await h.press('a');
  assert.match(h.lines()[headRow(h)]!, /WID/);
  assert.deepEqual(ids(h), ['1', '└0', '└1', '2', '└0', '└1', '3', '└0', '└1']);
  assert.match(h.lines()[3]!, /cores: listed/);
  await h.press('a');
  assert.deepEqual(ids(h), ['1', '2', '3']);
});

test('help overlay lists every key map entry; it scrolls on 80x24', async (t) => {
  const h = start(t, { cols: 120, rows: 40 });
  await twoTicks(h);
  await h.press('?');
  const text = h.text();
  for (const b of KEYMAP) {
    assert.ok(text.includes(b.name), `help misses key ${b.name}`);
    assert.ok(text.includes(b.help), `help misses '${b.help}'`);
  }
  await h.press('\x1b');
  await h.waitFor(() => !h.text().includes(KEYMAP[0]!.help), 'help closed');

  const s = start(t, { cols: 80, rows: 24 });
  await twoTicks(s);
  await s.press('?');
  assert.ok(s.text().includes(KEYMAP[0]!.help));
  const last = KEYMAP.at(-1)!;
  assert.ok(!s.text().includes(last.help), 'the last entry needs scrolling on 80x24');
  for (let i = 0; i < 5 && !s.text().includes(last.help); i++) await s.press(' ');
  assert.ok(s.text().includes(last.help), 'scrolling reaches the last entry');
  // every entry was on screen at some point: check the tail page has the rest
  await s.press('q');
  await s.waitFor(() => headRow(s) >= 0, 'help closed with q (not quitting)');
  assert.equal(s.exitCode, undefined);
});

test('footer hints come from the key map', async (t) => {
  const h = start(t, { cols: 200, rows: 50 });
  await twoTicks(h);
  const footer = h.lines().at(-1)!;
  const expected = footerHints('main').map((x) => `${x.key} ${x.label}`).join('  ');
  assert.equal(footer, expected);
  const s = start(t);
  await twoTicks(s);
  const small = s.lines().at(-1)!;
  assert.ok(expected.startsWith(small), `80-col footer '${small}' is a prefix of the key map hints`);
  assert.ok(small.length <= 80 && small.startsWith('q quit  ? help'));
  await s.press('j');
  await s.press('\r');
  assert.equal(s.lines().at(-1)!, footerHints('detail').map((x) => `${x.key} ${x.label}`).join('  '));
});

function assertNoWrap(h: Harness): void {
  const b = h.term.buffer.active;
  for (let i = 0; i < h.term.rows; i++) assert.ok(!b.getLine(i)!.isWrapped, `line ${i} is a wrapped continuation:\n${h.text()}`);
}

test('80x24: the essential columns are visible, nothing wraps, the table scrolls with the selection', async (t) => {
  const h = start(t);
  const o: SynthOptions = { workers: 30, cores: 1 };
  await twoTicks(h, o);
  const head = h.lines()[headRow(h)]!;
  for (const title of ['WID', '%', 'PID', 'REQ', 'RPS', 'EXC', 'STATUS', 'AVG', 'RSS', 'TX']) assert.ok(new RegExp(`(^|\\s)[▲▼]?${title.replace('%', '\\%')}(\\s|$)`).test(head), `${title} missing in '${head}'`);
  assertNoWrap(h);
  assert.equal(h.lines().length, 24);
  // The event log (on by default) takes its share (40 %) of the 18 rows under the table title.
  assert.equal(body(h).length, 18 - 7);
  assert.equal(scrollMark(h), '1-11/30');
  assertWholeRows(h);
  assert.ok(h.text().includes('Events ('));
  await h.press('G');
  assert.equal(ids(h).at(-1), '30', 'the selection stays visible in the shorter table');
  await h.press('g');
  await h.press('e');
  await h.waitFor(() => !h.text().includes('Events ('), 'e hides the event log');
  const rows = body(h);
  assert.equal(rows.length, 24 - 3 - 1 - 1 - 1, 'the table takes the rows back');
  assert.equal(scrollMark(h), '1-18/30');
  assertWholeRows(h);
  await h.press('G');
  assert.equal(ids(h).at(-1), '30');
  assert.equal(ids(h)[0], '13');
  await h.press('g');
  assert.equal(ids(h)[0], '1');
  assertNoWrap(h);
});

test('200x50: every worker column, the event log pane, nothing wraps', async (t) => {
  const h = start(t, { cols: 200, rows: 50 });
  await twoTicks(h);
  const head = h.lines()[headRow(h)]!;
  for (const c of WORKER_COLUMNS) assert.ok(head.includes(c.title), `${c.title} missing in '${head}'`);
  assert.ok(h.text().includes('Events ('));
  assertNoWrap(h);
});

test('live resize drops and restores columns by priority', async (t) => {
  const h = start(t, { cols: 200, rows: 50 });
  await twoTicks(h);
  assert.ok(h.lines()[headRow(h)]!.includes('LastSpwn'));
  h.out.resizeTo(80, 24);
  await h.waitFor(() => !h.text().includes('LastSpwn') && h.lines()[23]!.startsWith('q quit'), 'the 80x24 layout');
  assert.ok(!h.lines()[headRow(h)]!.includes('VSZ'));
  assert.ok(h.lines()[headRow(h)]!.includes('RPS'));
  assertNoWrap(h);
  h.out.resizeTo(132, 40);
  await h.waitFor(() => h.text().includes('LastSpwn') && h.lines()[39]!.startsWith('q quit'), 'the 132x40 layout');
  assertNoWrap(h);
  h.out.resizeTo(40, 12);
  await h.waitFor(() => !h.text().includes('REQ ') || h.lines()[11]!.startsWith('q quit'), 'a tiny layout');
  assertNoWrap(h);
  assert.equal(h.exitCode, undefined, 'still running after shrinking');
});

test('filter: / then text keeps matching rows (pid, id, status); Esc clears', async (t) => {
  const h = start(t);
  await twoTicks(h);
  await h.press('/');
  assert.match(h.lines()[3]!, /filter: ▏/);
  for (const ch of '1002') await h.press(ch);
  assert.deepEqual(ids(h), ['3']);
  assert.match(h.lines()[3]!, /filter: 1002/);
  await h.press('\r');
  assert.match(h.lines()[3]!, /filter "1002"/);
  assert.match(h.lines()[3]!, /1\/4 match/);
  // the filter holds across reads
  await h.src.resolve(synth(2, W4));
  await h.waitFor(() => h.lines()[0]!.includes('req 206'), 'the third read');
  assert.deepEqual(ids(h), ['3']);
  await h.press('\x1b');
  assert.deepEqual(ids(h), ['1', '2', '3', '4']);
  await h.press('/');
  for (const ch of 'busy') await h.press(ch);
  assert.deepEqual(ids(h), ['2']);
  await h.press('\x7f'); // backspace
  await h.press('\x7f');
  await h.press('\x7f');
  await h.press('\x7f');
  assert.deepEqual(ids(h), ['1', '2', '3', '4']);
  await h.press('zz');
  await h.waitFor(() => h.text().includes('no rows match "zz"'), 'the empty-filter hint');
  await h.press('\x1b');
  assert.deepEqual(ids(h), ['1', '2', '3', '4']);
});

test('Enter that ends the filter prompt does not also open the selected row', async (t) => {
  const h = start(t);
  await twoTicks(h);
  await h.press('j');
  await h.press('/');
  await h.press('1');
  await h.press('\r');
  assert.match(h.lines()[3]!, /filter "1"/);
  assert.ok(headRow(h) >= 0, 'still on the table');
  assert.ok(!h.text().includes('Worker 2'));
  await h.press('\r');
  await h.waitFor(() => h.text().includes('Worker 2'), 'a second Enter opens the row');
});

test('the merged cores table keeps its own sort direction: P or r in the worker table does not turn it, nor r in it the workers', async (t) => {
  const h = start(t);
  await twoTicks(h);
  await h.press('P');
  assert.match(h.lines()[headRow(h)]!, /▼RPS/);
  await h.press('a');
  await h.waitFor(() => h.text().includes('cores: merged'), 'cores merged');
  assert.match(h.lines()[headRow(h)]!, /▲CORE/, 'the cores table in its own direction, not the workers\' ▼');
  await h.press('1'); // the sorted column again: its direction flips (the cores table's, not the workers')
  assert.match(h.lines()[headRow(h)]!, /▼CORE/);
  await h.press('r');
  assert.match(h.lines()[headRow(h)]!, /▲CORE/);
  await h.press('r');
  assert.match(h.lines()[headRow(h)]!, /▼CORE/);
  await h.press('a');
  await h.press('a');
  await h.waitFor(() => h.text().includes('cores: hidden'), 'cores hidden');
  assert.match(h.lines()[headRow(h)]!, /▼RPS/, 'r in the cores table left the workers\' direction');
  await h.press('r');
  assert.match(h.lines()[headRow(h)]!, /▲RPS/);
  await h.press('a');
  await h.waitFor(() => h.text().includes('cores: merged'), 'cores merged again');
  assert.match(h.lines()[headRow(h)]!, /▼CORE/, 'r in the worker table left the cores\' direction');
});

test('the selection stays on its worker when a merges or lists the cores and back (not on the row at its index)', async (t) => {
  const h = start(t);
  await twoTicks(h);
  await h.press('j');
  await h.press('j'); // worker 3
  for (const mode of ['merged', 'listed', 'hidden']) {
    await h.press('a');
    await h.waitFor(() => h.text().includes(`cores: ${mode}`), `cores ${mode}`);
    await h.press('\r');
    await h.waitFor(() => /Worker \d+ {2}pid \d+/.test(h.text()), `the detail page (cores ${mode})`);
    assert.match(h.text(), /Worker 3 {2}pid 1002/, `cores ${mode}: the selected row is worker 3's`);
    await h.press('\x1b');
  }
});

test('a row is always selected: the first initially, Enter opens it at once; it follows its worker and clamps', async (t) => {
  const h = start(t);
  await h.src.resolve(synth(0, W4));
  await h.waitFor(() => ids(h).length === 4, 'the first read');
  const inverse = (row: number): boolean => h.term.buffer.active.getLine(headRow(h) + 1 + row)!.getCell(2)!.isInverse() !== 0;
  assert.deepEqual([0, 1, 2, 3].map(inverse), [true, false, false, false], 'the first row is selected on a fresh screen');
  await h.press('\r');
  await h.waitFor(() => /Worker 1 {2}pid 1000/.test(h.text()), 'Enter opens the first row right away');
  await h.press('\x1b');
  await h.press('j'); // worker 2
  await h.src.resolve(synth(1, W4));
  await h.waitFor(() => h.lines()[0]!.includes('req 106'), 'the second read');
  assert.deepEqual([0, 1, 2, 3].map(inverse), [false, true, false, false], 'the selection holds across a read');
  await h.press('P'); // RPS descending: 4 3 2 1 — worker 2 is now the third row
  assert.deepEqual(ids(h), ['4', '3', '2', '1']);
  assert.deepEqual([0, 1, 2, 3].map(inverse), [false, false, true, false], 'the selection follows its worker through a re-sort');
  await h.press('\x1b');
  assert.ok(inverse(2), 'Esc keeps the selection');

  // The selected worker vanishes: the selection stays at its place (clamped), not back to the top.
  const c = start(t);
  await twoTicks(c);
  await c.press('j');
  await c.press('j'); // worker 3, the third row
  const cInverse = (row: number): boolean => c.term.buffer.active.getLine(headRow(c) + 1 + row)!.getCell(2)!.isInverse() !== 0;
  assert.ok(cInverse(2));
  const gone = synth(2, W4);
  gone.doc.workers.splice(2, 1); // worker 3 is gone
  await c.src.resolve(gone);
  await c.waitFor(() => ids(c).length === 3, 'the table without worker 3');
  assert.deepEqual(ids(c), ['1', '2', '4']);
  assert.deepEqual([0, 1, 2].map(cInverse), [false, false, true], 'the row now at the vanished row\'s place is selected');
  await c.press('\r');
  await c.waitFor(() => /Worker 4 {2}pid 1003/.test(c.text()), 'Enter opens it');
  await c.press('\x1b');
  const two = synth(3, W4);
  two.doc.workers.splice(1, 3); // only worker 1 is left: clamp to the last row
  await c.src.resolve(two);
  await c.waitFor(() => ids(c).length === 1, 'one row left');
  assert.ok(cInverse(0), 'clamped to the last row');
});

test('pause: the display holds while reads continue; resume shows the latest', async (t) => {
  const h = start(t);
  await twoTicks(h);
  await h.press('p');
  assert.match(h.lines()[3]!, /PAUSED/);
  const before = h.lines().slice(4).join('\n');
  await h.feed(synth(2, W4));
  await h.feed(synth(3, W4)); // reads continue while paused
  assert.equal(h.lines().slice(4).join('\n'), before, 'table unchanged while paused');
  assert.match(h.lines()[0]!, /req 106 /);
  await h.press('p');
  assert.match(h.lines()[0]!, /req 306 /);
  assert.doesNotMatch(h.lines()[3]!, /PAUSED/);
});

test('connection loss: STALE with age and message, retries, recovery after a server restart', async (t) => {
  const h = start(t);
  await twoTicks(h);
  const good = h.clock.now;
  await h.src.reject(new StatsError('REFUSED', 'nothing is listening on 127.0.0.1:9 (connection refused)'));
  await h.waitFor(() => h.lines()[3]!.includes('STALE'), 'the STALE marker');
  assert.match(h.lines()[3]!, /STALE 0\.0s/);
  assert.match(h.lines()[3]!, /nothing is listening on 127\.0\.0\.1:9/);
  assert.deepEqual(ids(h), ['1', '2', '3', '4'], 'last good data kept');
  h.clock.now = good + 12_000;
  await h.src.reject(new StatsError('REFUSED', 'nothing is listening on 127.0.0.1:9 (connection refused)'));
  // past --stale (5 s): the stale verdict takes the line under the header, the status line moves down one
  await h.waitFor(() => h.lines()[4]!.includes('STALE 12s'), 'the STALE age');
  assert.match(h.lines()[3]!, /^diagnosis (\[1 of \d+, ! lists all\] )?stale: no fresh read for 12s/);
  assert.match(h.lines()[4]!, /retry in/);
  assert.equal(h.exitCode, undefined);
  // The server comes back restarted: new master pid, new worker pids, lower counters.
  h.clock.now = good + 14_000;
  const restarted: SynthOptions = { workers: 4, cores: 2, masterPid: 4242, pidBase: 7000 };
  await h.src.resolve(synth(1, restarted));
  await h.waitFor(() => h.text().includes('7003'), 'data after the restart');
  assert.doesNotMatch(h.text(), /STALE|stale:/);
  assert.match(h.lines()[0]!, /RPS - /, 'no rate across a restart');
  for (let r = 0; r < 4; r++) assert.equal(cell(h, r, 'RPS'), '-');
  await h.src.resolve({ ...synth(2, restarted), at: synth(1, restarted).at + 1000 });
  await h.waitFor(() => h.lines()[0]!.includes('RPS 100'), 'rates again');
  for (let r = 0; r < 4; r++) assert.ok(!cell(h, r, 'RPS').startsWith('-'));
});

test('no data yet: a failing first read says so and keeps retrying', async (t) => {
  const h = start(t);
  await h.src.reject(new StatsError('NO_SOCKET', 'no such socket file: /tmp/test.sock'));
  await h.waitFor(() => h.text().includes('NO DATA'), 'the NO DATA marker');
  assert.ok(h.text().includes('no such socket file'));
  await h.src.resolve(synth(0, W4));
  await h.waitFor(() => ids(h).length === 4, 'data once the server is up');
});

test('event log pane shows respawns and connection events', async (t) => {
  const h = start(t, { cols: 120, rows: 40 });
  await twoTicks(h);
  const respawn = synth(2, W4);
  respawn.doc.workers[1]!.pid = 9001;
  respawn.doc.workers[1]!.respawn_count = Number(respawn.doc.workers[1]!.respawn_count ?? 1) + 1; // as uWSGI counts a respawn
  await h.src.resolve(respawn);
  await h.waitFor(() => h.text().includes('worker 2 respawned (pid 1001 -> 9001)'), 'the respawn event');
  await h.src.reject(new StatsError('TIMEOUT', 'no answer within 5 s'));
  await h.waitFor(() => h.text().includes('connection lost: no answer within 5 s'), 'the lost event');
  await h.src.resolve(synth(3, W4));
  await h.waitFor(() => h.text().includes('connection restored'), 'the restored event');
  assert.match(h.text(), /Events \(\d+\)/);
});

/** Braille cells (U+2800–U+28FF, what blessed-contrib's line chart draws with) in a string. */
const BRAILLE = /[\u2800-\u28ff]/g;
const IS_BRAILLE = /[\u2800-\u28ff]/;
/** A braille cell of a plotted line (not the axes ⡇ ⠓ ⠒). */
const isDot = (ch: string): boolean => IS_BRAILLE.test(ch) && !'⡇⠓⠒'.includes(ch);

test('chart: c draws blessed-contrib braille line charts of total RPS and listen queue, at 80x24 too', async (t) => {
  const s = start(t);
  await twoTicks(s);
  assert.ok(s.text().includes('Events ('), 'the event log shows at 80x24');
  await s.press('c');
  await s.waitFor(() => s.text().includes('Total RPS'), 'the chart at 80x24');
  assert.ok(!/30\+ rows/.test(s.text()));
  assert.equal(body(s).length, 4, 'every worker row still shows');
  assert.ok(s.text().includes('Events ('), 'the event log below the chart');

  const h = start(t, { cols: 100, rows: 40 });
  // Total RPS 100, 300, 500, 700, 900 (a rising line); listen queue 0 1 2 0 1 2.
  const at = (k: number): SynthOptions => ({ ...W4, listenQueue: k % 3, requests: (i, tick) => (i + 1) * 10 * tick * tick });
  for (let k = 0; k < 6; k++) {
    h.clock.now = T0 + k * 1000;
    await h.feed(synth(k, at(k)));
  }
  assert.ok(h.text().includes('Events ('));
  assert.ok(!IS_BRAILLE.test(h.out.raw), 'nothing is charted before c');
  await h.press('c');
  const lines = h.lines();
  const ti = lines.findIndex((l) => l.startsWith('Total RPS'));
  assert.ok(ti > headRow(h), `the chart title under the table:\n${h.text()}`);
  assert.match(lines[ti]!, /^Total RPS {2}now 900 {2}max 900 {2}\(6 reads\)\s+Listen queue {2}now 2 {2}max 2\s*$/);
  const ei = lines.findIndex((l) => l.startsWith('Events ('));
  assert.ok(ei > ti + 7, `the event log below the chart when narrow:\n${h.text()}`);
  const pane = lines.slice(ti + 1, ei);
  const lqLeft = lines[ti]!.indexOf('Listen queue');
  // The RPS line rises through several rows (besides the axes ⡇ and ⠓⠒).
  const plotted = (from: number, to: number): number =>
    pane.filter((l) => [...l.slice(from, to)].some(isDot)).length;
  assert.ok(plotted(0, lqLeft) >= 4, `the RPS line spans rows:\n${pane.join('\n')}`);
  assert.ok(plotted(lqLeft, 100) >= 2, `the listen-queue line spans rows:\n${pane.join('\n')}`);
  // Axis labels: y steps of 250 up to 1000 for RPS; the reads' clock times on the x axis.
  assert.ok(pane.some((l) => /^\s*750\s*⡇/.test(l)), `y labels:\n${pane.join('\n')}`);
  assert.ok(pane.some((l) => l.includes(localClock(T0 + 1000))), `x labels:\n${pane.join('\n')}`);
  // With colour: the RPS line is green, the listen-queue line yellow.
  const colours = new Set<string>();
  for (let y = ti + 1; y < ei; y++) {
    const line = h.term.buffer.active.getLine(y)!;
    for (let x = 0; x < h.term.cols; x++) {
      const c = line.getCell(x)!;
      const ch = c.getChars();
      if (isDot(ch) && c.isFgPalette()) colours.add(`${x < lqLeft ? 'rps' : 'lq'}:${c.getFgColor()}`);
    }
  }
  assert.deepEqual([...colours].sort(), ['lq:3', 'rps:2']);
  h.out.resizeTo(200, 50);
  await h.waitFor(() => h.text().includes('Events (') && h.text().includes('Total RPS'), 'chart and events side by side');
  const wide = h.lines();
  const wt = wide.findIndex((l) => l.startsWith('Total RPS'));
  assert.ok(wide.slice(wt + 1).some((l) => (l.match(BRAILLE) ?? []).length > 20), 'the chart is redrawn at the new size');
  await h.press('c');
  await h.waitFor(() => !h.text().includes('Total RPS'), 'c again hides the chart');
  assert.ok(!(h.text().match(BRAILLE) ?? []).length, 'no chart left on screen');
});

test('chart: rows stay aligned while the line runs along the right edge (no wrapped chart lines)', async (t) => {
  const h = start(t, { cols: 150, rows: 45 });
  let x = 12345;
  const rnd = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const req = [0, 0, 0, 0];
  let checked = 0;
  for (let k = 0; k < 60; k++) {
    for (let i = 0; i < 4; i++) req[i]! += Math.floor(rnd() * 40);
    const now = [...req];
    h.clock.now = T0 + k * 1000;
    await h.feed(synth(k, { ...W4, listenQueue: k % 4, requests: (i) => now[i]! }));
    if (k === 1) await h.press('c');
    if (k < 3) continue;
    const lines = h.lines();
    const ti = lines.findIndex((l) => l.startsWith('Total RPS'));
    assert.ok(ti > 0, 'the chart is on');
    const lqLeft = lines[ti]!.indexOf('Listen queue');
    // Every chart row but the x-axis and x-label rows starts with a y label area and the y axis,
    // in the same column; the listen-queue chart's axis sits in one column too.
    const rows = lines.slice(ti + 1, lines.length - 3);
    const axis = new Set(rows.map((l) => l.indexOf('⡇')));
    assert.equal(axis.size, 1, `RPS axis column differs between rows at read ${k}:\n${lines.slice(ti).join('\n')}`);
    assert.ok(rows.every((l) => /^[ 0-9.]*⡇/.test(l)), `a shifted chart row at read ${k}:\n${lines.slice(ti).join('\n')}`);
    assert.equal(new Set(rows.map((l) => l.indexOf('⡇', lqLeft))).size, 1, `listen-queue axis at read ${k}:\n${lines.slice(ti).join('\n')}`);
    assert.match(lines.at(-3)!, /^\s*⠓⠒+/, 'the x axis is the third line from the bottom');
    checked++;
  }
  assert.equal(checked, 57);
});

test('detail view: Enter on a row, figures, sparklines, cores, apps; Esc and q go back', async (t) => {
  const h = start(t, { cols: 100, rows: 30 });
  await twoTicks(h);
  await h.press('j');
  await h.press('\r');
  let text = h.text();
  assert.match(text, /Worker 2 {2}pid 1001/);
  assert.match(text, /status busy/);
  assert.match(text, /RPS 20\.0/);
  assert.match(text, /Cores 1 \(1 unused hidden, u shows\)/);
  assert.match(text, /2:0 .* busy/);
  assert.match(text, /Apps 1/);
  assert.match(text, /\/srv\/app/);
  assert.match(text, /RPS\s+ +[▁▂▃▄▅▆▇█]+ 20\.0/);
  await h.src.resolve(synth(2, W4));
  await h.waitFor(() => /RPS\s+ +[▁▂▃▄▅▆▇█]{2,} 20\.0/.test(h.text()), 'the sparkline growing');
  await h.press('u');
  assert.match(h.text(), /Cores 2\b/);
  await h.press('q');
  assert.equal(h.exitCode, undefined, 'q in the detail view goes back');
  assert.ok(headRow(h) >= 0);
  await h.press('\r');
  text = h.text();
  assert.match(text, /Worker 2/);
  await h.press('\x1b');
  assert.ok(headRow(h) >= 0);
});

test('detail of a worker that disappears keeps its last figures, marked', async (t) => {
  const h = start(t);
  await twoTicks(h);
  await h.press('G');
  await h.press('\r');
  assert.match(h.text(), /Worker 4/);
  await h.src.resolve(synth(2, { workers: 3, cores: 2 }));
  await h.waitFor(() => h.text().includes('not in the latest read'), 'the gone marker');
  assert.match(h.text(), /Worker 4/);
});

test('Emperor document: emperor header and vassal table', async (t) => {
  const h = start(t);
  await h.src.resolve(synthEmperor(3));
  await h.waitFor(() => h.text().includes('app3.ini'), 'the vassals');
  const head = h.lines().slice(0, 3).join('\n');
  assert.match(head, /uWSGI Emperor 2\.0\.21-debian/);
  assert.match(head, /tyrant yes/);
  assert.match(head, /vassals 3/);
  assert.match(head, /emperor \/etc\/uwsgi\/vassals/);
  assert.match(h.lines()[headRow(h)]!, /VASSAL\s+PID/);
  assert.deepEqual(ids(h), ['app1.ini', 'app2.ini', 'app3.ini']);
  await h.press('/');
  for (const ch of 'app2') await h.press(ch);
  assert.deepEqual(ids(h), ['app2.ini']);
});

test('statuses verbatim, distinguishable by text and colour', async (t) => {
  const h = start(t);
  const statuses = ['idle', 'busy', 'cheap', 'pause', 'sig', 'weird\x1b'];
  await twoTicks(h, { workers: statuses.length, cores: 1, status: (i) => statuses[i]! });
  const shown = [0, 1, 2, 3, 4, 5].map((r) => cell(h, r, 'STATUS'));
  assert.deepEqual(shown, ['idle', 'busy', 'cheap', 'pause', 'sig', 'weird…']); // 'weird\x1b' is clipped whole, never inside the escape
  // colour: the STATUS cells of idle, busy, cheap, pause, sig differ pairwise in foreground colour or bold
  const head = h.lines()[headRow(h)]!;
  const x = head.indexOf('STATUS');
  const y0 = headRow(h) + 1;
  const style = (r: number): string => {
    const c = h.term.buffer.active.getLine(y0 + r)!.getCell(x)!;
    return `${c.getFgColorMode()}:${c.getFgColor()}:${c.isBold()}`;
  };
  const styles = [0, 1, 2, 3, 4].map(style);
  assert.equal(new Set(styles).size, 5, `styles ${styles.join(' ')}`);
});

test('no-color mode emits no SGR colour codes (and colour mode does)', async (t) => {
  for (const color of [false, true]) {
    const h = start(t, { color, cols: 200, rows: 50 });
    const statuses = ['idle', 'busy', 'cheap', 'pause', 'sig'];
    await twoTicks(h, { workers: 5, cores: 2, status: (i) => statuses[i]!, listenQueue: 3 });
    await h.press('t');
    await h.press('c');
    await h.waitFor(() => (h.text().match(BRAILLE) ?? []).length > 20, 'the braille chart');
    await h.press('j');
    await h.press('?');
    await h.press('\x1b');
    await h.src.reject(new StatsError('REFUSED', 'refused'));
    await h.waitFor(() => h.text().includes('STALE'), 'stale');
    await h.press('p');
    await h.press('\r');
    await h.waitFor(() => h.text().includes('Worker'), 'detail');
    const sgr = colourSgr(h.out.raw);
    if (color) assert.ok(sgr.length > 0, 'colour mode uses colours');
    else assert.deepEqual(sgr, [], 'no colour codes with color: false');
    await h.quit();
  }
});

test('a render that throws is shown in the status line and the monitor keeps going', async (t) => {
  let boom = false;
  const h = start(t, {
    hooks: {
      beforeRender: () => {
        if (boom) throw new Error('boom\nwith a second line');
      },
    },
  });
  await twoTicks(h);
  boom = true;
  await h.src.resolve(synth(2, W4));
  await h.waitFor(() => h.text().includes('render error: boom'), 'the render error');
  assert.ok(h.frames.some((f) => f.error === 'boom'));
  assert.ok(!h.text().includes('second line'));
  boom = false;
  h.clock.now += 20_000; // the error message expires
  await h.src.resolve(synth(3, W4));
  await h.waitFor(() => h.lines()[0]!.includes('req 306') && !h.text().includes('render error'), 'recovery');
  assert.equal(h.exitCode, undefined);
});

test('mouse: a click selects a row, a second click opens it, a click on a title sorts', async (t) => {
  const h = start(t);
  await twoTicks(h);
  const y = headRow(h) + 1 + 2; // third worker row (0-based screen row)
  // What xterm sends for a left click in the modes blessed enables (1000/1002/1003 + 1005 UTF-8
  // coordinates): ESC [ M, button+32, x+33, y+33; release is button 3.
  const enc = (n: number): string => String.fromCharCode(n + 33);
  // Press and release arrive as separate reads, as from a terminal; the release makes the click.
  const click = async (x: number, yy: number): Promise<void> => {
    h.inp.write(`\x1b[M ${enc(x)}${enc(yy)}`);
    await h.press(`\x1b[M#${enc(x)}${enc(yy)}`);
  };
  await click(5, y);
  const c = h.term.buffer.active.getLine(y)!.getCell(2)!;
  assert.ok(c.isInverse(), 'the clicked row is highlighted');
  await click(5, y);
  await h.waitFor(() => h.text().includes('Worker 3'), 'the detail after a second click');
  await h.press('\x1b');
  const head = h.lines()[headRow(h)]!;
  await click(head.indexOf('RPS'), headRow(h));
  assert.match(h.lines()[headRow(h)]!, /RPS/);
  assert.notDeepEqual(ids(h), []);
  assert.match(h.lines()[3]!, /sort by RPS/);
});

test('quit: q and Ctrl-C resolve 0, restore the terminal, abort the read in flight, leave no timers', async (t) => {
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
  const base = timers();
  const h = start(t);
  await twoTicks(h);
  await h.src.next(); // a read is now in flight and stays so
  assert.equal(await h.quit(), 0);
  assert.equal(h.src.aborted, 1, 'the read in flight was aborted');
  await h.waitFor(() => true, 'output parsed');
  assert.equal(h.term.buffer.active.type, 'normal', 'back on the normal screen');
  const tail = h.out.raw.slice(h.out.raw.lastIndexOf('\x1b[?1049l') - 200);
  assert.ok(h.out.raw.lastIndexOf('\x1b[?1049l') > h.out.raw.lastIndexOf('\x1b[?1049h'), 'alternate screen left');
  assert.ok(tail.includes('\x1b[?25h'), 'cursor shown');
  assert.ok(h.out.raw.lastIndexOf('\x1b[?1000l') > h.out.raw.lastIndexOf('\x1b[?1000h'), 'mouse reporting off');
  assert.equal(h.inp.isRaw, false, 'raw mode off');
  const frames = h.frames.length;
  h.out.resizeTo(100, 30);
  h.inp.write('j');
  await new Promise((r) => setImmediate(r));
  assert.equal(h.frames.length, frames, 'nothing draws after exit');
  assert.ok(timers() <= base, `timers left behind: ${process.getActiveResourcesInfo().join(',')}`);

  let exitSeen: number | undefined;
  const c = start(t, { onExit: (code) => (exitSeen = code) });
  await c.src.resolve(synth(0, W4));
  await c.waitFor(() => ids(c).length === 4, 'data');
  c.inp.write('\x03');
  assert.equal(await c.done, 0);
  assert.equal(exitSeen, 0);
});

test('fast refresh: f reschedules the next read at 0.1 s', async (t) => {
  const h = start(t, { frequencyMs: 60_000 });
  await h.src.resolve(synth(0, W4));
  await h.waitFor(() => ids(h).length === 4, 'data');
  await h.press('f');
  assert.match(h.lines()[3]!, /every 0\.1s \(fast\)/);
  await h.src.next(3000); // would take a minute without fast refresh
  await h.press('f');
  assert.match(h.lines()[3]!, /every 60s/);
});

test('hostile strings from the server cannot inject escapes', async (t) => {
  const h = start(t);
  const s = synth(0, W4);
  s.doc.cwd = '/srv/\x1b[2J\x1b]0;pwned\x07app';
  s.doc.version = '2.0{bold}x{/bold}';
  await h.src.resolve(s);
  await h.waitFor(() => ids(h).length === 4, 'data');
  assert.match(h.text(), /cwd \/srv\/\\x1b\[2J\\x1b\]0;pwned\\x07app/);
  assert.match(h.text(), /uWSGI 2\.0\{bold\}x\{\/bold\}/);
  assert.ok(!h.out.raw.includes('\x1b]0;pwned'));
});

test('2048 workers × 8 cores on 80x24: one screenful drawn, scroll position shown, End reaches the last', async (t) => {
  const h = start(t);
  const o: SynthOptions = { workers: 2048, cores: 8 };
  await h.feed(synth(0, o));
  await h.feed(synth(1, o));
  assert.equal(body(h).length, 11, 'the event log takes 7 of 18 rows');
  assert.equal(scrollMark(h), '1-11/2048');
  assertWholeRows(h);
  await h.press('P');
  // The selection (worker 1, the first row) follows its worker to the end of the RPS order.
  assert.equal(ids(h).at(-1), '1');
  assert.equal(scrollMark(h), '2038-2048/2048');
  assertWholeRows(h);
  await h.press('g');
  assert.equal(ids(h)[0], '2048');
  await h.press('G');
  assert.equal(ids(h).at(-1), '1');
  assertNoWrap(h);
});

test('restoreTerminal is idempotent, leaves the alternate screen and stops the monitor (exit 1)', async (t) => {
  const { restoreTerminal } = await import('../../src/tui/app.js');
  const h = start(t);
  await h.feed(synth(0, W4));
  restoreTerminal();
  restoreTerminal();
  assert.equal(await h.done, 1);
  await h.waitFor(() => h.term.buffer.active.type === 'normal', 'the normal screen');
  const frames = h.frames.length;
  h.out.resizeTo(90, 30);
  await new Promise((r) => setImmediate(r));
  assert.equal(h.frames.length, frames, 'no drawing after the terminal was restored');
});

test('T0 fixture clock sanity', () => {
  assert.equal(new Date(T0).toISOString(), '2025-01-15T12:00:00.000Z');
});
