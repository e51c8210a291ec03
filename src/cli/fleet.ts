/** The interactive fleet view (several targets, stdout a terminal): wires the CLI options into src/tui/fleet. */
import type { Target } from '../fleet/targets.js';
import type { Recorder } from '../record/recorder.js';
import type { DiagnosisOptions } from '../model/diagnosis.js';

import { setFlagsFromString } from 'node:v8';
import { nodeLabel, type CommonOptions } from './io.js';

/**
 * The fleet view's heap growth (issue 13, point 1). A fleet of changing documents keeps every target's
 * last document and view for a second; whenever two young-generation collections fall within that second
 * they are promoted, and with V8's default step the old generation was collected in full every ~5 s (20
 * targets × 64 workers: 3–4 full collections in 20 s, each ~15–25 ms on the main thread and as much again
 * on V8's helper threads). A step of three times what the last full collection left alive makes them rare
 * (1 in 20 s) for a larger resident heap. The opposite of the monitor's policy (src/cli/jit.ts, which
 * grows the heap of one small document in small steps to stay light): the fleet keeps V8's optimizing
 * compiler (20 documents a second are parsed and modelled: interpreted, that cost more than compiling).
 * Measured side by side with V8's default growth (TSGITOP_V8_SIZE=0): bench/results/side-fleet.md.
 */
export const FLEET_HEAP_FLAGS = '--heap-growing-percent=300';

/** Apply FLEET_HEAP_FLAGS unless TSGITOP_V8_SIZE=0; returns whether it did. `setFlags` and `env` are for tests. */
export function fleetHeap(setFlags: (flags: string) => void = setFlagsFromString, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.TSGITOP_V8_SIZE === '0') return false;
  setFlags(FLEET_HEAP_FLAGS);
  return true;
}

export interface FleetCliOptions extends CommonOptions {
  color: boolean;
  sort: string | undefined;
  reverse: boolean;
  /** --record: every read of every target is appended under the target's label. */
  recorder?: Recorder | undefined;
  /** Diagnosis thresholds (--slow, …): each target's verdict and its monitor. */
  diagnosis?: DiagnosisOptions | undefined;
}

export async function runFleetCli(targets: readonly Target[], opts: FleetCliOptions): Promise<number> {
  fleetHeap();
  const { runFleetView } = await import('../tui/fleet/app.js');
  return runFleetView({
    targets,
    intervalMs: opts.intervalMs,
    timeoutMs: opts.timeoutMs,
    maxBytes: opts.maxBytes,
    color: opts.color,
    sortBy: opts.sort,
    reverse: opts.reverse,
    recorder: opts.recorder,
    diagnosis: opts.diagnosis,
    // Enter opens the target's monitor: its header names the node as the single-target monitor does.
    monitor: (t) => ({ node: nodeLabel(t.address), diagnosis: opts.diagnosis }),
  });
}
