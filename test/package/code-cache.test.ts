/**
 * Issue 13 (the first minute's CPU): bin/tsgitop runs the monitor's bundle
 * as a script compiled with V8's code cache made at build time
 * (scripts/code-cache.mjs). On the Node that built it the cache is used; V8
 * rejects a cache that is not its own (another V8, a cut file) and the
 * command runs all the same; a cache older than its script is not offered;
 * without the script the ES module bundle runs. On any other V8 the monitor
 * makes a cache for it in the user's cache directory (src/cli/codecache.ts),
 * which the next start uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { TmuxSession, tmuxAvailable, waitFile } from '../helpers/tmux.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli');

/** An empty cache directory of the user's for the test's commands (none of the machine's is read or written). */
const userCache = mkdtempSync(join(tmpdir(), 'tsgitop-usercache-'));
process.once('exit', () => rmSync(userCache, { recursive: true, force: true }));

function run(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin', 'tsgitop'), ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TSGITOP_CODE_CACHE_TRACE: '1', XDG_CACHE_HOME: userCache } }, (e, stdout, stderr) => {
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
  // (another V8 is not even offered the package's: it makes its own, see the last test)
  assert.match(r.stderr, madeBy.v8 === process.versions.v8 ? /code cache package used/ : /code cache absent/);
});

test('a cut cache is rejected, a cache older than the script is not offered, no script runs the ES module bundle: every one runs the command', async (t) => {
  const dir = copyPackage(t);
  const cli = join(dir, 'dist', 'src', 'cli');
  const cache = join(cli, 'main.bundle.vm.cache');

  truncateSync(cache, 4096);
  let r = await run(dir, ['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, JSON.parse(readFileSync(cache + '.json', 'utf8')).v8 === process.versions.v8 ? /code cache package rejected/ : /code cache absent/);

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
  assert.match(r.stderr, /code cache (package used|absent)/);
  assert.match(r.stdout, /complete/);
});

/** A stats server on a unix socket: a one-worker uWSGI document, its requests counting the reads served. */
async function statsServer(t: { after(fn: () => void): void }, sock: string): Promise<{ readonly reads: number }> {
  let reads = 0;
  const server = createServer((c) => {
    c.on('error', () => {});
    c.end(JSON.stringify({ version: '2.0.21', pid: 1, workers: [{ id: 1, pid: 2, requests: reads++, status: 'idle' }] }));
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => server.close());
  return {
    get reads() {
      return reads;
    },
  };
}

/**
 * The monitor at 10 frames a second (25 frames in ~2.5 s) on `sock`, its cache directory `cacheHome`, as if the
 * package's cache were another Node's, saying on `err` what it did with code caches.
 */
function monitorCommand(cacheHome: string, sock: string, err: string): string {
  return `TSGITOP_CODE_CACHE=user TSGITOP_CODE_CACHE_TRACE=1 XDG_CACHE_HOME=${cacheHome} ${process.execPath} ${join(ROOT, 'bin', 'tsgitop')} -f 0.1 ${sock} 2> ${err}`;
}

test('on another V8 the monitor makes a code cache for it (0600, in a 0700 directory of the user\'s cache), and the next start uses it; one made of another script is not offered', { skip: tmuxAvailable() }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'tsgitop-cachehome-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const sock = join(home, 'stats.sock');
  await statsServer(t, sock);
  const cacheFile = join(home, 'tsgitop', `main-${process.versions.v8.replace(/[^\w.-]/g, '_')}.cache`);
  const monitor = (k: number): TmuxSession => TmuxSession.start(t, monitorCommand(home, sock, join(home, `err${k}`)), { name: 'cache' });

  const first = monitor(1);
  await waitFile(cacheFile, 20_000, (s) => s.length > 0);
  first.keys('q');
  assert.match(await first.exited(), /exit=0/);
  assert.match(readFileSync(join(home, 'err1'), 'utf8'), /^tsgitop: code cache absent\ntsgitop: code cache written \(\d+ bytes/);
  assert.equal(statSync(cacheFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(home, 'tsgitop')).mode & 0o777, 0o700);
  const script = join(CLI, 'main.bundle.vm.js');
  const made = readFileSync(cacheFile);
  assert.equal(made.subarray(0, made.indexOf(10)).toString('latin1'), `${readFileSync(script, 'latin1').length} ${statSync(script).mtimeMs}`, 'stamped with the script it is of');
  assert.ok(made.length > 100_000, 'the code of the monitor');

  const second = monitor(2);
  await second.waitScreen(/WID/, 'the worker table');
  second.keys('q');
  assert.match(await second.exited(), /exit=0/);
  assert.equal(readFileSync(join(home, 'err2'), 'utf8'), 'tsgitop: code cache user used\n', 'used, and not made again');

  // Made of another script (another build): not offered to V8.
  writeFileSync(cacheFile, Buffer.concat([Buffer.from('1 2\n'), made.subarray(made.indexOf(10) + 1)]));
  const third = monitor(3);
  await third.waitScreen(/WID/, 'the worker table');
  third.keys('q');
  assert.match(await third.exited(), /exit=0/);
  assert.match(readFileSync(join(home, 'err3'), 'utf8'), /^tsgitop: code cache absent\n/);
});

test('a cache directory of another user (sudo with the caller\'s HOME) is neither read nor written', { skip: tmuxAvailable() ?? (process.getuid?.() === 0 ? false : 'needs root (to give a directory to another user)') }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'tsgitop-cacheother-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const theirs = join(base, 'theirs');
  mkdirSync(theirs, { mode: 0o777 });
  chownSync(theirs, 65534, 65534);
  chmodSync(theirs, 0o777); // even where it could write
  const sock = join(base, 'stats.sock');
  const server = await statsServer(t, sock);
  const tm = TmuxSession.start(t, monitorCommand(theirs, sock, join(base, 'err')), { name: 'cacheother' });
  // 40 frames: past the 25 after which a cache is written.
  await tm.waitScreen(() => server.reads >= 40, '40 reads');
  tm.keys('q');
  assert.match(await tm.exited(), /exit=0/);
  assert.equal(readFileSync(join(base, 'err'), 'utf8'), 'tsgitop: code cache absent\n');
  assert.deepEqual(readdirSync(theirs), []);
});
