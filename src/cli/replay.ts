/**
 * `tsgitop --replay FILE`: a recording (`--record FILE`) played back in the
 * live monitor, at its recorded pace times `--speed`. Rates are exactly
 * those seen live: each sample keeps its recorded time, and the monitor's
 * clock is the replay's, so ages and the header time are the recorded ones.
 * Recorded outages play back as outages (STALE).
 */
import { hostname } from 'node:os';
import { StatsError } from '../protocol/errors.js';
import type { CommonOptions } from './main.js';

export interface ReplayCliOptions extends CommonOptions {
  speed: number;
  color: boolean;
  sort: string | undefined;
  reverse: boolean;
}

export async function runReplayCli(file: string, opts: ReplayCliOptions): Promise<number> {
  const { Replay, RecordError } = await import('../record/index.js');
  let replay;
  try {
    replay = await Replay.open(file, { speed: opts.speed });
  } catch (e) {
    // A missing or foreign file: a one-line runtime error (exit 1).
    if (e instanceof RecordError) throw new StatsError('NETWORK', e.message);
    throw e;
  }
  const { runMonitor } = await import('../tui/app.js');
  const periodMs = opts.frequency * 1000;
  return runMonitor({
    source: replay.source,
    now: replay.now,
    addressLabel: `${replay.addr} (replay of ${file})`,
    node: hostname(),
    frequencyMs: periodMs,
    // A recorded outage must not stretch into a long backoff: retry at the recorded pace.
    backoff: { initialMs: periodMs, maxMs: periodMs },
    color: opts.color,
    sortBy: opts.sort,
    reverse: opts.reverse,
  });
}
