/**
 * src/cli/jit.ts: the live monitor runs without TurboFan until a big
 * document arrives. The policy is tested as a function, and its effect on V8
 * in a child process (Node 20 and 22: Node 24 freezes V8's flags at start-up).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HEAP_FLAGS, OPTIMIZE_FROM_BYTES, SMALL_HEAP_FLAGS, limitJit } from '../../src/cli/jit.js';

test('jit policy: TurboFan off and small heap steps at the start, V8 defaults back for good at the first big document; TSGITOP_V8_OPT=1 / TSGITOP_V8_SIZE=0 leave each alone', () => {
  const set: string[] = [];
  const jit = limitJit((f) => set.push(f), {}, '11.3.244.8-node.38');
  assert.equal(jit.limited, true);
  assert.equal(jit.compact, true);
  jit.read(OPTIMIZE_FROM_BYTES - 1);
  jit.read(10);
  assert.equal(jit.limited, true);
  assert.equal(jit.compact, true);
  jit.read(OPTIMIZE_FROM_BYTES);
  jit.read(OPTIMIZE_FROM_BYTES * 4);
  jit.read(10);
  assert.equal(jit.limited, false);
  assert.equal(jit.compact, false);
  assert.deepEqual(set, ['--no-turbofan', SMALL_HEAP_FLAGS, '--turbofan', DEFAULT_HEAP_FLAGS]);
  assert.equal(SMALL_HEAP_FLAGS, '--optimize-for-size --heap-growing-percent=50');
  assert.equal(DEFAULT_HEAP_FLAGS, '--no-optimize-for-size --heap-growing-percent=0');

  const flags: string[] = [];
  const optOut = limitJit((f) => flags.push(f), { TSGITOP_V8_OPT: '1' });
  optOut.read(10);
  optOut.read(OPTIMIZE_FROM_BYTES);
  assert.equal(optOut.limited, false);
  assert.deepEqual(flags, [SMALL_HEAP_FLAGS, DEFAULT_HEAP_FLAGS]);

  const sizeFlags: string[] = [];
  const sizeOut = limitJit((f) => sizeFlags.push(f), { TSGITOP_V8_SIZE: '0' }, '12.4.254.21-node.57');
  assert.equal(sizeOut.compact, false);
  sizeOut.read(OPTIMIZE_FROM_BYTES);
  assert.deepEqual(sizeFlags, ['--no-turbofan', '--turbofan --osr-from-maglev'], 'V8 12: what --no-turbofan turned off with it, back');

  const both: string[] = [];
  limitJit((f) => both.push(f), { TSGITOP_V8_OPT: '1', TSGITOP_V8_SIZE: '0' }).read(OPTIMIZE_FROM_BYTES);
  assert.deepEqual(both, []);
});

test('jit policy: atStartFlags runs its function under the flags of start-up, then puts the policy\'s back (a code cache is stamped with them)', () => {
  for (const [v8, back] of [['11.3.244.8-node.38', '--turbofan'], ['12.4.254.21-node.57', '--turbofan --osr-from-maglev']] as const) {
    const set: string[] = [];
    const jit = limitJit((f) => set.push(f), {}, v8);
    set.length = 0;
    const inside: string[][] = [];
    assert.equal(jit.atStartFlags(() => (inside.push([...set]), 42)), 42);
    assert.deepEqual(inside, [[back, `${DEFAULT_HEAP_FLAGS} --max-semi-space-size=0`]], v8);
    assert.deepEqual(set.slice(2), ['--no-turbofan', SMALL_HEAP_FLAGS], 'the policy\'s flags back');
    assert.equal(jit.limited, true);
    set.length = 0;
    assert.throws(() => jit.atStartFlags(() => { throw new Error('x'); }), /x/);
    assert.deepEqual(set.slice(2), ['--no-turbofan', SMALL_HEAP_FLAGS], 'back after a throw too');
    jit.read(OPTIMIZE_FROM_BYTES); // V8's defaults for good: nothing to change
    set.length = 0;
    jit.atStartFlags(() => 0);
    assert.deepEqual(set, []);
  }
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

test('heap policy in V8: the old generation grows in small steps while documents are small, in V8\'s default steps after a big one or with TSGITOP_V8_SIZE=0', { skip: major >= 24 ? `Node ${major} freezes V8 flags after start-up (the policy changes nothing there)` : false }, () => {
  const jit = fileURLToPath(new URL('../../src/cli/jit.js', import.meta.url));
  // The monitor's pattern, compressed: each "tick" makes short-lived garbage and a batch that lives until the tick
  // after next (so it survives two scavenges and is promoted), over a live base. The new space is pinned to the
  // 1 MB the monitor keeps at 1 Hz (a tight loop would otherwise grow it and nothing would be promoted).
  // The peak old-space size over the second half of 1,000 ticks is what the RSS follows.
  const script = `
    const { limitJit } = await import(${JSON.stringify(jit)});
    const { getHeapSpaceStatistics } = await import('node:v8');
    const jit = limitJit();
    if (process.env.BIG === '1') jit.read(${OPTIMIZE_FROM_BYTES});
    const old = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size;
    const base = [];
    for (let i = 0; i < 60000; i++) base.push({ i, s: 'b' + i });
    let keep = [], prevKeep = [], peak = 0, sink = 0;
    const n = 1000;
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < 8000; i++) sink += [i, t].length;
      prevKeep = keep;
      keep = [];
      for (let i = 0; i < 1500; i++) keep.push({ a: t, b: i, c: [i, t] });
      if (t > n / 2) peak = Math.max(peak, old());
    }
    console.log(JSON.stringify({ compact: jit.compact, peak, kept: base.length + prevKeep.length + (sink > 0) }));`;
  const run = (env: NodeJS.ProcessEnv): { compact: boolean; peak: number } => {
    const r = spawnSync(process.execPath, ['--max-semi-space-size=1', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TSGITOP_V8_OPT: '', TSGITOP_V8_SIZE: '', BIG: '', ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim()) as { compact: boolean; peak: number };
  };
  const small = run({});
  const big = run({ BIG: '1' });
  const off = run({ TSGITOP_V8_SIZE: '0' });
  assert.deepEqual([small.compact, big.compact, off.compact], [true, false, false]);
  const mb = (b: number): string => (b / 1048576).toFixed(1);
  const peaks = `old space peaks: small steps ${mb(small.peak)} MB, after a big document ${mb(big.peak)} MB, TSGITOP_V8_SIZE=0 ${mb(off.peak)} MB`;
  assert.ok(small.peak + 4 * 1048576 <= off.peak, peaks);
  assert.ok(small.peak + 4 * 1048576 <= big.peak, peaks);
});

test('jit policy in V8: a code cache made inside atStartFlags is one V8 takes at the next start (made under the policy\'s flags, it is refused)', { skip: major >= 24 ? `Node ${major} freezes V8 flags after start-up (the policy changes nothing there)` : false }, () => {
  const jit = fileURLToPath(new URL('../../src/cli/jit.js', import.meta.url));
  // Each run compiles the same script with the cache of the run before (when there is one) and says whether V8
  // took it; a run given none makes one under the policy's flags, inside atStartFlags or not (argv[2]).
  const script = `
    import vm from 'node:vm'; import fs from 'node:fs';
    const [file, how] = process.argv.slice(1);
    const given = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    const s = new vm.Script('function f(n) { let t = 0; for (let i = 0; i < n; i++) t += i; return t } f', { filename: 'x.js', cachedData: given });
    s.runInThisContext()(100);
    if (given) console.log(s.cachedDataRejected ? 'rejected' : 'used');
    else {
      const { limitJit } = await import(${JSON.stringify(jit)});
      const policy = limitJit();
      fs.writeFileSync(file, how === 'inside' ? policy.atStartFlags(() => s.createCachedData()) : s.createCachedData());
      console.log('made');
    }`;
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-jitcache-'));
  try {
    const run = (file: string, how: string): string => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, file, how], { encoding: 'utf8' });
      assert.equal(r.stderr, '');
      return r.stdout.trim();
    };
    assert.equal(run(join(dir, 'a'), 'inside'), 'made');
    assert.equal(run(join(dir, 'a'), 'inside'), 'used');
    assert.equal(run(join(dir, 'b'), 'outside'), 'made');
    assert.equal(run(join(dir, 'b'), 'outside'), 'rejected', 'made under the policy\'s flags: refused (what atStartFlags is for)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
