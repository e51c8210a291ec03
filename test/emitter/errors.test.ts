/**
 * Typed, actionable errors a consumer of the emitter meets (issue 14 point 3,
 * issue 10 point 16): each is an EmitterError with a stable code and a
 * message that names the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { EmitterError, instrument, RequestCounters } from '../../src/emitter/index.js';

test('instrumenting a server twice throws EALREADY naming the fix', () => {
  const server = http.createServer();
  const inst = instrument(server, { counters: new RequestCounters(1), cluster: false });
  try {
    assert.throws(
      () => instrument(server, { counters: new RequestCounters(1), cluster: false }),
      (e: unknown) => e instanceof EmitterError && e.code === 'EALREADY' && /once per server/.test(e.message) && /instrumentation/.test(e.message) && !e.message.includes('\n'),
    );
  } finally {
    inst.close();
  }
});

test('HTTP/2 servers are refused with ENOTSUP (not half counted)', () => {
  for (const server of [http2.createServer(), http2.createSecureServer({ allowHTTP1: true })]) {
    assert.throws(
      () => instrument(server as unknown as http.Server, { counters: new RequestCounters(1), cluster: false }),
      (e: unknown) => e instanceof EmitterError && e.code === 'ENOTSUP' && /HTTP\/2/.test(e.message) && /node:http/.test(e.message),
    );
  }
});

test('listen.path in a missing directory is ENOENT naming the directory; under a file ENOTDIR; unwritable dir EACCES', async (t) => {
  const { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { listenStats } = await import('../../src/emitter/listener.js');
  const { DocumentSource } = await import('../../src/emitter/source.js');
  const { fallbackDocument } = await import('../../src/emitter/builder.js');
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-err-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = new DocumentSource(() => fallbackDocument());
  const missing = join(dir, 'no-such-dir', 'stats.sock');
  await assert.rejects(listenStats(src, { path: missing }), (e: unknown) => {
    assert.ok(e instanceof EmitterError);
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, /does not exist/);
    assert.ok(e.message.includes(join(dir, 'no-such-dir')));
    return true;
  });
  writeFileSync(join(dir, 'file'), 'x');
  await assert.rejects(listenStats(src, { path: join(dir, 'file', 'stats.sock') }), (e: unknown) => e instanceof EmitterError && e.code === 'ENOTDIR');
  if (process.getuid?.() !== 0) {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    await assert.rejects(listenStats(src, { path: join(ro, 'stats.sock') }), (e: unknown) => e instanceof EmitterError && e.code === 'EACCES');
  }
});
