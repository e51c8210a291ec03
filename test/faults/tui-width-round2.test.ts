/**
 * Hardening round 2, point 2 in the TUI: the monitor (under the headless
 * terminal harness, an xterm that measures cells like a real terminal) draws
 * worker statuses holding escapes, C1, bidi, CJK, emoji and combining marks
 * without a raw control reaching the terminal and without shifting the
 * columns after STATUS: the same sanitizer as batch, adapted to the screen
 * library's layout (emoji drawn as '?' per cell).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../tui/harness.js';
import { synth } from '../tui/synth.js';
import { HOSTILE, rawControls } from './output-helpers.js';
import { figure } from './mode.js';

test('output: TUI worker table keeps its columns with hostile, wide and combining statuses', { timeout: 60_000 }, async (t) => {
  const h = startHarness({ cols: 140, rows: 30, color: false });
  t.after(async () => {
    await h.quit();
  });
  const statuses = [...HOSTILE, 'idle'];
  const o = { workers: statuses.length, cores: 1, status: (i: number) => statuses[i]! };
  await h.src.resolve(synth(0, o));
  await h.waitFor(() => h.text().includes('RPS -'), 'the first read');
  await h.src.resolve(synth(1, o));
  await h.waitFor(() => h.lines().some((l) => /^\s*\d+\s/.test(l)) && /idle/.test(h.text()), 'the table');
  const lines = h.lines();
  const head = lines.findIndex((l) => /^\s*[▲▼]?WID\b/.test(l));
  assert.ok(head >= 0, h.text());
  const rows = lines.slice(head + 1, head + 1 + statuses.length);
  assert.equal(rows.length, statuses.length);
  // Where the column after STATUS (AVG) ends, in screen cells (xterm's buffer: one string index per cell here,
  // because the screen draws wide characters as '?').
  const avgEnd = (l: string): number => {
    const m = /\S+\s+(\S+)\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s*$/.exec(l);
    return m ? m.index + m[0].length : -1;
  };
  const ends = rows.map((l) => l.trimEnd().length);
  assert.equal(new Set(ends).size, 1, `every row ends in the same cell:\n${rows.join('\n')}`);
  assert.ok(rows.every((l) => avgEnd(l) > 0));
  assert.deepEqual(rawControls(h.out.raw.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-B]|\x1b[=>78M]|\x1b\][^\x07]*\x07|[\r\n]/g, '')), [], 'no control the server sent reaches the terminal');
  assert.ok(!h.out.raw.includes('pwned\x07'), 'the OSC never reaches the terminal');
  figure('output', 'tui widths', { rows: rows.length, rowCells: ends[0] });
});
