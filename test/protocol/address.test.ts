import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { parseAddress, formatAddress, type Address } from '../../src/protocol/address.js';
import { StatsError } from '../../src/protocol/errors.js';

type Plain =
  | { kind: 'unix'; path: string; display: string }
  | { kind: 'abstract'; name: string; display: string }
  | { kind: 'tcp'; host: string; port: number; display: string }
  | { kind: 'http'; href: string; display: string };

function plain(a: Address): Plain {
  return a.kind === 'http' ? { kind: 'http', href: a.url.href, display: a.display } : a;
}

const cwd = process.cwd();

const GOOD: Array<[string, Plain]> = [
  ['/run/uwsgi/app.status', { kind: 'unix', path: '/run/uwsgi/app.status', display: '/run/uwsgi/app.status' }],
  ['./app.status', { kind: 'unix', path: resolve(cwd, 'app.status'), display: './app.status' }],
  ['../x/s.sock', { kind: 'unix', path: resolve(cwd, '../x/s.sock'), display: '../x/s.sock' }],
  ['app.status', { kind: 'unix', path: resolve(cwd, 'app.status'), display: 'app.status' }],
  ['run/app.sock', { kind: 'unix', path: resolve(cwd, 'run/app.sock'), display: 'run/app.sock' }],
  ['./odd:name', { kind: 'unix', path: resolve(cwd, 'odd:name'), display: './odd:name' }],
  ['/tmp/with:colon:s', { kind: 'unix', path: '/tmp/with:colon:s', display: '/tmp/with:colon:s' }],
  ['unix:/tmp/s.sock', { kind: 'unix', path: '/tmp/s.sock', display: 'unix:/tmp/s.sock' }],
  ['unix:rel.sock', { kind: 'unix', path: resolve(cwd, 'rel.sock'), display: 'unix:rel.sock' }],
  ['unix:foo:bar', { kind: 'unix', path: resolve(cwd, 'foo:bar'), display: 'unix:foo:bar' }],
  ['  /tmp/trimmed.sock \n', { kind: 'unix', path: '/tmp/trimmed.sock', display: '/tmp/trimmed.sock' }],
  ['@uwsgi-stats', { kind: 'abstract', name: 'uwsgi-stats', display: '@uwsgi-stats' }],
  ['unix:@abs', { kind: 'abstract', name: 'abs', display: '@abs' }],
  ['@with:colon', { kind: 'abstract', name: 'with:colon', display: '@with:colon' }],
  ['127.0.0.1:3031', { kind: 'tcp', host: '127.0.0.1', port: 3031, display: '127.0.0.1:3031' }],
  [':3031', { kind: 'tcp', host: '127.0.0.1', port: 3031, display: '127.0.0.1:3031' }],
  [':1', { kind: 'tcp', host: '127.0.0.1', port: 1, display: '127.0.0.1:1' }],
  [':65535', { kind: 'tcp', host: '127.0.0.1', port: 65535, display: '127.0.0.1:65535' }],
  [':080', { kind: 'tcp', host: '127.0.0.1', port: 80, display: '127.0.0.1:80' }],
  ['localhost:9191', { kind: 'tcp', host: 'localhost', port: 9191, display: 'localhost:9191' }],
  ['stats.example-host.internal:9191', { kind: 'tcp', host: 'stats.example-host.internal', port: 9191, display: 'stats.example-host.internal:9191' }],
  ['[::1]:3031', { kind: 'tcp', host: '::1', port: 3031, display: '[::1]:3031' }],
  ['[fe80::1:2]:80', { kind: 'tcp', host: 'fe80::1:2', port: 80, display: '[fe80::1:2]:80' }],
  ['http://127.0.0.1:9191', { kind: 'http', href: 'http://127.0.0.1:9191/', display: 'http://127.0.0.1:9191/' }],
  ['http://localhost:9191/stats?x=1', { kind: 'http', href: 'http://localhost:9191/stats?x=1', display: 'http://localhost:9191/stats?x=1' }],
  ['HTTP://LOCALHOST:9191/', { kind: 'http', href: 'http://localhost:9191/', display: 'http://localhost:9191/' }],
  ['https://localhost/uwsgi', { kind: 'http', href: 'https://localhost/uwsgi', display: 'https://localhost/uwsgi' }],
  ['http://[::1]:9191/', { kind: 'http', href: 'http://[::1]:9191/', display: 'http://[::1]:9191/' }],
  ['http://localhost:9191/#frag', { kind: 'http', href: 'http://localhost:9191/', display: 'http://localhost:9191/' }],
  [
    'http://admin:s3cret@localhost:9191/stats',
    { kind: 'http', href: 'http://admin:s3cret@localhost:9191/stats', display: 'http://localhost:9191/stats' },
  ],
];

for (const [input, expected] of GOOD) {
  test(`parseAddress(${JSON.stringify(input)}) → ${expected.kind}`, () => {
    const a = parseAddress(input);
    assert.deepEqual(plain(a), expected);
    // formatAddress gives canonical text that designates the same endpoint.
    const again = parseAddress(formatAddress(a));
    const p1 = plain(a);
    const p2 = plain(again);
    if (p1.kind === 'http' && p2.kind === 'http') assert.equal(p2.display, p1.display);
    else assert.deepEqual({ ...p2, display: '' }, { ...p1, display: '' });
  });
}

test('credentials never appear in display or formatAddress, but stay in url', () => {
  const a = parseAddress('https://user:pa%20ss@localhost:8443/x');
  assert.equal(a.kind, 'http');
  if (a.kind !== 'http') return;
  assert.equal(a.url.username, 'user');
  assert.equal(a.url.password, 'pa%20ss');
  assert.ok(!a.display.includes('pa%20ss') && !a.display.includes('user'));
  assert.ok(!formatAddress(a).includes('pa%20ss') && !formatAddress(a).includes('user@'));
});

const BAD: Array<[string, RegExp]> = [
  ['', /empty address/],
  ['   ', /empty address/],
  [':0', /port 0 .* out of range/],
  [':65536', /port 65536 .* out of range/],
  [':99999999999999999999', /out of range/],
  ['127.0.0.1:0', /out of range/],
  ['127.0.0.1:', /missing port/],
  ['localhost:', /missing port/],
  [':', /missing port/],
  ['127.0.0.1:abc', /bad port "abc".*not a number/],
  [':-1', /bad port "-1"/],
  [':30 31', /bad port/],
  [':+3031', /bad port/],
  ['foo:bar', /bad port "bar" in "foo:bar".*\.\/NAME or unix:NAME/],
  ['line\nbreak:x', /"line\\nbreak:x" contains a control character/],
  ['two\nlines', /control character/],
  ['@abs\u0000x', /control character/],
  ['3031', /ambiguous address "3031".*:3031.*\.\/3031/],
  ['ftp://localhost/stats', /unsupported URL scheme 'ftp:'/],
  ['tcp://127.0.0.1:3031', /unsupported URL scheme 'tcp:'/],
  ['::1', /IPv6 address "::1" needs brackets/],
  ['::1:3031', /IPv6 .* needs brackets/],
  ['fe80::1', /IPv6 .* needs brackets/],
  ['a:b:c', /too many ':'/],
  ['[::1]', /missing port in "\[::1\]"/],
  ['[::1]:', /missing port/],
  ['[::1]3031', /unexpected "3031" after '\]'/],
  ['[::1:3031', /missing '\]'/],
  ['[127.0.0.1]:80', /not an IPv6 address/],
  ['[::1]:0', /out of range/],
  ['@', /missing abstract socket name/],
  ['unix:@', /missing abstract socket name/],
  ['unix:', /empty socket path/],
  ['bad host:80', /bad host name "bad host"/],
  ['-x-:80', /bad host name/],
  ['http://', /malformed URL/],
  ['http://localhost:0/', /port 0/],
  ['http://localhost:70000/', /malformed URL/],
  ['http://localhost:port/', /malformed URL/],
  ['/tmp/nul\0byte', /control character/],
];

for (const [input, re] of BAD) {
  test(`parseAddress(${JSON.stringify(input)}) is rejected`, () => {
    assert.throws(
      () => parseAddress(input),
      (e: unknown) => {
        assert.ok(e instanceof StatsError, 'a StatsError');
        assert.equal(e.code, 'BAD_ADDRESS');
        assert.match(e.message, re);
        assert.doesNotMatch(e.message, /[\r\n]/, 'one line');
        return true;
      },
    );
  });
}

test('a very long bad input is shortened in the message', () => {
  const long = 'x'.repeat(5000) + ':nope';
  assert.throws(
    () => parseAddress(long),
    (e: unknown) => e instanceof StatsError && e.code === 'BAD_ADDRESS' && e.message.length < 400,
  );
});
