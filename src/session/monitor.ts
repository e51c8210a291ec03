/**
 * The monitor session: everything about one stats source that is not the
 * screen (no blessed here). It reads on one schedule (never two reads at
 * once; fast refresh; backoff after a failure), keeps the previous sample,
 * the history rings, the event list, the connection state (live / stale /
 * retrying) and, in a replay, the baselines of moved reads; after every read
 * it hands its listener an immutable {@link MonitorFrame}. The shell draws
 * frames; pausing the display is the shell keeping an older frame, while the
 * session reads on.
 *
 * Source and clock are injected: a live read (src/record/source.ts), a
 * replay, a fleet's reads of one target (src/fleet/session.ts), or a test's.
 */
import { buildView } from '../model/view.js';
import { connectionEvent } from '../model/events.js';
import { History } from '../model/history.js';
import { Ring } from '../model/ring.js';
import type { ModelEvent, Sample, View } from '../model/types.js';
import type { RowHints } from '../columns.js';
import type { StatsDocument } from '../protocol/types.js';
import { isStatsError } from '../protocol/errors.js';
import { oneLine } from '../text/sanitize.js';
import { rowHints } from './hints.js';
import { Poller } from './poller.js';
import { replayReadIntervalMs, type ReplayControls } from './replay-controls.js';
import { formatAge } from '../format.js';
import { Diagnoser, type DiagnosisOptions } from '../model/diagnosis.js';

/** One read of the stats source; rejects on failure. Gets an AbortSignal that fires when the session stops. */
export type StatsSource = (signal?: AbortSignal) => Promise<Sample<StatsDocument>>;

/** What a monitor needs to read one target: its source and how to show it (a fleet or a replay hands these out). */
export interface MonitorFeed {
  source: StatsSource;
  /** Clock of ages and the header time (a replay's clock in a replay). */
  now?: () => number;
  /** Replaying: the replay's controls and status. */
  replay?: ReplayControls;
  /** The address as shown in the header. */
  addressLabel?: string;
  /** Retry backoff after a failed read. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Called once when the monitor is done with the feed. */
  close?(): Promise<void>;
  /** A line above the header facts, from the view on display (`--front`: nginx beside the workers). */
  frontLine?: (view: View | undefined) => string | undefined;
}

export interface MonitorSessionOptions {
  source: StatsSource;
  /** Header facts: the node name and the address. */
  node: string;
  addressLabel: string;
  /** Refresh interval, ms. */
  intervalMs: number;
  /** Fast-refresh interval, ms. */
  fastMs: number;
  backoff?: { initialMs?: number; maxMs?: number };
  replay?: ReplayControls;
  /** Clock, ms since epoch. */
  now: () => number;
  /** Diagnosis thresholds (--slow, …); each view gets its verdicts. */
  diagnosis?: DiagnosisOptions | undefined;
}

/** The connection's last failure (reads are being retried). */
export interface ReadFailure {
  message: string;
  /** The server took the connection and sent nothing by the deadline (see StatsError.silent). */
  silent?: boolean;
  /** When reads started failing. */
  since: number;
  /** When the next retry is due. */
  retryAt: number;
}

/** One immutable picture of the session after a read. */
export interface MonitorFrame {
  /** The newest good view (undefined: none yet). */
  readonly view: View | undefined;
  /** Local clock at the read of `view`. */
  readonly readAt: number | undefined;
  /** Local clock at the last good read. */
  readonly lastGoodAt: number | undefined;
  /** Set while reads are failing. */
  readonly failure: ReadFailure | undefined;
  /** Colour hints of `view` (recent spawns, growing RSS). */
  readonly hints: RowHints;
  /** History ticks and event sequence number as of this frame (history and events after it are not part of it). */
  readonly historyTicks: number;
  readonly eventSeq: number;
  /** Bumped whenever the history changes (the chart redraws its lines only then). */
  readonly historyVersion: number;
}

const EVENT_CAP = 500;

interface SeqEvent {
  seq: number;
  ev: ModelEvent;
}

export class MonitorSession {
  readonly o: MonitorSessionOptions;
  /** The diagnosis of this target's reads (view.diagnosis; `stale(now)` between reads). */
  diagnoser: Diagnoser;
  readonly history = new History({ capacity: 240 });
  /** Local clock (ms) of each History update, for the chart's time axis. */
  readonly readTimes = new Ring<number>(this.history.capacity);
  #poller: Poller<Sample<StatsDocument>>;
  #prev: Sample<StatsDocument> | undefined;
  #events: SeqEvent[] = [];
  #seq = 0;
  #historyVersion = 0;
  #fast = false;
  #frame: MonitorFrame = { view: undefined, readAt: undefined, lastGoodAt: undefined, failure: undefined, hints: {}, historyTicks: 0, eventSeq: 0, historyVersion: 0 };
  #listener: ((frame: MonitorFrame, reason: 'sample' | 'failure') => void) | undefined;
  #onError: ((where: string, e: unknown) => void) | undefined;
  #reading: (() => void) | undefined;

  constructor(o: MonitorSessionOptions) {
    this.o = o;
    this.diagnoser = new Diagnoser(o.diagnosis);
    this.#poller = new Poller<Sample<StatsDocument>>({
      read: (signal) => o.source(signal),
      intervalMs: () => this.readIntervalMs,
      onSuccess: (s) => this.#guard(() => this.#onSample(s)),
      onFailure: (e, retry) => this.#guard(() => this.#onFailure(e, retry)),
      onStart: () => this.#reading?.(),
      backoffInitialMs: o.backoff?.initialMs ?? 500,
      backoffMaxMs: o.backoff?.maxMs ?? 10_000,
    });
  }

  /** The newest frame. */
  get frame(): MonitorFrame {
    return this.#frame;
  }

  /** The refresh interval in force, ms (fast refresh: the shorter one). */
  get intervalMs(): number {
    return this.#fast ? Math.min(this.o.fastMs, this.o.intervalMs) : this.o.intervalMs;
  }

  /** Time between reads: the interval, or in a replay the interval in recorded time. */
  get readIntervalMs(): number {
    const every = this.intervalMs;
    return this.o.replay ? replayReadIntervalMs(every, this.o.replay.status().speed) : every;
  }

  get fast(): boolean {
    return this.#fast;
  }

  /** How long the read in flight has been running, ms (0: none). */
  get busyMs(): number {
    return this.#poller.busyMs;
  }

  /**
   * Start reading; `listener` gets every frame, `onError` an exception of the listener or the model, `reading`
   * the start of every read (mostly from the read timer's callback: what the shell's ticker waits on).
   */
  start(listener: (frame: MonitorFrame, reason: 'sample' | 'failure') => void, onError: (where: string, e: unknown) => void, reading?: () => void): void {
    this.#listener = listener;
    this.#onError = onError;
    this.#reading = reading;
    this.#poller.start();
  }

  stop(): void {
    this.#poller.stop();
    this.#listener = undefined;
    this.#reading = undefined;
  }

  /** Fast refresh on/off (the next read is rescheduled). */
  setFast(on: boolean): void {
    this.#fast = on;
    this.#poller.reschedule();
  }

  /** Read again at once (after a replay key). */
  refetch(): void {
    this.#poller.now();
  }

  /** The events of `frame` (those after it are left out: a paused display shows its own). */
  eventsOf(frame: MonitorFrame): ModelEvent[] {
    const out: ModelEvent[] = [];
    for (const e of this.#events) if (e.seq <= frame.eventSeq) out.push(e.ev);
    return out;
  }

  /** The newest event of `frame` (the status line echoes it), without copying the list. */
  lastEventOf(frame: MonitorFrame): ModelEvent | undefined {
    for (let i = this.#events.length - 1; i >= 0; i--) if (this.#events[i]!.seq <= frame.eventSeq) return this.#events[i]!.ev;
    return undefined;
  }

  /** A history series as of `frame` (without the reads that came after it). */
  seriesOf<T>(frame: MonitorFrame, values: T[]): T[] {
    const extra = this.history.ticks - frame.historyTicks;
    return extra > 0 ? values.slice(0, Math.max(0, values.length - extra)) : values;
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#onError?.('read', e);
    }
  }

  #emit(p: Partial<MonitorFrame>, reason: 'sample' | 'failure'): void {
    this.#frame = Object.freeze({ ...this.#frame, ...p, historyTicks: this.history.ticks, eventSeq: this.#seq, historyVersion: this.#historyVersion });
    this.#listener?.(this.#frame, reason);
  }

  #clearHistory(): void {
    this.diagnoser = new Diagnoser(this.o.diagnosis);
    this.history.clear();
    this.readTimes.clear();
    this.#historyVersion++;
  }

  #onSample(s: Sample<StatsDocument>): void {
    const now = this.o.now();
    const f = this.#frame;
    const wasDown = f.failure !== undefined && f.lastGoodAt !== undefined;
    // From the last good read: the failure is noticed a read timeout later (5 s by default), so the outage is longer
    // than the failure's own age (a server stopped 20 s read "restored after 14s").
    const downFor = f.lastGoodAt !== undefined ? now - f.lastGoodAt : 0;
    if (this.o.replay) {
      const base = this.o.replay.baseline?.(s);
      if (this.#prev && s.at < this.#prev.at) {
        // The replay moved back in time: rates against the record before this one, history anew.
        this.#prev = base;
        this.#clearHistory();
      } else if (base) {
        this.#prev = base;
      }
    }
    let view: View;
    try {
      view = buildView(s, this.#prev, { node: this.o.node, address: this.o.addressLabel });
    } catch (e) {
      // A document the model cannot use counts as a failed read.
      this.#onFailure(e, 0);
      return;
    }
    if (this.#prev && this.#prev.doc.kind !== s.doc.kind) this.#clearHistory();
    this.#prev = s;
    this.diagnoser.update(view); // fills view.diagnosis (crash loop and memory growth need this history)
    if (wasDown) this.#push(connectionEvent('connection_restored', now, `connection restored after ${formatAge(downFor)} without a read`));
    if (view.kind === 'server') {
      this.history.update(view);
      this.readTimes.push(now);
      this.#historyVersion++;
      for (const e of view.events) this.#push(e);
    }
    this.#emit({ view, readAt: now, lastGoodAt: now, failure: undefined, hints: view.kind === 'server' ? rowHints(view, this.history, now) : {} }, 'sample');
  }

  #onFailure(e: unknown, retryMs: number): void {
    const now = this.o.now();
    const message = oneLine(e);
    const f = this.#frame;
    if (f.failure === undefined && f.lastGoodAt !== undefined) this.#push(connectionEvent('connection_lost', now, `connection lost: ${message} (last read ${formatAge(now - f.lastGoodAt)} ago)`));
    const silent = isStatsError(e) && e.silent;
    this.#emit({ failure: { message, since: f.failure?.since ?? now, retryAt: now + retryMs, ...(silent ? { silent } : {}) } }, 'failure');
  }

  #push(ev: ModelEvent): void {
    this.#events.push({ seq: ++this.#seq, ev });
    if (this.#events.length > EVENT_CAP) this.#events.splice(0, this.#events.length - EVENT_CAP);
  }
}
