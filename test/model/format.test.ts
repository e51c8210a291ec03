import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatBytes,
  formatClock,
  formatCount,
  formatDuration,
  formatId,
  formatMs,
  formatPercent,
  formatRate,
  formatTimestamp,
} from '../../src/format.js';

const BAD = [undefined, null, -1, -0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

function table(fn: (n: number) => string, cases: [number, string][]): void {
  for (const [n, want] of cases) assert.equal(fn(n), want, `${fn.name}(${n})`);
}

test('every formatter returns - for unknown, negative and non-finite', () => {
  for (const fn of [formatBytes, formatDuration, formatMs, formatRate, formatCount, formatPercent, formatId]) {
    for (const b of BAD) assert.equal(fn(b as number | undefined), '-', `${fn.name}(${b})`);
  }
  for (const b of BAD) assert.equal(formatClock(b as number | undefined, 0), '-');
  for (const b of BAD) assert.equal(formatTimestamp(b as number | undefined), '-');
});

test('formatBytes: 1024-based, one decimal, ≤ 7 chars', () => {
  table(formatBytes, [
    [0, '0'],
    [1, '1'],
    [512, '512'],
    [1023, '1023'],
    [1023.9, '1023'],
    [1024, '1.0K'],
    [12.3 * 1024, '12.3K'],
    [1024 * 1024 - 1, '1.0M'], // 1023.999K rounds up into the next unit
    [45.6 * 1024 ** 2, '45.6M'],
    [1.2 * 1024 ** 3, '1.2G'],
    [3 * 1024 ** 4, '3.0T'],
    [2 ** 64, '16.0E'],
    [Number.MAX_VALUE, '>1024E'],
  ]);
  for (let e = 0; e < 70; e += 0.37) assert.ok(formatBytes(2 ** e).length <= 7, `2^${e}: ${formatBytes(2 ** e)}`);
});

test('formatDuration: running time in µs', () => {
  table(formatDuration, [
    [0, '0s'],
    [1, '1us'],
    [6915, '6.9ms'],
    [300_000, '300ms'],
    [999_400, '999ms'],
    [999_600, '1.0s'],
    [12_345_678, '12.3s'],
    [59_940_000, '59.9s'],
    [59_960_000, '1m00s'], // rounds to 60.0s → minutes
    [60e6, '1m00s'],
    [245e6, '4m05s'],
    [3599e6, '59m59s'],
    [3600e6, '1h00m'],
    [(3 * 3600 + 12 * 60 + 59) * 1e6, '3h12m'],
    [86400e6, '1d00h'],
    [(2 * 86400 + 4 * 3600 + 3599) * 1e6, '2d04h'],
    [1000 * 86400e6, '>999d'],
    [999 * 86400e6, '999d00h'],
  ]);
});

test('formatMs: avg response time in µs', () => {
  table(formatMs, [
    [0, '0us'],
    [1, '1us'],
    [850, '850us'],
    [999.4, '999us'],
    [999.6, '1.0ms'],
    [1234, '1.2ms'],
    [9_940, '9.9ms'],
    [9_960, '10ms'],
    [12_400, '12ms'],
    [999_400, '999ms'],
    [999_600, '1.0s'],
    [1_234_567, '1.2s'],
    [59_000_000, '59.0s'],
    [125_000_000, '2m05s'],
  ]);
});

test('formatRate: rps', () => {
  table(formatRate, [
    [0, '0'],
    [0.04, '0.0'],
    [0.5, '0.5'],
    [1, '1.0'],
    [12.34, '12.3'],
    [99.94, '99.9'],
    [99.96, '100'],
    [1234, '1234'],
    [9999.4, '9999'],
    [9999.6, '10.0k'],
    [12_345, '12.3k'],
    [123_456, '123k'],
    [999_600, '1.0M'],
    [1_234_567, '1.2M'],
    [5e9, '5.0G'],
    [1e15, '>999G'],
  ]);
});

test('formatCount, formatPercent, formatId', () => {
  table(formatCount, [
    [0, '0'],
    [7.9, '7'],
    [99_999_999, '99999999'],
    [100_000_000, '100.0M'],
    [123_456_789, '123.5M'],
    [999_960_000, '1.0G'],
    [1.5e12, '1.5T'],
    [1e20, '>999P'],
  ]);
  table(formatPercent, [
    [0, '0.0'],
    [12.345, '12.3'],
    [100, '100.0'],
    [150, '100.0'],
  ]);
  table(formatId, [
    [0, '0'],
    [12345, '12345'],
    [1.5, '-'],
  ]);
});

test('formatClock: HH:MM:SS today, MM-DD HH:MM otherwise, in local time', (t) => {
  const saved = process.env.TZ;
  t.after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  process.env.TZ = 'UTC';
  const now = Date.UTC(2024, 2, 15, 18, 30, 0); // 2024-03-15 18:30:00Z
  const sec = (ms: number) => ms / 1000;
  assert.equal(formatClock(sec(Date.UTC(2024, 2, 15, 9, 5, 7)), now), '09:05:07');
  assert.equal(formatClock(sec(Date.UTC(2024, 2, 15, 0, 0, 0)), now), '00:00:00');
  assert.equal(formatClock(sec(Date.UTC(2024, 2, 14, 23, 59, 59)), now), '03-14 23:59');
  assert.equal(formatClock(sec(Date.UTC(2023, 2, 15, 9, 5, 7)), now), '03-15 09:05', 'same day last year is not today');
  assert.equal(formatClock(0, now), '-', 'uWSGI 0 = never');
  assert.equal(formatClock(1_710_000_000, Number.NaN), '03-09 16:00');
  // local, not UTC: in +05:30 the 20:00Z spawn is already the next day, like now
  process.env.TZ = 'Asia/Kolkata';
  const now2 = Date.UTC(2024, 2, 15, 20, 0, 0); // 2024-03-16 01:30 IST
  assert.equal(formatClock(sec(Date.UTC(2024, 2, 15, 19, 0, 0)), now2), '00:30:00');
  assert.equal(formatClock(sec(Date.UTC(2024, 2, 15, 18, 0, 0)), now2), '03-15 23:30');
  assert.equal(formatTimestamp(Date.UTC(2024, 2, 15, 20, 0, 5)), '2024-03-16 01:30:05');
  process.env.TZ = 'UTC';
  assert.equal(formatTimestamp(Date.UTC(2024, 2, 15, 20, 0, 5)), '2024-03-15 20:00:05');
});
