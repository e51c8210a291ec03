/**
 * src/cli/codecache.ts: the code cache a monitor makes for its own Node when bin/tsgitop found none it could
 * use. Written once, whole or not at all, 0600 in a 0700 directory, stamped with the script it is of; a failure
 * is no cache, never an error. (test/package/code-cache.test.ts runs the whole way in a real monitor.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offerCodeCache, saveCodeCache } from '../../src/cli/codecache.js';

function temp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-codecache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the offered cache is written once: its stamp line, then the bytes; 0600 in a new 0700 directory; nothing else left', (t) => {
  const dir = temp(t);
  const file = join(dir, 'cache', 'tsgitop', 'main-1.2.3.cache');
  const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
  let made = 0;
  let underFlags = 0;
  offerCodeCache({ create: () => (made++, data), file, stamp: '335230 1796285778274.216' });
  assert.equal(saveCodeCache((f) => (underFlags++, f())), true);
  assert.equal(made, 1);
  assert.equal(underFlags, 1, 'made inside the flags given');
  const b = readFileSync(file);
  assert.equal(b.subarray(0, b.indexOf(10)).toString('latin1'), '335230 1796285778274.216');
  assert.deepEqual(new Uint8Array(b.subarray(b.indexOf(10) + 1)), data);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'cache', 'tsgitop')).mode & 0o777, 0o700);
  assert.deepEqual(readdirSync(join(dir, 'cache', 'tsgitop')), ['main-1.2.3.cache'], 'no temporary file left');
  assert.equal(saveCodeCache(), false, 'once');
  assert.equal(made, 1);
});

test('nothing offered: nothing written; a failure (no room to write, create throws) is no cache and no leftover, never an error', (t) => {
  const dir = temp(t);
  assert.equal(saveCodeCache(), false);

  // The cache directory's place is a file.
  writeFileSync(join(dir, 'cache'), 'not a directory');
  offerCodeCache({ create: () => new Uint8Array(10), file: join(dir, 'cache', 'tsgitop', 'main.cache'), stamp: '1 2' });
  assert.equal(saveCodeCache(), false);

  // A directory it may not write in (root may: then skip this part).
  const ro = join(dir, 'ro');
  mkdirSync(ro);
  chmodSync(ro, 0o500);
  if (process.getuid?.() !== 0) {
    offerCodeCache({ create: () => new Uint8Array(10), file: join(ro, 'main.cache'), stamp: '1 2' });
    assert.equal(saveCodeCache(), false);
    assert.deepEqual(readdirSync(ro), []);
  }
  chmodSync(ro, 0o700);

  offerCodeCache({
    create: () => {
      throw new Error('V8 said no');
    },
    file: join(ro, 'main.cache'),
    stamp: '1 2',
  });
  assert.equal(saveCodeCache(), false);
  assert.deepEqual(readdirSync(ro), []);
});
