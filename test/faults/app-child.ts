/**
 * An instrumented node:http app with the stats emitter, in its own process
 * (what the emitter attack test measures). `node app-child.js STATS_PATH`
 * serves GET /… → "ok" (and /hold/… stays in flight until the client
 * leaves), stats on STATS_PATH (raw, 0600) and on 127.0.0.1:0 (HTTP +
 * Prometheus). Prints one JSON line {app, statsHttp, pid}; stops when stdin
 * closes or on SIGTERM.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStatsServer } from '../../src/emitter/index.js';

const statsPath = process.argv[2] ?? '';
const held: http.ServerResponse[] = [];
const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  req.resume();
  if ((req.url ?? '').startsWith('/hold/')) {
    held.push(res);
    return;
  }
  res.setHeader('Content-Type', 'text/plain');
  res.end('ok');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const stats = await createStatsServer({
  server,
  listen: [{ path: statsPath }, { host: '127.0.0.1', port: 0, http: true, prometheus: true }],
});
process.stdout.write(
  JSON.stringify({ app: (server.address() as AddressInfo).port, statsHttp: stats.addresses[1], pid: process.pid }) + '\n',
);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  for (const r of held) r.destroy();
  server.closeAllConnections();
  await Promise.all([stats.close(), new Promise((r) => server.close(r))]);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
