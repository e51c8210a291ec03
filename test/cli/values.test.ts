import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, parseBytes, parseCount, parseSeconds } from '../../src/cli/values.js';

test('parseSeconds accepts fractional seconds within bounds', () => {
  assert.equal(parseSeconds('-f', '1', 0.05, 10), 1);
  assert.equal(parseSeconds('-f', '0.25', 0.05, 10), 0.25);
  assert.equal(parseSeconds('-f', '.5', 0.05, 10), 0.5);
  for (const bad of ['', 'abc', '-1', '1e3', '0', '11', 'NaN', 'Infinity', '1,5']) {
    assert.throws(() => parseSeconds('-f', bad, 0.05, 10), UsageError, bad);
  }
});

test('parseCount accepts whole numbers only', () => {
  assert.equal(parseCount('-n', '3', 1, 10), 3);
  for (const bad of ['0', '11', '1.5', '-2', 'x', '']) assert.throws(() => parseCount('-n', bad, 1, 10), UsageError, bad);
});

test('parseBytes understands 1024-based units', () => {
  assert.equal(parseBytes('--max-bytes', '65536', 1, 2 ** 40), 65536);
  assert.equal(parseBytes('--max-bytes', '512K', 1, 2 ** 40), 512 * 1024);
  assert.equal(parseBytes('--max-bytes', '64M', 1, 2 ** 40), 64 * 1024 * 1024);
  assert.equal(parseBytes('--max-bytes', '64MiB', 1, 2 ** 40), 64 * 1024 * 1024);
  assert.equal(parseBytes('--max-bytes', '1g', 1, 2 ** 40), 1024 ** 3);
  for (const bad of ['12Q', '', 'M', '-5', '1.2.3K']) assert.throws(() => parseBytes('--max-bytes', bad, 1, 2 ** 40), UsageError, bad);
  assert.throws(() => parseBytes('--max-bytes', '10', 1024, 2048), /between/);
});
