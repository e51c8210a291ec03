/**
 * src/cli/fleet.ts: the fleet view grows V8's old generation in large steps (FLEET_HEAP_FLAGS: fewer full
 * collections of a fleet's per-target documents), unless TSGITOP_V8_SIZE=0 asks for V8's defaults.
 * The flag's effect is measured in bench/results/side-fleet.md, beside V8's default growth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLEET_HEAP_FLAGS, fleetHeap } from '../../src/cli/fleet.js';

test('fleet heap policy: large old-generation steps by default; TSGITOP_V8_SIZE=0 leaves V8 alone; the monitor-only TSGITOP_V8_OPT changes nothing', () => {
  const set: string[] = [];
  assert.equal(fleetHeap((f) => set.push(f), {}), true);
  assert.deepEqual(set, [FLEET_HEAP_FLAGS]);
  assert.match(FLEET_HEAP_FLAGS, /^--heap-growing-percent=\d+$/);
  assert.ok(Number(FLEET_HEAP_FLAGS.split('=')[1]) > 100, 'a step larger than what the last full collection left alive');

  const none: string[] = [];
  assert.equal(fleetHeap((f) => none.push(f), { TSGITOP_V8_SIZE: '0' }), false);
  assert.deepEqual(none, []);

  const opt: string[] = [];
  assert.equal(fleetHeap((f) => opt.push(f), { TSGITOP_V8_OPT: '1' }), true);
  assert.deepEqual(opt, [FLEET_HEAP_FLAGS]);
});
