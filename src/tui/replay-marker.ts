/**
 * What the monitor needs from a replay (`tsgitop --replay FILE`): its state
 * for the REPLAY marker and the controls its keys call. A small interface of
 * the TUI's own; the CLI adapts a recording's player (src/record) to it, so
 * the TUI does not depend on the recording code.
 */
import { formatTimestamp } from '../format.js';
import { clean } from './text.js';

export type { ReplayControls, ReplayStatus } from '../session/replay-controls.js';
export { REPLAY_MIN_READ_MS, REPLAY_SEEK_MS, replayReadIntervalMs } from '../session/replay-controls.js';
import type { ReplayStatus } from '../session/replay-controls.js';

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
