import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteSink } from '../../src/protocol/transport.js';

// A monitor reading a 100 KiB answer every second must not allocate a cap-sized (16 MiB) buffer per
// read: V8 counts it as external memory and ran a full GC on every read (bench/results/side.md).
test('byte sink: after a 100 KiB answer the next one gets a right-sized buffer, not the 16 MiB cap', () => {
  const cap = 16 * 1024 * 1024;
  const chunk = new Uint8Array(100 * 1024).fill(0x20);
  const fill = (): { grew: number; len: number } => {
    const before = process.memoryUsage().arrayBuffers;
    const s = new ByteSink(cap);
    assert.equal(s.push(chunk), true);
    const grew = process.memoryUsage().arrayBuffers - before;
    return { grew, len: s.take().length };
  };
  fill(); // the first read of this size: jumps to the cap (no size known yet)
  const second = fill();
  assert.equal(second.len, chunk.length);
  assert.ok(second.grew < 1024 * 1024, `the second read allocated ${second.grew} bytes of buffers (≥ 1 MiB)`);
});

test('byte sink: above 4 MiB the hint is not used (the jump to the cap, as before)', () => {
  const cap = 64 * 1024 * 1024;
  const big = new Uint8Array(5 * 1024 * 1024);
  const s1 = new ByteSink(cap);
  s1.push(big);
  s1.take();
  const before = process.memoryUsage().arrayBuffers;
  const s2 = new ByteSink(cap);
  const grew = process.memoryUsage().arrayBuffers - before;
  assert.ok(grew <= 64 * 1024 + 4096, `a new sink after a 5 MiB answer started at ${grew} bytes`);
  s2.push(new Uint8Array(10));
});
