/**
 * What the fleet view needs to replay a fleet recording (`tsgitop --replay
 * FILE` of a file with several addresses): one replay clock for every
 * target. A small interface of the TUI's own (like src/tui/replay.ts for
 * the monitor); src/cli/replay.ts adapts src/record's FleetReplay to it.
 */
import type { FleetSnapshot } from '../../fleet/view.js';
import type { Target } from '../../fleet/targets.js';
import type { MonitorOptions } from '../app.js';
import type { ReplayControls } from '../replay.js';

/** The monitor opened with Enter during a fleet replay. */
export interface FleetReplayMonitor {
  /** Merged into the monitor's options: its replay `source`, `now`, `replay` controls (on the fleet's clock)… */
  options: Partial<MonitorOptions>;
  /** Called once when the monitor has returned (or the view quits). */
  close(): Promise<void>;
}

export interface FleetReplayFeed {
  /**
   * The shared clock's REPLAY marker state and the controls the fleet's
   * replay keys call (a step moves to the next/previous record time of any
   * target).
   */
  controls: ReplayControls;
  /** The replay clock, ms since epoch (recorded time): the view's `now`. */
  now(): number;
  /** Every target at the replay clock, in the shape FleetPoller.snapshot() has live (`at` = the replay clock). */
  snapshot(): Promise<FleetSnapshot>;
  /** Resolves when the clock reaches the next record of any target or a control changes it; rejects when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void>;
  /** The single-target monitor of `target`, replaying on the same clock. */
  monitor(target: Target): FleetReplayMonitor;
}
