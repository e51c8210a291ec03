/**
 * The fleet: many stats servers at once. Targets (`--targets FILE`,
 * positional addresses), a concurrent poller with per-target timeouts and
 * states (up / stale / down), the pure fleet model, and batch renderers.
 * See src/fleet/README.md.
 * @module
 */
export { parseTargets, loadTargetsFile, targetsFromArgs, combineTargets, MAX_TARGETS, MAX_TARGETS_FILE_BYTES, type Target } from './targets.js';
export { FleetPoller, type FleetPollerOptions, type TargetRead, type TargetReader } from './poller.js';
export {
  buildFleetView,
  fleetTotals,
  targetState,
  resolveTiming,
  type FleetRow,
  type FleetSnapshot,
  type FleetTiming,
  type FleetTotals,
  type FleetView,
  type TargetSnapshot,
  type TargetState,
} from './view.js';
export { renderFleetText, fleetToJson, fleetHeaderFacts, fleetColumnById, FLEET_COLUMNS, type FleetTextOptions } from './render.js';
export { runFleetBatch, type FleetBatchOptions } from './batch.js';
export { FleetDiagnosis } from './diagnosis.js';
