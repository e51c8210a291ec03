/**
 * Issue 13 (the first minute's CPU): bin/tsgitop runs the monitor's bundle
 * as a script compiled with V8's code cache made at build time
 * (scripts/code-cache.mjs). On the Node that built it the cache is used; V8
 * rejects a cache that is not its own (another V8, a cut file) and the
 * command runs all the same; a cache older than its script is not offered;
 * without the script the ES module bundle runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli');

function run(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin', 'tsgitop'), ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TSGITOP_CODE_CACHE_TRACE: '1' } }, (e, stdout, stderr) => {
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A copy of the built package (bin and dist/src) in a temp dir, its packages linked. */
function copyPackage(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true, preserveTimestamps: true });
  cpSync(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true, preserveTimestamps: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

test('the build made the code cache; the Node that made it uses it, another rejects it and runs all the same', async () => {
  assert.ok(existsSync(join(CLI, 'main.bundle.vm.js')), 'the script form of the bundle');
  assert.ok(statSync(join(CLI, 'main.bundle.vm.cache')).size > 100_000, 'a cache with the code of the monitor');
  const madeBy = JSON.parse(readFileSync(join(CLI, 'main.bundle.vm.cache.json'), 'utf8')) as { v8: string };
  const r = await run(ROOT, ['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^tsgitop \d/);
  assert.match(r.stderr, madeBy.v8 === process.versions.v8 ? /code cache used/ : /code cache rejected/);
});

test('a cut cache is rejected, a cache older than the script is not offered, no script runs the ES module bundle: every one runs the command', async (t) => {
  const dir = copyPackage(t);
  const cli = join(dir, 'dist', 'src', 'cli');
  const cache = join(cli, 'main.bundle.vm.cache');

  truncateSync(cache, 4096);
  let r = await run(dir, ['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /code cache rejected/);

  const old = statSync(join(cli, 'main.bundle.vm.js')).mtime.getTime() / 1000 - 60;
  utimesSync(cache, old, old);
  r = await run(dir, ['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /code cache absent/);

  rmSync(join(cli, 'main.bundle.vm.js'));
  r = await run(dir, ['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /code cache/);
  assert.match(r.stdout, /complete/);
});

test('the script form takes the split-off modules from the same instances: a command of the rest bundle runs from it', async () => {
  const r = await run(ROOT, ['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /code cache (used|rejected)/);
  assert.match(r.stdout, /complete/);
});
