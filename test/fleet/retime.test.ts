/**
 * Issue 13 point 6: an unchanged answer costs (almost) nothing. When a
 * target answers the same bytes again, the poller hands out the same
 * document object (no parse) and the fleet's diagnosis gives that target its
 * last view at the new times (src/fleet/retime.ts) instead of building it
 * again. These tests hold that shortcut to the full path: the same rows,
 * views, rates, ages, states and verdicts as parsing every answer afresh and
 * building every view with buildView — on real uWSGI documents, with
 * requests in flight growing old enough to turn into a slow-request verdict,
 * targets flipping between two documents, a failed read in between and an
 * Emperor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseStats } from '../../src/protocol/parse.js';
import { buildView } from '../../src/model/view.js';
import type { Sample, ServerView, View } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';
import { retimedView } from '../../src/fleet/retime.js';
import { FleetDiagnosis } from '../../src/fleet/diagnosis.js';
import { parseTargets } from '../../src/fleet/targets.js';
import type { FleetSnapshot, FleetView, TargetSnapshot } from '../../src/fleet/view.js';

const DIR = fileURLToPath(new URL('../../../fixtures/uwsgi/', import.meta.url));
const bytes = (name: string): Buffer => readFileSync(`${DIR}${name}.json`);

/** Server documents of a real uWSGI 2.0.21: idle, busy with requests in flight, async cores, cheaper, harakiri, paused, respawned. */
const SERVER_FIXTURES = ['idle-4p', 'load-4p4t', 'async-cores', 'cheaper', 'harakiri', 'paused', 'respawn-after', 'two-reads-2', 'no-cores', 'minified'];
/** load-4p4t's requests in flight started at this time (s since epoch). */
const LOAD_START_S = 1795426558;

/** A view with every worker's lazily built cores made plain (deepEqual does not see private fields). */
function plain(v: View): unknown {
  if (v.kind !== 'server') return v;
  return { ...v, workers: v.workers.map((w) => ({ ...w, cores: w.cores })) };
}

test('retimedView: the view of one document read at two times, moved to two later times, is buildView of them — every fixture, many intervals', () => {
  const t0 = LOAD_START_S * 1000 - 2000;
  const times = [t0, t0 + 1000, t0 + 2000, t0 + 2500, t0 + 3500.5, t0 + 60_000, t0 + 60_001, t0 + 3_600_000];
  let checked = 0;
  for (const name of SERVER_FIXTURES) {
    const doc = parseStats(bytes(name));
    for (let i = 2; i < times.length; i++) {
      const oldPrev: Sample<StatsDocument> = { doc, at: times[i - 2]! };
      const oldCur: Sample<StatsDocument> = { doc, at: times[i - 1]! };
      const old = buildView(oldCur, oldPrev, { node: name });
      for (let j = i; j < times.length; j++) {
        const prev: Sample<StatsDocument> = { doc, at: times[j - 1]! };
        const cur: Sample<StatsDocument> = { doc, at: times[j]! };
        const got = retimedView(old, oldCur, oldPrev, cur, prev);
        assert.ok(got, `${name}: retimed at ${j}`);
        assert.deepEqual(plain(got), plain(buildView(cur, prev, { node: name })), `${name} from ${i} to ${j}`);
        assert.equal(got.workers, (old as ServerView).workers, 'the worker views are shared, not rebuilt');
        checked++;
      }
    }
  }
  assert.ok(checked > 100);
  // The requests in flight of load-4p4t do age: the shortcut is not a copy of the old view.
  const doc = parseStats(bytes('load-4p4t'));
  const a = (s: number): Sample<StatsDocument> => ({ doc, at: (LOAD_START_S + s) * 1000 });
  const old = buildView(a(2), a(1)) as ServerView;
  const later = retimedView(old, a(2), a(1), a(31), a(30))!;
  assert.ok(old.inflight.length > 0);
  assert.equal(later.totals.oldestRequestAge, 31);
  assert.equal(old.totals.oldestRequestAge, 2);
  assert.equal(later.totals.rps, 0, 'nothing was served between two identical answers');
});

test('retimedView: anything but one document on all four reads with usable intervals is built afresh (undefined)', () => {
  const a = parseStats(bytes('two-reads-1'));
  const b = parseStats(bytes('two-reads-2'));
  const aCopy = parseStats(bytes('two-reads-1'));
  const s = (doc: StatsDocument, at: number): Sample<StatsDocument> => ({ doc, at });
  const old = buildView(s(a, 2000), s(a, 1000));
  assert.ok(retimedView(old, s(a, 2000), s(a, 1000), s(a, 3000), s(a, 2000)), 'the same document: retimed');
  assert.equal(retimedView(old, s(a, 2000), s(a, 1000), s(b, 3000), s(a, 2000)), undefined, 'a new document');
  assert.equal(retimedView(old, s(a, 2000), s(a, 1000), s(aCopy, 3000), s(a, 2000)), undefined, 'an equal document parsed again: not known to be the same');
  assert.equal(retimedView(old, s(a, 2000), s(a, 1000), s(a, 3000), undefined), undefined, 'no previous read');
  assert.equal(retimedView(old, s(a, 2000), s(a, 1000), s(a, 2000), s(a, 2000)), undefined, 'no usable interval now');
  const first = buildView(s(a, 1000));
  assert.equal(retimedView(first, s(a, 1000), undefined, s(a, 2000), s(a, 1000)), undefined, 'the old view had no previous read');
  const flip = buildView(s(a, 2000), s(b, 1000));
  assert.equal(retimedView(flip, s(a, 2000), s(b, 1000), s(a, 3000), s(a, 2000)), undefined, 'the old view compared two documents');
  assert.equal(retimedView(old, s(a, 9999), s(a, 1000), s(a, 3000), s(a, 2000)), undefined, 'the old view is not of those samples');
  const emp = parseStats(bytes('emperor'));
  const ev = buildView(s(emp, 2000), s(emp, 1000));
  assert.equal(retimedView(ev, s(emp, 2000), s(emp, 1000), s(emp, 3000), s(emp, 2000)), undefined, 'an Emperor is built afresh');
});

/** One target's reads: the bytes answered at each second, or an error. */
type Script = (Buffer | 'fail')[];

/**
 * Runs the same reads through two FleetDiagnosis: `fast` as the poller feeds it (an answer equal to the
 * last good one is the last good document object, read at the new time), `full` with every answer parsed
 * afresh (a new object each time: buildView every time). Returns both views of every frame.
 */
function runBoth(scripts: Record<string, Script>, frames: number, t0: number, slowSeconds?: number): { fast: FleetView[]; full: FleetView[]; retimed: number } {
  const labels = Object.keys(scripts);
  const targets = parseTargets(labels.map((l) => `${l} = /tmp/tsgitop-none/${l}.sock`).join('\n'), 'test');
  const opts = slowSeconds !== undefined ? { slowSeconds } : undefined;
  const fastDiag = new FleetDiagnosis(opts);
  const fullDiag = new FleetDiagnosis(opts);
  type Slot = { snap: TargetSnapshot; lastRaw?: Buffer; lastDoc?: StatsDocument };
  const fastSlots: Slot[] = targets.map((target) => ({ snap: { target, reads: 0 } }));
  const fullSlots: Slot[] = targets.map((target) => ({ snap: { target, reads: 0 } }));
  const out = { fast: [] as FleetView[], full: [] as FleetView[], retimed: 0 };
  let lastFast: FleetView | undefined;
  for (let f = 0; f < frames; f++) {
    const at = t0 + f * 1000;
    labels.forEach((label, i) => {
      const step = scripts[label]![f % scripts[label]!.length]!;
      for (const [slot, fast] of [
        [fastSlots[i]!, true],
        [fullSlots[i]!, false],
      ] as const) {
        const s = slot.snap;
        s.reads++;
        if (step === 'fail') {
          s.error = { message: 'connection refused', code: 'REFUSED', at };
          s.failingSince ??= at;
          continue;
        }
        const doc = fast && slot.lastRaw?.equals(step) ? slot.lastDoc! : parseStats(step);
        slot.lastRaw = step;
        slot.lastDoc = doc;
        s.prev = s.cur;
        s.cur = { doc, at };
        s.error = undefined;
        s.failingSince = undefined;
      }
    });
    const snap = (slots: Slot[]): FleetSnapshot => ({ at: at + 7, timing: { intervalMs: 1000 }, targets: slots.map((x) => ({ ...x.snap })) });
    const fast = fastDiag.view(snap(fastSlots));
    const full = fullDiag.view(snap(fullSlots));
    if (lastFast) fast.rows.forEach((r, i) => r.view?.kind === 'server' && lastFast!.rows[i]!.view?.kind === 'server' && r.view.workers === lastFast!.rows[i]!.view!.workers && out.retimed++);
    lastFast = fast;
    out.fast.push(fast);
    out.full.push(full);
  }
  return out;
}

/** A fleet view with its rows' views made plain (cores included). */
const plainFleet = (v: FleetView): unknown => ({ ...v, rows: v.rows.map((r) => ({ ...r, view: r.view && plain(r.view) })) });

test('fleet diagnosis: identical answers read again give exactly the rows, rates, ages, states and verdicts of parsing every answer afresh', () => {
  const idle = bytes('idle-4p');
  const load = bytes('load-4p4t');
  const one = bytes('two-reads-1');
  const two = bytes('two-reads-2');
  const before = bytes('respawn-before');
  const after = bytes('respawn-after');
  const emperor = bytes('emperor');
  // load-4p4t's requests started 3 s before frame 0: they cross the 10 s slow-request threshold at frame 8 while the answer stays the same.
  const t0 = (LOAD_START_S + 3) * 1000;
  const { fast, full, retimed } = runBoth(
    {
      idle: [idle],
      busy: [load],
      flip: [one, two],
      flipTwice: [one, one, two, two],
      respawn: [before, after, after, after, after, after, before],
      failing: [idle, idle, 'fail', idle, idle, 'fail', 'fail', 'fail', idle],
      emperor: [emperor],
    },
    24,
    t0,
  );
  for (let f = 0; f < fast.length; f++) assert.deepEqual(plainFleet(fast[f]!), plainFleet(full[f]!), `frame ${f}`);
  assert.ok(retimed > 50, `the shortcut was taken (${retimed} retimed rows)`);

  const row = (v: FleetView, label: string) => v.rows.find((r) => r.label === label)!;
  // Spot checks that the compared figures are the interesting ones.
  assert.equal(row(fast[5]!, 'idle').rps, 0, 'an idle target: 0 req/s over the new interval');
  assert.equal(row(fast[5]!, 'idle').ageMs, 7);
  assert.equal((row(fast[5]!, 'idle').view as ServerView).interval, 1);
  const flipRate = row(fast[3]!, 'flip').rps;
  assert.ok(flipRate !== undefined && flipRate > 0 && flipRate === row(full[3]!, 'flip').rps, 'a flip from one to two: the real rate');
  assert.equal(row(fast[4]!, 'flip').rps, undefined, 'and back (the counters went down: unknown)');
  assert.equal(row(fast[3]!, 'flipTwice').rps, 0, 'the second identical answer: 0 req/s');
  // The requests in flight turn slow while the answer stays the same (3 + 8 s > 10 s).
  assert.equal(row(fast[6]!, 'busy').verdict, undefined);
  assert.equal(row(fast[8]!, 'busy').verdict?.rule, 'slow_request');
  assert.match(row(fast[8]!, 'busy').verdict!.message, / 11s /);
  assert.equal(row(fast[2]!, 'failing').state, 'up', 'one failed read keeps a target up');
  assert.equal(row(fast[7]!, 'failing').state, 'stale');
  assert.equal(row(fast[7]!, 'failing').verdict?.rule, 'stale');
});
