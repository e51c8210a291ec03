import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { combineTargets, loadTargetsFile, parseTargets, targetsFromArgs } from '../../src/fleet/targets.js';
import { StatsError } from '../../src/protocol/errors.js';

function rejectsLine(text: string, re: RegExp): void {
  assert.throws(
    () => parseTargets(text, 'fleet.txt'),
    (e: unknown) => {
      assert.ok(e instanceof StatsError);
      assert.equal(e.code, 'BAD_ADDRESS');
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('targets file: labels, bare addresses, comments, blank lines, CRLF and BOM', () => {
  const text = [
    '\uFEFF# production fleet',
    '',
    'web1 = 127.0.0.1:9191',
    'web2=http://127.0.0.1:9192/stats?x=1   # label without spaces; = inside the URL',
    '   /run/app/stats.sock   ',
    './odd#name.sock # a # inside a path is kept',
    'http://127.0.0.1:9193/?a=b',
    'db-1.eu = [::1]:9194\r',
    '@abstract-name',
    '\t# indented comment',
  ].join('\n');
  const ts = parseTargets(text, 'fleet.txt');
  assert.deepEqual(
    ts.map((t) => [t.label, t.address.kind, t.origin]),
    [
      ['web1', 'tcp', 'fleet.txt:3'],
      ['web2', 'http', 'fleet.txt:4'],
      ['/run/app/stats.sock', 'unix', 'fleet.txt:5'],
      ['./odd#name.sock', 'unix', 'fleet.txt:6'],
      ['http://127.0.0.1:9193/?a=b', 'http', 'fleet.txt:7'],
      ['db-1.eu', 'tcp', 'fleet.txt:8'],
      ['@abstract-name', 'abstract', 'fleet.txt:9'],
    ],
  );
  const odd = ts[3]!.address;
  assert.ok(odd.kind === 'unix' && odd.path === resolve('odd#name.sock'));
  const v6 = ts[5]!.address;
  assert.ok(v6.kind === 'tcp' && v6.host === '::1' && v6.port === 9194);
});

test('targets file errors name the file and line', () => {
  rejectsLine('web1 = 127.0.0.1:9191\nweb2 = 127.0.0.1:abc\n', /^fleet\.txt:2: bad port "abc"/);
  rejectsLine('a = :1\nb = :2\na = :3\n', /^fleet\.txt:3: duplicate label "a" \(first on line 1\)$/);
  rejectsLine(':1\n# x\nother = 127.0.0.1:1\n', /^fleet\.txt:3: duplicate address "127\.0\.0\.1:1" \(first on line 1\)$/);
  rejectsLine('\n\nweb1 =   # nothing\n', /^fleet\.txt:3: missing address after 'web1 ='$/);
  rejectsLine('= :1\n', /^fleet\.txt:1: missing label before '='/);
  rejectsLine('ftp://h:1/\n', /^fleet\.txt:1: unsupported URL scheme 'ftp:'/);
  rejectsLine('3031\n', /^fleet\.txt:1: ambiguous address "3031"/);
  rejectsLine('# only comments\n\n', /^fleet\.txt: no targets/);
  rejectsLine('fe80::1:3031\n', /^fleet\.txt:1: IPv6 address .* needs brackets/);
});

test('loadTargetsFile: reads the file; unreadable files are one-line BAD_ADDRESS errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'targets');
  writeFileSync(f, 'a = :1\nb = :2\n');
  assert.deepEqual((await loadTargetsFile(f)).map((x) => x.label), ['a', 'b']);
  writeFileSync(f, 'a = :1\nb = nope:\n');
  await assert.rejects(loadTargetsFile(f), (e: unknown) => e instanceof StatsError && e.message.startsWith(`${f}:2: missing port`));
  await assert.rejects(loadTargetsFile(join(dir, 'missing')), /^StatsError: cannot read targets file .*missing: no such file$/);
  await assert.rejects(loadTargetsFile(dir), /cannot read targets file .*: it is a directory/);
});

test('positional addresses, and combining them with a file, reject duplicates across both', () => {
  const args = targetsFromArgs(['127.0.0.1:1', '/tmp/x.sock']);
  assert.deepEqual(
    args.map((a) => [a.label, a.origin]),
    [
      ['127.0.0.1:1', 'argument 1'],
      ['/tmp/x.sock', 'argument 2'],
    ],
  );
  assert.throws(() => targetsFromArgs([':1', 'bad:port']), /^StatsError: argument 2: bad port "port"/);
  const file = parseTargets('web = :1\n', 'f');
  assert.throws(() => combineTargets(file, args), /^StatsError: argument 1: duplicate address "127\.0\.0\.1:1" \(also f:1\)$/);
  const named = parseTargets('x = :5\n', 'g');
  assert.throws(() => combineTargets(named, parseTargets('x = :6\n', 'h')), /h:1: duplicate label "x" \(also g:1\)/);
  assert.equal(combineTargets(named, args).length, 3);
});
