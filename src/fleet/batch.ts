/**
 * Fleet batch mode (`tsgitop -b A B C`, `tsgitop -b --targets FILE`): a first
 * tick is the baseline, then every interval one fleet table (or one JSON
 * line) is printed, so every printed table has real rates.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DiagnosisOptions } from '../model/diagnosis.js';
import type { Recorder } from '../record/recorder.js';
import { FleetPoller, type TargetReader } from './poller.js';
import { fleetToJson, renderFleetText } from './render.js';
import type { Target } from './targets.js';
import { FleetDiagnosis } from './diagnosis.js';
import { jsonVisible } from '../text/sanitize.js';

export interface FleetBatchOptions {
  /** Refresh interval, ms. */
  intervalMs: number;
  /** Tables to print (after the baseline tick). */
  iterations: number;
  /** Per-target read deadline, ms (default 5000). */
  timeoutMs?: number;
  maxBytes?: number;
  /** One JSON line per tick instead of a table. */
  json?: boolean;
  width?: number;
  sortBy?: string;
  reverse?: boolean;
  staleAfterMs?: number;
  downAfterMs?: number;
  recorder?: Recorder;
  /** Diagnosis thresholds of each target's verdict (--slow, …). */
  diagnosis?: DiagnosisOptions | undefined;
  /** Stops the run early (resolves with the code so far). */
  signal?: AbortSignal;
  /** Injectable reader (tests). */
  read?: TargetReader;
}

/**
 * Run fleet batch mode, writing each table through `write`.
 * @returns 0 when at least one target was up in the last table, else 1
 *   (every target unreachable — the fleet analogue of "the stats server
 *   could not be read").
 */
export async function runFleetBatch(targets: readonly Target[], o: FleetBatchOptions, write: (text: string) => Promise<void> | void): Promise<number> {
  // The batch options carry the poller's own (interval, deadline, cap, thresholds, recorder, reader).
  const poller = new FleetPoller({ ...o, targets });
  // One Diagnoser per target across the iterations (the baseline read included): crash loop, memory growth.
  const diagnosis = new FleetDiagnosis(o.diagnosis);
  let code = 0;
  try {
    let start = performance.now();
    diagnosis.view(await poller.tick());
    for (let i = 0; i < o.iterations; i++) {
      const wait = Math.max(0, start + o.intervalMs - performance.now());
      try {
        await delay(wait, undefined, { signal: o.signal });
      } catch {
        break; // aborted
      }
      start = performance.now();
      const view = diagnosis.view(await poller.tick());
      code = view.totals.up > 0 ? 0 : 1;
      const text = o.json
        ? jsonVisible(JSON.stringify(fleetToJson(view))) + '\n'
        : renderFleetText(view, { width: o.width, sortBy: o.sortBy, reverse: o.reverse }) + (i + 1 < o.iterations ? '\n' : '');
      await write(text);
    }
  } finally {
    await poller.close();
  }
  return code;
}
