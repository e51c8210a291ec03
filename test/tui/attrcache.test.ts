import { test } from 'node:test';
import assert from 'node:assert/strict';
import blessed from 'blessed';
import fc from 'fast-check';
import { fastAttrs, lineAttrs, type AttrElement } from '../../src/tui/attrcache.js';
import { headlessScreen } from '../helpers/headless.js';

/** A headless blessed screen (PassThrough streams) with two boxes: one stock, one with fastAttrs. */
function setup(t: { after(fn: () => void): void }): { stock: AttrElement; fast: AttrElement; box: blessed.Widgets.BoxElement } {
  const screen = headlessScreen(t, 120, 20);
  const stock = blessed.box({ parent: screen, tags: true, wrap: false, width: 100, height: 10 });
  const box = blessed.box({ parent: screen, tags: true, wrap: false, width: 100, height: 10 });
  fastAttrs(box as unknown as AttrElement);
  return { stock: stock as unknown as AttrElement, fast: box as unknown as AttrElement, box };
}

const SAMPLE = [
  'plain line',
  '\x1b[1mbold\x1b[22m and \x1b[31mred\x1b[39m',
  '\x1b[1;33;44mstill open',
  'carried over \x1b[0m reset \x1b[7m',
  '\x1b[ not sgr \x1bx \x1b[38;5;200mx',
  '',
];

test('lineAttrs gives the same start attributes as blessed _parseAttr', (t) => {
  const { stock, fast } = setup(t);
  const want = stock._parseAttr(SAMPLE.slice());
  const got = fast._parseAttr(SAMPLE.slice());
  assert.ok(Array.isArray(want));
  assert.deepEqual(got, want);
  // Attributes really change across lines (the test can tell a wrong scan apart).
  assert.ok(new Set(want).size >= 3, `attrs ${JSON.stringify(want)}`);
});

test('lineAttrs matches blessed on random SGR-laden lines', (t) => {
  const { stock } = setup(t);
  const piece = fc.oneof(
    fc.constantFrom('\x1b[1m', '\x1b[22m', '\x1b[31m', '\x1b[39m', '\x1b[42m', '\x1b[0m', '\x1b[7m', '\x1b[4;35m', '\x1b[', '\x1b', '[1m', 'm'),
    fc.string({ maxLength: 5 }),
  );
  const line = fc.array(piece, { maxLength: 12 }).map((xs) => xs.join(''));
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), (lines) => {
      const want = stock._parseAttr(lines);
      const d = stock.sattr(stock.style);
      assert.deepEqual(lineAttrs(lines, d, (c, a, dd) => stock.screen.attrCode(c, a, dd)), want);
    }),
    { numRuns: 300 },
  );
});

test('fastAttrs reuses the result for the same lines and recomputes for new ones', (t) => {
  const { fast } = setup(t);
  const a = SAMPLE.slice();
  const r1 = fast._parseAttr(a);
  assert.equal(fast._parseAttr(a), r1, 'same lines array: cached result');
  const b = ['\x1b[31mred', 'next'];
  const r2 = fast._parseAttr(b);
  assert.notEqual(r2, r1);
  assert.equal(r2?.length, 2);
  assert.notEqual(r2?.[1], r2?.[0], 'red carried into the second line');
});

test('a box with fastAttrs renders the same screen as a stock box', (t) => {
  const { stock, box } = setup(t);
  const s = stock as unknown as blessed.Widgets.BoxElement;
  const content = '{bold}head{/bold} {red-fg}r{/red-fg}\n{yellow-fg}open\nline {inverse}x{/inverse}\n{green-bg}g{/green-bg}';
  s.setContent(content);
  box.setContent(content);
  const screen = box.screen as unknown as { render(): void; lines: [number, string][][] };
  screen.render();
  screen.render();
  // The two boxes overlap at the same place: draw each alone and compare the cells.
  const cells = (): string => JSON.stringify(screen.lines.slice(0, 4).map((l) => l.slice(0, 20)));
  box.hide();
  screen.render();
  const want = cells();
  box.show();
  s.hide();
  screen.render();
  assert.equal(cells(), want);
  assert.match(screen.lines[1]!.map((c) => c[1]).join(''), /^open/);
  assert.ok(new Set(screen.lines.slice(0, 4).flatMap((l) => l.map((c) => c[0]))).size >= 4, 'several attributes on screen');
});
