/**
 * Demo cluster worker (forked by runDemo via cluster.setupPrimary({ exec })).
 * Env: TSGITOP_DEMO_HOST (default 127.0.0.1), TSGITOP_DEMO_PORT (default 0:
 * every worker shares the one port the primary picks).
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { instrument } from '../emitter/index.js';
import { demoHandler } from './app.js';

if (cluster.isWorker) {
  const server = http.createServer({ keepAliveTimeout: 5000 }, demoHandler);
  instrument(server, { requestPaths: true }); // the in-flight view shows method and path (never the query)
  // The primary owns shutdown: a terminal Ctrl-C reaches the whole process
  // group, but only the primary should decide (workers exit when it disconnects).
  process.on('SIGINT', () => undefined);
  process.on('message', (msg: unknown) => {
    if (typeof msg === 'object' && msg !== null && (msg as { demo?: unknown }).demo === 'crash') {
      process.exit(70); // a simulated crash
    }
  });
  server.listen(Number(process.env.TSGITOP_DEMO_PORT ?? 0), process.env.TSGITOP_DEMO_HOST ?? '127.0.0.1');
}
