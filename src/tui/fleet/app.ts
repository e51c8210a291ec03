/**
 * The interactive fleet view: the shell (src/tui/shell.ts) showing the
 * fleet table view, fed by a fleet session (src/fleet/session.ts): one row
 * per target, a fleet totals line and a header with the target counts and
 * the time. Enter pushes the selected target's monitor onto the shell's
 * stack — fed by the fleet's own reads of that target, so it is never read
 * twice; q/Esc there pops back to the fleet table, Ctrl-C quits everything.
 * The fleet keeps polling (and recording) while the monitor is open.
 *
 * Replaying a fleet recording (`replay`, a FleetReplayFeed): the rows come
 * from the recording at the replay clock, the status line leads with the
 * REPLAY marker, and the replay keys drive the one clock of every target;
 * Enter opens the target's monitor replaying on that same clock.
 *
 * The terminal is restored on every exit path (see src/tui/shell.ts).
 */
import type { DiagnosisOptions } from '../../model/diagnosis.js';
import type { TargetReader } from '../../fleet/poller.js';
import { FleetSession, type FleetReplayFeed } from '../../fleet/session.js';
import type { Target } from '../../fleet/targets.js';
import type { Recorder } from '../../record/recorder.js';
import { restoreTerminal, runShell, type RenderInfo, type TerminalOptions } from '../shell.js';
import { openView } from '../views/registry.js';
import type { MonitorPageOptions } from '../views/workers.js';

export { BACK_LABEL } from '../views/fleet.js';

/** A frame drawn by the fleet view or by a monitor opened from it. */
export type FleetRenderInfo = RenderInfo;

export interface FleetViewOptions extends TerminalOptions {
  targets: readonly Target[];
  /** Refresh interval, ms (default 1000). */
  intervalMs?: number;
  /** Per-target read deadline, ms (default 5000). */
  timeoutMs?: number;
  maxBytes?: number;
  staleAfterMs?: number;
  downAfterMs?: number;
  /** Record every read of every target (under its label). */
  recorder?: Recorder;
  /** Diagnosis thresholds of each target's verdict (--slow, …). */
  diagnosis?: DiagnosisOptions | undefined;
  /** Injectable reader (tests); default fetchStats. Also reads the target of an opened monitor. */
  read?: TargetReader;
  /** Extra options of the monitor opened with Enter (e.g. its node label). */
  monitor?: (target: Target) => Partial<MonitorPageOptions>;
  /** Called after every frame of the fleet view and of an opened monitor. */
  rendered?: (info: FleetRenderInfo) => void;
  /** Replay a fleet recording instead of reading the targets (see the module comment). */
  replay?: FleetReplayFeed;
}

/** Emergency exit: restore the terminal and stop every view (the shell's one restore registry). Idempotent. */
export const restoreFleetTerminal = restoreTerminal;

/** Run the interactive fleet view until the user quits; resolves with the exit code. */
export function runFleetView(opts: FleetViewOptions): Promise<number> {
  const session = new FleetSession({
    targets: opts.targets,
    intervalMs: opts.intervalMs ?? 1000,
    timeoutMs: opts.timeoutMs,
    maxBytes: opts.maxBytes,
    staleAfterMs: opts.staleAfterMs,
    downAfterMs: opts.downAfterMs,
    recorder: opts.recorder,
    diagnosis: opts.diagnosis,
    read: opts.read,
    replay: opts.replay,
  });
  return runShell(
    { ...opts, title: 'tsgitop fleet', closing: () => session.close() },
    () => openView({ view: 'fleet', arg: { session, targets: opts.targets, sortBy: opts.sortBy, reverse: opts.reverse, monitor: opts.monitor } })!,
  );
}
