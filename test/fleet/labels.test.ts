/**
 * Issue 14 point 10 in the fleet: two `/tmp/tsgitop-demo-*​/stats.sock`
 * targets read apart in batch text, in the TUI table, in the status line
 * and in the header of the monitor opened from the fleet; a long error in
 * the status line wraps onto a second line instead of being cut at 80.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { parseTargets, type Target } from '../../src/fleet/targets.js';
import type { TargetReader } from '../../src/fleet/poller.js';
import { buildFleetView } from '../../src/fleet/view.js';
import { renderFleetText } from '../../src/fleet/render.js';
import { synthDoc } from '../tui/synth.js';
import { startFleetHarness, type FleetHarness, type FleetHarnessOptions } from './harness.js';

const A = '/tmp/tsgitop-demo-rCRaG7/stats.sock';
const B = '/tmp/tsgitop-demo-Xy12ab/stats.sock';
const C = '/tmp/tsgitop-demo-Qq99zz/stats.sock';
const LONG_ERROR = `connection refused by ${C} (nothing listening there: is the app server running, and is its stats option set to this path?)`;

function targets(): Target[] {
  return parseTargets(`${A}\n${B}\n${C}\n`, 'fleet.txt');
}

test('fleet batch: sibling demo sockets read apart (middle ellipsis), no line wider than the width', () => {
  const now = Date.now();
  const [a, b, c] = targets();
  const view = buildFleetView({
    at: now,
    timing: { intervalMs: 1000 },
    targets: [
      { target: a!, cur: { doc: synthDoc(2, { workers: 2 }), at: now - 100 }, prev: { doc: synthDoc(1, { workers: 2 }), at: now - 1100 }, reads: 2 },
      { target: b!, cur: { doc: synthDoc(2, { workers: 2 }), at: now - 100 }, reads: 1 },
      { target: c!, error: { message: LONG_ERROR, at: now }, reads: 1 },
    ],
  });
  for (const width of [80, 120, 200]) {
    const lines = renderFleetText(view, { width }).split('\n');
    for (const l of lines) assert.ok(l.length <= width, `"${l}" fits ${width}`);
    const t = lines.findIndex((l) => l.startsWith('TARGET'));
    const cells = lines.slice(t + 1, t + 4).map((l) => l.slice(0, 16));
    assert.equal(new Set(cells).size, 3, `three distinct TARGET cells: ${JSON.stringify(cells)}`);
    for (const [cell, id] of [
      [cells[0]!, 'RaG7'],
      [cells[1]!, '12ab'],
      [cells[2]!, '99zz'],
    ] as const) {
      assert.ok(cell.includes('…') && cell.includes(id), `${JSON.stringify(cell)} keeps ${id}`);
      assert.ok(!cell.startsWith('/tmp/tsgitop-de'), cell);
    }
  }
});

function start(t: TestContext, o: FleetHarnessOptions): FleetHarness {
  const h = startFleetHarness(o);
  t.after(async () => {
    await h.quit();
  });
  return h;
}

const reader: TargetReader = async (target) => {
  if (target.label === C) throw new Error(LONG_ERROR);
  return { doc: synthDoc(1, { workers: 2 }), at: Date.now() };
};

test('fleet TUI at 80x24: distinct TARGET cells, the status line names the selected target and wraps its long error; the monitor header shows the short label', { timeout: 30_000 }, async (t) => {
  const h = start(t, { targets: targets(), read: reader, intervalMs: 100, color: false, cols: 80, rows: 24 });
  await h.waitFor(() => /DOWN/.test(h.text()) && (h.text().match(/\bup\b/g) ?? []).length >= 2, 'two up, one down');
  const rows = h.lines().filter((l) => l.includes('…') && /\s(up|DOWN)\s/.test(l));
  const cells = rows.map((l) => l.slice(0, 16));
  assert.equal(new Set(cells).size, 3, `three distinct TARGET cells:\n${h.text()}`);
  assert.ok(cells.some((c) => c.includes('RaG7')) && cells.some((c) => c.includes('12ab')) && cells.some((c) => c.includes('99zz')), cells.join('|'));
  const down = rows.find((l) => l.includes('DOWN'))!;
  assert.ok(down.endsWith('…') && down.length === 80, `the DOWN row's error is cut with a marker at 80 cells: ${JSON.stringify(down)}`);
  // Select the DOWN target (the third row): the status line names it and carries the whole error on two lines.
  await h.press('G');
  await h.waitFor(() => h.text().includes('stats option set to this path?)'), 'the end of the long error on screen');
  const lines = h.lines();
  const st = lines.findIndex((l) => l.includes('99zz') && l.includes('live'));
  assert.ok(st >= 0, `the status line names the selected target:\n${h.text()}`);
  const both = `${lines[st]} ${lines[st + 1]} ${lines[st + 2]}`.replace(/\s+/g, ' ');
  assert.ok(both.includes('(nothing listening there: is the app server running, and is its stats option set to this path?)'), `the error in full over the status lines:\n${h.text()}`);
  for (const l of lines) assert.ok(l.length <= 80);
  assert.ok(lines.some((l) => /^TARGET\s+STATE/.test(l)), 'the table title still shows');
  // The first target's monitor: its header names the node by its short label (the whole path fits 32 cells).
  await h.press('g');
  await h.press('\r');
  await h.waitFor(() => h.current() === 'monitor' && /WID/.test(h.text()), 'the monitor of the first target');
  assert.match(h.text(), /node \/tmp\/…[^ ]*-rCRaG7\/stats\.sock /, 'the header node: its short label, the telling part kept');
});
