import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferPageSize, parseStatm, readMemory } from '../../src/emitter/memory.js';

test('parseStatm multiplies the first two fields (size, resident) by the page size', () => {
  assert.deepEqual(parseStatm('256570 12269 4637 13020 0 19436 0\n', 4096), { vsz: 256570 * 4096, rss: 12269 * 4096 });
  assert.equal(parseStatm('garbage', 4096), undefined);
  assert.equal(parseStatm('', 4096), undefined);
});

test('inferPageSize derives the page size from statm pages vs status VmSize kB', () => {
  const status = 'Name:\tnode\nVmPeak:\t 1026280 kB\nVmSize:\t 1026280 kB\nVmRSS:\t   49076 kB\n';
  assert.equal(inferPageSize('256570 12269 4637 13020 0 19436 0', status), 4096);
  assert.equal(inferPageSize('16035 12269', status), 65536);
  assert.equal(inferPageSize('0 0', status), undefined);
  assert.equal(inferPageSize('256570 1', 'no vmsize here'), undefined);
});

test('readMemory reports this process: rss near process.memoryUsage().rss, vsz ≥ rss on Linux', (t) => {
  const m = readMemory();
  const ref = process.memoryUsage().rss;
  assert.ok(m.rss > 0);
  assert.ok(m.rss > ref * 0.5 && m.rss < ref * 2, `rss ${m.rss} vs ${ref}`);
  if (process.platform !== 'linux') {
    t.diagnostic('not Linux: vsz is 0');
    assert.equal(m.vsz, 0);
  } else {
    assert.ok(m.vsz >= m.rss, `vsz ${m.vsz} < rss ${m.rss}`);
  }
});
