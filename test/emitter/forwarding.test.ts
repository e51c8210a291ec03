// The hooks forward every event of the server and of each response with
// exactly the arguments it was emitted with (they avoid spreading
// `arguments` for the common counts: that must not add or drop one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { instrument, RequestCounters } from '../../src/emitter/index.js';
import { get } from './helpers.js';

test('server and response events reach their listeners with the arguments they were emitted with', async (t) => {
  const seen: Record<string, number[]> = {};
  const note = (k: string, n: number): void => {
    (seen[k] ??= []).push(n);
  };
  /** A listener noting how many arguments it was called with. */
  const counting = (k: string) =>
    function (): void {
      // eslint-disable-next-line prefer-rest-params
      note(k, arguments.length);
    };
  const server = http.createServer(function (this: unknown, _req, res) {
    // eslint-disable-next-line prefer-rest-params
    note('request', arguments.length);
    for (const e of ['finish', 'close', 'x0', 'x1']) res.on(e, counting(e));
    res.on('x3', function (a: number, b: number, c: number) {
      // eslint-disable-next-line prefer-rest-params
      note('x3', arguments.length);
      note('x3sum', a + b + c);
    });
    res.emit('x0');
    res.emit('x1', undefined);
    res.emit('x3', 1, 2, 3);
    res.end('ok');
  });
  for (const e of ['connection', 's0', 's4']) server.on(e, counting(e));
  const counters = new RequestCounters(4);
  const inst = instrument(server, { counters, cluster: false });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    inst.close();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  assert.equal((await get(port, '/')).status, 200);
  server.emit('s0');
  server.emit('s4', 1, 2, 3, 4);
  const deadline = Date.now() + 5000;
  while (seen.close === undefined && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    { ...seen },
    { connection: [1], request: [2], x0: [0], x1: [1], x3: [3], x3sum: [6], finish: [0], close: [0], s0: [0], s4: [4] },
  );
  assert.equal(counters.requests, 1, 'and the request was counted');
});
