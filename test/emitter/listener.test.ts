import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { listenStats, isLoopbackHost, EmitterError } from '../../src/emitter/listener.js';
import { DocumentSource } from '../../src/emitter/source.js';
import { buildDocument, buildWorker, processIdentity } from '../../src/emitter/builder.js';
import type { EmitterDocument } from '../../src/emitter/doc.js';
import { renderDocument } from '../../src/emitter/render.js';
import { renderPrometheus } from '../../src/emitter/prometheus.js';
import { parseStats } from '../../src/protocol/parse.js';
import { rawHttpGet, readAll, splitHttp, tempDir, waitFor } from './helpers.js';

function doc(requests = 7): EmitterDocument {
  return buildDocument({
    identity: processIdentity(),
    listenQueue: 0,
    listenQueueErrors: 0,
    sockets: [],
    workers: [
      buildWorker({
        id: 1, pid: process.pid, accepting: true, status: 'idle', requests, deltaRequests: requests, exceptions: 1, rss: 1, vsz: 2,
        runningTime: 3, lastSpawn: 4, respawnCount: 1, tx: 5, avgRt: 6, cores: [],
      }),
    ],
  });
}

const fixed = (d = doc()): DocumentSource => new DocumentSource(() => d);

test('raw unix socket: the document, then EOF; file mode 0600 even with umask 000', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  const old = process.umask(0);
  let l;
  try {
    l = await listenStats(fixed(), { path });
  } finally {
    process.umask(old);
  }
  t.after(() => l.close());
  assert.equal(l.address, path);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.ok(statSync(path).isSocket());
  const body = await readAll({ path });
  assert.equal(body.toString(), renderDocument(doc()));
  const parsed = parseStats(body);
  assert.equal(parsed.kind, 'server');
  await l.close();
  assert.equal(existsSync(path), false, 'close() removes the socket file');
  await l.close(); // idempotent
});

test('raw TCP on loopback, pretty and minified', async (t) => {
  const a = await listenStats(fixed(), { host: '127.0.0.1', port: 0 });
  const b = await listenStats(fixed(), { host: '127.0.0.1', port: 0, minified: true });
  t.after(() => Promise.all([a.close(), b.close()]));
  assert.match(a.address, /^127\.0\.0\.1:\d+$/);
  const pretty = await readAll({ host: '127.0.0.1', port: a.port! });
  const mini = await readAll({ host: '127.0.0.1', port: b.port! });
  assert.equal(pretty.toString(), renderDocument(doc()));
  assert.equal(mini.toString(), renderDocument(doc(), true));
  assert.deepEqual(JSON.parse(mini.toString()), JSON.parse(pretty.toString()));
});

test('IPv6 loopback works and is shown in brackets', async (t) => {
  let l;
  try {
    l = await listenStats(fixed(), { host: '::1', port: 0 });
  } catch (e) {
    t.skip(`no IPv6 loopback here: ${(e as Error).message}`);
    return;
  }
  t.after(() => l.close());
  assert.match(l.address, /^\[::1\]:\d+$/);
  const body = await readAll({ host: '::1', port: l.port! });
  assert.equal(body.toString(), renderDocument(doc()));
});

test('HTTP transport: HTTP/1.0 200, JSON content type and exact length; HEAD; /metrics when enabled', async (t) => {
  const l = await listenStats(fixed(), { host: '127.0.0.1', port: 0, http: true, prometheus: true });
  t.after(() => l.close());
  assert.match(l.address, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const r = await rawHttpGet({ host: '127.0.0.1', port: l.port! }, '/');
  assert.equal(r.statusLine, 'HTTP/1.0 200 OK');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(Number(r.headers['content-length']), r.body.length);
  assert.equal(r.body.toString(), renderDocument(doc()));

  const h = await rawHttpGet({ host: '127.0.0.1', port: l.port! }, '/', 'HEAD');
  assert.equal(h.statusLine, 'HTTP/1.0 200 OK');
  assert.equal(h.body.length, 0);
  assert.equal(Number(h.headers['content-length']), r.body.length);

  const m = await rawHttpGet({ host: '127.0.0.1', port: l.port! }, '/metrics');
  assert.equal(m.statusLine, 'HTTP/1.0 200 OK');
  assert.match(m.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
  assert.equal(m.body.toString(), renderPrometheus(doc()));

  // fetch() (undici) reads it too
  const res = await fetch(l.address);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), JSON.parse(renderDocument(doc())));
});

test('HTTP without prometheus serves the JSON for every path, like uWSGI', async (t) => {
  const l = await listenStats(fixed(), { host: '127.0.0.1', port: 0, http: true, minified: true });
  t.after(() => l.close());
  const m = await rawHttpGet({ host: '127.0.0.1', port: l.port! }, '/metrics');
  assert.equal(m.body.toString(), renderDocument(doc(), true));
});

test('an oversized HTTP request head gets 431 and the connection is closed', async (t) => {
  const l = await listenStats(fixed(), { host: '127.0.0.1', port: 0, http: true });
  t.after(() => l.close());
  const raw = await readAll({ host: '127.0.0.1', port: l.port! }, `GET / HTTP/1.0\r\nX-Junk: ${'j'.repeat(20_000)}`);
  assert.match(splitHttp(raw).statusLine, /^HTTP\/1\.0 431 /);
});

test('garbage sent to the raw transport is ignored: the client still gets the document', async (t) => {
  const dir = tempDir(t);
  const l = await listenStats(fixed(), { path: join(dir, 's.sock') });
  t.after(() => l.close());
  const body = await readAll({ path: join(dir, 's.sock') }, Buffer.alloc(64 * 1024, 0xff));
  assert.equal(body.toString(), renderDocument(doc()));
});

test('HTTP: over maxClients the oldest waiting client is dropped and the new one served; no complete head within headTimeoutMs → dropped', async (t) => {
  const l = await listenStats(fixed(), { host: '127.0.0.1', port: 0, http: true, maxClients: 2, headTimeoutMs: 400 });
  t.after(() => l.close());
  const holders: Socket[] = [];
  t.after(() => holders.forEach((s) => s.destroy()));
  const closedAt: number[] = [];
  const t0 = Date.now();
  for (let i = 0; i < 2; i++) {
    // HTTP clients that never send their request: they hold a slot
    const s = createConnection({ host: '127.0.0.1', port: l.port! });
    s.on('error', () => undefined);
    s.on('close', () => (closedAt[i] = Date.now() - t0));
    holders.push(s);
    await new Promise((r) => s.once('connect', r));
  }
  // a third client that sends its request at once is served; the oldest idle one made room
  const r = await rawHttpGet({ host: '127.0.0.1', port: l.port! }, '/');
  assert.equal(r.statusLine, 'HTTP/1.0 200 OK');
  await waitFor(() => closedAt[0] !== undefined, 'the oldest idle client to be dropped', 5000);
  assert.ok(closedAt[0]! < 300, `dropped to make room, not by the deadline (${closedAt[0]} ms)`);
  // the other one is dropped by the head deadline
  await waitFor(() => closedAt[1] !== undefined, 'the idle client to be dropped at the head deadline', 5000);
  assert.ok(closedAt[1]! >= 350, `dropped at the head deadline (${closedAt[1]} ms)`);
  // a client sending its head one byte every 150 ms never completes it within 400 ms
  const slow = createConnection({ host: '127.0.0.1', port: l.port! });
  slow.on('error', () => undefined);
  t.after(() => slow.destroy());
  const head = 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n';
  let k = 0;
  const drip = setInterval(() => slow.write(head[k++ % head.length]!), 150);
  t.after(() => clearInterval(drip));
  const slowStart = Date.now();
  await new Promise((res) => slow.once('close', res));
  clearInterval(drip);
  assert.ok(Date.now() - slowStart < 2000 && k < head.length, `a dripping client is dropped before finishing its head (${k} bytes)`);
});

test('a reader slower than the socket buffer is dropped after clientTimeoutMs', async (t) => {
  const big = doc();
  big.cwd = 'x'.repeat(8 * 1024 * 1024); // far more than a socket buffer
  const l = await listenStats({ document: () => big, json: () => renderDocument(big), prometheus: () => '' }, { host: '127.0.0.1', port: 0, clientTimeoutMs: 400 });
  t.after(() => l.close());
  const total = Buffer.byteLength(renderDocument(big));
  const s = createConnection({ host: '127.0.0.1', port: l.port! });
  s.pause(); // the scenario: a client that does not read for a second
  s.on('error', () => undefined);
  t.after(() => s.destroy());
  let got = 0;
  s.on('data', (c: Buffer) => (got += c.length));
  await new Promise((r) => s.once('connect', r));
  await new Promise((r) => setTimeout(r, 1000));
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  s.resume();
  await closed;
  assert.ok(got < total, `the server gave up on it: ${got} of ${total} bytes`);
});

test('a failing document build is reported once via onError and an error-free document is served', async (t) => {
  const errors: unknown[] = [];
  let n = 0;
  const src = new DocumentSource(
    () => {
      n++;
      if (n === 1) return doc(1);
      throw new Error('broken build');
    },
    (e) => errors.push(e),
  );
  const dir = tempDir(t);
  const l = await listenStats(src, { path: join(dir, 's.sock') });
  t.after(() => l.close());
  const first = await readAll({ path: join(dir, 's.sock') });
  assert.equal(parseStats(first).kind, 'server');
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r)); // next turn: the source rebuilds
    const body = await readAll({ path: join(dir, 's.sock') });
    assert.deepEqual(JSON.parse(body.toString()), JSON.parse(first.toString()), 'last good document served');
  }
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /broken build/);

  const bare = new DocumentSource(() => {
    throw new Error('never works');
  });
  const text = bare.json(false);
  assert.equal(parseStats(text).kind, 'server', 'fallback document is valid');
});

test('non-loopback TCP is refused unless allowRemote; bad options are rejected', async () => {
  await assert.rejects(listenStats(fixed(), { host: 'stats.invalid', port: 0 }), (e: unknown) => e instanceof EmitterError && e.code === 'EREMOTE');
  await assert.rejects(listenStats(fixed(), {}), (e: unknown) => e instanceof EmitterError && e.code === 'EINVAL');
  await assert.rejects(listenStats(fixed(), { path: '/x', port: 1 }), (e: unknown) => e instanceof EmitterError && e.code === 'EINVAL');
  await assert.rejects(listenStats(fixed(), { port: 70000 }), (e: unknown) => e instanceof EmitterError && e.code === 'EINVAL');
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '::ffff:10.0.0.1', '128.0.0.1']) assert.ok(!isLoopbackHost(h), h);
});

test('a TCP port in use is a one-line EADDRINUSE error', async (t) => {
  const a = await listenStats(fixed(), { host: '127.0.0.1', port: 0 });
  t.after(() => a.close());
  await assert.rejects(listenStats(fixed(), { host: '127.0.0.1', port: a.port! }), (e: unknown) => {
    assert.ok(e instanceof EmitterError);
    assert.equal(e.code, 'EADDRINUSE');
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});

test('unix socket path: a live socket is EADDRINUSE, a stale one is replaced, a regular file is never touched', async (t) => {
  const dir = tempDir(t);
  const live = join(dir, 'live.sock');
  const other = createServer();
  await new Promise<void>((r) => other.listen(live, r));
  t.after(() => new Promise((r) => other.close(r)));
  await assert.rejects(listenStats(fixed(), { path: live }), (e: unknown) => e instanceof EmitterError && e.code === 'EADDRINUSE' && e.message.includes(live));

  // a stale socket: its owner was SIGKILLed, the file stayed
  const stale = join(dir, 'stale.sock');
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout.once('data', r));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(statSync(stale).isSocket(), 'stale socket file left behind');
  const l = await listenStats(fixed(), { path: stale });
  t.after(() => l.close());
  assert.equal((await readAll({ path: stale })).toString(), renderDocument(doc()));

  const file = join(dir, 'plain');
  writeFileSync(file, 'precious');
  await assert.rejects(listenStats(fixed(), { path: file }), (e: unknown) => e instanceof EmitterError && e.code === 'EEXIST');
  assert.equal(statSync(file).isFile(), true);

  await assert.rejects(listenStats(fixed(), { path: join(dir, 'x'.repeat(120)) }), (e: unknown) => e instanceof EmitterError && e.code === 'ENAMETOOLONG');
});

test('close() leaves a socket file that is no longer ours alone', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 's.sock');
  const a = await listenStats(fixed(), { path });
  // someone replaced the path with their own socket (a deployment restarted the app)
  const { unlinkSync } = await import('node:fs');
  unlinkSync(path);
  const b = await listenStats(fixed(), { path });
  t.after(() => b.close());
  await a.close();
  assert.ok(existsSync(path), "a's close() must not remove b's socket");
  assert.equal((await readAll({ path })).toString(), renderDocument(doc()));
});

test('Linux abstract socket (@name): served, no file created', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  const name = `@tsgitop-test-${process.pid}-${Date.now()}`;
  const l = await listenStats(fixed(), { path: name });
  t.after(() => l.close());
  assert.equal(l.address, name);
  const body = await readAll({ path: `\0${name.slice(1)}` });
  assert.equal(body.toString(), renderDocument(doc()));
  assert.equal(existsSync(name), false);
});

test('a source that asks another thread first (fresh()): answers wait for it; with maxClients waiting, more clients are answered at once, never held', async (t) => {
  // the stats thread's source: its fresh() waits for the app's thread — forever here, as if its loop were blocked
  // and the wait unbounded — so only the bound on waiting clients lets the rest be answered
  const inner = new DocumentSource(() => buildDocument({ identity: processIdentity(), listenQueue: 0, listenQueueErrors: 0, sockets: [], workers: [] }));
  let asked = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const source = Object.assign(Object.create(inner) as DocumentSource, {
    fresh: (): Promise<void> => {
      asked++;
      return gate;
    },
  });
  const path = join(tempDir(t), 's.sock');
  const l = await listenStats(source, { path, maxClients: 2, clientTimeoutMs: 20_000 });
  t.after(() => l.close());
  const held = [readAll({ path }, undefined, 20_000), readAll({ path }, undefined, 20_000)];
  await waitFor(() => asked === 2, 'two clients waiting');
  // three more: answered at once from what the source has, without asking
  const rest = await Promise.all([readAll({ path }), readAll({ path }), readAll({ path })]);
  for (const b of rest) assert.match(b.toString(), /"workers"/);
  assert.equal(asked, 2, 'the clients beyond maxClients did not wait');
  // the source is fresh: the two waiting get their answers
  release();
  for (const b of await Promise.all(held)) assert.match(b.toString(), /"workers"/);
});
