/**
 * The fleet session: everything about a fleet of targets that is not the
 * screen (no blessed here). Live, it reads every target on one schedule
 * (src/fleet/poller.ts: concurrent, per-target deadlines, a hanging target
 * never delays the others) and hands its listener a FleetView per refresh;
 * replaying a fleet recording, it draws the fleet at the replay clock
 * whenever the clock reaches a record (or a key moved it).
 *
 * A monitor opened on one target reuses the fleet's reads of it
 * ({@link FleetSession.monitorFeed}): the fleet keeps polling (and
 * recording) every target, and the monitor's source hands out each new read
 * of its target as it arrives — the target is never read twice.
 *
 * Each target's verdict comes from its own Diagnoser (src/fleet/diagnosis.ts),
 * fed each new read of that target, so a crash loop or memory growth in one
 * target shows in the fleet.
 *
 * The clock (`now`) and the pause between refreshes (`sleep`) are injected,
 * so tests can drive the session on a fake clock.
 */
import type { DiagnosisOptions } from '../model/diagnosis.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { Sample } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';
import type { Recorder } from '../record/recorder.js';
import type { MonitorFeed } from '../session/monitor.js';
import { replayReadIntervalMs, type ReplayControls } from '../session/replay-controls.js';
import { FleetPoller, type TargetReader } from './poller.js';
import type { Target } from './targets.js';
import { FleetDiagnosis } from './diagnosis.js';
import type { FleetSnapshot, FleetView } from './view.js';

/**
 * What the fleet needs to replay a fleet recording: one replay clock for
 * every target (src/record/adapters.ts adapts src/record's FleetReplay).
 */
export interface FleetReplayFeed {
  /** The shared clock's REPLAY marker state and the controls the replay keys call. */
  controls: ReplayControls;
  /** The replay clock, ms since epoch (recorded time). */
  now(): number;
  /** Every target at the replay clock, in the shape FleetPoller.snapshot() has live. */
  snapshot(): Promise<FleetSnapshot>;
  /** Resolves when the clock reaches the next record of any target or a control changes it; rejects when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void>;
  /** The single-target monitor feed of `target`, replaying on the same clock. */
  monitor(target: Target): MonitorFeed;
}

export interface FleetSessionOptions {
  targets: readonly Target[];
  /** Refresh interval, ms. */
  intervalMs: number;
  timeoutMs?: number | undefined;
  maxBytes?: number | undefined;
  staleAfterMs?: number | undefined;
  downAfterMs?: number | undefined;
  recorder?: Recorder | undefined;
  /** Diagnosis thresholds of each target's verdict (--slow, …). */
  diagnosis?: DiagnosisOptions | undefined;
  /** How a target is read (default fetchStats). */
  read?: TargetReader | undefined;
  /** Replay a fleet recording instead of reading. */
  replay?: FleetReplayFeed | undefined;
  /** Wall clock, ms since epoch (default Date.now; a replay's clock in a replay). */
  now?: (() => number) | undefined;
  /** Wait `ms` or until `signal` aborts (rejects then); default timers/promises setTimeout. */
  sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

type Listener = (view: FleetView, reason: 'tick' | 'clock') => void;

/** A read of one target as a monitor source sees it. */
type Outcome = { sample: Sample<StatsDocument> } | { error: unknown };

export class FleetSession {
  readonly o: FleetSessionOptions;
  readonly intervalMs: number;
  readonly #poller: FleetPoller | undefined;
  readonly #stop = new AbortController();
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  #latest: FleetView | undefined;
  #listener: Listener | undefined;
  #onError: ((where: string, e: unknown) => void) | undefined;
  #reading: (() => void) | undefined;
  #closed = false;
  /** Replay: frames are wanted (the fleet view is on top). */
  #shown = true;
  #kicked = false;
  #kick: (() => void) | undefined;
  /** Per target label: the newest read, and the monitor sources waiting for the next one. */
  #reads = new Map<string, { seq: number; outcome: Outcome }>();
  #waiting = new Map<string, Set<() => void>>();
  /** One Diagnoser per target, fed each new read (crash loop, memory growth in the per-target verdict). */
  readonly #diagnosis: FleetDiagnosis;

  constructor(o: FleetSessionOptions) {
    this.o = o;
    this.intervalMs = o.intervalMs > 0 && Number.isFinite(o.intervalMs) ? o.intervalMs : 1000;
    this.#diagnosis = new FleetDiagnosis(o.diagnosis);
    this.#sleep = o.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.#poller = o.replay
      ? undefined
      : new FleetPoller({ ...o, intervalMs: this.intervalMs, onRead: (target, outcome) => this.#onRead(target, outcome) });
  }

  /** The clock of the view (recorded time in a replay). */
  now(): number {
    return this.o.replay ? this.o.replay.now() : (this.o.now ?? Date.now)();
  }

  /** The newest view (undefined before the first refresh). */
  get latest(): FleetView | undefined {
    return this.#latest;
  }

  get replay(): FleetReplayFeed | undefined {
    return this.o.replay;
  }

  /**
   * Start reading (or replaying). `reading`, when given, is called as each refresh starts — from the timer
   * that ends the pause, so the shell's ticker can re-arm there (src/tui/ticker.ts awake) instead of waking
   * the process once more between refreshes; a throw from it stops nothing.
   */
  start(listener: Listener, onError: (where: string, e: unknown) => void, reading?: () => void): void {
    this.#listener = listener;
    this.#onError = onError;
    this.#reading = reading;
    if (this.o.replay) void this.#replayLoop(this.o.replay);
    else void this.#loop();
  }

  /**
   * Between refreshes longer than a clock tick: a fresh view of the last
   * reads (ages and states move on, the data does not). Undefined when there
   * is nothing new to show (a replay, or nothing read yet).
   */
  clockView(): FleetView | undefined {
    if (!this.#poller || this.#closed) return undefined;
    this.#latest = this.#diagnosis.view(this.#poller.snapshot());
    return this.#latest;
  }

  /** Replay: draw only while the fleet view is shown; showing it again draws a fresh picture at once. */
  setShown(on: boolean): void {
    this.#shown = on;
    if (on) this.kick();
    else if (this.#poller) return;
  }

  /** Replay: a fresh picture now (after a replay key). */
  kick(): void {
    this.#kicked = true;
    this.#kick?.();
  }

  /**
   * The feed of a monitor opened on `target`. Live: a source that hands out
   * the fleet's reads of the target — the newest one at once, then each
   * new one as the fleet makes it (a failed read rejects with its error).
   * Replay: the recording's monitor on the fleet's clock.
   */
  monitorFeed(target: Target): MonitorFeed {
    if (this.o.replay) return this.o.replay.monitor(target);
    let seen = -1;
    const label = target.label;
    const source = async (signal?: AbortSignal): Promise<Sample<StatsDocument>> => {
      for (;;) {
        const r = this.#reads.get(label);
        if (r && r.seq > seen) {
          seen = r.seq;
          if ('error' in r.outcome) throw r.outcome.error;
          return r.outcome.sample;
        }
        await this.#nextRead(label, signal);
      }
    };
    return { source, addressLabel: target.address.display };
  }

  /** Stop reading, abort the reads in flight and wait for them. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort();
    for (const set of this.#waiting.values()) for (const w of set) w();
    this.#waiting.clear();
    await this.#poller?.close();
  }

  #nextRead(label: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#closed) return reject(new Error('the fleet session is closed'));
      if (signal?.aborted) return reject(signal.reason);
      let set = this.#waiting.get(label);
      if (!set) this.#waiting.set(label, (set = new Set()));
      const done = (): void => {
        set!.delete(done);
        signal?.removeEventListener('abort', onAbort);
        if (this.#closed) reject(new Error('the fleet session is closed'));
        else resolve();
      };
      const onAbort = (): void => {
        set!.delete(done);
        reject(signal!.reason);
      };
      set.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #onRead(target: Target, outcome: Outcome): void {
    const prev = this.#reads.get(target.label);
    this.#reads.set(target.label, { seq: (prev?.seq ?? -1) + 1, outcome });
    const set = this.#waiting.get(target.label);
    if (set) for (const w of [...set]) w();
  }

  #emit(view: FleetView, reason: 'tick' | 'clock'): void {
    this.#latest = view;
    try {
      this.#listener?.(view, reason);
    } catch (e) {
      this.#onError?.('read', e);
    }
  }

  async #loop(): Promise<void> {
    const poller = this.#poller!;
    // The cadence runs on the injected clock when there is one (tests), else on the monotonic one.
    const clock = this.o.now ?? ((): number => performance.now());
    this.#began();
    while (!this.#closed) {
      const t0 = clock();
      const snap = await poller.tick();
      if (this.#closed) return;
      this.#emit(this.#diagnosis.view(snap), 'tick');
      try {
        await this.#pause(Math.max(0, t0 + this.intervalMs - clock()), this.#stop.signal);
      } catch {
        return; // stopped
      }
    }
  }

  /**
   * The pause before the next refresh, which tells `reading` (see start) as it ends: from the timer's own
   * callback, inside Node's timer phase — after an `await` the hook would run only once Node has set its
   * next wake-up, and a timer the hook moves later would still wake the process then (src/tui/ticker.ts).
   */
  #pause(ms: number, signal: AbortSignal): Promise<void> {
    if (this.o.sleep) return this.o.sleep(ms, signal).then(() => this.#began());
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        this.#began();
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A refresh begins: tell `reading` (a throw from it stops nothing). */
  #began(): void {
    try {
      this.#reading?.();
    } catch {
      /* a hook must not stop the refreshes */
    }
  }

  /**
   * A replay: a picture of the fleet at the replay clock whenever the clock
   * reaches the next record of any target (at most one per refresh interval
   * of recorded time, and at most 20 a second), or at once after a replay
   * key or the return from a monitor. Nothing is drawn while not shown.
   */
  async #replayLoop(feed: FleetReplayFeed): Promise<void> {
    const signal = this.#stop.signal;
    while (!this.#closed) {
      let shownPos = Number.NaN;
      if (this.#shown) {
        this.#kicked = false;
        shownPos = feed.controls.status().position;
        let snap: FleetSnapshot | undefined;
        try {
          snap = await feed.snapshot();
        } catch (e) {
          this.#onError?.('replay', e);
        }
        if (this.#closed) return;
        if (snap) this.#emit(this.#diagnosis.view(snap), 'tick');
      }
      if (this.#kicked) continue;
      // Wait for a kick, or (playing, shown) the pacing delay then the clock.
      const ac = new AbortController();
      const onStop = (): void => ac.abort();
      signal.addEventListener('abort', onStop, { once: true });
      const kicked = new Promise<void>((resolve) => (this.#kick = resolve));
      const paced = (async (): Promise<void> => {
        const st = feed.controls.status();
        if (!this.#shown) return abortedBy(ac.signal);
        if (!st.paused) await this.#sleep(replayReadIntervalMs(this.intervalMs, st.speed), ac.signal);
        // Records fell due during the pause between frames: draw them now, else wait for the next one.
        if (feed.controls.status().position === shownPos) await feed.wait(ac.signal);
      })();
      paced.catch(noop);
      try {
        await Promise.race([kicked, paced]);
      } catch {
        /* stopped, or the wait was cut short */
      } finally {
        ac.abort();
        signal.removeEventListener('abort', onStop);
        this.#kick = undefined;
      }
    }
  }
}

function noop(): void {}

/** Settles (rejects) only when `signal` aborts. */
function abortedBy(signal: AbortSignal): Promise<void> {
  return new Promise<void>((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
