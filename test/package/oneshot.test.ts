/**
 * The one-shot fast path (src/cli/fast.ts, taken by bin/tsgitop for
 * `--connect-and-read ADDR [--pretty]`) behaves exactly like the full
 * command line (TSGITOP_NO_FAST=1) — same stdout bytes, stderr and exit
 * code on success and on every kind of failure — and loads only what it
 * needs: no commander, no blessed, no model, no TUI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneShotArgs } from '../../src/cli/fast.js';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, ONE_SHOT_DEFAULTS } from '../../src/cli/defaults.js';
import { parseBytes, parseSeconds } from '../../src/cli/values.js';

const BIN = fileURLToPath(new URL('../../../bin/tsgitop', import.meta.url));
const DIST_CLI = fileURLToPath(new URL('../../src/cli/', import.meta.url));
const DOC = readFileSync(fileURLToPath(new URL('../../../fixtures/uwsgi/idle-4p.json', import.meta.url)));

interface Out {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Out> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'buffer', env: { ...process.env, ...env }, timeout: 20_000 }, (e, stdout, stderr) => {
      resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, stdout, stderr: stderr.toString() });
    });
  });
}

test('oneShotArgs: only the exact one-shot shapes take the fast path', () => {
  assert.deepEqual(oneShotArgs(['--connect-and-read', 'a.sock'], {}), { address: 'a.sock', pretty: false });
  assert.deepEqual(oneShotArgs(['--connect-and-read=:9191'], {}), { address: ':9191', pretty: false });
  assert.deepEqual(oneShotArgs(['--pretty', '--connect-and-read', 'x'], {}), { address: 'x', pretty: true });
  assert.deepEqual(oneShotArgs(['--connect-and-read', 'x', '--pretty'], {}), { address: 'x', pretty: true });
  for (const a of [[], ['x'], ['--connect-and-read'], ['--connect-and-read', '--pretty', 'x'], ['--connect-and-read', 'x', 'y'], ['-t', '1', '--connect-and-read', 'x'], ['--connect-and-read='], ['--connect-and-read', '-'], ['--help']]) {
    assert.equal(oneShotArgs(a, {}), undefined, JSON.stringify(a));
  }
  assert.equal(oneShotArgs(['--connect-and-read', 'x'], { TSGITOP_NO_FAST: '1' }), undefined);
});

test('the fast path uses the same deadline and size cap as the full command line', () => {
  assert.equal(ONE_SHOT_DEFAULTS.timeoutMs, Math.round(parseSeconds('--timeout', DEFAULT_TIMEOUT, 0.05, 3600) * 1000));
  assert.equal(ONE_SHOT_DEFAULTS.maxBytes, parseBytes('--max-bytes', DEFAULT_MAX_BYTES, 1024, 4 * 1024 ** 3));
});

test('the fast path reaches no commander, blessed, model or TUI module (static and dynamic imports)', () => {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith('.')) walk(normalize(join(dirname(file), spec)));
      else bare.add(spec);
    }
  };
  walk(join(DIST_CLI, 'fast.js'));
  const files = [...seen].map((f) => f.slice(f.indexOf('/dist/src/') + 10));
  assert.ok(files.includes('cli/dump.js') && files.includes('protocol/reader.js'), files.join(' '));
  for (const f of files) assert.doesNotMatch(f, /^(model|tui|fleet|record|render|emitter)\/|^cli\/main\.js$|columns|format/, `fast path reaches ${f}`);
  for (const b of bare) assert.match(b, /^node:/, `fast path imports the package ${b}`);
  // The one-file bundle bin/tsgitop loads (scripts/bundle-oneshot.mjs) holds exactly these modules, and is current.
  const bundle = readFileSync(join(DIST_CLI, 'oneshot.bundle.cjs'), 'utf8');
  const listed = JSON.parse(/const __sources = (\[.*\]);/.exec(bundle)![1]!) as string[];
  assert.deepEqual([...listed].sort(), [...files].sort());
});

test('bin/tsgitop runs the bundle, and falls back to the modules when a module is newer than the bundle', () => {
  const bundle = fileURLToPath(new URL('../../src/cli/oneshot.bundle.cjs', import.meta.url));
  // The bundle is CommonJS (bin/tsgitop require()s it): its staleness as a fresh process computes it at load.
  const load = (): { stale: boolean; oneShotArgs: string } =>
    JSON.parse(execFileSync(process.execPath, ['-e', `const m = require(${JSON.stringify(bundle)}); console.log(JSON.stringify({ stale: m.stale, oneShotArgs: typeof m.oneShotArgs }))`], { encoding: 'utf8' })) as {
      stale: boolean;
      oneShotArgs: string;
    };
  const m = load();
  assert.equal(m.stale, false, 'the build wrote the bundle after tsc');
  assert.equal(m.oneShotArgs, 'function');
  // A module compiled after the bundle (tsc alone) makes it stale; the mtime is put back afterwards.
  const reader = fileURLToPath(new URL('../../src/protocol/reader.js', import.meta.url));
  const before = statSync(reader);
  const built = statSync(bundle).mtime;
  try {
    utimesSync(reader, before.atime, new Date(built.getTime() + 10_000));
    assert.equal(load().stale, true);
  } finally {
    utimesSync(reader, before.atime, before.mtime);
  }
});

test('fast path and full CLI: the same bytes, stderr and exit code for every outcome', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-oneshot-'));
  const srvs: Server[] = [];
  t.after(() => {
    for (const s of srvs) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const serve = async (name: string, answer: (c: import('node:net').Socket) => void): Promise<string> => {
    const p = join(dir, name);
    const s = createServer((c) => {
      c.on('error', () => {});
      answer(c);
    });
    srvs.push(s);
    await new Promise<void>((r) => s.listen(p, r));
    return p;
  };
  const good = await serve('good.sock', (c) => c.end(DOC));
  const cut = await serve('cut.sock', (c) => c.end(DOC.subarray(0, 100)));
  const html = await serve('html.sock', (c) => c.end('<html>\x1b]0;pwned\x07</html>\n'));
  const empty = await serve('empty.sock', (c) => c.end());
  const cases: string[][] = [
    ['--connect-and-read', good],
    ['--connect-and-read=' + good],
    ['--connect-and-read', good, '--pretty'],
    ['--pretty', '--connect-and-read', cut],
    ['--connect-and-read', cut],
    ['--connect-and-read', html],
    ['--connect-and-read', html, '--pretty'],
    ['--connect-and-read', empty],
    ['--connect-and-read', join(dir, 'missing.sock')],
    ['--connect-and-read', '127.0.0.1:1'],
    ['--connect-and-read', 'host:notaport'],
    ['--connect-and-read', '[::1'],
  ];
  for (const args of cases) {
    assert.ok(oneShotArgs(args, {}), `fast path for ${args.join(' ')}`);
    const [fast, full] = await Promise.all([run(args), run(args, { TSGITOP_NO_FAST: '1' })]);
    const what = args.join(' ');
    assert.equal(fast.code, full.code, `${what}: exit code; stderr fast=${fast.stderr} full=${full.stderr}`);
    assert.equal(fast.stderr, full.stderr, what);
    assert.ok(fast.stdout.equals(full.stdout), `${what}: stdout`);
    if (args[1] === good && args.length === 2) assert.ok(fast.stdout.equals(DOC), 'the document byte for byte');
  }
});

test('both bundles are pure ASCII (V8 then keeps their source at one byte a character), and text outside ASCII survives', () => {
  for (const name of ['oneshot.bundle.cjs', 'main.bundle.js']) {
    const bytes = readFileSync(join(DIST_CLI, name));
    const at = bytes.findIndex((b) => b > 0x7f);
    assert.equal(at, -1, `${name}: byte ${at} is not ASCII`);
  }
  // The help text has an em dash: the bundle (bin/tsgitop) prints what the modules print.
  const viaBundle = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  const viaModules = execFileSync(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(join(DIST_CLI, 'main.js'))}); process.exitCode = await main(['node', 'tsgitop', '--help']);`], { encoding: 'utf8' });
  assert.match(viaBundle, /—/);
  assert.equal(viaBundle, viaModules);
});
