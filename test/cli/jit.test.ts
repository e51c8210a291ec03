/**
 * src/cli/jit.ts: the live monitor runs without TurboFan until a big
 * document arrives. The policy is tested as a function, and its effect on V8
 * in a child process (Node 20 and 22: Node 24 freezes V8's flags at start-up).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OPTIMIZE_FROM_BYTES, limitJit } from '../../src/cli/jit.js';

test('jit policy: TurboFan off at the start, back on for good at the first big document; TSGITOP_V8_OPT=1 leaves it alone', () => {
  const set: string[] = [];
  const jit = limitJit((f) => set.push(f), {});
  assert.equal(jit.limited, true);
  jit.read(OPTIMIZE_FROM_BYTES - 1);
  jit.read(10);
  assert.equal(jit.limited, true);
  jit.read(OPTIMIZE_FROM_BYTES);
  jit.read(OPTIMIZE_FROM_BYTES * 4);
  jit.read(10);
  assert.equal(jit.limited, false);
  assert.deepEqual(set, ['--no-turbofan', '--turbofan']);

  const flags: string[] = [];
  const optOut = limitJit((f) => flags.push(f), { TSGITOP_V8_OPT: '1' });
  optOut.read(10);
  optOut.read(OPTIMIZE_FROM_BYTES);
  assert.equal(optOut.limited, false);
  assert.deepEqual(flags, []);
});

const major = Number(process.versions.node.split('.')[0]);

test('jit policy in V8: a hot function stays unoptimized while documents are small, and is optimized after a big one', { skip: major >= 24 ? `Node ${major} freezes V8 flags after start-up (the policy changes nothing there)` : false }, () => {
  const jit = fileURLToPath(new URL('../../src/cli/jit.js', import.meta.url));
  // In rounds of 20,000 calls (at most 300 rounds per phase) until V8 reports the function optimized
  // (%GetOptimizationStatus bit 4): first after small documents only, then after a big one.
  const script = `
    const { limitJit } = await import(${JSON.stringify(jit)});
    const jit = limitJit();
    function hot(a) { let s = 0; for (let i = 0; i < 50; i++) s += (a * i) % 7; return s; }
    const optimized = () => (%GetOptimizationStatus(hot) & 16) !== 0;
    const phase = () => new Promise((done) => {
      let rounds = 0;
      const spin = () => {
        for (let i = 0; i < 20000; i++) hot(i);
        rounds++;
        if (optimized() || rounds >= 300) return done({ optimized: optimized(), rounds });
        setImmediate(spin);
      };
      spin();
    });
    jit.read(1000);
    const small = await phase();
    jit.read(${OPTIMIZE_FROM_BYTES});
    const big = await phase();
    console.log(JSON.stringify({ small, big }));`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TSGITOP_V8_OPT: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  const { small, big } = JSON.parse(r.stdout.trim()) as Record<'small' | 'big', { optimized: boolean; rounds: number }>;
  assert.equal(small.optimized, false, `without TurboFan, still not optimized after ${small.rounds} rounds`);
  assert.equal(big.optimized, true, `TurboFan back on: optimized after ${big.rounds} rounds`);
});
