/** The interactive fleet view (several targets, stdout a terminal): wires the CLI options into src/tui/fleet. */
import type { Target } from '../fleet/targets.js';
import type { Recorder } from '../record/recorder.js';
import type { DiagnosisOptions } from '../model/diagnosis.js';

import { nodeLabel, type CommonOptions } from './io.js';

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
