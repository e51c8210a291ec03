import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsError, isStatsError } from '../src/protocol/errors.js';

test('StatsError carries a code and a path', () => {
  const e = new StatsError('BAD_SHAPE', 'workers[0].requests: expected number', { path: '$.workers[0].requests' });
  assert.equal(e.code, 'BAD_SHAPE');
  assert.equal(e.path, '$.workers[0].requests');
  assert.ok(isStatsError(e));
  assert.ok(!isStatsError(new Error('x')));
});
