/**
 * node:cluster worker for test/faults/emitter-round2.test.ts (forked with
 * cluster.setupPrimary({ exec })). Plain node:http, instrumented, no error
 * handlers of its own. Routes: /d/N → "ok" after N ms (N ≤ 5000);
 * /throw → the handler throws synchronously (nothing catches it: the
 * worker dies, as a real app without an uncaughtException handler would);
 * anything else → "ok" at once.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { instrument } from '../../src/emitter/index.js';

if (cluster.isWorker) {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/throw') throw new Error('handler failed on purpose');
    const m = /^\/d\/(\d+)/.exec(url);
    if (m) {
      setTimeout(() => res.end('ok'), Math.min(5000, Number(m[1])));
      return;
    }
    res.end('ok');
  });
  instrument(server, { report: { intervalMs: 100, debounceMs: 10 } });
  server.listen(Number(process.env.ROUND2_PORT ?? 0), '127.0.0.1');
}
