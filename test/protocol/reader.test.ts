import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { createHook } from 'node:async_hooks';
import { parseAddress } from '../../src/protocol/address.js';
import { readRaw, fetchStats } from '../../src/protocol/reader.js';
import { StatsError } from '../../src/protocol/errors.js';
import { rejectsWith, randomName, sampleDoc, startServer, tempDir, waitFor } from './helpers.js';

/** Every test has a deadline, so a hang is a failure, not a stuck suite. */
const T = { timeout: 30_000 };

const DOC = Buffer.from(sampleDoc(3));

async function ipv6Available(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(`cannot listen on [::1]: ${e.code ?? e.message}`));
    s.listen(0, '::1', () => s.close(() => resolve(undefined)));
  });
}

/** Serves DOC on every connection. */
function good(sock: net.Socket): void {
  sock.end(DOC);
}

async function checkGood(addrText: string): Promise<void> {
  const addr = parseAddress(addrText);
  const raw = await readRaw(addr);
  assert.ok(raw.equals(DOC), 'readRaw returns the bytes exactly as sent');
  const before = Date.now();
  const r = await fetchStats(addr);
  const after = Date.now();
  assert.ok(r.raw.equals(DOC));
  assert.equal(r.doc.kind, 'server');
  if (r.doc.kind === 'server') {
    assert.equal(r.doc.workers.length, 3);
    assert.equal(r.doc.workers[2]?.requests, 30);
  }
  assert.ok(r.at >= before && r.at <= after, 'at = completion time');
}

test('good server over a unix socket (absolute, relative and unix: forms)', T, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'stats.sock');
  await startServer(t, { path }, good);
  await checkGood(path);
  await checkGood('unix:' + path);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await checkGood('stats.sock');
    await checkGood('./stats.sock');
  } finally {
    process.chdir(cwd);
  }
});

test('good server over a Linux abstract socket', T, async (t) => {
  if (process.platform !== 'linux') {
    t.skip(`abstract sockets are Linux-only (platform ${process.platform})`);
    return;
  }
  const name = randomName();
  const srv = await startServer(t, { path: '\0' + name }, good);
  assert.equal(srv.address, '@' + name);
  await checkGood('@' + name);
  await checkGood('unix:@' + name);
});

test('good server over TCP 127.0.0.1 (port 0)', T, async (t) => {
  const srv = await startServer(t, { host: '127.0.0.1' }, good);
  await checkGood(srv.address);
  await checkGood(`:${srv.port}`);
});

test('good server over TCP [::1]', T, async (t) => {
  const why = await ipv6Available();
  if (why) {
    t.skip(`IPv6 loopback unavailable: ${why}`);
    return;
  }
  const srv = await startServer(t, { host: '::1' }, good);
  await checkGood(srv.address);
});

test('an answer split over many small writes is reassembled exactly', T, async (t) => {
  const srv = await startServer(t, { host: '127.0.0.1' }, (sock) => {
    let i = 0;
    const step = (): void => {
      if (i >= DOC.length) {
        sock.end();
        return;
      }
      const next = Math.min(DOC.length, i + 97);
      sock.write(DOC.subarray(i, next), step);
      i = next;
    };
    step();
  });
  const raw = await readRaw(parseAddress(srv.address));
  assert.ok(raw.equals(DOC));
});

test('server closes after half a document → TRUNCATED (not NOT_JSON)', T, async (t) => {
  const half = DOC.subarray(0, Math.floor(DOC.length / 2));
  const srv = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end(half));
  const addr = parseAddress(srv.address);
  const e1 = await rejectsWith(readRaw(addr), 'TRUNCATED');
  assert.match(e1.message, new RegExp(`ends in the middle of a JSON document \\(after ${half.length} bytes\\)`));
  await rejectsWith(fetchStats(addr), 'TRUNCATED');
  // Cut right after an inner '}' (uWSGI's empty req_info): still TRUNCATED.
  const at = DOC.indexOf('}') + 1;
  const srv2 = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end(DOC.subarray(0, at)));
  await rejectsWith(fetchStats(parseAddress(srv2.address)), 'TRUNCATED');
});

test('server closes without a byte → TRUNCATED "empty answer", with a --stats-http hint for TCP', T, async (t) => {
  const srv = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end());
  const e = await rejectsWith(readRaw(parseAddress(srv.address)), 'TRUNCATED');
  assert.match(e.message, /^empty answer: 127\.0\.0\.1:\d+ closed the connection without sending anything \(a --stats-http server needs http:/);
  await rejectsWith(fetchStats(parseAddress(srv.address)), 'TRUNCATED');
  const ws = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end(' \n\t'));
  const e2 = await rejectsWith(fetchStats(parseAddress(ws.address)), 'TRUNCATED');
  assert.match(e2.message, /sent only whitespace/);
});

test('server that never answers → TIMEOUT at the deadline, and the client hangs up', T, async (t) => {
  const srv = await startServer(t, { host: '127.0.0.1' }, () => {});
  const started = Date.now();
  const e = await rejectsWith(readRaw(parseAddress(srv.address), { timeoutMs: 300 }), 'TIMEOUT');
  const took = Date.now() - started;
  assert.match(e.message, /^no complete answer from 127\.0\.0\.1:\d+ within 300 ms \(nothing received; a --stats-http server needs http:/);
  assert.ok(took >= 280 && took < 3000, `took ${took} ms`);
  await srv.closed(1); // the client destroyed its socket
  await rejectsWith(fetchStats(parseAddress(srv.address), { timeoutMs: 1500 }), 'TIMEOUT').then((e2) => assert.match(e2.message, /within 1\.5 s/));
});

test('the deadline covers the whole read: a trickling server still times out', T, async (t) => {
  const srv = await startServer(t, { host: '127.0.0.1' }, (sock) => {
    sock.write('{"workers":[');
    const iv = setInterval(() => sock.write(' '), 20);
    sock.on('close', () => clearInterval(iv));
  });
  const e = await rejectsWith(readRaw(parseAddress(srv.address), { timeoutMs: 300 }), 'TIMEOUT');
  assert.doesNotMatch(e.message, /nothing received/);
  await srv.closed(1);
});

test('a timeout says what the server did: took the connection and sent nothing, sent part of an answer, or never took the connection', T, async (t) => {
  // A unix socket that takes the connection and stays silent (a uWSGI master busy elsewhere does this).
  const dir = tempDir(t);
  const silent = await startServer(t, { path: join(dir, 'silent.sock') }, () => {});
  const e1 = await rejectsWith(readRaw(parseAddress(silent.address), { timeoutMs: 300 }), 'TIMEOUT');
  assert.match(e1.message, /within 300 ms \(connected, nothing received: the server is hung or too busy to answer\)$/);
  assert.equal(e1.silent, true, 'flagged for the monitor (a Node.js server: its event loop is blocked)');
  // Part of an answer, then silence: how much came.
  const part = await startServer(t, { path: join(dir, 'part.sock') }, (sock) => sock.write('{"workers":['));
  const e2 = await rejectsWith(readRaw(parseAddress(part.address), { timeoutMs: 300 }), 'TIMEOUT');
  assert.match(e2.message, /within 300 ms \(12 bytes received\)$/);
  assert.equal(e2.silent, false);
  // A TCP listener that never accepts, its queue full: the kernel drops our SYN, the connection is never made.
  // (Node accepts every connection at once, so the listener is python's.)
  const probe = spawnSync('python3', ['-c', 'pass']);
  if (probe.error || probe.status !== 0) return t.diagnostic('python3 not found: the never-accepted case is not checked');
  const py = spawn('python3', ['-c', "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)"], { stdio: ['ignore', 'pipe', 'ignore'] });
  const fillers: net.Socket[] = [];
  t.after(() => {
    for (const c of fillers) c.destroy();
    py.kill('SIGKILL');
  });
  const port = await new Promise<number>((resolve, reject) => {
    py.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    py.once('exit', () => reject(new Error('python3 exited before listening')));
  });
  // Fill the queue: connections complete until it is full; the first that does not complete within 300 ms shows it is.
  let full = false;
  for (let i = 0; i < 8 && !full; i++) {
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => {});
    fillers.push(c);
    full = !(await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      c.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    }));
  }
  assert.ok(full, 'the listen queue never filled');
  const e3 = await rejectsWith(readRaw(parseAddress(`127.0.0.1:${port}`), { timeoutMs: 300 }), 'TIMEOUT');
  assert.match(e3.message, /within 300 ms \(the connection was not accepted\)$/);
});

test('garbage: readRaw passes it through, fetchStats says NOT_JSON', T, async (t) => {
  const garbage = Buffer.from('hello, I am not a stats server\n');
  const srv = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end(garbage));
  const addr = parseAddress(srv.address);
  assert.ok((await readRaw(addr)).equals(garbage));
  const e = await rejectsWith(fetchStats(addr), 'NOT_JSON');
  assert.match(e.message, /^bad answer from 127\.0\.0\.1:\d+: invalid JSON: /);

  const bin = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])));
  const e2 = await rejectsWith(fetchStats(parseAddress(bin.address)), 'NOT_JSON');
  assert.match(e2.message, /invalid UTF-8 at byte 2$/);

  const httpish = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end('HTTP/1.0 200 OK\r\n\r\n{"workers":[]}'));
  const e3 = await rejectsWith(fetchStats(parseAddress(httpish.address)), 'NOT_JSON');
  assert.match(e3.message, /an HTTP server: use http:\/\/127\.0\.0\.1:\d+\//);

  const shape = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end('{"workers":[{"id":"one"}]}'));
  const e4 = await rejectsWith(fetchStats(parseAddress(shape.address)), 'BAD_SHAPE');
  assert.equal(e4.path, '$.workers[0].id');
  assert.match(e4.message, /is not a stats document: \$\.workers\[0\]\.id: expected a number, got string$/);
});

/** A server that tries to send `total` bytes, honouring backpressure; reports how far it got. */
function flooder(total: number, chunk = 1 << 20): { onConn: (s: net.Socket) => void; result: Promise<{ written: number; finished: boolean }> } {
  let resolveResult!: (r: { written: number; finished: boolean }) => void;
  const result = new Promise<{ written: number; finished: boolean }>((r) => (resolveResult = r));
  const block = Buffer.alloc(chunk, 0x20);
  block[0] = 0x5b; // '[' so that it is not "empty"
  const onConn = (sock: net.Socket): void => {
    let written = 0;
    let stopped = false;
    const stop = (finished: boolean): void => {
      if (stopped) return;
      stopped = true;
      resolveResult({ written, finished });
    };
    sock.on('close', () => stop(false));
    const pump = (): void => {
      while (!stopped && written < total) {
        const ok = sock.write(block, (err) => {
          if (err) stop(false);
        });
        written += block.length;
        if (!ok) {
          sock.once('drain', pump);
          return;
        }
      }
      if (!stopped && written >= total) sock.end(() => stop(true));
    };
    pump();
  };
  return { onConn, result };
}

test('100 MiB answer → TOO_LARGE at the default 16 MiB cap; the client stops reading early', T, async (t) => {
  const f = flooder(100 * 1024 * 1024);
  const srv = await startServer(t, { host: '127.0.0.1' }, f.onConn);
  const e = await rejectsWith(readRaw(parseAddress(srv.address), { timeoutMs: 30000 }), 'TOO_LARGE');
  assert.match(e.message, /exceeds the size cap of 16 MiB$/);
  const r = await f.result;
  assert.equal(r.finished, false, 'the server could not finish sending');
  assert.ok(r.written < 100 * 1024 * 1024, `server handed ${r.written} bytes to the kernel`);
});

test('100 MiB answer with maxBytes 1 MiB → TOO_LARGE almost at once', T, async (t) => {
  const f = flooder(100 * 1024 * 1024, 64 * 1024);
  const srv = await startServer(t, { host: '127.0.0.1' }, f.onConn);
  const e = await rejectsWith(fetchStats(parseAddress(srv.address), { maxBytes: 1024 * 1024 }), 'TOO_LARGE');
  assert.match(e.message, /size cap of 1 MiB/);
  const r = await f.result;
  assert.equal(r.finished, false);
  // 1 MiB read by the client + whatever sat in the two kernel socket buffers.
  assert.ok(r.written < 40 * 1024 * 1024, `server handed ${r.written} bytes to the kernel`);
  // A document exactly at the cap is fine.
  const exact = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end(DOC));
  assert.ok((await readRaw(parseAddress(exact.address), { maxBytes: DOC.length })).equals(DOC));
  await rejectsWith(readRaw(parseAddress(exact.address), { maxBytes: DOC.length - 1 }), 'TOO_LARGE');
});

test('no such socket file → NO_SOCKET', T, async (t) => {
  const dir = tempDir(t);
  const e = await rejectsWith(readRaw(parseAddress(join(dir, 'missing.sock'))), 'NO_SOCKET');
  assert.equal(e.message, `no such socket file: ${join(dir, 'missing.sock')}`);
  await rejectsWith(fetchStats(parseAddress(join(dir, 'no-dir', 'x.sock'))), 'NO_SOCKET');
});

test('a path that is no socket → REFUSED, saying what it is; a stale socket file → "nothing is listening"', T, async (t) => {
  const dir = tempDir(t);
  // Linux refuses a connect to a regular file, a directory or a FIFO like a dead socket: the message says what it is.
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'x');
  const e = await rejectsWith(readRaw(parseAddress(file)), 'REFUSED');
  assert.match(e.message, /^.*plain-file is a regular file, not a socket \(uWSGI's --stats or the emitter's socket path\?\)$/);
  assert.match((await rejectsWith(fetchStats(parseAddress(dir)), 'REFUSED')).message, /tsgitop-\w+ is a directory, not a socket/);
  const fifo = join(dir, 'fifo');
  if (spawnSync('mkfifo', [fifo]).status === 0) {
    assert.match((await rejectsWith(readRaw(parseAddress(fifo)), 'REFUSED')).message, /fifo is a named pipe \(FIFO\), not a socket/);
  }
  // A socket file its server left behind (SIGKILLed): a socket, nobody listening.
  const stale = join(dir, 'stale.sock');
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout.once('data', r));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const s = await rejectsWith(readRaw(parseAddress(stale)), 'REFUSED');
  assert.match(s.message, /^nothing is listening on socket file .*stale\.sock \(connection refused; stale socket\?\)$/);
});

test('abstract name with nobody listening → REFUSED', T, async (t) => {
  if (process.platform !== 'linux') {
    t.skip('abstract sockets are Linux-only');
    return;
  }
  await rejectsWith(readRaw(parseAddress('@' + randomName())), 'REFUSED');
});

test('connection refused: a port that was bound and closed', T, async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const e = await rejectsWith(readRaw(parseAddress(`127.0.0.1:${port}`)), 'REFUSED');
  assert.equal(e.message, `connection refused by 127.0.0.1:${port} (nothing listening there)`);
});

const readerUrl = new URL('../../src/protocol/reader.js', import.meta.url).href;
const addressUrl = new URL('../../src/protocol/address.js', import.meta.url).href;

/** Run readRaw on each path in a child process as uid/gid nobody; returns [code|'ok'] per path. */
function readAsNobody(paths: string[], uid: number, gid: number): Promise<string[]> {
  const script = `
    const { readRaw } = await import(${JSON.stringify(readerUrl)});
    const { parseAddress } = await import(${JSON.stringify(addressUrl)});
    const out = [];
    for (const p of JSON.parse(process.argv[1])) {
      try { await readRaw(parseAddress(p), { timeoutMs: 3000 }); out.push('ok'); }
      catch (e) { out.push(e && e.code ? e.code : String(e)); }
    }
    process.stdout.write(JSON.stringify(out));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(paths)], {
      uid,
      gid,
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child exited ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out) as string[]);
    });
  });
}

test('permission denied on the socket file → PERMISSION', T, async (t) => {
  const dir = tempDir(t);
  const denied = join(dir, 'denied.sock');
  const open = join(dir, 'open.sock');
  await startServer(t, { path: denied }, good);
  await startServer(t, { path: open }, good);
  chmodSync(denied, 0o000);
  chmodSync(open, 0o777);
  if (process.getuid?.() !== 0) {
    const e = await rejectsWith(readRaw(parseAddress(denied)), 'PERMISSION');
    assert.equal(e.message, `permission denied connecting to ${denied}`);
    assert.ok((await readRaw(parseAddress(open))).equals(DOC));
    return;
  }
  // root bypasses file permissions: connect from a child process running as nobody.
  chmodSync(dir, 0o755);
  const nobody = { uid: 65534, gid: 65534 };
  let results: string[];
  try {
    results = await readAsNobody([denied, open], nobody.uid, nobody.gid);
  } catch (e) {
    t.skip(`running as root and cannot run a child as uid ${nobody.uid}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  // The control (a 0777 socket) proves the child itself works and reaches the server.
  assert.deepEqual(results, ['PERMISSION', 'ok']);
});

test('a unix path longer than sun_path is reached through a relative path, or refused clearly', T, async (t) => {
  const dir = tempDir(t);
  let deep = dir;
  while (deep.length < 130) deep = join(deep, 'a-rather-long-directory-name');
  mkdirSync(deep, { recursive: true });
  const abs = join(deep, 's.sock');
  assert.ok(Buffer.byteLength(abs) > 107);
  const cwd = process.cwd();
  process.chdir(deep);
  try {
    await startServer(t, { path: 's.sock' }, good);
    assert.ok((await readRaw(parseAddress(abs))).equals(DOC), 'absolute long path works via the cwd');
  } finally {
    process.chdir(cwd);
  }
  const e = await rejectsWith(readRaw(parseAddress(abs)), 'BAD_ADDRESS');
  assert.match(e.message, /^socket path too long \(\d+ bytes, unix sockets allow 107\): /);
});

test('AbortSignal: abort mid-read rejects with the signal reason and leaves no listener', T, async (t) => {
  const srv = await startServer(t, { host: '127.0.0.1' }, () => {});
  const ac = new AbortController();
  const p = readRaw(parseAddress(srv.address), { signal: ac.signal });
  await waitFor(() => srv.accepted === 1, 'the connection');
  ac.abort();
  await assert.rejects(p, (e: unknown) => e instanceof Error && e.name === 'AbortError');
  await srv.closed(1);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);

  // Already aborted: rejects at once with the given reason.
  const reason = new Error('stop');
  await assert.rejects(readRaw(parseAddress(srv.address), { signal: AbortSignal.abort(reason) }), (e: unknown) => e === reason);

  // AbortSignal.timeout() → StatsError TIMEOUT.
  await rejectsWith(fetchStats(parseAddress(srv.address), { signal: AbortSignal.timeout(200) }), 'TIMEOUT');

  // A successful read removes its listener as well.
  const ok = await startServer(t, { host: '127.0.0.1' }, good);
  const ac2 = new AbortController();
  await fetchStats(parseAddress(ok.address), { signal: ac2.signal });
  assert.equal(getEventListeners(ac2.signal, 'abort').length, 0);
});

test('invalid options are programming errors (RangeError)', T, async () => {
  const addr = parseAddress(':1');
  await assert.rejects(readRaw(addr, { timeoutMs: 0 }), RangeError);
  await assert.rejects(readRaw(addr, { timeoutMs: Number.NaN }), RangeError);
  await assert.rejects(readRaw(addr, { maxBytes: -1 }), RangeError);
});

test('no timers or sockets are left behind, whatever the outcome', T, async (t) => {
  const dir = tempDir(t);
  const servers = [
    await startServer(t, { host: '127.0.0.1' }, good),
    await startServer(t, { host: '127.0.0.1' }, () => {}),
    await startServer(t, { host: '127.0.0.1' }, (s) => s.end('{"workers":')),
    await startServer(t, { host: '127.0.0.1' }, flooder(8 * 1024 * 1024, 65536).onConn),
    await startServer(t, { path: join(dir, 'u.sock') }, good),
  ];
  // Track every timer and socket handle created while the reads run; all must be gone afterwards.
  const live = new Map<number, string>();
  let tracking = true;
  const watched = new Set(['Timeout', 'TCPWRAP', 'PIPEWRAP', 'TCPCONNECTWRAP', 'PIPECONNECTWRAP']);
  const hook = createHook({
    init(id, type) {
      if (tracking && watched.has(type)) live.set(id, type);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  t.after(() => hook.disable());
  // Long deadlines: a timer that was not cleared would still be pending when we check.
  const long = { timeoutMs: 60_000 };
  const outcomes = await Promise.allSettled([
    fetchStats(parseAddress(servers[0]!.address), long),
    readRaw(parseAddress(servers[1]!.address), { timeoutMs: 200 }),
    fetchStats(parseAddress(servers[2]!.address), long),
    readRaw(parseAddress(servers[3]!.address), { ...long, maxBytes: 100000 }),
    fetchStats(parseAddress(servers[4]!.address), long),
    readRaw(parseAddress(join(dir, 'nope.sock')), long),
    readRaw(parseAddress(':1'), long),
  ]);
  assert.deepEqual(
    outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : o.reason instanceof StatsError ? o.reason.code : String(o.reason))),
    ['ok', 'TIMEOUT', 'TRUNCATED', 'TOO_LARGE', 'ok', 'NO_SOCKET', 'REFUSED'],
  );
  tracking = false; // the polling below creates timers of its own
  for (const s of servers) await s.close();
  // Handles close asynchronously: poll (with a deadline far below the 60 s read timeouts).
  // async_hooks `destroy` fires on close / clearTimeout / expiry, not on garbage collection.
  await waitFor(() => live.size === 0, 'all timers and sockets of the reads to be released', 3000).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}: still live ${JSON.stringify([...live.values()])}`);
  });
  hook.disable();
});
