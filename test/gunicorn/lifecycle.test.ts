/**
 * The gunicorn stats module through a worker's life with a real gunicorn 20.1: gunicorn's
 * --timeout kill counted as a harakiri, a kill -9'd worker respawned with its counters kept (uWSGI's
 * rule), the kernel's accept queue filling with a small --backlog, the socket's mode, the HTTP
 * form's loopback Host check, and no query / header / body secret ever in the document.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { get, pythonAvailable, startGunicorn, sum, type StatsDoc } from './helpers.js';
import { freePort } from '../helpers/net.js';
import { groupMembers, until } from '../helpers/uwsgi.js';

const avail = pythonAvailable();

/** What each descriptor of a process points to (`socket:[N]` for a socket); none once it is gone. */
function fds(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((f) => { try { return readlinkSync(`/proc/${pid}/fd/${f}`); } catch { return ''; } });
  } catch {
    return [];
  }
}

test('gunicorn --timeout kills a stuck worker: harakiri_count 1, new pid, counters kept, request not counted', async (t) => {
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 1, timeout: 2 });
  t.after(() => g.stop());
  for (let i = 0; i < 5; i++) assert.equal(await g.request(i === 4 ? '/error' : '/'), i === 4 ? 500 : 200);
  const before = await g.waitDoc((d) => d.workers[0]!.requests === 5, '5 requests');
  const stuck = g.request('/slow?s=30').catch(() => 0); // the connection dies with the worker
  const after = await g.waitDoc((d) => d.workers.length === 1 && d.workers[0]!.pid !== before.workers[0]!.pid && d.workers[0]!.accepting === 1, 'the worker killed and respawned', 30_000);
  await stuck;
  const w = after.workers[0]!;
  assert.equal(w.harakiri_count, 1);
  assert.equal(w.respawn_count, 2);
  assert.equal(w.requests, 5, 'the killed request is not counted, the others are kept');
  assert.equal(w.exceptions, 1);
  assert.equal(w.delta_requests, 0);
  assert.equal(w.status, 'idle', 'the killed request no longer shows as in flight');
  assert.match(g.log(), /WORKER TIMEOUT/);
  assert.equal(await g.request('/'), 200);
  await g.waitDoc((d) => d.workers[0]!.requests === 6 && d.workers[0]!.delta_requests === 1, 'the respawned worker counts on');
});

test('kill -9 of a worker: same id, new pid, respawn_count 2, requests/exceptions/tx kept, no harakiri', async (t) => {
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 2 });
  t.after(() => g.stop());
  for (let i = 0; i < 20; i++) await g.request(i % 5 === 0 ? '/error' : '/big?kb=1');
  const before = await g.waitDoc((d) => sum(d.workers, 'requests') === 20, '20 requests');
  const victim = before.workers.find((w) => w.requests > 0)!;
  process.kill(victim.pid, 'SIGKILL');
  const after = await g.waitDoc((d) => d.workers.length === 2 && d.workers.every((w) => w.accepting === 1) && !d.workers.some((w) => w.pid === victim.pid), 'the respawned worker', 30_000);
  const w = after.workers.find((x) => x.id === victim.id)!;
  assert.notEqual(w.pid, victim.pid);
  assert.equal(w.respawn_count, 2);
  assert.ok(w.last_spawn >= victim.last_spawn);
  for (const k of ['requests', 'exceptions', 'tx', 'running_time', 'avg_rt'] as const) assert.equal(w[k], victim[k], k);
  assert.equal(w.delta_requests, 0);
  assert.equal(w.harakiri_count, 0);
  assert.equal(sum(after.workers, 'requests'), 20);
  const other = after.workers.find((x) => x.id !== victim.id)!;
  assert.equal(other.respawn_count, 1);
});

test('--backlog 4: the listen queue fills while the only worker is busy (queue vs max_queue)', async (t) => {
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 1, backlog: 4 });
  const socks: Socket[] = [];
  t.after(async () => {
    for (const s of socks) s.destroy();
    await g.stop();
  });
  const idle = await g.read();
  assert.equal(idle.sockets.length, 1);
  assert.equal(idle.sockets[0]!.max_queue, 4);
  assert.equal(idle.sockets[0]!.queue, 0);
  assert.match(idle.sockets[0]!.name, /^127\.0\.0\.1:\d+$/);
  const slow = g.request('/slow?s=4');
  await g.waitDoc((d) => d.workers[0]!.status === 'busy', 'the worker busy');
  for (let i = 0; i < 8; i++) {
    const s = connect({ host: '127.0.0.1', port: g.port });
    s.on('error', () => undefined);
    socks.push(s);
  }
  // Linux queues backlog + 1 connections; the rest wait in SYN retries.
  const full = await g.waitDoc((d) => d.listen_queue >= 4, 'the accept queue full');
  assert.ok(full.sockets[0]!.queue >= full.sockets[0]!.max_queue, `queue ${full.sockets[0]!.queue} / ${full.sockets[0]!.max_queue}`);
  assert.equal(full.listen_queue, full.sockets[0]!.queue);
  for (const s of socks) s.destroy();
  await slow;
  await g.waitDoc((d) => d.listen_queue === 0, 'the queue drained');
});

test('--backlog 3 on a unix socket (what nginx proxy_pass http://unix:… reaches): queue and backlog from the kernel', async (t) => {
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 1, backlog: 3, bind: 'unix' });
  const socks: Socket[] = [];
  t.after(async () => {
    for (const s of socks) s.destroy();
    await g.stop();
  });
  const app = `${g.dir}/app.sock`;
  const idle = await g.read();
  assert.equal(idle.sockets[0]!.name, app);
  assert.equal(idle.sockets[0]!.max_queue, 3);
  assert.equal(idle.sockets[0]!.queue, 0);
  const slow = connect({ path: app });
  slow.on('error', () => undefined);
  slow.on('data', () => undefined);
  socks.push(slow);
  slow.write('GET /slow?s=3 HTTP/1.0\r\nHost: x\r\n\r\n');
  await g.waitDoc((d) => d.workers[0]!.status === 'busy', 'the worker busy');
  for (let i = 0; i < 3; i++) {
    const s = connect({ path: app });
    s.on('error', () => undefined);
    socks.push(s);
  }
  const full = await g.waitDoc((d) => d.sockets[0]!.queue === 3, '3 connections waiting');
  assert.equal(full.listen_queue, 3);
  for (const s of socks) s.destroy();
  await g.waitDoc((d) => d.listen_queue === 0, 'the queue drained', 30_000);
});

test('stats socket is 0600; HTTP form answers loopback Host names only; the stats socket is closed in workers', async (t) => {
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 1 });
  t.after(() => g.stop());
  assert.equal(statSync(g.statsAddress).mode & 0o777, 0o600);
  assert.ok(statSync(g.statsAddress).isSocket());
  const h = await startGunicorn({ workers: 1, stats: 'http' });
  t.after(() => h.stop());
  const port = Number(h.statsAddress.slice(h.statsAddress.lastIndexOf(':') + 1));
  const ask = (host: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      let out = '';
      s.setTimeout(5000, () => s.destroy(new Error('timeout')));
      s.on('connect', () => s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`));
      s.on('data', (b) => (out += b.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
  assert.match(await ask('evil.example:80'), /^HTTP\/1\.0 403 /);
  const ok = await ask(`127.0.0.1:${port}`);
  assert.match(ok, /^HTTP\/1\.0 200 OK\r\n/);
  assert.doesNotMatch(ok, /Access-Control-Allow-Origin/i);
  const doc = JSON.parse(ok.slice(ok.indexOf('\r\n\r\n') + 4)) as { workers: Array<{ pid: number }> };
  // the worker processes do not hold the master's stats listener (found by its inode in /proc/net/tcp)
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const line = readFileSync('/proc/net/tcp', 'utf8').split('\n').find((l) => { const p = l.trim().split(/\s+/); return p[1]?.endsWith(`:${hex}`) && p[3] === '0A'; });
  assert.ok(line, 'the stats listener is in /proc/net/tcp');
  const inode = `socket:[${line.trim().split(/\s+/)[9]}]`;
  assert.ok(fds(h.pid).includes(inode), 'the master holds the stats listener');
  assert.ok(!fds(doc.workers[0]!.pid).includes(inode), `the worker does not: ${inode} ${fds(doc.workers[0]!.pid).join(' ')} master ${h.pid} ${fds(h.pid).join(' ')}`);
});

test('a stats read being answered while a worker is forked still ends: the new worker keeps no copy of its connection', async (t) => {
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 2, stats: 'http' });
  const port = Number(g.statsAddress.slice(g.statsAddress.lastIndexOf(':') + 1));
  const s = connect({ host: '127.0.0.1', port });
  t.after(async () => {
    s.destroy();
    await g.stop();
  });
  let out = '';
  let ended = false;
  s.on('data', (b: Buffer) => (out += b.toString('latin1')));
  s.on('end', () => (ended = true));
  s.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  // the head arrives line by line: the master's stats thread has the connection open, waiting for the rest
  s.write('GET / HTTP/1.0\r\n');
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  let inode = '';
  assert.ok(
    await until(() => {
      const line = readFileSync('/proc/net/tcp', 'utf8').split('\n').find((l) => { const p = l.trim().split(/\s+/); return p[1]?.endsWith(`:${hex(port)}`) && p[2]?.endsWith(`:${hex(s.localPort!)}`) && p[3] === '01'; });
      const n = line?.trim().split(/\s+/)[9];
      if (n && n !== '0') inode = `socket:[${n}]`;
      return inode !== '' && fds(g.pid).includes(inode);
    }, Date.now() + 5000, 20),
    'the master accepted the stats connection',
  );
  const workers = (): number[] => groupMembers(g.pid).filter((p) => p !== g.pid); // gunicorn's workers share its process group
  const before = workers();
  assert.ok(before.length >= 2, `workers: ${before.join(' ')}`);
  process.kill(before[0]!, 'SIGKILL'); // gunicorn forks a new worker at once
  let fresh: number | undefined;
  const keep = setInterval(() => s.write('X-Wait: 1\r\n'), 400); // each line restarts the server's 2 s receive timeout
  try {
    assert.ok(await until(() => (fresh = workers().find((p) => !before.includes(p))) !== undefined, Date.now() + 20_000, 20), 'a new worker');
    // the child closes its copies right after the fork
    assert.ok(await until(() => !fds(fresh!).includes(inode), Date.now() + 5000, 20), `the new worker ${fresh} holds ${inode}: ${fds(fresh!).join(' ')}`);
  } finally {
    clearInterval(keep);
  }
  s.write('Host: 127.0.0.1\r\n\r\n');
  assert.ok(await until(() => ended, Date.now() + 5000, 20), `the answer ended (the connection closed) while the new worker ${fresh} lives; got ${out.length} bytes`);
  assert.match(out, /^HTTP\/1\.0 200 OK\r\n/);
  const doc = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) as { workers: unknown[] };
  assert.ok(Array.isArray(doc.workers));
});

test('no query, header or body secret ever reaches the document (paths on: method and path only)', async (t) => {
  if (!avail.ok) return t.skip(avail.reason);
  const g = await startGunicorn({ workers: 1, threads: 2, env: { TSGITOP_STATS_PATHS: '1' } });
  t.after(() => g.stop());
  const secrets = ['QSECRET123', 'HDRSECRET456', 'COOKIESECRET789', 'BODYSECRET000'];
  const inflight = new Promise<void>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: g.port });
    const body = `token=${secrets[3]}`;
    s.on('connect', () =>
      s.write(`POST /slow?s=2&token=${secrets[0]} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${secrets[1]}\r\nCookie: sid=${secrets[2]}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`),
    );
    s.on('data', () => undefined);
    s.on('end', () => resolve());
    s.on('error', reject);
  });
  await g.waitDoc((d) => d.workers[0]!.cores.some((c) => c.in_request === 1), 'the request in flight');
  const during = await g.readRaw();
  assert.match(during, /"REQUEST_METHOD=POST",\s*"PATH_INFO=\/slow",\s*""/);
  await inflight;
  await g.waitDoc((d) => d.workers[0]!.requests === 1, 'the request counted');
  const after = await g.readRaw();
  for (const s of secrets) {
    assert.ok(!during.includes(s), `${s} not in flight`);
    assert.ok(!after.includes(s), `${s} not after`);
  }
  assert.match(after, /"vars":\[\]/);
});

test('gthread: requests a worker accepted and queued for a thread (all threads busy) count in the listen queue; the kernel queue stays 0', async (t) => {
  // Seen at stop 28: 1 gthread worker × 2 threads, 6 slow requests — 2 in flight, 4 waiting inside the worker, and
  // the monitor said "lq 0/2048", no saturation: a gthread worker keeps accepting while its threads are busy.
  const a = pythonAvailable();
  if (!a.ok) return t.skip(a.reason);
  const g = await startGunicorn({ workers: 1, threads: 2, workerClass: 'gthread', timeout: 60 });
  t.after(() => g.stop());
  const reqs = Array.from({ length: 6 }, () => g.request('/slow?s=6', {}, 30_000));
  t.after(() => Promise.all(reqs));
  // both threads in a request (a thread takes a connection a moment before its request starts), 4 waiting
  const inFlight = (x: StatsDoc) => x.workers[0]?.cores.filter((c) => c.in_request).length ?? 0;
  const d = await g.waitDoc((x) => x.sockets[0]?.queue === 4 && inFlight(x) === 2, '2 requests in flight, 4 waiting for a thread', 5000);
  assert.equal(d.listen_queue, 4);
  for (const s of await Promise.all(reqs)) assert.equal(s, 200);
  await g.waitDoc((x) => x.sockets[0]?.queue === 0 && x.listen_queue === 0, 'nothing waiting once served');
});

test('gthread with two listeners: a connection queued for a thread counts in the queue of the listener that accepted it', async (t) => {
  // Until stop 30 every queued connection was counted in the first listener's queue, whichever had accepted it.
  const a = pythonAvailable();
  if (!a.ok) return t.skip(a.reason);
  const second = await freePort();
  const g = await startGunicorn({ workers: 1, threads: 2, workerClass: 'gthread', timeout: 60, extraArgs: ['-b', `127.0.0.1:${second}`] });
  t.after(() => g.stop());
  assert.equal((await g.read()).sockets.length, 2);
  const reqs = Array.from({ length: 6 }, () => get(second, '/slow?s=6', {}, 30_000));
  t.after(() => Promise.all(reqs));
  const inFlight = (x: StatsDoc) => x.workers[0]?.cores.filter((c) => c.in_request).length ?? 0;
  const d = await g.waitDoc((x) => x.sockets[1]?.queue === 4 && inFlight(x) === 2, '4 waiting for a thread, in the second listener', 5000);
  assert.equal(d.sockets[1]!.name, `127.0.0.1:${second}`);
  assert.equal(d.sockets[0]!.queue, 0, 'none in the first listener');
  assert.equal(d.listen_queue, 4);
  for (const s of await Promise.all(reqs)) assert.equal(s, 200);
  await g.waitDoc((x) => x.sockets.every((s) => s.queue === 0) && x.listen_queue === 0, 'nothing waiting once served');
});

test('at exit the module removes its stats socket file only if it is still its own (another server may have taken the path)', async (t) => {
  // Seen at stop 28: an old gunicorn draining after SIGTERM removed, as it exited, the stats socket file a new
  // instance had made at the same path; the new one served no stats from then on ("no such socket file").
  const a = pythonAvailable();
  if (!a.ok) return t.skip(a.reason);
  const gone = (pid: number) => () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  const g = await startGunicorn({ workers: 1, stats: 'unix' });
  t.after(() => g.stop());
  const path = g.statsAddress;
  // a new instance took the path while this one drains: its own socket file in place of ours
  rmSync(path);
  const other = createServer(() => undefined);
  await new Promise<void>((resolve) => other.listen(path, resolve));
  t.after(() => new Promise<void>((resolve) => other.close(() => resolve())));
  const ino = statSync(path).ino;
  process.kill(g.pid, 'SIGTERM');
  assert.ok(await until(gone(g.pid), Date.now() + 20_000), 'the master exits');
  assert.equal(statSync(path).ino, ino, "the other server's socket file is left in place");
  // its own file is removed at exit
  const g2 = await startGunicorn({ workers: 1, stats: 'unix' });
  t.after(() => g2.stop());
  assert.ok(existsSync(g2.statsAddress));
  process.kill(g2.pid, 'SIGTERM');
  assert.ok(await until(gone(g2.pid), Date.now() + 20_000), 'the master exits');
  assert.equal(existsSync(g2.statsAddress), false, 'its own file removed');
});

test('a USR2 upgrade: the new master, refused while the old one serves the stats, takes them over once the old one is gone', async (t) => {
  // Seen at stop 28: after \`kill -USR2\` (gunicorn's zero-downtime upgrade) and the old master's exit, no stats at all
  // ("no such socket file") until the next restart: the new master had given up at start.
  const a = pythonAvailable();
  if (!a.ok) return t.skip(a.reason);
  const g = await startGunicorn({ workers: 1, stats: 'unix' });
  t.after(() => g.stop());
  const old = g.pid;
  process.kill(old, 'SIGUSR2');
  assert.ok(await until(() => /the stats are served here once it is gone/.test(g.log()), Date.now() + 20_000), `the new master waits: ${g.log().slice(-400)}`);
  assert.equal((await g.read()).pid, old, 'the old master still serves');
  process.kill(old, 'SIGTERM');
  const d = await g.waitDoc((x) => x.pid !== old && x.workers.length === 1, 'the new master serving the stats', 20_000);
  assert.ok(d.workers[0]!.pid > 0);
  assert.equal(statSync(g.statsAddress).mode & 0o777, 0o600);
});
