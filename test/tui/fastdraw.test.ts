import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import blessed from 'blessed';
import fc from 'fast-check';
import { fastDraw } from '../../src/tui/fastdraw.js';

type Cell = [number, string];
interface Scr {
  lines: (Cell[] & { dirty?: boolean })[];
  olines: Cell[][];
  draw(a: number, b: number): void;
  tput: { brokenACS: boolean };
}

/** A headless screen whose output bytes are collected. */
function headless(t: { after(fn: () => void): void }, cols: number, rows: number, terminal: string): { screen: blessed.Widgets.Screen; bytes: () => string } {
  const input = new PassThrough() as unknown as NodeJS.ReadableStream;
  const output = new PassThrough() as unknown as NodeJS.WritableStream & { columns: number; rows: number };
  output.columns = cols;
  output.rows = rows;
  let got = '';
  (output as unknown as PassThrough).on('data', (d: Buffer) => (got += d.toString('utf8')));
  const screen = blessed.screen({ input: input as never, output: output as never, terminal, warnings: false, forceUnicode: true });
  (screen as unknown as Scr).tput.brokenACS = true;
  t.after(() => screen.destroy());
  return {
    screen,
    bytes: () => {
      (screen as unknown as { program: { flush(): void } }).program.flush();
      const g = got;
      got = '';
      return g;
    },
  };
}

const ATTRS = [(0 << 18) | (0x1ff << 9) | 0x1ff, (1 << 18) | (3 << 9) | 0x1ff, (8 << 18) | (0x1ff << 9) | 0x1ff, (0 << 18) | (2 << 9) | 4, (3 << 18) | (12 << 9) | 9, (0 << 18) | (200 << 9) | 17, (16 << 18) | (7 << 9) | 0];
const CHARS = ['a', ' ', 'Z', '│', 'é', '{', '▲', '0'];

for (const terminal of ['xterm-256color', 'xterm', 'screen']) {
  test(`fastDraw writes the bytes stock draw writes (${terminal})`, (t) => {
    const cols = 12;
    const rows = 5;
    const a = headless(t, cols, rows, terminal);
    const b = headless(t, cols, rows, terminal);
    assert.equal(fastDraw(b.screen), true);
    const sa = a.screen as unknown as Scr;
    const sb = b.screen as unknown as Scr;
    a.bytes();
    b.bytes();
    const cell = fc.tuple(fc.constantFrom(...ATTRS), fc.constantFrom(...CHARS));
    const grid = fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
    fc.assert(
      fc.property(fc.array(fc.tuple(grid, fc.array(fc.boolean(), { minLength: rows, maxLength: rows })), { minLength: 1, maxLength: 3 }), (frames) => {
        for (const [g, dirty] of frames) {
          for (const s of [sa, sb]) {
            for (let y = 0; y < rows; y++) {
              for (let x = 0; x < cols; x++) {
                s.lines[y]![x]![0] = g[y]![x]![0];
                s.lines[y]![x]![1] = g[y]![x]![1];
              }
              s.lines[y]!.dirty = dirty[y];
            }
            s.draw(0, rows - 1);
          }
          assert.equal(JSON.stringify(b.bytes()), JSON.stringify(a.bytes()));
          assert.deepEqual(sb.olines, sa.olines);
        }
      }),
      { numRuns: 300 },
    );
  });
}

test('fastDraw leaves a screen it does not cover with stock draw', (t) => {
  const s = headless(t, 10, 3, 'xterm-256color');
  (s.screen as unknown as { options: { useBCE: boolean } }).options.useBCE = true;
  assert.equal(fastDraw(s.screen), false);
});
