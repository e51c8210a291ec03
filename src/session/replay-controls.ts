/**
 * What a session needs from a replay (`tsgitop --replay FILE`): its state
 * for the REPLAY marker and the controls its keys call. A small interface of
 * its own; src/record/adapters.ts adapts a recording's player to it, so
 * sessions and the TUI do not depend on the recording code.
 */
import type { Sample } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';

/** The replay as the status line shows it. */
export interface ReplayStatus {
  /** The replay clock is stopped. */
  paused: boolean;
  /** Playback speed factor (1 = recorded pace). */
  speed: number;
  /** Index of the current record among the played target's records (0-based). */
  position: number;
  /** Records of the played target. */
  length: number;
  /** The replay clock, ms since the epoch (recorded time). */
  clock: number;
  /** The current record is the last one. */
  atEnd: boolean;
  /** Label of the target played. */
  target: string;
  /** How many other targets the recording holds (a fleet recording), 0 for one. */
  others: number;
}

/** The controls replay keys call; each acts at once (the monitor reads and redraws right after). */
export interface ReplayControls {
  status(): ReplayStatus;
  /** Play ↔ pause the replay clock. */
  togglePause(): void;
  /** Pause, then move one record forward (+1) or back (-1). */
  step(direction: 1 | -1): void;
  /** Next speed up (+1) or down (-1). */
  changeSpeed(direction: 1 | -1): void;
  /** Move the replay clock by `deltaMs` of recorded time (clamped to the recording). */
  seek(deltaMs: number): void;
  /** Go to the first (-1) or the last (+1) record. */
  jump(to: 1 | -1): void;
  /**
   * The sample to compute `sample`'s rates against, when it is not the
   * monitor's previous one: after a move back in time or a step/seek/jump,
   * the record before it, so rates are as they were live. Undefined: keep
   * the previous sample (or, after a move back in time, no rates).
   */
  baseline?(sample: Sample<StatsDocument>): Sample<StatsDocument> | undefined;
}


/** How far `[` / `]` seek, ms of recorded time. */
export const REPLAY_SEEK_MS = 60_000;

/** The shortest time between two reads of a replay (at most 20 frames a second, whatever the speed). */
export const REPLAY_MIN_READ_MS = 50;

/**
 * Time between the monitor's reads of a replay: the refresh interval in
 * recorded time (`-f 1` shows a record per recorded second), so
 * `everyMs / speed` of real time, but not below REPLAY_MIN_READ_MS. Reads
 * wait for the replay clock anyway; this only spares frames.
 */
export function replayReadIntervalMs(everyMs: number, speed: number): number {
  const s = Number.isFinite(speed) && speed > 0 ? speed : 1;
  return Math.max(REPLAY_MIN_READ_MS, everyMs / s);
}
