/**
 * TSGITOP_STATS address rules of the gunicorn module (python/tsgitop_gunicorn.py `_listen`), run in
 * Debian's python3: unix paths are created 0600, a stale socket is replaced, a live one or a
 * non-socket file is refused (never unlinked), TCP/HTTP only on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODULE, pythonAvailable, startGunicorn, sum } from './helpers.js';
import { dirname } from 'node:path';

const SCRIPT = `
import json, os, socket, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import tsgitop_gunicorn as m
out = {}
for a in json.loads(sys.argv[2]):
    try:
        s, mode = m._listen(a)
        name = s.getsockname()
        out[a] = [mode, name if isinstance(name, str) else name[0]]
        s.close()
    except Exception as e:
        out[a] = ['error', type(e).__name__, str(e)]
print(json.dumps(out))
`;

test('TSGITOP_STATS: unix 0600, stale socket replaced, live socket / regular file refused, loopback only', async (t) => {
  const a = pythonAvailable();
  if (!a.ok) return t.skip(a.reason);
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-listen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'precious.txt');
  writeFileSync(file, 'keep me');
  // a stale socket file: bound by a process that is gone
  const stale = join(dir, 'stale.sock');
  const mk = spawnSync('/usr/bin/python3', ['-c', `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(stale)})`]);
  assert.equal(mk.status, 0);
  const fresh = join(dir, 'fresh.sock');
  const addrs = [fresh, stale, file, `unix:${join(dir, 'u.sock')}`, '127.0.0.1:0', 'http://127.0.0.1:0', 'localhost:0', '[::1]:0', '0.0.0.0:9191', '10.1.2.3:80', 'http://example.com:80', 'nonsense'];
  const r = spawnSync('/usr/bin/python3', ['-c', SCRIPT, MODULE, JSON.stringify(addrs)], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, string[]>;
  assert.deepEqual(out[fresh], ['raw', fresh]);
  assert.deepEqual(out[stale], ['raw', stale], 'a stale socket is replaced');
  assert.equal(out[file]![0], 'error');
  assert.match(out[file]![2]!, /not a socket/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me', 'a regular file is never unlinked');
  assert.deepEqual(out[`unix:${join(dir, 'u.sock')}`], ['raw', join(dir, 'u.sock')]);
  assert.deepEqual(out['127.0.0.1:0'], ['raw', '127.0.0.1']);
  assert.deepEqual(out['http://127.0.0.1:0'], ['http', '127.0.0.1']);
  assert.deepEqual(out['localhost:0'], ['raw', '127.0.0.1']);
  assert.deepEqual(out['[::1]:0'], ['raw', '::1']);
  for (const bad of ['0.0.0.0:9191', '10.1.2.3:80', 'http://example.com:80']) assert.match(out[bad]![2]!, /loopback only/, bad);
  assert.equal(out['nonsense']![0], 'error');
  // created 0600 (the socket file stays after close: check the mode of the one bound)
  assert.equal(statSync(fresh).mode & 0o777, 0o600);
});

test('TSGITOP_STATS on a path a live process serves is refused, the live socket untouched', async (t) => {
  const a = pythonAvailable();
  if (!a.ok) return t.skip(a.reason);
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-listen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const live = join(dir, 'live.sock');
  const code = `
import os, socket, sys, json
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import tsgitop_gunicorn as m
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[2]); s.listen(1)
try:
    m._listen(sys.argv[2]); print('bound')
except ValueError as e:
    print('refused', e)
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[2]); print('still served')
`;
  const r = spawnSync('/usr/bin/python3', ['-c', code, MODULE, live], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^refused another process serves .*\nstill served\n$/);
});

test("a user's own gunicorn config imports the module and chains a hook of its own", async (t) => {
  const a = pythonAvailable();
  if (!a.ok) return t.skip(a.reason);
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-userconf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'gunicorn.conf.py');
  writeFileSync(
    conf,
    [
      'import sys',
      `sys.path.insert(0, ${JSON.stringify(dirname(MODULE))})`,
      'from tsgitop_gunicorn import *',
      'import tsgitop_gunicorn',
      'timeout = 20',
      'def pre_request(worker, req):',
      '    worker.log.info("user hook %s", req.path)',
      '    tsgitop_gunicorn.pre_request(worker, req)',
      '',
    ].join('\n'),
  );
  const g = await startGunicorn({ workers: 2, config: conf, extraArgs: ['--log-level', 'info'] });
  t.after(() => g.stop());
  for (let i = 0; i < 10; i++) await g.request(i === 9 ? '/error' : '/');
  const d = await g.waitDoc((x) => sum(x.workers, 'requests') === 10, '10 requests through the user config');
  assert.equal(sum(d.workers, 'exceptions'), 1);
  assert.match(g.log(), /user hook \//);
});
