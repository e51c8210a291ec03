/**
 * What keeps the instrumentation cheap per request (issue 13 point 7), and
 * that the counters mean what they meant before it:
 * - a socket's `bytesWritten` is read when the counters are read, once per
 *   connection, not once per response — and tx still counts exactly the
 *   bytes of the responses that ended before the read.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createConnection, type Socket, type AddressInfo } from 'node:net';
import { instrument } from '../../src/emitter/instrument.js';
import { RequestCounters } from '../../src/emitter/counters.js';
import { waitFor } from './helpers.js';

/** A keep-alive connection: send raw requests, see everything received so far. */
function connect(t: TestContext, port: number): Promise<{ sock: Socket; received: () => string }> {
  return new Promise((resolve, reject) => {
    let got = '';
    const sock = createConnection({ host: '127.0.0.1', port }, () => resolve({ sock, received: () => got }));
    sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
    sock.on('error', reject);
    t.after(() => sock.destroy());
  });
}

const count = (s: string, what: string): number => s.split(what).length - 1;

async function listen(t: TestContext, server: http.Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    for (const sock of sockets) sock.destroy(); // upgraded ones too
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return (server.address() as AddressInfo).port;
}

/** Count every read of `bytesWritten` on the server's sockets (an own accessor calling node's). */
function spyBytesWritten(server: http.Server): { reads: number } {
  const spy = { reads: 0 };
  server.prependListener('connection', (sock: Socket) => {
    let proto: object | null = sock;
    let desc: PropertyDescriptor | undefined;
    while (proto !== null && desc === undefined) {
      desc = Object.getOwnPropertyDescriptor(proto, 'bytesWritten');
      proto = Object.getPrototypeOf(proto) as object | null;
    }
    const get = desc!.get!;
    Object.defineProperty(sock, 'bytesWritten', {
      configurable: true,
      get(this: Socket) {
        spy.reads++;
        return get.call(this) as number;
      },
    });
  });
  return spy;
}

test('bytesWritten is read once per connection per read of the counters, not once per response', async (t) => {
  const counters = new RequestCounters(4);
  const server = http.createServer((_req, res) => res.end('hello'));
  const spy = spyBytesWritten(server);
  instrument(server, { counters, cluster: false });
  const port = await listen(t, server);
  const c = await connect(t, port);
  for (let i = 1; i <= 20; i++) {
    c.sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => counters.requests === i && count(c.received(), 'hello') === i, `response ${i}`);
  }
  const beforeRead = spy.reads;
  assert.ok(beforeRead <= 1, `20 responses read bytesWritten ${beforeRead} times (at most once, when the connection was first seen)`);
  assert.equal(counters.tx, Buffer.byteLength(c.received(), 'latin1'), 'a read counts every byte of the 20 responses');
  assert.equal(spy.reads, beforeRead + 1, 'the read took one bytesWritten');
  assert.equal(counters.tx, Buffer.byteLength(c.received(), 'latin1'), 'reading again changes nothing');
  assert.equal(spy.reads, beforeRead + 1, 'and reads no socket');
});

test("a read while a connection that ended a response writes a later one counts the later one's bytes so far, early and never twice", async (t) => {
  const counters = new RequestCounters(4);
  let held: http.ServerResponse | undefined;
  const server = http.createServer((req, res) => {
    if (req.url === '/part') {
      res.write('partial-');
      held = res;
      return;
    }
    res.end('hello');
  });
  instrument(server, { counters, cluster: false });
  const port = await listen(t, server);
  const c = await connect(t, port);
  c.sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => counters.requests === 1 && count(c.received(), 'hello') === 1, 'the first response');
  const first = Buffer.byteLength(c.received(), 'latin1');
  c.sock.write('GET /part HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => c.received().endsWith('partial-\r\n'), 'the first chunk of the second response');
  const sofar = Buffer.byteLength(c.received(), 'latin1');
  assert.ok(sofar > first);
  assert.equal(counters.requests, 1);
  assert.equal(counters.tx, sofar, 'the first response and what the second wrote so far');
  assert.equal(counters.snapshot().tx, sofar);
  held!.end('end');
  await waitFor(() => counters.requests === 2 && c.received().endsWith('0\r\n\r\n'), 'the second response');
  assert.equal(counters.tx, Buffer.byteLength(c.received(), 'latin1'), 'both responses');
});

test("bytes a connection carries after it leaves HTTP ('upgrade') are not counted", async (t) => {
  const counters = new RequestCounters(4);
  const server = http.createServer((_req, res) => res.end('hello'));
  server.on('upgrade', (_req, sock: Socket) => {
    sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n');
    sock.write(Buffer.alloc(5000, 'u'));
  });
  instrument(server, { counters, cluster: false });
  const port = await listen(t, server);
  const c = await connect(t, port);
  c.sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => counters.requests === 1 && count(c.received(), 'hello') === 1, 'the response');
  const first = Buffer.byteLength(c.received(), 'latin1');
  c.sock.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n');
  await waitFor(() => count(c.received(), 'u') >= 5000, 'the upgraded bytes');
  assert.equal(counters.tx, first, 'the response only');
});

test('a server nobody reads the counters of keeps a bounded list of connections (collected every 256)', async (t) => {
  const counters = new RequestCounters(4);
  const server = http.createServer((_req, res) => res.end('hello'));
  const spy = spyBytesWritten(server);
  instrument(server, { counters, cluster: false });
  const port = await listen(t, server);
  let received = 0;
  for (let i = 0; i < 300; i++) {
    const c = await connect(t, port);
    const closed = new Promise((r) => c.sock.once('close', r));
    c.sock.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await closed;
    await waitFor(() => counters.requests === i + 1 && c.received().includes('hello'), `request ${i + 1}`, 10_000, 1);
    received += Buffer.byteLength(c.received(), 'latin1');
    c.sock.destroy();
  }
  // one read per connection when first seen (300), plus the collection at 256 listed connections
  assert.ok(spy.reads >= 300 + 256, `bytesWritten read ${spy.reads} times: collected without a read of the counters`);
  assert.equal(counters.tx, received);
});
