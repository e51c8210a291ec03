/**
 * A single-process Node.js server whose event loop is blocked cannot answer its own stats: the monitor said "no
 * complete answer … the server is hung or too busy to answer" and, 5 s later, "stale" — the one incident the stats
 * are most needed in, with nothing said about the request that blocks it (seen at stop 28). With `thread: true` the
 * stats are served from a worker thread, the counters read from their shared mirror: while blocked, the worker is
 * shown busy, its core in the blocking request (method and path, no query) since it started, and not accepting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createStatsServer } from '../../src/emitter/index.js';
import { parseStats } from '../../src/protocol/parse.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';
import { get, readAll, tempDir, waitFor } from './helpers.js';
import { startCli } from '../truth/helpers.js';
import http from 'node:http';

const APP = fileURLToPath(new URL('./fixtures/single-app.js', import.meta.url));

/** Start the fixture app (its stats on `path`); resolves with its port once it serves. */
async function startApp(t: import('node:test').TestContext, path: string, mode: 'thread' | 'main'): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [APP, path, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start: ${out}`)), 10_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code}): ${out}`));
    });
  });
  return { port, child };
}

type Sample = { ms: number; took: number; raw: string; doc: StatsSnapshot | undefined; error?: string };

/** Read the stats every 100 ms while GET `url` blocks the app; the reads that ended before its answer came. */
async function readWhileBlocked(port: number, path: string, url: string, readTimeoutMs: number): Promise<Sample[]> {
  const t0 = Date.now();
  let done = false;
  const blocked = get(port, url).finally(() => (done = true));
  const samples: Sample[] = [];
  await new Promise((r) => setTimeout(r, 150)); // the request reaches the handler
  while (!done && samples.length < 100) {
    const s0 = Date.now();
    let raw = '';
    let doc: StatsSnapshot | undefined;
    let error: string | undefined;
    try {
      raw = (await readAll({ path }, undefined, readTimeoutMs)).toString();
      doc = parseStats(Buffer.from(raw)) as StatsSnapshot;
    } catch (e) {
      error = (e as Error).message;
    }
    if (!done) samples.push({ ms: s0 - t0, took: Date.now() - s0, raw, doc, ...(error !== undefined ? { error } : {}) });
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await blocked).status, 200);
  return samples;
}

test('thread: true — while the event loop is blocked the stats answer, showing the blocking request (method and path, no query), busy and not accepting', { timeout: 60_000 }, async (t) => {
  const path = join(tempDir(t), 'stats.sock');
  const { port, child } = await startApp(t, path, 'thread');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal((await get(port, '/')).status, 200);
  const before = Math.floor(Date.now() / 1000);
  const samples = await readWhileBlocked(port, path, '/block/3000?token=s3cret', 2000);
  assert.ok(samples.length >= 5, `only ${samples.length} reads during 3 s`);
  for (const s of samples) {
    assert.equal(s.error, undefined, `a read failed while blocked: ${s.error} at ${s.ms} ms`);
    assert.ok(s.took < 1000, `a read took ${s.took} ms`);
    assert.ok(!s.raw.includes('s3cret') && !s.raw.includes('token'), 'the query string reached the stats');
    const w = s.doc!.workers[0]!;
    assert.equal(w.status, 'busy');
    assert.equal(w.accepting, 0, `accepting while blocked at ${s.ms} ms`);
    assert.equal(w.requests, 1, 'the blocked request is not counted before it ends (uWSGI counts a request when it ends)');
    const c = w.cores![0]!;
    assert.equal(c.in_request, true);
    assert.ok(c.request!.start! >= before && c.request!.start! <= before + 2, `request_start ${c.request?.start}`);
    assert.equal(c.request!.method, 'GET');
    assert.equal(c.request!.path, '/block/3000');
  }
  // the loop answers again: idle, accepting, the request counted
  const after = await waitFor(async () => {
    const w = (parseStats(await readAll({ path })) as StatsSnapshot).workers[0]!;
    return w.status === 'idle' && w.accepting === 1 && w.requests === 2 ? w : undefined;
  }, 'idle and accepting after the block');
  assert.equal(after.cores![0]!.in_request, false);
  assert.ok((after.tx ?? 0) > 0, 'bytes sent counted');
  // close: the thread ends, the socket file goes, the process exits by itself (nothing left holding it)
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.stdin!.write('close\n');
  assert.equal(await exited, 0);
  assert.equal(existsSync(path), false, 'the stats socket file was left behind');
});

test('without the thread (the default) a blocked event loop answers no stats read until it ends — what thread: true is for', { timeout: 60_000 }, async (t) => {
  const path = join(tempDir(t), 'stats.sock');
  const { port } = await startApp(t, path, 'main');
  const samples = await readWhileBlocked(port, path, '/block/2500', 700);
  const answered = samples.filter((s) => s.error === undefined);
  // reads that started well before the end of the block cannot be answered before it
  const early = answered.filter((s) => s.ms < 1500);
  assert.deepEqual(early.map((s) => s.ms), [], 'answered while the loop was blocked');
});

test('thread: true — a listener that cannot open fails createStatsServer with the same EmitterError as on the app thread', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const server = http.createServer((_q, s) => s.end()).listen(0, '127.0.0.1');
  t.after(() => server.close());
  for (const listen of [{ path: join(dir, 'nope', 'stats.sock') }, { port: 70000 }, { host: '10.1.2.3', port: 0 }]) {
    const onMain = await createStatsServer({ server, listen, memory: false }).then(
      () => assert.fail('opened'),
      (e: { code: string; message: string; name: string }) => e,
    );
    const onThread = await createStatsServer({ server, listen, memory: false, thread: true }).then(
      () => assert.fail('opened'),
      (e: { code: string; message: string; name: string }) => e,
    );
    assert.equal(onThread.name, 'EmitterError');
    assert.equal(onThread.code, onMain.code);
    assert.equal(onThread.message, onMain.message);
  }
  await assert.rejects(createStatsServer({ server, listen: { path: join(dir, 's.sock') }, thread: { answerMs: 0 } }), { code: 'EINVAL' });
});

test('thread: true — the stats read from the thread are the app thread\'s own document (counters, cores, paths) once it answered', { timeout: 30_000 }, async (t) => {
  const path = join(tempDir(t), 'stats.sock');
  const server = http.createServer((q, s) => (q.url?.startsWith('/hold') ? setTimeout(() => s.end('late'), 1500) : s.end('ok')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const stats = await createStatsServer({ server, listen: [{ path }, { port: 0, http: true, prometheus: true }], requestPaths: true, memory: false, thread: true });
  t.after(async () => {
    await stats.close();
    server.close();
  });
  for (let i = 0; i < 3; i++) await get(port, `/r${i}?q=1`);
  const held = get(port, '/hold?x=2');
  await waitFor(() => stats.document().workers[0]!.status === 'busy', 'the held request in flight');
  const fromThread = JSON.parse((await readAll({ path })).toString()) as { workers: Array<Record<string, unknown>>; sockets: unknown[] };
  const own = JSON.parse(stats.json()) as typeof fromThread;
  // the same worker as the app thread builds (rss/vsz off: memory moves between the two reads), the held request in it
  assert.deepEqual(fromThread.workers, own.workers);
  // the same sockets; each queue is the kernel's at its own sampling moment (the two threads sample apart, and a
  // connection of this test may wait in the backlog at one of them: CI saw 1 against 0)
  const sansQueue = (ks: unknown[]) => ks.map((k) => ({ ...(k as Record<string, unknown>), queue: typeof (k as { queue: unknown }).queue }));
  assert.deepEqual(sansQueue(fromThread.sockets), sansQueue(own.sockets));
  assert.match(JSON.stringify(fromThread.workers), /"PATH_INFO=\/hold"/);
  // the HTTP listener and /metrics are served by the thread too
  const metrics = await new Promise<string>((resolve, reject) => {
    http.get(stats.addresses[1]! + 'metrics', (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  assert.match(metrics, /uwsgi_worker_requests_total\{[^}]*\} 3/);
  assert.equal((await held).status, 200);
});

test('thread: true — tsgitop, run during the block, names the blocking request: slow request: worker 1 GET /block/N', { timeout: 60_000 }, async (t) => {
  const path = join(tempDir(t), 'stats.sock');
  const { port } = await startApp(t, path, 'thread');
  const blocked = get(port, '/block/4500?session=abc');
  // the block has lasted 2 s (the thread reads the request's start from the mirror)
  await waitFor(async () => {
    const c = (parseStats(await readAll({ path })) as StatsSnapshot).workers[0]!.cores![0]!;
    return c.in_request && Date.now() / 1000 - c.request!.start! >= 2;
  }, 'the request in flight for 2 s', 4000, 100);
  const cli = startCli(['-b', '-n', '1', '-f', '0.3', '--slow', '1', path]);
  const line = await cli.waitLine((l) => l.startsWith('diagnosis:'));
  assert.match(line, /^diagnosis: slow request: worker 1 GET \/block\/4500 [2-4]s$/);
  assert.equal((await cli.done).code, 0);
  assert.equal((await blocked).status, 200);
});

test('thread: true — the emitter\'s files bundled without stats-thread.js: a coded one-line error that says what to ship, not a crash', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const here = dirname(fileURLToPath(new URL('../../src/emitter/index.js', import.meta.url)));
  for (const f of readdirSync(here)) if (f.endsWith('.js') && f !== 'stats-thread.js') copyFileSync(join(here, f), join(dir, f));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const E = (await import(pathToFileURL(join(dir, 'index.js')).href)) as typeof import('../../src/emitter/index.js');
  const err = await E.createStatsServer({ counters: new E.RequestCounters(), listen: { path: join(dir, 's.sock') }, thread: true }).then(
    () => assert.fail('started'),
    (e: { code: string; message: string; name: string }) => e,
  );
  assert.equal(err.name, 'EmitterError');
  assert.equal(err.code, 'ENOENT');
  assert.match(err.message, /^the stats thread failed: .*stats-thread\.js.* \(thread: true runs the emitter's stats-thread\.js: ship the package's files as installed, not bundled into one file\)$/);
  assert.doesNotMatch(err.message, /\n/);
  // the app thread's listener path still works from the same files
  const s = await E.createStatsServer({ counters: new E.RequestCounters(), listen: { path: join(dir, 's.sock') } });
  assert.match((await readAll({ path: join(dir, 's.sock') })).toString(), /"workers"/);
  await s.close();
});

test('thread: true — connections waiting behind the blocked loop show in the listen queue (sampled by the stats thread)', { timeout: 60_000, skip: process.platform !== 'linux' && 'the queue comes from /proc/net/tcp' }, async (t) => {
  const path = join(tempDir(t), 'stats.sock');
  const { port } = await startApp(t, path, 'thread');
  const agent = new http.Agent({ keepAlive: false, maxSockets: 10 });
  t.after(() => agent.destroy());
  const blocked = get(port, '/block/3500');
  await waitFor(async () => (parseStats(await readAll({ path })) as StatsSnapshot).workers[0]!.status === 'busy', 'the block started', 3000, 50);
  const waiting = [get(port, '/', agent), get(port, '/', agent), get(port, '/', agent)];
  // not accepted by the blocked loop: 3 in the kernel's accept queue of the app's socket
  const doc = await waitFor(async () => {
    const d = parseStats(await readAll({ path })) as StatsSnapshot;
    return d.sockets?.[0]?.queue === 3 ? d : undefined;
  }, 'the 3 connections in the listen queue', 2500, 100);
  assert.equal(doc.listen_queue, 3);
  assert.equal(doc.workers[0]!.accepting, 0);
  for (const r of await Promise.all([blocked, ...waiting])) assert.equal(r.status, 200);
  await waitFor(async () => (parseStats(await readAll({ path })) as StatsSnapshot).sockets?.[0]?.queue === 0, 'the queue empty once served');
});
