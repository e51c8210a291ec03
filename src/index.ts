/**
 * tsgitop's library entry: the protocol (read and validate a uWSGI stats
 * document) and the pure model (rates, totals, events). The emitter is its
 * own entry point: `tsgitop/emitter`.
 */
export * from './protocol/index.js';
export * from './model/index.js';
export { WORKER_COLUMNS, CORE_COLUMNS, fitColumns, sortRows, columnById, type Column, type RenderContext } from './columns.js';
export { renderText, viewToJson } from './render/text.js';
