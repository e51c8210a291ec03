/**
 * The pure model: snapshot → view. No I/O, no timers, no clock reads.
 * @module
 */
export type * from './types.js';
export { buildView, buildEmperorView, computeTotals, intervalSeconds, type BuildOptions } from './view.js';
export { buildWorker, buildCores, resetReason } from './workers.js';
export { workerKeys, coreKeys, workerNumber } from './identity.js';
export { detectEvents, connectionEvent, DEFAULT_LQ_THRESHOLD, type WorkerPair } from './events.js';
export { statusClass, isNotableClass } from './status.js';
export { counter, finite, rate, wentDown, wentUp, sumKnown } from './sanitize.js';
export { NumRing, Ring } from './ring.js';
export { History, type HistoryOptions, type WorkerSeries, type TotalsSeries } from './history.js';
export { countersWentDown, isSpawn, avgNow } from './workers.js';
export { buildSockets, socketView, worstSocket, queueText } from './sockets.js';
export { blacklistOf, vassalEvents } from './emperor.js';
export { Diagnoser, diagnoseView, diagnoseOnce, diagnoseEmperor, staleVerdict, sortVerdicts, worstVerdict, formatAge, DEFAULT_DIAGNOSIS, RULE_ORDER, type DiagnosisOptions } from './diagnosis.js';
export { inflightOf } from './view.js';
