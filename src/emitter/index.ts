/**
 * tsgitop/emitter — make a Node.js app server (node:http, node:https,
 * node:cluster, Express, Fastify, …) serve the same stats JSON as a
 * uWSGI 2.0.21 `--stats` server, so tsgitop, uwsgitop,
 * `uwsgi --connect-and-read` and uWSGI Prometheus exporters read it as if it
 * were uWSGI.
 *
 * Single process:
 * ```ts
 * import http from 'node:http';
 * import { createStatsServer } from 'tsgitop/emitter';
 * const server = http.createServer((req, res) => res.end('hi')).listen(8080, '127.0.0.1');
 * const stats = await createStatsServer({ server, listen: { path: '/tmp/app-stats.sock' } });
 * ```
 *
 * Cluster (primary aggregates, workers instrument):
 * ```ts
 * import cluster from 'node:cluster';
 * import http from 'node:http';
 * import { createClusterStats, instrument } from 'tsgitop/emitter';
 * if (cluster.isPrimary) {
 *   await createClusterStats({ workers: 4, listen: [{ path: '/tmp/app-stats.sock' }, { port: 9191, http: true, prometheus: true }] });
 *   for (let i = 0; i < 4; i++) cluster.fork();
 *   cluster.on('exit', () => cluster.fork());
 * } else {
 *   const server = http.createServer((req, res) => res.end('hi'));
 *   instrument(server);
 *   server.listen(8080);
 * }
 * ```
 *
 * Design notes and the Prometheus metric table: src/emitter/README.md.
 */
export { instrument, getProcessCounters, type InstrumentOptions, type Instrumentation } from './instrument.js';
export { RequestCounters, DEFAULT_MAX_CORES, type RequestOutcome, type CountersSnapshot } from './counters.js';
export { createStatsServer, type StatsServer, type StatsServerOptions } from './single.js';
export { createClusterStats, type ClusterStats, type ClusterStatsOptions, type SlotInfo } from './cluster.js';
export { listenStats, isLoopbackHost, EmitterError, type ListenOptions, type StatsListener } from './listener.js';
export { DocumentSource, type StatsSource } from './source.js';
export { renderDocument } from './render.js';
export { renderPrometheus, escapeLabelValue } from './prometheus.js';
export { readMemory, parseStatm, type MemoryUsage } from './memory.js';
export { parseProcNetTcp, queueForPort, decodeProcAddress, readListenEntries, type ListenEntry } from './procnet.js';
export { ListenQueueSampler, socketName, type AppSocket } from './sockets.js';
export { emitterVersion, UWSGI_FORMAT_VERSION } from './version.js';
export type { WorkerReporterOptions } from './ipc.js';
export type { EmitterDocument, EmitterWorker, EmitterCore, EmitterSocket, EmitterApp } from './doc.js';
