/**
 * fastbox.ts skips the cells of a row it drew last time from the same cells —
 * and draws them again whenever something else may have written there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import blessed from 'blessed';
import { fastBox } from '../../src/tui/fastbox.js';
import { headlessScreen } from '../helpers/headless.js';

const headless = (t: { after(fn: () => void): void }): blessed.Widgets.Screen => headlessScreen(t, 30, 6);

const text = (s: blessed.Widgets.Screen, y: number): string =>
  (s as unknown as { lines: [number, string][][] }).lines[y]!.map((c) => c[1]).join('').trimEnd();

test('a kept row is drawn again after a region was cleared or filled under it', (t) => {
  const s = headless(t);
  const a = blessed.box({ parent: s, tags: true, wrap: false, top: 0, left: 0, width: 20, height: 2 });
  fastBox(a);
  a.setContent('alpha\nbeta');
  s.render();
  s.render();
  assert.equal(text(s, 0), 'alpha');
  (s as unknown as { fillRegion(attr: number, ch: string, xi: number, xl: number, yi: number, yl: number): void }).fillRegion(0, 'X', 0, 20, 0, 2);
  assert.equal(text(s, 0), 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'.slice(0, 20));
  s.render();
  assert.deepEqual([text(s, 0), text(s, 1)], ['alpha', 'beta']);
  s.clearRegion(0, 20, 0, 2);
  s.render();
  assert.deepEqual([text(s, 0), text(s, 1)], ['alpha', 'beta']);
});

test('a box under another drawn before it draws its rows again every frame (the other one wrote there first)', (t) => {
  const s = headless(t);
  // b is drawn first (lower), a over it: a's rows must cover what b writes each frame.
  const b = blessed.box({ parent: s, tags: true, wrap: false, top: 0, left: 0, width: 20, height: 2 });
  const a = blessed.box({ parent: s, tags: true, wrap: false, top: 0, left: 0, width: 20, height: 1 });
  fastBox(b);
  fastBox(a);
  b.setContent('under one\nsecond');
  a.setContent('top');
  s.render();
  assert.equal(text(s, 0), 'top');
  b.setContent('under two\nsecond');
  s.render();
  assert.equal(text(s, 0), 'top', "b's new text is drawn first, then a's row again");
  assert.equal(text(s, 1), 'second');
});

test('rows are skipped only when nothing else changed: a box alone is drawn once for the same cells', (t) => {
  const s = headless(t);
  const a = blessed.box({ parent: s, tags: true, wrap: false, top: 0, left: 0, width: 20, height: 2 });
  fastBox(a);
  a.setContent('alpha\nbeta');
  s.render();
  // Write a cell behind blessed's back (nothing any element does): a kept row is not drawn again, so it stays.
  const lines = (s as unknown as { lines: [number, string][][] }).lines;
  lines[0]![0]![1] = 'Z';
  s.render();
  assert.equal(text(s, 0), 'Zlpha', 'the unchanged row was skipped');
  a.setContent('alpha!\nbeta');
  s.render();
  assert.equal(text(s, 0), 'alpha!', 'a changed row is drawn');
});
