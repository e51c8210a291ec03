/**
 * A target whose answer did not change: its view at the new read time
 * without building it again.
 *
 * The poller hands out the very same document object when a target answers
 * byte for byte what it answered before (src/protocol/reader.ts fetchStats'
 * `previous`), so an idle target's last two reads are one document read at
 * two times. The view of such a pair (src/model/view.ts buildView) depends
 * on the times only through:
 * - `at` and `interval`;
 * - the ages of the requests in flight (`inflight`, and `totals.inFlight`
 *   and `totals.oldestRequestAge` computed from them);
 * - whether the interval is usable at all (rates are `undefined` without
 *   one; with one, every counter's delta is 0, so every rate is 0 whatever
 *   the interval — per worker, per core and in the totals).
 * Events compare the two documents only (none between a document and
 * itself), and the workers, sockets and header are functions of the
 * document alone. So the view of (D at t1, D at t2) is the view of (D at t0,
 * D at t1) with those fields set again: same worker views (shared, the model
 * never changes a view after building it), new time fields. Anything else —
 * a different document on either side, no usable interval on either view,
 * an Emperor document, events found last time — is built afresh.
 *
 * test/fleet/retime.test.ts holds this to buildView's output on real uWSGI
 * documents (idle, busy, in-flight requests, cheaper, harakiri) at many times.
 */
import { computeTotals, inflightOf, intervalSeconds } from '../model/view.js';
import type { Sample, ServerView, View } from '../model/types.js';
import type { StatsDocument } from '../protocol/types.js';

/**
 * `old` (the view built of `oldCur` and `oldPrev`) at the times of `cur` and
 * `prev`, when all four samples hold one and the same document and both
 * pairs have a usable interval; else undefined (build the view afresh).
 * The result is a new object (its `diagnosis` empty, as buildView's); its
 * workers, header, sockets and (without requests in flight) totals are
 * `old`'s.
 */
export function retimedView(
  old: View,
  oldCur: Sample<StatsDocument>,
  oldPrev: Sample<StatsDocument> | undefined,
  cur: Sample<StatsDocument>,
  prev: Sample<StatsDocument> | undefined,
): ServerView | undefined {
  if (old.kind !== 'server' || prev === undefined || oldPrev === undefined) return undefined;
  const doc = cur.doc;
  if (prev.doc !== doc || oldCur.doc !== doc || oldPrev.doc !== doc || old.at !== oldCur.at) return undefined;
  if (old.interval === undefined || old.events.length > 0) return undefined;
  const interval = intervalSeconds(cur.at, prev.at);
  if (interval === undefined) return undefined;
  let inflight = old.inflight;
  let totals = old.totals;
  if (inflight.length > 0) {
    inflight = inflightOf(old.workers, cur.at);
    totals = computeTotals(old.workers, true, inflight);
  } else {
    inflight = [];
  }
  // Every field spelled out (a spread of `old` cost more than the rest of the frame); a field added to
  // ServerView fails to compile here until it is decided.
  return {
    kind: 'server',
    at: cur.at,
    interval,
    header: old.header,
    workers: old.workers,
    totals,
    events: [],
    sockets: old.sockets,
    inflight,
    diagnosis: [],
  } satisfies Required<ServerView>;
}
