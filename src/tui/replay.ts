/**
 * What the monitor needs from a replay (`tsgitop --replay FILE`): its state
 * for the REPLAY marker and the controls its keys call. A small interface of
 * the TUI's own; the CLI adapts a recording's player (src/record) to it, so
 * the TUI does not depend on the recording code.
 */
import { formatTimestamp } from '../format.js';
import type { Sample } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';
import { clean } from './text.js';

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

/** The speed as shown: `×2`, `×0.25`. */
export function formatSpeed(x: number): string {
  return `×${Number.isInteger(x) ? x : Number(x.toFixed(2))}`;
}

/**
 * The REPLAY marker's text after the ` REPLAY ` badge, e.g.
 * `×2 ▶ 2026-11-23 10:12:03 (record 120/3600)`, `×1 ⏸ paused 2026-11-23 …`,
 * `×1 ■ end …`; then the target when the recording has several
 * (`web1, 2 other targets: --replay-target`).
 */
export function replayStatusText(s: ReplayStatus): string {
  const state = s.paused ? '⏸ paused' : s.atEnd ? '■ end' : '▶';
  let text = `${formatSpeed(s.speed)} ${state} ${formatTimestamp(s.clock)} (record ${Math.min(s.position + 1, s.length)}/${s.length})`;
  if (s.others > 0) text += ` · ${clean(s.target)}, ${s.others} other target${s.others === 1 ? '' : 's'}: --replay-target`;
  return text;
}

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
