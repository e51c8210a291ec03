/**
 * tsgitop's protocol layer: addresses, reading (raw socket and HTTP) and
 * parsing/validating uWSGI 2.0 stats documents. Every failure is a
 * {@link StatsError} with a stable `code` and a one-line message.
 */
export { parseAddress, formatAddress, DEFAULT_TCP_HOST, type Address } from './address.js';
export { readRaw, fetchStats, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, type FetchResult, type ReadOptions } from './reader.js';
export { parseStats, MAX_DEPTH } from './parse.js';
export { serializeStats } from './serialize.js';
export { reduceRequestVars } from './privacy.js';
export { classifyJson, type JsonShape } from './jsonscan.js';
export { StatsError, isStatsError, type StatsErrorCode } from './errors.js';
export type * from './types.js';
