/**
 * Issue 14 point 9: the chart and the event log appear on every common
 * terminal size (80x24, 100x30, 120x40), taking rows from the table, and a
 * tall terminal uses its rows: the table grows to fill, the panes take a
 * proportional share, rows a short table does not need go to the panes.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';
import { synth, type SynthOptions } from './synth.js';

function start(t: TestContext, o: HarnessOptions): Harness {
  const h = startHarness(o);
  t.after(async () => {
    await h.quit();
  });
  return h;
}

async function twoTicks(h: Harness, o: SynthOptions): Promise<void> {
  await h.src.resolve(synth(0, o));
  await h.waitFor(() => h.text().includes('RPS -'), 'the first read');
  await h.src.resolve(synth(1, o));
  await h.waitFor(() => /RPS [0-9]/.test(h.lines()[0] ?? ''), 'the second read');
}

const headRow = (lines: string[]): number => lines.findIndex((l) => /^\s*[▲▼]?WID\b/.test(l));
const row = (lines: string[], re: RegExp): number => lines.findIndex((l) => re.test(l));
/** Worker rows: lines after the title row starting with a worker id. */
const workerRows = (lines: string[]): number => {
  const i = headRow(lines);
  let n = 0;
  for (let j = i + 1; j < lines.length && /^\s*\d+\s/.test(lines[j]!); j++) n++;
  return n;
};

for (const [cols, rows] of [
  [80, 24],
  [100, 30],
  [120, 40],
] as const) {
  test(`${cols}x${rows}: c and e show the chart and the event log under a short table, no empty band`, async (t) => {
    const h = start(t, { cols, rows });
    await twoTicks(h, { workers: 4, cores: 1 });
    await h.press('c');
    await h.waitFor(() => h.text().includes('Total RPS') && h.text().includes('Events ('), 'chart and event log');
    const lines = h.lines();
    const head = headRow(lines);
    assert.equal(workerRows(lines), 4, `every worker shows:\n${h.text()}`);
    const chart = row(lines, /^Total RPS/);
    const events = row(lines, /^Events \(/);
    // The chart starts right under the table: no blank rows in between.
    assert.ok(lines.slice(head + 1, chart).every((l) => l.trim() !== ''), `no blank row between table and chart:\n${h.text()}`);
    assert.ok(events - chart >= 7, `the chart has rows for its plot:\n${h.text()}`);
    assert.ok(rows - 1 - events >= 4, `the event log has rows:\n${h.text()}`);
    assert.match(lines[rows - 1]!, /^q quit/);
    // The chart takes more rows on a taller terminal (a proportional share, the table's spare rows).
    assert.ok(events - chart >= Math.floor((rows - 10) * 0.5), `chart rows ${events - chart} at ${rows} rows`);
    // e hides the event log: the chart takes its rows; e again brings it back (the message says "on").
    await h.press('e');
    await h.waitFor(() => !h.text().includes('Events ('), 'e hides the event log');
    assert.ok(!/not shown/.test(h.text()), 'the event log was shown, "off" says nothing else');
    const solo = h.lines();
    assert.equal(workerRows(solo), 4);
    assert.ok(solo.slice(row(solo, /^Total RPS/) + 1, rows - 1).some((l) => /[\u2800-\u28ff]/.test(l)));
    await h.press('c');
    await h.waitFor(() => !h.text().includes('Total RPS'), 'c hides the chart');
    // No pane: the table area is the rest of the screen; with 4 workers the rows below are the table's.
    await h.press('e');
    await h.waitFor(() => h.text().includes('Events ('), 'e shows the event log again');
    assert.ok(!/30\+ rows|needed/.test(h.text()), `no "rows needed" message:\n${h.text()}`);
  });

  test(`${cols}x${rows}: a long table fills the screen; a pane takes a share and keeps the selection visible`, async (t) => {
    const h = start(t, { cols, rows });
    await twoTicks(h, { workers: 60, cores: 1 });
    const avail = rows - 1 - (headRow(h.lines()) + 1);
    // Event log on (the default): it takes 40 % of the rows under the table title, the table the rest.
    const withPane = avail - Math.round(avail * 0.4);
    assert.equal(workerRows(h.lines()), withPane, `table rows with the event log:\n${h.text()}`);
    assert.ok(withPane >= 3);
    await h.press('G');
    assert.match(h.lines().join('\n'), new RegExp(`\\s${60 - withPane + 1}-60/60`), 'the last row selected and in view');
    await h.press('e');
    await h.waitFor(() => !h.text().includes('Events ('), 'e hides the event log');
    assert.equal(workerRows(h.lines()), avail, `the table takes every row:\n${h.text()}`);
    assert.equal(h.lines()[rows - 2]!.trim() === '', false, 'the row above the footer is used');
  });
}
