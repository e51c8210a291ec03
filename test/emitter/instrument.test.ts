import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createConnection, Socket, type AddressInfo } from 'node:net';
import { instrument } from '../../src/emitter/instrument.js';
import { RequestCounters, CORE_FIELDS } from '../../src/emitter/counters.js';
import { get, waitFor } from './helpers.js';

interface Harness {
  port: number;
  counters: RequestCounters;
  server: http.Server;
  /** Responses held open by /hold, released by release(). */
  held: http.ServerResponse[];
}

async function start(t: import('node:test').TestContext, opts: Parameters<typeof instrument>[1] = {}): Promise<Harness> {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/hold') {
      held.push(res);
      return;
    }
    if (path === '/fail') {
      res.statusCode = 503;
      res.end('no');
      return;
    }
    if (path.startsWith('/bytes/')) {
      res.end(Buffer.alloc(Number(path.slice(7)), 'a'));
      return;
    }
    if (path === '/chunked') {
      res.write('abc');
      res.write('defgh');
      res.end('!');
      return;
    }
    res.end('hello');
  });
  const counters = new RequestCounters(4);
  const inst = instrument(server, { counters, cluster: false, ...opts });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    inst.close();
    for (const r of held) r.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, counters, server, held };
}

/** Send raw bytes, collect everything the server sends until it closes. */
function rawExchange(port: number, data: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write(data));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

test('counts exactly the requests sent, and tx equals the bytes the client received', async (t) => {
  const h = await start(t);
  // 3 requests on one keep-alive connection (last one closes) + chunked + a 100 kB body
  const wire = await rawExchange(
    h.port,
    'GET / HTTP/1.1\r\nHost: x\r\n\r\n' +
      'GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n' +
      'GET /bytes/100000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  await waitFor(() => h.counters.requests === 3, '3 requests');
  assert.equal(h.counters.tx, wire.length, 'tx = every byte on the wire (status line, headers, chunk framing, body)');
  assert.equal(h.counters.exceptions, 0);
  assert.equal(h.counters.inFlight, 0);
  assert.ok(h.counters.runningTime > 0);
  assert.ok(h.counters.avgRt > 0);
});

test('statuses ≥ 500 are exceptions unless countStatus5xx is false', async (t) => {
  const h = await start(t);
  await get(h.port, '/fail');
  await get(h.port, '/');
  await waitFor(() => h.counters.requests === 2, '2 requests');
  assert.equal(h.counters.exceptions, 1);

  const h2 = await start(t, { countStatus5xx: false });
  await get(h2.port, '/fail');
  await waitFor(() => h2.counters.requests === 1, '1 request');
  assert.equal(h2.counters.exceptions, 0);
});

test('in-flight requests occupy the lowest free core; an aborted request frees its core and counts a write error', async (t) => {
  const h = await start(t);
  const clients: Socket[] = [];
  t.after(() => clients.forEach((c) => c.destroy()));
  for (let i = 0; i < 3; i++) {
    const c = createConnection({ host: '127.0.0.1', port: h.port }, () => c.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n'));
    c.on('error', () => undefined);
    clients.push(c);
  }
  await waitFor(() => h.held.length === 3, '3 held requests');
  assert.equal(h.counters.inFlight, 3);
  let snap = h.counters.snapshot();
  const busy = (s: typeof snap): number[] => Array.from({ length: s.cores.length / CORE_FIELDS }, (_, i) => (s.cores[i * CORE_FIELDS + 4]! > 0 ? 1 : 0));
  assert.deepEqual(busy(snap), [1, 1, 1, 0]);

  // client 2 (core 1) goes away: its slot must be freed, not leaked
  clients[1]!.destroy();
  await waitFor(() => h.counters.inFlight === 2, 'aborted request to end');
  snap = h.counters.snapshot();
  assert.deepEqual(busy(snap), [1, 0, 1, 0]);
  assert.equal(h.counters.requests, 1, 'the aborted request is counted, like uWSGI');
  const writeErrors = Array.from({ length: snap.cores.length / CORE_FIELDS }, (_, i) => snap.cores[i * CORE_FIELDS + 2]!);
  assert.deepEqual(writeErrors, [0, 1, 0, 0]);

  // the next request reuses the lowest free core (1)
  const c = createConnection({ host: '127.0.0.1', port: h.port }, () => c.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n'));
  c.on('error', () => undefined);
  clients.push(c);
  await waitFor(() => h.held.length === 4, '4th held request');
  assert.deepEqual(busy(h.counters.snapshot()), [1, 1, 1, 0]);

  // finish them all normally
  for (const r of h.held) if (!r.destroyed) r.end('done');
  await waitFor(() => h.counters.inFlight === 0, 'all requests to end');
  assert.equal(h.counters.requests, 4);
});

test('many concurrent aborted requests never leak slots', async (t) => {
  const h = await start(t);
  const clients: Socket[] = [];
  for (let i = 0; i < 20; i++) {
    const c = createConnection({ host: '127.0.0.1', port: h.port }, () => c.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n'));
    c.on('error', () => undefined);
    clients.push(c);
  }
  await waitFor(() => h.held.length === 20, '20 held requests');
  assert.equal(h.counters.inFlight, 20);
  assert.equal(h.counters.snapshot().cores[3 * CORE_FIELDS + 4]! > 0, true, '20 > 4 cores: the last core is shared');
  clients.forEach((c) => c.destroy());
  await waitFor(() => h.counters.inFlight === 0, 'all aborted');
  const snap = h.counters.snapshot();
  for (let i = 0; i < snap.cores.length / CORE_FIELDS; i++) assert.equal(snap.cores[i * CORE_FIELDS + 4], 0, `core ${i} idle`);
  assert.equal(h.counters.requests, 20);
  // and new requests start from core 0 again
  await get(h.port, '/');
  assert.equal(h.counters.snapshot().cores[0], 1 + 1);
});

test('a handler that throws synchronously is counted, and the error still propagates unchanged', () => {
  const server = http.createServer(() => {
    throw new Error('boom');
  });
  const counters = new RequestCounters(2);
  const inst = instrument(server, { counters, cluster: false });
  const sock = new Socket();
  const req = new http.IncomingMessage(sock);
  const res = new http.ServerResponse(req);
  assert.throws(() => server.emit('request', req, res), /boom/);
  assert.equal(counters.inFlight, 1);
  res.destroy();
  res.emit('close');
  assert.equal(counters.inFlight, 0);
  assert.equal(counters.exceptions, 1);
  assert.equal(counters.requests, 1);
  inst.close();
  assert.throws(() => server.emit('request', req, new http.ServerResponse(req)), /boom/);
  assert.equal(counters.inFlight, 0, 'after close() the server is no longer instrumented');
  sock.destroy();
});

test("a response 'error' is counted; unhandled it still throws, handled it does not", () => {
  const server = http.createServer(() => undefined);
  const counters = new RequestCounters(2);
  instrument(server, { counters, cluster: false, countStatus5xx: false });
  const sock = new Socket();
  const req = new http.IncomingMessage(sock);
  const res = new http.ServerResponse(req);
  server.emit('request', req, res);
  assert.throws(() => res.emit('error', new Error('write failed')), /write failed/, 'unhandled error semantics kept');
  res.emit('close');
  assert.equal(counters.exceptions, 1);

  const res2 = new http.ServerResponse(req);
  res2.on('error', () => undefined);
  server.emit('request', req, res2);
  assert.doesNotThrow(() => res2.emit('error', new Error('handled')));
  res2.emit('close');
  assert.equal(counters.exceptions, 2);
  sock.destroy();
});

test('recordException marks the current request once; re-emitting request does not double count', () => {
  const server = http.createServer(() => undefined);
  const counters = new RequestCounters(2);
  const inst = instrument(server, { counters, cluster: false });
  const sock = new Socket();
  const req = new http.IncomingMessage(sock);
  const res = new http.ServerResponse(req);
  server.emit('checkContinue', req, res);
  server.emit('request', req, res);
  assert.equal(counters.inFlight, 1);
  inst.recordException(res);
  inst.recordException(res);
  res.emit('close');
  res.emit('close');
  assert.equal(counters.requests, 1);
  assert.equal(counters.exceptions, 1);
  sock.destroy();
});

test('a server cannot be instrumented twice; close() is idempotent and allows re-instrumenting', () => {
  const server = http.createServer(() => undefined);
  const a = instrument(server, { counters: new RequestCounters(1), cluster: false });
  assert.throws(() => instrument(server, { counters: new RequestCounters(1), cluster: false }), /already instrumented/);
  a.close();
  a.close();
  const b = instrument(server, { counters: new RequestCounters(1), cluster: false });
  b.close();
});

test('read errors: a request whose body did not arrive counts one; a handler that threw synchronously does not (Node had not finished parsing it)', () => {
  // Seen at stop 30: each GET /throw added a read error — the throw leaves before Node's parser marks the request
  // complete, body or none.
  const counters = new RequestCounters(1);
  const throwing = http.createServer(() => {
    throw new Error('boom');
  });
  instrument(throwing, { counters, cluster: false });
  const sock = new Socket();
  const req = new http.IncomingMessage(sock); // complete: false, as while Node still parses it
  const res = new http.ServerResponse(req);
  assert.throws(() => throwing.emit('request', req, res), /boom/);
  res.destroy();
  res.emit('close');
  const readErrors = () => counters.snapshot().cores[3]!; // core 0: requests, exceptions, write_errors, read_errors, start
  assert.equal(counters.exceptions, 1);
  assert.equal(readErrors(), 0);
  // a handler that returns, its client gone before the body arrived: a read error
  const quiet = http.createServer(() => undefined);
  instrument(quiet, { counters, cluster: false });
  const res2 = new http.ServerResponse(req);
  quiet.emit('request', req, res2);
  res2.destroy();
  res2.emit('close');
  assert.equal(readErrors(), 1);
  sock.destroy();
});
