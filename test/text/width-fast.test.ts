/**
 * Issue 13: `width`, `clip`, `clipLeft` and `cut` measure a string that fits
 * without making its units (the status line carries `●` and `·` every
 * frame). The fast measure must be the units' measure exactly: held here on
 * seeded random strings of every kind of unit the sanitizer knows — visible
 * escapes, controls, combining marks, zero-width characters, wide CJK,
 * emoji (surrogate pairs), lone surrogates, bidi controls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clean, clip, clipLeft, cut, width, widthByUnits } from '../../src/text/sanitize.js';

const PIECES = [
  'a', 'Z', ' ', '7', '\\', 'x1b', '\\x1b', '\\u202e', '\x1b', '\x07', '\x9b', '\u0301', '\u20dd', '\u200b', '\ufeff',
  '中', '한', '\u3000', '●', '·', '…', 'é', '\u00a0', '😀', '🙈', '\u{20000}', '\ud800', '\udc00', '\u202e', '\u2028',
  '\u2066', '\u231a', '\u25fd', '\u1160',
];

function* strings(seed: number, count: number): Generator<string> {
  let x = seed >>> 0;
  const next = (n: number): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
  for (let k = 0; k < count; k++) {
    let s = '';
    const len = next(12);
    for (let i = 0; i < len; i++) s += PIECES[next(PIECES.length)];
    yield s;
  }
}

test('width is the sum of the units\' widths for every kind of unit', () => {
  for (const s of strings(13, 3000)) assert.equal(width(s), widthByUnits(s), JSON.stringify(s));
  // The kinds one by one, with the widths the module comment gives them.
  assert.equal(width('●·…é'), 4);
  assert.equal(width('中😀'), 4);
  assert.equal(width('e\u0301\u200b'), 1);
  assert.equal(width('\x1b'), 4); // shown as \x1b
  assert.equal(width('\ud800'), 6); // shown as \ud800
});

test('a string that fits comes back cleaned and whole from clip, clipLeft and cut; one that does not is cut to the width', () => {
  for (const s of strings(14, 1500)) {
    const full = widthByUnits(s);
    for (let w = 1; w <= full + 2; w++) {
      for (const [name, f] of [['clip', clip], ['clipLeft', clipLeft], ['cut', cut]] as const) {
        const out = f(s, w);
        if (full <= w) assert.equal(out, clean(s), `${name}(${JSON.stringify(s)}, ${w})`);
        else {
          assert.ok(widthByUnits(out) <= w, `${name}(${JSON.stringify(s)}, ${w}) = ${JSON.stringify(out)}`);
          if (name !== 'cut') assert.ok(out.includes('…'), `${name} marks the cut`);
        }
      }
    }
  }
});
