import { test } from 'node:test';
import assert from 'node:assert/strict';
import blessed from 'blessed';
import fc from 'fast-check';
import { headlessScreen, headlessStreams } from '../helpers/headless.js';
import { fastBox, setLines, styledToTagged } from '../../src/tui/fastbox.js';
import { padCut, styledLine, taggedLine } from '../../src/tui/table.js';
import { clean, cut, pad } from '../../src/tui/text.js';
import { makeTheme, type Style } from '../../src/tui/theme.js';

const headless = headlessScreen;

type Cells = [number, string][][];

function region(screen: blessed.Widgets.Screen, top: number, height: number, width: number): string[] {
  const lines = (screen as unknown as { lines: Cells }).lines;
  const out: string[] = [];
  for (let y = top; y < top + height; y++) out.push(lines[y]!.slice(0, width).map(([a, c]) => `${a}:${c}`).join(' '));
  return out;
}

/** Render `contents` one after the other in a stock box and in a fastBox of the same size on two screens; their cells. */
function both(
  screens: [blessed.Widgets.Screen, blessed.Widgets.Screen],
  contents: string[],
  box: { width: number; height: number; style?: Record<string, unknown> },
): { stock: string[][]; fast: string[][] } {
  const [s1, s2] = screens;
  for (const s of screens) s.clearRegion(0, 60, 0, 12);
  const opts = { tags: true, wrap: false, top: 1, left: 2, width: box.width, height: box.height, ...(box.style ? { style: box.style } : {}) };
  const a = blessed.box({ parent: s1, ...opts });
  const b = blessed.box({ parent: s2, ...opts });
  try {
    assert.equal(fastBox(b), true);
    const stock: string[][] = [];
    const fast: string[][] = [];
    for (const c of contents) {
      a.setContent(c);
      b.setContent(c);
      s1.render();
      s2.render();
      stock.push(region(s1, 0, 12, 60));
      fast.push(region(s2, 0, 12, 60));
    }
    return { stock, fast };
  } finally {
    // Destroyed even when a render throws, so one failing case cannot leave a box behind for the next (or the shrinker).
    a.destroy();
    b.destroy();
  }
}

const theme = makeTheme(true);
const STYLES: Style[] = ['plain', 'label', 'title', 'dim', 'good', 'warn', 'bad', 'busy', 'stale', 'paused', 'tableHead', 'sortHead', 'totals', 'selected', 'respawn'];

test('fastBox draws the cells stock blessed draws (tsgitop-like lines)', (t) => {
  const line = (i: number): string =>
    theme.paint(`WID ${i}`, 'tableHead') + ' ' + theme.paint('busy', 'busy') + ' {x} ' + theme.open('selected') + theme.paint('12.5ms', 'warn') + ' │ ▲●… é' + theme.close('selected');
  const contents = [line(1), [line(1), line(2), line(3)].join('\n'), [line(1), 'plain', ''].join('\n'), 'short', ''];
  const { stock, fast } = both([headless(t), headless(t)], contents, { width: 40, height: 4 });
  assert.deepEqual(fast, stock);
  // The test can tell colours apart: more than two attributes are on screen.
  const attrs = new Set(stock[1]!.join(' ').split(' ').map((c) => c.split(':')[0]));
  assert.ok(attrs.size > 3, `attrs ${[...attrs].join(',')}`);
});

test('fastBox matches stock blessed on random tagged content', (t) => {
  const piece = fc.oneof(
    fc.constantFrom(...STYLES).chain((st) => fc.string({ maxLength: 6 }).map((s) => theme.paint(s, st))),
    fc.constantFrom('{bold}', '{/bold}', '{red-fg}', '{/red-fg}', '{green-bg}', '{/green-bg}', '{inverse}', '{/inverse}', '{underline}', '{/underline}', '{/}', '{open}', '{close}', '{nope}', '{/nope}', '{}', '{', '}', '{light-blue-fg}', '{#ff0000-fg}', '{/#ff0000-fg}'),
    fc.constantFrom('\n', '\t', '\r', '\r\n', '\x1b[1m', '\x1b[0m', '\x1b[31m', '\x1b', '\x07', '\x7f', 'é', '│', '▲', '日本', '\u0301', '😀', '\ud800', ' '),
    fc.string({ maxLength: 8 }),
    fc.string({ unit: 'grapheme', maxLength: 4 }),
  );
  // '|' excluded: stock blessed takes a literal "{|}" (also one a server sent, escaped) for its left|right fill marker;
  // fastBox draws it as the text it is (test below).
  const content = fc.array(piece, { maxLength: 16 }).map((xs) => xs.join('').replace(/\|/g, '/'));
  const dims = fc.record({ width: fc.integer({ min: 1, max: 50 }), height: fc.integer({ min: 1, max: 8 }) });
  const screens: [blessed.Widgets.Screen, blessed.Widgets.Screen] = [headless(t), headless(t)];
  fc.assert(
    fc.property(fc.array(content, { minLength: 1, maxLength: 4 }), dims, fc.boolean(), (contents, d, styled) => {
      // Stock blessed throws on a comma list of tag names with an unknown one ("{bold,nope}", CI seed -1076602182):
      // nothing to compare with there; the test below says what fastBox does instead.
      fc.pre(!contents.some(stockThrows));
      const { stock, fast } = both(screens, contents, { ...d, ...(styled ? { style: { fg: 'yellow', bg: 'blue' } } : {}) });
      assert.deepEqual(fast, stock);
    }),
    { numRuns: 400 },
  );
});

/** Whether stock blessed's tag parser throws on this content. */
function stockThrows(content: string): boolean {
  for (const m of content.matchAll(/\{\/?([\w\-,;!#]*)\}/g)) {
    const param = m[1]!.replace(/-/g, ' ');
    if (!/[,;]/.test(param)) continue;
    try {
      stockProgram._attr(param, !m[0].startsWith('{/'));
    } catch {
      return true;
    }
  }
  return false;
}
const stockProgram = blessed.program({ ...headlessStreams(80, 24), terminal: 'xterm-256color' }) as unknown as {
  _attr(param: string, val?: boolean): string | null;
};

test('fastBox draws a tag list stock blessed throws on ("{bold,nope}") as the text it is, and keeps going', (t) => {
  assert.ok(stockThrows('x{bold,nope}y'), 'stock blessed throws on it (else this test proves nothing)');
  const s = headless(t);
  const b = blessed.box({ parent: s, tags: true, wrap: false, top: 0, left: 0, width: 20, height: 1 });
  fastBox(b);
  b.setContent('x{bold,nope}y{/a,b}z');
  s.render();
  assert.equal((s as unknown as { lines: Cells }).lines[0]!.slice(0, 20).map((c) => c[1]).join('').trimEnd(), 'x{bold,nope}y{/a,b}z');
});

test('fastBox leaves boxes it does not cover alone', (t) => {
  const s = headless(t);
  assert.equal(fastBox(blessed.box({ parent: s, tags: true, wrap: false, border: { type: 'line' }, width: 10, height: 4 })), false);
  assert.equal(fastBox(blessed.box({ parent: s, tags: true, width: 10, height: 4 })), false, 'wrapping box');
  assert.equal(fastBox(blessed.box({ parent: s, tags: false, wrap: false, width: 10, height: 4 })), false, 'untagged box');
  assert.equal(fastBox(blessed.box({ parent: s, tags: true, wrap: false, padding: { left: 1 }, width: 10, height: 4 })), false, 'padded box');
});

test('fastBox redraws cells another element drew over when that element hides', (t) => {
  const s = headless(t);
  const b = blessed.box({ parent: s, tags: true, wrap: false, top: 0, left: 0, width: 20, height: 3 });
  fastBox(b);
  const over = blessed.box({ parent: s, tags: false, top: 0, left: 0, width: 5, height: 1, content: 'XXXXX' });
  b.setContent('hello world\nline two');
  s.render();
  assert.match(region(s, 0, 1, 20)[0]!, /:X/);
  over.hide();
  s.render();
  assert.equal((s as unknown as { lines: Cells }).lines[0]!.slice(0, 11).map((c) => c[1]).join(''), 'hello world');
});

test('fastBox draws "{|}" from a server as text (stock blessed would take it for a fill marker)', (t) => {
  const s = headless(t);
  const b = blessed.box({ parent: s, tags: true, wrap: false, top: 0, left: 0, width: 12, height: 1 });
  fastBox(b);
  b.setContent(`a${theme.paint('{|}', 'plain')}b`);
  s.render();
  assert.equal((s as unknown as { lines: Cells }).lines[0]!.slice(0, 6).map((c) => c[1]).join(''), 'a{|}b ');
});

test('a styled table row draws the cells of its tagged text (and a selected one is inverse in every cell)', (t) => {
  const cols = [
    { width: 5, align: 'right' as const },
    { width: 7, align: 'left' as const },
    { width: 9, align: 'right' as const },
    { width: 3, align: 'left' as const },
  ];
  const model = { columns: cols } as unknown as Parameters<typeof taggedLine>[0];
  const screens: [blessed.Widgets.Screen, blessed.Widgets.Screen] = [headless(t), headless(t)];
  const boxes = screens.map((s) => {
    const b = blessed.box({ parent: s, tags: true, wrap: false, top: 0, left: 0, width: 50, height: 3 });
    fastBox(b);
    return b;
  });
  const cell = fc.record({ text: fc.string({ unit: fc.constantFrom('a', '{', '}', ' ', '1', 'é', '│', '日', '\t', '😀'), maxLength: 12 }).map(clean), style: fc.constantFrom(...STYLES) });
  fc.assert(
    fc.property(fc.array(cell, { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 50 }), fc.constantFrom<Style>('plain', 'totals'), (cells, width, base) => {
      for (const s of screens) s.clearRegion(0, 60, 0, 12);
      boxes[0]!.setContent(taggedLine(model, cells, width, theme, false, base));
      setLines(boxes[1]!, [styledLine(model, cells, width, theme, false, base)]);
      for (const s of screens) s.render();
      assert.deepEqual(region(screens[1]!, 0, 1, 60), region(screens[0]!, 0, 1, 60));
      assert.equal(styledToTagged(styledLine(model, cells, width, theme, false, base)), taggedLine(model, cells, width, theme, false, base));
    }),
    { numRuns: 300 },
  );
  // Selected: every cell of the row is drawn inverse (flag 8 of the attribute's flags).
  setLines(boxes[1]!, [styledLine(model, [{ text: 'a', style: 'busy' }, { text: 'b', style: 'plain' }, { text: 'c', style: 'dim' }, { text: 'd', style: 'plain' }], 30, theme, true)]);
  screens[1]!.render();
  const lines = (screens[1] as unknown as { lines: Cells }).lines;
  for (let x = 0; x < 30; x++) assert.ok(((lines[0]![x]![0] >> 18) & 8) !== 0, `cell ${x} of a selected row is not inverse`);
});

test('padCut is cut(pad(…)) (its fast path for short plain ASCII included)', () => {
  const text = fc.string({ unit: fc.constantFrom('a', 'Z', '1', ' ', '\\', 'x', '{', '…', 'é', '日', '\x1b', '.'), maxLength: 14 });
  fc.assert(
    fc.property(text, fc.integer({ min: 0, max: 12 }), fc.constantFrom<'left' | 'right'>('left', 'right'), fc.integer({ min: -1, max: 14 }), (t, cw, align, w) => {
      assert.equal(padCut(t, cw, align, w), cut(pad(t, cw, align), w));
    }),
    { numRuns: 3000 },
  );
});
