import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, assertOneLineError } from './run-cli.js';
import { freePort } from '../helpers/net.js';
import { KEYMAP } from '../../src/tui/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'tsgitop-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));


describe('usage errors: one line on stderr, exit code 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown option', ['--bogus', ':9191'], /unknown option/],
    ['no address', ['-b'], /missing the stats server address/],
    ['frequency not a number', ['-f', 'abc', ':9191'], /--frequency/],
    ['frequency zero', ['-f', '0', ':9191'], /--frequency must be between/],
    ['timeout negative', ['--timeout=-1', ':9191'], /--timeout/],
    ['max-bytes bad unit', ['--max-bytes', '12Q', ':9191'], /--max-bytes/],
    ['iterations zero', ['-b', '-n', '0', ':9191'], /--iterations/],
    ['iterations fractional', ['-b', '-n', '1.5', ':9191'], /--iterations/],
    ['unknown sort column', ['-b', '-s', 'nope', ':9191'], /unknown sort column 'nope'/],
    ['pretty without connect-and-read', ['--pretty', ':9191'], /--pretty only goes with --connect-and-read/],
    ['unknown URL scheme', ['ftp://127.0.0.1:9191'], /./],
    ['port out of range', [':99999'], /./],
    ['host without port', ['127.0.0.1:'], /./],
    ['empty address', [''], /./],
    ['connect-and-read with an extra address', ['--connect-and-read', ':9191', ':9192'], /one address/],
    ['demo workers zero', ['demo', '--workers', '0'], /--workers/],
    ['missing option value', ['--connect-and-read'], /argument missing/],
  ];
  for (const [name, args, re] of cases) {
    test(name, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 2, `exit code for ${JSON.stringify(args)}; stderr: ${r.stderr}`);
      assertOneLineError(r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stdout.length, 0, 'nothing on stdout');
    });
  }
});

describe('runtime errors: one line on stderr, exit code 1', () => {
  test('no such socket file', async () => {
    const r = await runCli(['--connect-and-read', join(dir, 'nope.sock')]);
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r.stderr);
    assert.match(r.stderr, /no such socket/i);
  });
  test('connection refused on a closed loopback port', async () => {
    const port = await freePort();
    const r = await runCli(['--connect-and-read', `127.0.0.1:${port}`]);
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r.stderr);
    assert.match(r.stderr, /refused/i);
  });
  test('batch mode against a closed port', async () => {
    const port = await freePort();
    const r = await runCli(['-b', `:${port}`]);
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r.stderr);
  });
});

describe('help and version', () => {
  test('--help lists every option and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    const out = r.stdout.toString();
    for (const opt of ['--frequency', '--timeout', '--max-bytes', '--connect-and-read', '--pretty', '--batch', '--iterations', '--json', '--cores', '--sort', '--reverse', '--width', '--no-color', 'demo']) {
      assert.ok(out.includes(opt), `help mentions ${opt}`);
    }
  });
  test('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.toString(), /^tsgitop \d+\.\d+\.\d+\n$/);
  });
  test('--help-keys lists every entry of the monitor key map', async () => {
    const r = await runCli(['--help-keys']);
    assert.equal(r.code, 0);
    const out = r.stdout.toString();
    for (const k of KEYMAP) assert.ok(out.includes(`${k.name} `) && out.includes(k.help), `--help-keys lists ${k.name}: ${k.help}`);
  });
  test('--help-columns lists the columns of every table (workers, cores, vassals, fleet)', async () => {
    const r = await runCli(['--help-columns']);
    assert.equal(r.code, 0);
    const out = r.stdout.toString();
    assert.match(out, /RPS/);
    for (const table of ['Workers', 'Cores', 'Vassals', 'Fleet']) assert.match(out, new RegExp(`^${table} \\(`, 'm'), table);
    assert.match(out, /txrate\s+TX\/s/);
    assert.match(out, /target\s+TARGET/);
  });
});
