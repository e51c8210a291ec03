/**
 * node:cluster worker for prometheus-real.test.ts (forked via
 * cluster.setupPrimary({ exec })): an instrumented app server on
 * 127.0.0.1 (port shared by the cluster) answering `ok` to every request,
 * reporting to the primary's createClusterStats every 100 ms.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { instrument } from '../../src/emitter/index.js';

if (cluster.isWorker) {
  const server = http.createServer((_req, res) => res.end('ok\n'));
  instrument(server, { report: { intervalMs: 100, debounceMs: 10 } });
  server.listen(0, '127.0.0.1');
}
