/**
 * NumRing: History's unboxed series (issue 13: no boxed number per worker
 * and series on every read). Same behaviour as Ring<number | undefined>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumRing, Ring } from '../../src/model/ring.js';

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
