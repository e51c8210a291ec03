/**
 * What close() of an instrumentation leaves behind (issue 13 point 7, debt):
 * - the server's tx source is unregistered from the counters once the
 *   instrumentation is closed and the last request it started has ended
 *   (before: one source per `instrument()` call stayed for the life of the
 *   counters), and no byte of its responses is lost by that;
 * - a closed instrumentation that could not unwrap `server.emit` (another
 *   wrapper sits on top of it) counts nothing more.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createConnection, Socket, type AddressInfo } from 'node:net';
import { instrument } from '../../src/emitter/instrument.js';
import { RequestCounters } from '../../src/emitter/counters.js';
import { waitFor } from './helpers.js';

/** Counters that tell how many tx sources are registered on them. */
class SourceCountingCounters extends RequestCounters {
  sources = 0;
  override addTxSource(source: () => number): () => void {
    this.sources++;
    const remove = super.addTxSource(source);
    let removed = false;
    return () => {
      if (!removed) {
        removed = true;
        this.sources--;
      }
      remove();
    };
  }
}

async function listen(t: TestContext, server: http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return (server.address() as AddressInfo).port;
}

test("a closed instrumentation's tx source is unregistered when its last request ends, with every byte counted", async (t) => {
  const counters = new SourceCountingCounters(4);
  let held: http.ServerResponse | undefined;
  const server = http.createServer((req, res) => {
    if (req.url === '/hold') {
      held = res;
      return;
    }
    res.end('hello');
  });
  const inst = instrument(server, { counters, cluster: false });
  assert.equal(counters.sources, 1);
  const port = await listen(t, server);
  let got = '';
  const sock = createConnection({ host: '127.0.0.1', port });
  t.after(() => sock.destroy());
  sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
  sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => held !== undefined && counters.requests === 1, 'the first response, the second request held');
  inst.close();
  assert.equal(counters.sources, 1, 'a request of the closed instrumentation is still open: its source stays');
  held!.end('bye');
  await waitFor(() => counters.requests === 2 && got.endsWith('bye'), 'the held response');
  assert.equal(counters.sources, 0, 'closed and its last request ended: the source is gone');
  assert.equal(counters.tx, Buffer.byteLength(got, 'latin1'), 'both responses counted (the source was asked a last time)');
});

test('instrument() and close() many times on one server leave no source behind', () => {
  const counters = new SourceCountingCounters(2);
  const server = http.createServer(() => undefined);
  for (let i = 0; i < 50; i++) instrument(server, { counters, cluster: false }).close();
  assert.equal(counters.sources, 0);
});

test('a closed instrumentation that could not unwrap server.emit (another wrapper on top) counts nothing more', () => {
  const counters = new RequestCounters(2);
  const server = http.createServer((_req, res) => res.end('x'));
  const inst = instrument(server, { counters, cluster: false });
  const under = server.emit;
  let seen = 0;
  server.emit = function (this: http.Server, event: string | symbol, ...rest: unknown[]) {
    if (event === 'request') seen++;
    return (under as (...a: unknown[]) => boolean).call(this, event, ...rest);
  } as typeof server.emit;
  inst.close();
  const sock = new Socket();
  emitRequest(server, sock);
  assert.equal(seen, 1, 'the request went through both wrappers');
  assert.equal(counters.inFlight + counters.requests, 0, 'and was not counted');
  sock.destroy();
});

function emitRequest(server: http.Server, sock: Socket): void {
  const req = new http.IncomingMessage(sock);
  const res = new http.ServerResponse(req);
  server.emit('request', req, res);
  res.emit('close');
}
