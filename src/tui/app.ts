/**
 * The live monitor: the shell (src/tui/shell.ts) showing the worker table
 * view of one target, fed by a monitor session (src/session/monitor.ts).
 *
 * `runMonitor` reads the stats source every `frequencyMs` (never two reads at
 * once), turns each read into a View with the model, and draws it. It
 * resolves with the exit code when the user quits (q / Ctrl-C → 0), on
 * SIGTERM (143), SIGHUP (129), SIGINT (130), or on an internal error (1,
 * printed as one line after the terminal is restored). A failed read never
 * exits: the last good data stays on screen marked STALE with its age and
 * the error, and reads are retried with backoff until the server is back.
 */
import type { DiagnosisOptions } from '../model/diagnosis.js';
import type { Sample, View } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';
import type { ReplayControls } from '../session/replay-controls.js';
import { restoreTerminal, runShell, type RenderInfo as ShellRenderInfo, type TerminalOptions } from './shell.js';
import { writeFatal } from './terminal.js';
import { openView } from './views/registry.js';
import type { MonitorPageOptions } from './views/workers.js';

export { restoreTerminal };

/** What a frame was drawn for (tests wait on these). */
export type RenderInfo = Omit<ShellRenderInfo, 'screen'>;

/** Observation points for tests and embedders. */
export interface MonitorHooks {
  /** Called after every frame has been written to the output stream. */
  rendered?(info: RenderInfo): void;
  /** Called at the start of every frame; throwing here exercises the render-error path. */
  beforeRender?(reason: string): void;
}

export interface MonitorOptions extends TerminalOptions {
  /** One read of the stats server; rejects (with a StatsError) on failure. Gets an AbortSignal that fires on exit. */
  source: (signal?: AbortSignal) => Promise<Sample<StatsDocument>>;
  /** The address as the user wrote it (shown in the header). */
  addressLabel: string;
  /** Node name shown in the header (e.g. the server's hostname); defaults to the address. */
  node?: string;
  /** Refresh interval, ms (default 1000; fractional seconds from the CLI are fine). */
  frequencyMs?: number;
  /** Initial sort column id (WORKER_COLUMNS id or title, e.g. 'rps'). */
  sortBy?: string;
  /** Clock for ages and the header time, ms since epoch (default Date.now). */
  now?: () => number;
  /** Fast-refresh interval, ms (default 100). */
  fastMs?: number;
  /** Retry backoff after a failed read (default 500 ms doubling up to 10 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /**
   * Replaying a recording (`tsgitop --replay`): the replay keys (play/pause,
   * step, speed, seek) are bound and listed, the status line leads with the
   * REPLAY marker, and reads follow the replay clock. `now` should be the
   * replay clock too.
   */
  replay?: ReplayControls;
  hooks?: MonitorHooks;
  /** Diagnosis thresholds (--slow, …). */
  diagnosis?: DiagnosisOptions | undefined;
  /** A line above the header facts (`--front`: nginx beside the workers), from the view on display. */
  frontLine?: (view: View | undefined) => string | undefined;
}

/** Run the monitor until the user quits; resolves with the exit code. */
export function runMonitor(opts: MonitorOptions): Promise<number> {
  const page: MonitorPageOptions = {
    feed: {
      source: opts.source,
      now: opts.now ?? Date.now,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      ...(opts.frontLine ? { frontLine: opts.frontLine } : {}),
    },
    addressLabel: opts.addressLabel,
    node: opts.node ?? opts.addressLabel,
    intervalMs: positive(opts.frequencyMs, 1000),
    fastMs: positive(opts.fastMs, 100),
    sortBy: opts.sortBy,
    reverse: opts.reverse,
    replay: opts.replay,
    diagnosis: opts.diagnosis,
  };
  try {
    return runShell(
      {
        ...opts,
        title: 'tsgitop',
        beforeRender: opts.hooks?.beforeRender,
        rendered: opts.hooks?.rendered ? (info) => opts.hooks!.rendered!(strip(info)) : undefined,
      },
      () => openView({ view: 'monitor', arg: page })!,
    );
  } catch (e) {
    restoreTerminal();
    writeFatal(opts.stderr ?? process.stderr, opts.env ?? process.env, e);
    try {
      opts.onExit?.(1);
    } catch {
      /* ignore */
    }
    return Promise.resolve(1);
  }
}

function strip(info: ShellRenderInfo): RenderInfo {
  const { screen: _s, ...rest } = info;
  return rest;
}

function positive(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : dflt;
}
