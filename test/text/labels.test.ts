/**
 * Issue 14 point 10: fleet labels keep the part that tells siblings apart
 * (middle ellipsis), computed over the whole set; widths are cells.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shortLabel, shortLabels } from '../../src/text/labels.js';
import { width } from '../../src/text/sanitize.js';

const DEMO = ['/tmp/tsgitop-demo-rCRaG7/stats.sock', '/tmp/tsgitop-demo-Xy12ab/stats.sock'];

test('two demo sockets: distinct short labels with a middle ellipsis, not two "/tmp/tsgitop-de…"', () => {
  assert.deepEqual(shortLabels(DEMO, 24), ['/tmp/…-rCRaG7/stats.sock', '/tmp/…-Xy12ab/stats.sock']);
  const s16 = shortLabels(DEMO, 16);
  assert.notEqual(s16[0], s16[1]);
  assert.ok(s16.every((l) => width(l) <= 16 && l.includes('…')), JSON.stringify(s16));
  assert.ok(s16[0]!.includes('RaG7') && s16[1]!.includes('12ab'), JSON.stringify(s16));
  // Labels that fit stay whole.
  assert.deepEqual(shortLabels(['127.0.0.1:9191', 'web-1'], 16), ['127.0.0.1:9191', 'web-1']);
  assert.equal(shortLabel(DEMO[1]!, DEMO, 40), DEMO[1]);
});

test('the difference in the middle of long shared prefix and suffix: …mid… keeps it', () => {
  const a = '/srv/a/very/long/common/path/one/x/y/z/stats.sock';
  const b = '/srv/a/very/long/common/path/two/x/y/z/stats.sock';
  const [sa, sb] = shortLabels([a, b], 16);
  assert.notEqual(sa, sb);
  assert.ok(sa!.includes('one') && sb!.includes('two'), `${sa} ${sb}`);
});

test('cells, not UTF-16 units: wide and astral characters never exceed the width; control bytes are sanitized', () => {
  const wide = ['/srv/应用程序一/统计/stats.sock', '/srv/应用程序二/统计/stats.sock', '/srv/😀😀😀😀😀😀/a.sock'];
  for (let w = 0; w <= 30; w++) for (const l of shortLabels(wide, w)) assert.ok(width(l) <= w, `${JSON.stringify(l)} at ${w}`);
  const s = shortLabels(wide, 14);
  assert.equal(new Set(s).size, 3, JSON.stringify(s));
  const evil = shortLabels(['/tmp/\x1b[31mred\x1b[0m/very/long/path/stats.sock'], 12)[0]!;
  assert.ok(!/\x1b/.test(evil), JSON.stringify(evil));
});

test('property: distinct inputs give distinct outputs when the width allows; the width is never exceeded', () => {
  // A seeded generator (no Math.random: a failure reproduces).
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = 'ab/-.:_0123456789xyz';
  const word = (n: number): string => Array.from({ length: n }, () => alphabet[rnd(alphabet.length)]).join('');
  let checked = 0;
  for (let round = 0; round < 400; round++) {
    const prefix = word(rnd(20));
    const suffix = word(rnd(20));
    const n = 2 + rnd(8);
    const set = new Set<string>();
    for (let i = 0; i < n; i++) set.add(prefix + word(1 + rnd(6)) + suffix);
    const labels = [...set];
    for (const w of [1, 2, 3, 5, 8, 12, 16, 24, 40]) {
      const out = shortLabels(labels, w);
      assert.equal(out.length, labels.length);
      for (const l of out) assert.ok(width(l) <= w, `${JSON.stringify(l)} wider than ${w}`);
      // Room enough: the longest label's distinguishing middle fits with two ellipses.
      const maxDiff = Math.max(...labels.map((l) => l.length - prefix.length - suffix.length));
      if (w >= maxDiff + 4 || labels.every((l) => l.length <= w)) {
        assert.equal(new Set(out).size, labels.length, `collision at width ${w}: ${JSON.stringify(labels)} → ${JSON.stringify(out)}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 1000, `distinctness checked ${checked} times`);
});
