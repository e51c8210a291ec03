/**
 * The fleet's stateful diagnosis: one {@link Diagnoser} per target, so the
 * per-target worst verdict (VERDICT column, fleet -b/--json) includes the
 * rules that need history — crash loop and memory growth — and not only
 * the ones a single view supports. A target's Diagnoser is created on its
 * first good read, fed each new read of it exactly once (however often the
 * fleet view is redrawn), and dropped when the target leaves the snapshot.
 * The thresholds are the snapshot's (the CLI's --slow, --crash-loop, …).
 */
import { Diagnoser, type DiagnosisOptions } from '../model/diagnosis.js';
import type { Sample, Verdict, View } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';
import { retimedView } from './retime.js';
import { buildFleetView, targetView, type FleetSnapshot, type FleetView, type ReadTarget } from './view.js';

interface TargetMemory {
  diagnoser: Diagnoser;
  /** The samples of the last view built, and that view (drawn again as is while they are the same). */
  cur?: Sample<StatsDocument> | undefined;
  prev?: Sample<StatsDocument> | undefined;
  view?: View | undefined;
  /** Time of the newest read fed (ms). */
  at: number;
  /** Its verdicts, most severe first. */
  verdicts: Verdict[];
}

export class FleetDiagnosis {
  readonly #byLabel = new Map<string, TargetMemory>();
  readonly #opts: DiagnosisOptions | undefined;

  constructor(opts?: DiagnosisOptions) {
    this.#opts = opts;
  }

  /** Targets with a Diagnoser now (for tests). */
  get tracked(): number {
    return this.#byLabel.size;
  }

  /**
   * The fleet view of `snap`, with each up target's worst verdict from its
   * Diagnoser. A target whose reads are the same as at the last call keeps
   * its view (a clock frame rebuilds no worker view); one whose new read is
   * the same document as before gets its last view at the new times
   * (src/fleet/retime.ts); each new read is diagnosed once (no separate
   * one-view diagnosis first).
   */
  view(snap: FleetSnapshot): FleetView {
    const viewOf = (t: ReadTarget): View => {
      const m = this.#byLabel.get(t.target.label);
      if (m?.view && m.cur) {
        if (m.cur === t.cur && m.prev === t.prev) return m.view;
        // An unchanged answer read again (the same document on both sides): the last view at the new times.
        const again = retimedView(m.view, m.cur, m.prev, t.cur, t.prev);
        if (again) return again;
      }
      return targetView(t);
    };
    const view = buildFleetView(snap, { viewOf, statefulVerdicts: true });
    const seen = new Set<string>();
    snap.targets.forEach((t, i) => {
      const label = t.target.label;
      seen.add(label);
      const row = view.rows[i];
      if (!row?.view || !t.cur) return;
      let m = this.#byLabel.get(label);
      // A new target, or a replay clock moved back: start the memory afresh.
      if (!m || t.cur.at < m.at) {
        m = { diagnoser: new Diagnoser(snap.diagnosis ?? this.#opts), at: Number.NEGATIVE_INFINITY, verdicts: [] };
        this.#byLabel.set(label, m);
      }
      m.cur = t.cur;
      m.prev = t.prev;
      m.view = row.view;
      if (t.cur.at > m.at) {
        m.verdicts = m.diagnoser.update(row.view);
        m.at = t.cur.at;
      } else {
        row.view.diagnosis = m.verdicts; // the same read drawn again
      }
      if (row.state === 'up') row.verdict = m.verdicts[0];
    });
    for (const label of [...this.#byLabel.keys()]) if (!seen.has(label)) this.#byLabel.delete(label);
    return view;
  }
}
