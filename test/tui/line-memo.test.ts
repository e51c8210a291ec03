/** src/tui/table.ts LineMemo and fastbox.ts's reuse of a styled line object: unchanged rows cost nothing, changed rows are new. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import blessed from 'blessed';
import { LineMemo, type Cell } from '../../src/tui/table.js';
import { fastBox, setLines, type Styled } from '../../src/tui/fastbox.js';
import { makeTheme } from '../../src/tui/theme.js';
import { headlessScreen } from '../helpers/headless.js';

const theme = makeTheme(true);
const cells = (...t: string[]): Cell[] => t.map((text) => ({ text, style: 'plain' }));
const build = (c: readonly Cell[]) => (): Styled => ({ texts: c.map((x) => x.text), opens: c.map(() => ''), closes: c.map(() => '') });

test('LineMemo: the same cells give the same line object; any difference builds a new one', () => {
  const m = new LineMemo();
  let built = 0;
  const line = (key: string, c: Cell[], width = 80, selected = false): Styled =>
    m.line(key, c, width, selected, 'plain', () => {
      built++;
      return build(c)();
    });
  m.frame('cols');
  const a = line('1', cells('1', 'idle'));
  const b = line('2', cells('2', 'busy'));
  m.frame('cols');
  assert.equal(line('1', cells('1', 'idle')), a, 'unchanged row: same object');
  assert.equal(built, 2);
  const b2 = line('2', cells('2', 'idle'));
  assert.notEqual(b2, b, 'changed text: new line');
  assert.deepEqual(b2.texts, ['2', 'idle']);
  assert.notEqual(line('1', cells('1', 'idle'), 60), a, 'another width: new line');
  assert.notEqual(line('1', cells('1', 'idle'), 80, true), a, 'selected: new line');
  const styled = m.line('1', [{ text: '1', style: 'plain' }, { text: 'idle', style: 'bad' }], 80, false, 'plain', build(cells('x')));
  assert.notEqual(styled, a, 'another style: new line');
  m.frame('other cols');
  assert.notEqual(line('2', cells('2', 'idle')), b2, 'columns changed: nothing kept');
  // A row not drawn in a frame is dropped.
  m.frame('other cols');
  line('3', cells('3'));
  m.frame('other cols');
  const before = built;
  line('2', cells('2', 'idle'));
  assert.equal(built, before + 1, 'row 2 was not drawn in the frame before: built anew');
});

test('fastBox draws a styled line object again from its cache only where it would draw the same cells', (t) => {
  const screen = headlessScreen(t, 30, 4);
  const box = blessed.box({ parent: screen, tags: true, wrap: false, top: 0, left: 0, width: 30, height: 3 });
  fastBox(box);
  const row: Styled = { texts: ['abc', ' ', 'def'], opens: ['', '', theme.open('bad')], closes: ['', '', theme.close('bad')] };
  const cellsOf = (y: number): string => (screen as unknown as { lines: [number, string][][] }).lines[y]!.slice(0, 8).map(([a, c]) => `${a}:${c}`).join(' ');
  setLines(box, [row, 'x']);
  screen.render();
  const first = [cellsOf(0), cellsOf(1)];
  // The same object on the same row: the same cells.
  setLines(box, [row, 'x']);
  screen.render();
  assert.deepEqual([cellsOf(0), cellsOf(1)], first);
  // The same object below a line that leaves another attribute (an escape in its text): drawn from that attribute,
  // as a new object would be, not from the cache.
  setLines(box, ['x', row]);
  screen.render();
  const plain = cellsOf(1);
  const fresh: Styled = { texts: [...row.texts], opens: [...row.opens], closes: [...row.closes] };
  setLines(box, ['\x1b[1mx', fresh]);
  screen.render();
  const want = cellsOf(1);
  assert.notEqual(want, plain, 'the carried attribute shows (else this proves nothing)');
  setLines(box, ['x', row]);
  screen.render();
  setLines(box, ['\x1b[1mx', row]);
  screen.render();
  assert.equal(cellsOf(1), want);
});
