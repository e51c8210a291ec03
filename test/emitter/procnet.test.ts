import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { decodeProcAddress, effectiveBacklog, parseProcNetTcp, queueForPort, readListenEntries } from '../../src/emitter/procnet.js';
import { ListenQueueSampler } from '../../src/emitter/sockets.js';
import { waitFor } from './helpers.js';

// Captured on a Linux x86_64 host (little-endian). Line 0: 127.0.0.1:34997 LISTEN with 3 waiting;
// line 1: 0.0.0.0:8080 LISTEN; line 2: an ESTABLISHED connection to 34997 (must be ignored).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:88B5 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 19192 1 00000000bbabc9d2 100 0 0 10 0
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 20001 1 00000000aaaa0000 100 0 0 10 0
  12: 0100007F:8D9E 0100007F:88B5 01 00000000:00000010 03:0000161C 00000000     0        0 0 3 000000000e5f1afd
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 3001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 3002 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3003 1 0000000000000000 100 0 0 10 0
`;

test('parseProcNetTcp keeps LISTEN sockets only, with rx_queue as the accept queue', () => {
  const e = parseProcNetTcp(TCP, true);
  assert.deepEqual(e, [
    { address: '127.0.0.1', port: 34997, queue: 3, txQueue: 0 },
    { address: '0.0.0.0', port: 8080, queue: 0, txQueue: 0 },
  ]);
  assert.deepEqual(parseProcNetTcp('', true), []);
  assert.deepEqual(parseProcNetTcp('not /proc/net/tcp at all\n', true), []);
});

test('parseProcNetTcp decodes IPv6 (::1, ::, v4-mapped)', () => {
  const e = parseProcNetTcp(TCP6, true);
  assert.deepEqual(
    e.map((x) => [x.address, x.port, x.queue]),
    [
      ['::1', 80, 2],
      ['::', 8080, 1],
      ['::ffff:127.0.0.1', 8081, 0],
    ],
  );
});

test('decodeProcAddress honours byte order', () => {
  assert.equal(decodeProcAddress('0100007F', true), '127.0.0.1');
  assert.equal(decodeProcAddress('7F000001', false), '127.0.0.1');
  assert.equal(decodeProcAddress('20010DB8000000000000000000000001', false), '2001:db8::1');
});

test('queueForPort matches the port, filters specific addresses, sums wildcard matches', () => {
  const e = [...parseProcNetTcp(TCP, true), ...parseProcNetTcp(TCP6, true)];
  assert.equal(queueForPort(e, 34997), 3);
  assert.equal(queueForPort(e, 34997, '127.0.0.1'), 3);
  assert.equal(queueForPort(e, 34997, '127.0.0.2'), undefined);
  assert.equal(queueForPort(e, 8080), 1, 'v4 wildcard (0) + v6 wildcard (1)');
  assert.equal(queueForPort(e, 8080, '::'), 1);
  assert.equal(queueForPort(e, 8081, '127.0.0.1'), 0, 'v4-mapped address matches its v4 form');
  assert.equal(queueForPort(e, 9), undefined);
});

test('effectiveBacklog caps the listen backlog by somaxconn', () => {
  assert.equal(effectiveBacklog(511, 4096), 511);
  assert.equal(effectiveBacklog(511, 128), 128);
  assert.equal(effectiveBacklog(5, undefined), 5);
  assert.equal(effectiveBacklog(undefined, 4096), 511);
});

// A child process listens (backlog 4) then blocks its event loop, so the
// kernel queues our connections and nobody accepts them.
const BLOCKER = `
const net = require('node:net');
const s = net.createServer();
s.listen({ host: '127.0.0.1', port: 0, backlog: 4 }, () => {
  process.stdout.write(String(s.address().port) + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);
  process.exit(0);
});`;

test('the real accept queue of a listening socket is read from /proc/net/tcp', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  const child = spawn(process.execPath, ['-e', BLOCKER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const clients: Socket[] = [];
  t.after(() => {
    for (const c of clients) c.destroy();
    child.kill('SIGKILL');
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('error', reject);
  });
  for (let i = 0; i < 3; i++) {
    const c = createConnection({ host: '127.0.0.1', port });
    c.on('error', () => undefined);
    clients.push(c);
  }
  const entries = await waitFor(async () => {
    const e = await readListenEntries();
    return queueForPort(e, port, '127.0.0.1') === 3 ? e : undefined;
  }, 'accept queue of 3');
  assert.equal(queueForPort(entries, port), 3);

  // the sampler counts a full queue (≥ backlog) as a listen_queue_error, like uWSGI
  const sampler = new ListenQueueSampler(() => [{ host: '127.0.0.1', port, backlog: 4 }], 0);
  t.after(() => sampler.close());
  await sampler.refresh();
  let f = sampler.figures(60_000);
  assert.equal(f.listenQueue, 3);
  assert.deepEqual(f.sockets, [{ name: `127.0.0.1:${port}`, proto: 'http', queue: 3, max_queue: 4, shared: 0, can_offload: 0 }]);
  assert.equal(f.listenQueueErrors, 0);
  for (let i = 0; i < 3; i++) {
    const c = createConnection({ host: '127.0.0.1', port });
    c.on('error', () => undefined);
    clients.push(c);
  }
  await waitFor(async () => {
    await sampler.refresh();
    f = sampler.figures(60_000);
    return f.listenQueue >= 4;
  }, 'a full accept queue');
  assert.ok(f.listenQueueErrors >= 1, `errors ${f.listenQueueErrors}`);
});

test('readListenSection stops at the first non-LISTEN line, across chunk boundaries', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { readListenSection } = await import('../../src/emitter/procnet.js');
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines = TCP.split('\n');
  const est = '  13: 0100007F:8DA4 0100007F:88B5 06 00000000:00000000 03:0000161D 00000000     0        0 0 3 00000000a92dba89\n';
  const file = join(dir, 'tcp');
  writeFileSync(file, lines[0] + '\n' + lines[1] + '\n' + lines[2] + '\n' + est.repeat(5000));
  for (const chunk of [7, 64, 100, 65536]) {
    const text = await readListenSection(file, chunk);
    assert.equal(text, lines[0] + '\n' + lines[1] + '\n' + lines[2] + '\n', `chunk ${chunk}`);
    assert.deepEqual(parseProcNetTcp(text, true).map((e) => e.port), [34997, 8080]);
  }
  // a file with only LISTEN lines is read to the end
  writeFileSync(file, lines.slice(0, 3).join('\n') + '\n');
  assert.equal(parseProcNetTcp(await readListenSection(file, 10), true).length, 2);
});

test('the sampler counts connections its process holds for a worker (a cluster primary) as waiting, by port and address', async (t) => {
  const kernel = [{ address: '0.0.0.0', port: 8080, queue: 2, txQueue: 0 }];
  let held = [
    { address: '127.0.0.1', port: 8080, queue: 1, txQueue: 0 },
    { address: '127.0.0.1', port: 8080, queue: 1, txQueue: 0 },
    { address: '10.0.0.5', port: 8081, queue: 1, txQueue: 0 },
  ];
  const sockets = [{ host: '0.0.0.0', port: 8080, backlog: 4 }, { host: '127.0.0.1', port: 8081 }, { path: '/tmp/app.sock' }];
  const sampler = new ListenQueueSampler(() => sockets, 0, () => Promise.resolve(kernel), () => held);
  t.after(() => sampler.close());
  await sampler.refresh();
  let f = sampler.figures(60_000);
  // 8080: 2 in the kernel + 2 held; 8081 bound to 127.0.0.1: the one held for 10.0.0.5 is not its; unix: 0
  assert.deepEqual(f.sockets.map((s) => s.queue), [4, 0, 0]);
  assert.equal(f.listenQueue, 4);
  assert.equal(f.listenQueueErrors, 1, '2 + 2 ≥ backlog 4: full, a listen_queue_error as uWSGI counts one');
  held = [];
  await sampler.refresh();
  f = sampler.figures(60_000);
  assert.deepEqual(f.sockets.map((s) => s.queue), [2, 0, 0]);
});
