/** src/session/hints.ts: the RSS growth hint read from both ends of the window is the whole window's answer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RSS_GROWTH_MIN_BYTES, RSS_GROWTH_RATIO, RSS_MIN_POINTS, RSS_WINDOW, rssGrows } from '../../src/session/hints.js';
import { NumRing } from '../../src/model/ring.js';

/** The definition, over every value of the window. */
function naive(values: readonly (number | undefined)[]): boolean {
  const w = values.slice(Math.max(0, values.length - RSS_WINDOW)).filter((v): v is number => v !== undefined && v > 0);
  if (w.length < RSS_MIN_POINTS) return false;
  const first = w[0]!;
  const last = w[w.length - 1]!;
  return last > first * RSS_GROWTH_RATIO && last - first >= RSS_GROWTH_MIN_BYTES;
}

test('rssGrows is the whole-window definition (first and last known RSS, at least RSS_MIN_POINTS known)', () => {
  const MB = 1024 * 1024;
  const value = fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }).map((m) => m * MB) },
  );
  let grows = 0;
  fc.assert(
    fc.property(fc.array(value, { maxLength: 150 }), fc.integer({ min: 1, max: 150 }), (values, capacity) => {
      const ring = new NumRing(capacity);
      for (const v of values) ring.push(v);
      const kept = values.slice(Math.max(0, values.length - capacity));
      const want = naive(kept);
      if (want) grows++;
      assert.equal(rssGrows(ring), want, JSON.stringify(kept));
    }),
    { numRuns: 2000 },
  );
  assert.ok(grows > 50, `both answers are exercised (${grows} growing)`);
});
