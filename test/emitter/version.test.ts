/**
 * The emitter's reported version (issue 14 point 2): a compiled-in
 * constant equal to package.json's version, correct when the emitter's code
 * runs far from any package.json (as in a consumer's bundle).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PACKAGE_VERSION } from '../../src/emitter/package-version.js';
import { emitterVersion } from '../../src/emitter/version.js';

const root = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/emitter → repo root
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

test('the version constant equals package.json version', () => {
  assert.equal(
    PACKAGE_VERSION,
    pkg.version,
    `src/emitter/package-version.ts is out of date: write  export const PACKAGE_VERSION = '${pkg.version}';`,
  );
  assert.equal(emitterVersion(), `2.0.21-tsgitop-${pkg.version}`);
});

test('no emitter module reads package.json at run time', () => {
  const dir = join(root, 'src/emitter');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.ok(!/package\.json['"]/.test(text.replace(/^\s*(\*|\/\/).*$/gm, '')), `${f} names package.json in code`);
  }
});

test('copied away from any package.json (as a bundle would be), the emitter reports the same version', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(root, 'dist/src/emitter'), join(dir, 'emitter'), { recursive: true });
  const mod = (await import(pathToFileURL(join(dir, 'emitter/version.js')).href)) as { emitterVersion(): string };
  assert.equal(mod.emitterVersion(), `2.0.21-tsgitop-${pkg.version}`);
});
