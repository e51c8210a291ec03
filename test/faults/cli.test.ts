/**
 * Every malformed option value and every bad address form, through the
 * real `bin/tsgitop`: one line on stderr (prefixed, no stack), nothing on
 * stdout, exit code 2. The table (input → message → exit code) is recorded
 * as a figure and printed into RELIABILITY.md.
 *
 * Option cases give a valid but absent socket address, so an option that
 * slipped through validation would end in exit code 1 (no such socket), not 2.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { figure } from './mode.js';

const dir = mkdtempSync(join(tmpdir(), 'tsgitop-cli-faults-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SOCK = join(dir, 'absent.sock');

/** [args, what the message must say] */
type Case = [string[], RegExp];
const cases: Case[] = [];

const SECONDS_BAD = ['abc', '', ' ', '-1', '0', '0.01', '1e3', 'NaN', 'Infinity', '1,5', '0x10', '1s', '+1', '.', '1..2', '١'];
for (const v of SECONDS_BAD) {
  cases.push([['-f', v, SOCK], /--frequency/]);
  cases.push([[`--timeout=${v}`, SOCK], /--timeout/]);
}
cases.push([['-f', '86401', SOCK], /--frequency must be between/]);
cases.push([['--frequency=-0.5', SOCK], /--frequency/]);
cases.push([['-t', '3601', SOCK], /--timeout must be between/]);

for (const v of ['12Q', '', ' ', 'abc', '-1', '0', '1023', '5G', '4.1G', 'M', '1.5.5', '1e6', '0x100', '64 M B', '1T']) {
  cases.push([['--max-bytes', v, SOCK], /--max-bytes/]);
}
for (const v of ['0', '-1', '1.5', 'abc', '', ' ', '1000001', '1e3', '0x10']) {
  cases.push([['-b', '-n', v, SOCK], /--iterations/]);
}
for (const v of ['19', '0', '10001', 'abc', '-5', '1.5', '']) {
  cases.push([['-b', '--width', v, SOCK], /--width/]);
}
for (const v of ['nope', '', ' ', 'RPS!', 'w id']) {
  cases.push([['-b', '-s', v, SOCK], /sort column/]);
}
for (const v of ['0', '65', 'abc', '-1', '1.5', '']) cases.push([['demo', '-w', v], /--workers/]);
for (const v of ['abc', '0', '86401', '']) cases.push([['demo', '-f', v], /--frequency/]);

// Missing option values and unknown options.
for (const opt of ['-f', '--frequency', '-t', '--timeout', '--max-bytes', '-n', '--iterations', '-s', '--sort', '--width', '--connect-and-read']) {
  cases.push([[SOCK, opt], /argument missing/]);
}
for (const opt of ['--bogus', '-x', '--frequencyy', '--no-colour', '---', '--json=1']) cases.push([[opt, SOCK], /unknown option|too many|argument/]);
// `demo` errors detected by commander itself are in bugs.test.ts (two stderr lines today).

// Combinations.
cases.push([[], /missing the stats server address/]);
cases.push([['-b'], /missing the stats server address/]);
cases.push([['--pretty', SOCK], /--pretty only goes with --connect-and-read/]);
cases.push([['--connect-and-read', SOCK, SOCK], /one address/]);
cases.push([[SOCK, SOCK], /duplicate/]);

/** Every bad address form of src/protocol/address.ts (and the length limits of reader.ts). */
const BAD_ADDRESSES: [string, RegExp][] = [
  ['', /empty address/],
  ['   ', /empty address/],
  ['a\tb', /control character/],
  ['a\u007fb', /control character/],
  ['unix:', /empty socket path/],
  ['@', /missing abstract socket name/],
  ['unix:@', /missing abstract socket name/],
  ['ftp://127.0.0.1:21/', /unsupported URL scheme 'ftp:'/],
  ['tcp://127.0.0.1:1', /unsupported URL scheme 'tcp:'/],
  ['http://', /malformed URL|missing host/],
  ['http://:80/', /malformed URL|missing host/],
  ['https://127.0.0.1:0/', /port 0/],
  ['http://127.0.0.1:99999/', /malformed URL/],
  ['http://[::1/', /malformed URL/],
  ['[::1', /missing '\]'/],
  ['[abc]:80', /not an IPv6 address/],
  ['[::1]', /missing port/],
  ['[::1]x', /unexpected/],
  ['[::1]:', /missing port/],
  ['[::1]:abc', /bad port/],
  ['[::1]:0', /out of range/],
  ['[::1]:70000', /out of range/],
  ['3031', /ambiguous address/],
  ['::1:3031', /needs brackets/],
  ['fe80::1', /needs brackets/],
  ['a:b:c', /too many ':'/],
  ['foo:bar', /bad port/],
  ['127.0.0.1:', /missing port/],
  [':', /missing port/],
  [':0', /out of range/],
  [':65536', /out of range/],
  [':99999999', /out of range/],
  [':-1', /bad port/],
  [':1.5', /bad port/],
  [': 80', /bad port/],
  ['bad_host!:80', /bad host name/],
  ['-host:80', /bad host name|unknown option/],
  ['host..name:80', /bad host name/],
  [`${'a'.repeat(254)}:80`, /bad host name/],
  [`@${'x'.repeat(200)}`, /abstract socket name too long/],
  [`/${'a'.repeat(200)}.sock`, /socket path too long/],
];
for (const [a, re] of BAD_ADDRESSES) {
  cases.push([[a], re]);
  cases.push([['--connect-and-read', a], re]);
}

interface Row {
  args: string[];
  code: number | null;
  message: string;
}

const rows: Row[] = [];
after(() => {
  figure('cli', 'usage table', rows);
});

/** Display form of an argument list for the table (temp paths shortened). */
function show(args: string[]): string {
  return args.map((a) => (a === SOCK ? 'S.sock' : JSON.stringify(a).length > 40 ? JSON.stringify(a.slice(0, 24) + '…') : /^[\w./:@=+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

test(`CLI: ${cases.length} malformed options and addresses → one line, exit code 2`, { timeout: 170_000 }, async (t) => {
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      const [args, re] = cases[i]!;
      const r = await runCli(args, { timeoutMs: 20_000, env: { NO_COLOR: '1' } });
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      const message = (lines[0] ?? '').replace(/^tsgitop: /, '');
      rows[i] = { args: args.map((a) => (a === SOCK ? 'S.sock' : a)), code: r.code, message: message.split(SOCK).join('S.sock') };
      const problems: string[] = [];
      if (r.code !== 2) problems.push(`exit ${r.code}${r.signal ? ` (${r.signal})` : ''}`);
      if (lines.length !== 1) problems.push(`${lines.length} stderr lines`);
      if (!(lines[0] ?? '').startsWith('tsgitop: ')) problems.push('no "tsgitop: " prefix');
      if (/\n\s+at /.test(r.stderr)) problems.push('stack trace');
      if (r.stdout.length !== 0) problems.push(`${r.stdout.length} bytes on stdout`);
      if (!re.test(message)) problems.push(`message does not match ${re}`);
      if (problems.length) failures.push(`${show(args)}: ${problems.join(', ')} — stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  t.diagnostic(`${cases.length} cases, ${failures.length} failed`);
  figure('cli', 'cases', { total: cases.length, failed: failures.length });
  assert.deepEqual(failures, []);
});
