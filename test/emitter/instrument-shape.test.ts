/**
 * How the instrumentation sees responses without touching them (issue 13
 * point 7, the hook's cost per request): node's responses of an
 * instrumented server get no own property of ours (no own `emit`, no
 * symbol) — they are seen through one shared `emit` on
 * `ServerResponse.prototype` and a state kept per socket — and they are
 * counted as before; a response class with its own `emit` is still
 * counted (the per-response wrapper); the prototype is left as found when
 * the last instrumentation closes.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import { instrument } from '../../src/emitter/instrument.js';
import { RequestCounters } from '../../src/emitter/counters.js';
import { waitFor } from './helpers.js';

async function listen(t: TestContext, server: http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return (server.address() as AddressInfo).port;
}

/** Keep-alive requests one after the other on one connection; everything received. */
async function sendSequential(t: TestContext, port: number, paths: string[], done: () => boolean): Promise<string> {
  let got = '';
  const sock = createConnection({ host: '127.0.0.1', port });
  t.after(() => sock.destroy());
  sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
  for (let i = 0; i < paths.length; i++) {
    sock.write(`GET ${paths[i]} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await waitFor(() => got.split('HTTP/1.1 ').length - 1 === i + 1 && (got.endsWith('ok') || got.endsWith('no')), `response ${i + 1}`);
  }
  await waitFor(done, 'the counters');
  return got;
}

const ours = (o: object): string[] => [
  ...Object.getOwnPropertySymbols(o).map((s) => String(s.description)).filter((d) => d.startsWith('tsgitop')),
  ...(Object.prototype.hasOwnProperty.call(o, 'emit') ? ['own emit'] : []),
];

test("node's responses of an instrumented server carry no own property of ours, and are counted as before", async (t) => {
  const counters = new RequestCounters(4);
  const found: string[][] = [];
  const server = http.createServer((req, res) => {
    found.push(ours(res));
    if (req.url === '/fail') {
      res.statusCode = 500;
      res.end('no');
    } else res.end('ok');
    found.push(ours(res));
  });
  const inst = instrument(server, { counters, cluster: false });
  t.after(() => inst.close());
  const port = await listen(t, server);
  const got = await sendSequential(t, port, ['/', '/fail', '/', '/'], () => counters.requests === 4);
  assert.deepEqual(found, Array.from({ length: 8 }, () => []), 'nothing of ours on any response');
  assert.equal(counters.exceptions, 1, 'the 500');
  assert.equal(counters.inFlight, 0);
  assert.equal(counters.tx, Buffer.byteLength(got, 'latin1'));
});

test('a response class with its own emit is still counted (a wrapper on that response)', async (t) => {
  class MyResponse extends http.ServerResponse {
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      return super.emit(event, ...args);
    }
  }
  const counters = new RequestCounters(4);
  const server = http.createServer({ ServerResponse: MyResponse }, (req, res) => {
    if (req.url === '/fail') {
      res.statusCode = 503;
      res.end('no');
    } else res.end('ok');
  });
  const inst = instrument(server, { counters, cluster: false });
  t.after(() => inst.close());
  const port = await listen(t, server);
  const got = await sendSequential(t, port, ['/', '/fail', '/'], () => counters.requests === 3);
  assert.equal(counters.exceptions, 1);
  assert.equal(counters.inFlight, 0);
  assert.equal(counters.tx, Buffer.byteLength(got, 'latin1'));
});

test('ServerResponse.prototype is left as found when the last instrumentation closes; other servers are not counted', async (t) => {
  const proto = http.ServerResponse.prototype;
  const before = Object.prototype.hasOwnProperty.call(proto, 'emit');
  const counters = new RequestCounters(4);
  const a = instrument(http.createServer(), { counters, cluster: false });
  const plain = http.createServer((_req, res) => res.end('ok'));
  const port = await listen(t, plain);
  await sendSequential(t, port, ['/', '/'], () => true);
  assert.equal(counters.requests + counters.inFlight, 0, 'an uninstrumented server in the same process is not counted');
  const b = instrument(http.createServer(), { counters, cluster: false });
  a.close();
  b.close();
  assert.equal(Object.prototype.hasOwnProperty.call(proto, 'emit'), before);
  assert.equal(proto.emit, Object.getPrototypeOf(proto).emit);
});
