/**
 * Sums of known counters (src/model/sanitize.ts): `sumKnown` and its running form (`NO_SUM`, `plusKnown`,
 * `knownSum`, what the totals use): unknown values do not count, no known value or a non-finite sum is undefined.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knownSum, NO_SUM, plusKnown, sumKnown } from '../../src/model/sanitize.js';

test('sumKnown: unknown values (undefined, negative, NaN, infinite, not numbers) do not count; none known → undefined', () => {
  assert.equal(sumKnown([]), undefined);
  assert.equal(sumKnown([undefined, undefined]), undefined);
  assert.equal(sumKnown([undefined, -1, NaN, Infinity]), undefined);
  assert.equal(sumKnown([0]), 0, 'a known 0 is a sum of 0, not "none"');
  assert.equal(sumKnown([0, undefined, 0]), 0);
  assert.equal(sumKnown([1, undefined, 2.5, -7, NaN, 3]), 6.5);
  assert.equal(sumKnown([Number.MAX_VALUE, Number.MAX_VALUE]), undefined, 'a sum that overflows is undefined');
  assert.equal(sumKnown([2 ** 40, 2 ** 40]), 2 ** 41, 'large counters add exactly');
});

test('plusKnown / knownSum: the running form gives what sumKnown gives, value by value', () => {
  const cases: unknown[][] = [[], [undefined], [0], [0, 0], [3, undefined, 'x', null, 4], [-1, 0.5], [1e300, 1e300, 1e300]];
  for (const values of cases) {
    let s = NO_SUM;
    for (const v of values) s = plusKnown(s, v);
    assert.equal(knownSum(s), sumKnown(values as (number | undefined)[]), JSON.stringify(values));
  }
  assert.equal(plusKnown(NO_SUM, 0), 0);
  assert.equal(plusKnown(NO_SUM, undefined), NO_SUM);
  assert.equal(knownSum(NO_SUM), undefined);
});
