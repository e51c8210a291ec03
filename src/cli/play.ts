/**
 * `tsgitop --replay FILE`: a recording (`--record FILE`) played back in the
 * live monitor, at its recorded pace times `--speed`. Rates are exactly
 * those seen live: each sample keeps its recorded time, and the monitor's
 * clock is the replay's, so ages and the header time are the recorded ones.
 * Recorded outages play back as outages (STALE). The replay keys (space/p,
 * `.`/`,`, `+`/`-`, `[`/`]`, `{`/`}`) drive the replay clock; a fleet
 * recording (several addresses) without `--replay-target` plays every target
 * in the fleet view on one replay clock (src/record's FleetReplay); with
 * `--replay-target LABEL` (or a file of one address) one target in the monitor.
 */
import { hostname } from 'node:os';
import type { FleetReplay } from '../record/fleet-replay.js';
import type { RecordingIndex } from '../record/reader.js';
import { fleetReplayFeed, replayControls, replayTargets } from '../record/adapters.js';
import type { CommonOptions } from './io.js';
import { RecordingFileError, UsageError } from './values.js';

export interface ReplayCliOptions extends CommonOptions {
  speed: number;
  color: boolean;
  sort: string | undefined;
  reverse: boolean;
  /** `--replay-target LABEL`: the target of a fleet recording to play (without it, a recording of several targets plays in the fleet view). */
  target?: string | undefined;
}

export async function runReplayCli(file: string, opts: ReplayCliOptions): Promise<number> {
  const { Replay, FleetReplay, RecordingIndex, RecordError, UNKNOWN_ADDR } = await import('../record/index.js');
  let index: RecordingIndex;
  try {
    index = await RecordingIndex.open(file);
  } catch (e) {
    if (e instanceof RecordError) throw new RecordingFileError(e.message);
    throw e;
  }
  const periodMs = opts.intervalMs;
  // A fleet recording without --replay-target: every target in the fleet view, on one clock.
  if (opts.target === undefined && index.info.addresses.length > 1) {
    let fleet: FleetReplay;
    try {
      fleet = await FleetReplay.ofIndex(index, { speed: opts.speed });
    } catch (e) {
      if (e instanceof RecordError) throw new RecordingFileError(e.message);
      throw e;
    }
    try {
      const { runFleetView } = await import('../tui/fleet/app.js');
      const targets = replayTargets(fleet.addresses);
      return await runFleetView({
        targets,
        intervalMs: periodMs,
        color: opts.color,
        sortBy: opts.sort,
        reverse: opts.reverse,
        replay: fleetReplayFeed(fleet, { targets, intervalMs: periodMs, file }),
      });
    } finally {
      await fleet.close();
    }
  }
  let replay;
  try {
    replay = await Replay.ofIndex(index, { speed: opts.speed, ...(opts.target !== undefined ? { addr: opts.target } : {}) });
  } catch (e) {
    // An unknown --replay-target is a usage error (exit 2); a missing or foreign file a runtime one (exit 1).
    if (e instanceof RecordError && e.code === UNKNOWN_ADDR) throw new UsageError(`--replay-target: ${e.message}`);
    if (e instanceof RecordError) throw new RecordingFileError(e.message);
    throw e;
  }
  try {
    const { runMonitor } = await import('../tui/app.js');
    const { controls, source } = replayControls(replay);
    return await runMonitor({
      source,
      now: replay.now,
      replay: controls,
      addressLabel: `${replay.addr} (replay of ${file})`,
      node: hostname(),
      frequencyMs: periodMs,
      // A recorded outage must not stretch into a long backoff: retry at the recorded pace.
      backoff: { initialMs: periodMs, maxMs: periodMs },
      color: opts.color,
      sortBy: opts.sort,
      reverse: opts.reverse,
    });
  } finally {
    await replay.close();
  }
}
