/**
 * Recordings as sessions see them: a Replay as a monitor's source with its
 * controls and rate baselines (replayControls), a fleet recording's
 * addresses as fleet targets (replayTargets) and a FleetReplay as the fleet
 * session's replay feed (fleetReplayFeed), its monitors on the same clock.
 * The CLI wires these; the TUI never sees the recording code.
 */
import type { Sample } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';
import type { ReplayControls } from '../session/replay-controls.js';
import type { FleetReplayFeed } from '../fleet/session.js';
import type { Target } from '../fleet/targets.js';
import type { FleetSnapshot } from '../fleet/view.js';
import type { Replay } from './replay.js';
import type { FleetReplay } from './fleet-replay.js';

/** How far back a baseline is looked for past recorded failures (records). */
const BASELINE_LOOKBACK = 16;

/**
 * The monitor's view of a replay: its controls, and a source that, when the
 * replay went back in time or the user moved it (a step, a seek, a jump),
 * also loads the nearest good record before the one handed out (its
 * `baseline`), so the monitor computes rates against it as the live monitor
 * did. While playing, records skipped at high speed get no baseline: rates
 * are then over the longer interval, as with a slower live refresh, and
 * events in between are still detected.
 */
export function replayControls(
  replay: Replay,
  opts: { others?: number } = {},
): { controls: ReplayControls; source: (signal?: AbortSignal) => Promise<Sample<StatsDocument>> } {
  const others = opts.others ?? replay.info.addresses.length - 1;
  const baselines = new WeakMap<Sample<StatsDocument>, Sample<StatsDocument> | undefined>();
  /** Position of the last record handed out as a sample (not as a recorded failure). */
  let lastGood = -1;
  /** Where the last step/seek/jump moved the replay (-1: none pending). */
  let movedTo = -1;
  const moved = (): void => {
    movedTo = replay.state.position;
  };
  const baselineOf = async (pos: number): Promise<Sample<StatsDocument> | undefined> => {
    for (let p = pos - 1; p >= 0 && p >= pos - BASELINE_LOOKBACK; p--) {
      const e = await replay.entry(p);
      if (e.kind === 'doc') return { doc: e.doc, at: e.t };
    }
    return undefined;
  };
  const source = async (signal?: AbortSignal): Promise<Sample<StatsDocument>> => {
    const s = await replay.source(signal);
    const pos = replay.delivered;
    // Back in time (the monitor's previous sample is later than this one), moved by a
    // key past records never shown, or a first sample from the middle of the recording
    // (a monitor opened from a fleet replay): the rates want the record before this one.
    const jumped = pos === movedTo || lastGood < 0;
    if (jumped) movedTo = -1;
    if (pos > 0 && pos !== lastGood + 1 && (pos < lastGood || jumped)) baselines.set(s, await baselineOf(pos));
    lastGood = pos;
    return s;
  };
  const controls: ReplayControls = {
    status() {
      const st = replay.state;
      return { paused: st.paused, speed: st.speed, position: st.position, length: st.length, clock: st.clock, atEnd: st.atEnd, target: st.addr, others };
    },
    togglePause: () => replay.togglePause(),
    step: (d) => {
      if (d > 0) replay.stepForward();
      else replay.stepBack();
      moved();
    },
    changeSpeed: (d) => (d > 0 ? replay.faster() : replay.slower()),
    seek: (ms) => {
      replay.seekBy(ms);
      moved();
    },
    jump: (to) => {
      if (to > 0) replay.seekEnd();
      else replay.seekStart();
      moved();
    },
    baseline: (s) => baselines.get(s),
  };
  return { controls, source };
}

/** A fleet recording's addresses as fleet targets: the label as recorded (the address itself is not known). */
export function replayTargets(addresses: readonly string[]): Target[] {
  return addresses.map((label, i) => ({ label, address: { kind: 'unix', path: label, display: label }, origin: `recorded target ${i + 1}` }));
}

/**
 * The fleet view's FleetReplayFeed over a FleetReplay: the shared clock's
 * status and controls, the fleet at the clock as a FleetSnapshot (the
 * states STALE/DOWN from the recorded failures, with the fleet's thresholds
 * of `intervalMs`), and the monitor of one target on the same clock.
 */
export function fleetReplayFeed(fleet: FleetReplay, o: { targets: readonly Target[]; intervalMs: number; file: string }): FleetReplayFeed {
  const byLabel = new Map(o.targets.map((t) => [t.label, t]));
  const controls: ReplayControls = {
    status() {
      const st = fleet.state;
      return { paused: st.paused, speed: st.speed, position: st.position, length: st.length, clock: st.clock, atEnd: st.atEnd, target: '', others: 0 };
    },
    togglePause: () => fleet.togglePause(),
    step: (d) => (d > 0 ? fleet.stepForward() : fleet.stepBack()),
    changeSpeed: (d) => (d > 0 ? fleet.faster() : fleet.slower()),
    seek: (ms) => fleet.seekBy(ms),
    jump: (to) => (to > 0 ? fleet.seekEnd() : fleet.seekStart()),
  };
  return {
    controls,
    now: fleet.now,
    async snapshot(): Promise<FleetSnapshot> {
      const at = fleet.now();
      const replayed = await fleet.targetsAt();
      const targets = [];
      for (const r of replayed) {
        const target = byLabel.get(r.addr);
        if (!target) continue;
        targets.push({
          target,
          reads: r.reads,
          ...(r.cur ? { cur: r.cur } : {}),
          ...(r.prev ? { prev: r.prev } : {}),
          ...(r.error ? { error: r.error } : {}),
          ...(r.failingSince !== undefined ? { failingSince: r.failingSince } : {}),
        });
      }
      return { at, timing: { intervalMs: o.intervalMs }, targets };
    },
    wait: (signal) => fleet.wait(signal),
    monitor(target) {
      const replay = fleet.replayOf(target.label);
      const { controls: mc, source } = replayControls(replay, { others: 0 });
      return {
        source,
        now: replay.now,
        replay: mc,
        addressLabel: `${target.label} (replay of ${o.file})`,
        // A recorded outage must not stretch into a long backoff: retry at the recorded pace.
        backoff: { initialMs: o.intervalMs, maxMs: o.intervalMs },
        close: () => replay.close(),
      };
    },
  };
}

