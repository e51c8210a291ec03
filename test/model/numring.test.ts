/**
 * NumRing: History's unboxed series (issue 13: no boxed number per worker
 * and series on every read). Same behaviour as Ring<number | undefined>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumRing, Ring } from '../../src/model/ring.js';

/** The reference of firstAbove / countAbove: the known values above `min` among the newest `window` entries, oldest first (what hints.ts computed before: every entry of the window through at()). */
function knownAbove(r: NumRing, min: number, window: number): number[] {
  const known: number[] = [];
  for (let i = Math.max(0, r.length - window); i < r.length; i++) {
    const v = r.at(i);
    if (v !== undefined && v > min) known.push(v);
  }
  return known;
}

/** A seeded pseudo-random sequence in [0, 1]. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

test('NumRing behaves as Ring<number | undefined>: gaps, wrap-around, at/last/toArray/iterator, clear', () => {
  const a = new NumRing(3);
  const b = new Ring<number | undefined>(3);
  const seq = [1.5, undefined, 0, -2, 1e12, undefined, 7];
  for (const v of seq) {
    a.push(v);
    b.push(v);
    assert.deepEqual(a.toArray(), b.toArray());
    assert.deepEqual([...a], [...b]);
    assert.equal(a.length, b.length);
    assert.equal(a.last(), b.last());
    for (let i = -1; i <= 3; i++) assert.equal(a.at(i), b.at(i));
  }
  assert.deepEqual(a.toArray(), [1e12, undefined, 7]);
  a.push(NaN);
  a.push(Infinity);
  assert.deepEqual(a.toArray(), [7, undefined, undefined]);
  a.clear();
  assert.equal(a.length, 0);
  assert.equal(a.last(), undefined);
  assert.deepEqual(a.toArray(), []);
  assert.throws(() => new NumRing(0), RangeError);
});

test('NumRing firstAbove / countAbove: the window scan of the RSS colour hint, against a plain scan', () => {
  const ref = (r: NumRing, min: number, window: number, fromNewest: boolean): number | undefined => {
    const known = knownAbove(r, min, window);
    return fromNewest ? known[known.length - 1] : known[0];
  };
  const refCount = (r: NumRing, min: number, window: number, limit: number): number => Math.min(knownAbove(r, min, window).length, limit);
  const rand = lcg(12345);
  for (const cap of [1, 2, 5, 7]) {
    const r = new NumRing(cap);
    for (let step = 0; step < 40; step++) {
      const p = rand();
      r.push(p < 0.25 ? undefined : p < 0.35 ? 0 : p < 0.4 ? -3 : Math.round(p * 100));
      for (const window of [0, 1, 2, 3, cap, cap + 4, 2.5]) {
        for (const fromNewest of [false, true]) {
          assert.equal(r.firstAbove(0, window, fromNewest), ref(r, 0, Math.floor(window), fromNewest), `cap ${cap} step ${step} window ${window} ${fromNewest}`);
        }
        for (const limit of [1, 3, Infinity]) assert.equal(r.countAbove(0, window, limit), refCount(r, 0, Math.floor(window), limit));
      }
    }
  }
  const empty = new NumRing(4);
  assert.equal(empty.firstAbove(0, 10), undefined);
  assert.equal(empty.countAbove(0, 10), 0);
});

test('NumRing firstAbove / countAbove on sparse series (mostly 0 and gaps: RSS without --memory-report), across wrap-around and clear', () => {
  // NumRing may answer without scanning when it holds nothing above 0; the reference always scans.
  const rand = lcg(777);
  let answeredNone = 0;
  for (const cap of [1, 3, 8, 60]) {
    const r = new NumRing(cap);
    for (let step = 0; step < 400; step++) {
      const p = rand();
      if (p < 0.01) r.clear();
      else r.push(p < 0.45 ? 0 : p < 0.8 ? undefined : p < 0.95 ? -1 : Math.round(p * 1000));
      for (const min of [0, 5, -1]) {
        for (const window of [1, 2, cap, cap * 2]) {
          const want = knownAbove(r, min, Math.floor(window));
          assert.equal(r.firstAbove(min, window), want[0], `cap ${cap} step ${step} min ${min} window ${window}`);
          assert.equal(r.firstAbove(min, window, true), want[want.length - 1]);
          assert.equal(r.countAbove(min, window), want.length);
          if (min === 0 && want.length === 0) answeredNone++;
        }
      }
    }
  }
  assert.ok(answeredNone > 100, `the all-zero case was exercised (${answeredNone})`);
});
