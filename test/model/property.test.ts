import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildView, History } from '../../src/model/index.js';
import type { ServerView } from '../../src/model/index.js';
import type { CoreStats, StatsSnapshot, WorkerStats } from '../../src/protocol/types.js';
import { renderText, viewToJson } from '../../src/render/text.js';
import { fitColumns, sortRows, WORKER_COLUMNS } from '../../src/columns.js';

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Counters as a lenient parser might let them through: small ints, big ints, negatives, fractions, NaN, ±Infinity. */
const num = opt(
  fc.oneof(
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: -5, max: 5 }),
    fc.maxSafeNat(),
    fc.double(),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, -0),
  ),
);
const smallId = opt(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(-1, 1.5, Number.NaN)));
const status = opt(fc.oneof(fc.constantFrom('idle', 'busy', 'cheap', 'pause', 'sig', 'sig9', ''), fc.string({ maxLength: 6 })));

const coreArb: fc.Arbitrary<CoreStats> = fc.record({
  id: smallId,
  requests: num,
  static_requests: num,
  routed_requests: num,
  offloaded_requests: num,
  write_errors: num,
  read_errors: num,
  in_request: opt(fc.boolean()),
  extra: fc.constant({}),
});

const workerArb: fc.Arbitrary<WorkerStats> = fc.record({
  id: smallId,
  pid: opt(fc.integer({ min: 1, max: 3 })),
  accepting: num,
  requests: num,
  exceptions: num,
  harakiri_count: num,
  signals: num,
  status,
  rss: num,
  vsz: num,
  running_time: num,
  last_spawn: num,
  respawn_count: num,
  tx: num,
  avg_rt: num,
  cores: opt(fc.array(coreArb, { maxLength: 3 })),
  extra: fc.constant({}),
});

const docArb: fc.Arbitrary<StatsSnapshot> = fc.record({
  kind: fc.constant('server' as const),
  version: opt(fc.constantFrom('2.0.21-debian', '')),
  pid: opt(fc.integer({ min: 1, max: 2 })),
  listen_queue: num,
  listen_queue_errors: num,
  load: num,
  uid: num,
  gid: num,
  workers: fc.array(workerArb, { maxLength: 5 }),
  extra: fc.constant({}),
});

/** One step of evolution of a number: usually grows a bit, sometimes shrinks, sometimes becomes anything. */
type Step = number | { replace: number | undefined };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 20 }), weight: 6 },
  { arbitrary: fc.integer({ min: -3, max: -1 }), weight: 1 },
  { arbitrary: num.map((v) => ({ replace: v })), weight: 1 },
);
const WFIELDS = ['pid', 'accepting', 'requests', 'exceptions', 'harakiri_count', 'signals', 'rss', 'vsz', 'running_time', 'last_spawn', 'respawn_count', 'tx', 'avg_rt'] as const;
const CFIELDS = ['requests', 'static_requests', 'routed_requests', 'offloaded_requests', 'write_errors', 'read_errors'] as const;

/**
 * The next read of `prev`: same workers (so keys match) with counters moved
 * by `steps` — mostly monotone growth, sometimes decreases or garbage — plus
 * occasionally a dropped or reordered worker. Exercises the matched path,
 * which independent random documents rarely reach.
 */
function evolve(prev: StatsSnapshot, steps: Step[], reorder: boolean): StatsSnapshot {
  let i = 0;
  const next = (v: number | undefined): number | undefined => {
    const s = steps[i++ % steps.length]!;
    if (typeof s === 'number') return typeof v === 'number' ? v + s : v;
    return s.replace;
  };
  const workers = prev.workers.map((w) => {
    const nw: WorkerStats = { ...w, extra: {} };
    for (const f of WFIELDS) nw[f] = f === 'pid' && i % 5 !== 0 ? w.pid : next(w[f]);
    if (w.cores) {
      nw.cores = w.cores.map((c) => {
        const nc: CoreStats = { ...c, extra: {} };
        for (const f of CFIELDS) nc[f] = next(c[f]);
        return nc;
      });
    }
    return nw;
  });
  if (reorder) workers.reverse();
  if (steps.length % 3 === 0) workers.pop();
  return { ...prev, listen_queue: next(prev.listen_queue), workers };
}

const atArb = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }),
  fc.double(),
  fc.constantFrom(0, 1e-300, Number.NaN, Number.POSITIVE_INFINITY, -1),
);

function checkRate(v: number | undefined, what: string): void {
  if (v === undefined) return;
  assert.ok(Number.isFinite(v) && v >= 0, `${what} = ${v}`);
}

test('property: buildView never throws and never yields a negative/NaN/infinite rate', () => {
  fc.assert(
    fc.property(docArb, docArb, atArb, atArb, fc.boolean(), (prevDoc, curDoc, prevAt, curAt, first) => {
      const v = buildView({ doc: curDoc, at: curAt }, first ? undefined : { doc: prevDoc, at: prevAt }) as ServerView;
      assert.equal(v.kind, 'server');
      if (v.interval !== undefined) assert.ok(Number.isFinite(v.interval) && v.interval > 0);
      if (first) assert.equal(v.interval, undefined);
      assert.equal(v.workers.length, curDoc.workers.length);
      assert.equal(new Set(v.workers.map((w) => w.key)).size, v.workers.length, 'keys unique');
      for (const w of v.workers) {
        checkRate(w.rps, 'rps');
        checkRate(w.txRate, 'txRate');
        checkRate(w.excRate, 'excRate');
        checkRate(w.share, 'share');
        if (w.share !== undefined) assert.ok(w.share <= 100);
        if (first) assert.equal(w.rps, undefined);
        for (const c of w.cores) {
          checkRate(c.rps, 'core rps');
          checkRate(c.requests, 'core requests');
          if (w.reset || first) assert.equal(c.rps, undefined);
        }
        if (w.reset) assert.equal(w.rps, undefined);
        checkRate(w.avgNow, 'avgNow');
        assert.ok(Number.isFinite(w.respawns) && w.respawns >= 0, `respawns = ${w.respawns}`);
      }
      const t = v.totals;
      for (const k of ['requests', 'rps', 'exceptions', 'excRate', 'tx', 'txRate', 'rss', 'vsz', 'avgRt', 'avgNow', 'avgMean', 'oldestRequestAge', 'respawns', 'harakiri'] as const) {
        checkRate(t[k], `totals.${k}`);
      }
      assert.ok(t.busy <= t.workers);
      for (const e of v.events) assert.ok(typeof e.message === 'string' && e.message.length > 0);
    }),
    { numRuns: 2000 },
  );
});

test('property: workers that are the last read\'s objects (their text did not change) give the view equal copies give', () => {
  // src/protocol/parse.ts parseStatsSince hands the model the last read's worker objects for unchanged workers;
  // buildWorker then skips its reset and respawn checks (src/model/workers.ts): the view must not differ.
  const shown = (v: ServerView): unknown => structuredClone({ ...v, inflight: v.inflight, workers: v.workers.map((w) => ({ ...w, cores: w.cores })) });
  fc.assert(
    fc.property(docArb, atArb, atArb, fc.boolean(), (prevDoc, prevAt, curAt, newMaster) => {
      const cur: StatsSnapshot = { ...prevDoc, pid: newMaster ? (prevDoc.pid ?? 0) + 1 : prevDoc.pid, workers: prevDoc.workers };
      const copy: StatsSnapshot = structuredClone(cur);
      const prev = { doc: prevDoc, at: prevAt };
      const a = buildView({ doc: cur, at: curAt }, prev) as ServerView;
      const b = buildView({ doc: copy, at: curAt }, prev) as ServerView;
      assert.deepEqual(shown(a), shown(b));
    }),
    { numRuns: 2000 },
  );
});

test('property: evolving reads (matched workers/cores) never give a negative/NaN/infinite rate', () => {
  fc.assert(
    fc.property(
      docArb,
      fc.array(stepArb, { minLength: 1, maxLength: 120 }),
      fc.boolean(),
      fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(1e-300, 0, -1000)),
      (prevDoc, steps, reorder, dt) => {
        const curDoc = evolve(prevDoc, steps, reorder);
        const v = buildView({ doc: curDoc, at: 10_000 + dt }, { doc: prevDoc, at: 10_000 }) as ServerView;
        for (const w of v.workers) {
          checkRate(w.rps, 'rps');
          checkRate(w.txRate, 'txRate');
          checkRate(w.excRate, 'excRate');
          for (const c of w.cores) checkRate(c.rps, 'core rps');
          if (dt <= 0) assert.equal(w.rps, undefined);
        }
        checkRate(v.totals.rps, 'totals.rps');
        checkRate(v.totals.txRate, 'totals.txRate');
        checkRate(v.totals.excRate, 'totals.excRate');
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: renderers and helpers accept any view (no throw, JSON-safe, width respected)', () => {
  fc.assert(
    fc.property(docArb, docArb, fc.integer({ min: 1, max: 220 }), fc.boolean(), (prevDoc, curDoc, width, showCores) => {
      // A server's own strings (a status "NaN", a version "Infinity") are shown as they are: only numbers are checked here.
      fc.pre(!/NaN|Infinity|undefined/.test(JSON.stringify([prevDoc, curDoc])));
      const v = buildView({ doc: curDoc, at: 2000 }, { doc: prevDoc, at: 1000 }) as ServerView;
      const text = renderText(v, { width, showCores, sortBy: 'rps', reverse: true });
      for (const line of text.split('\n')) assert.ok(line.length <= width);
      assert.ok(!/NaN|Infinity|undefined/.test(text), text);
      const json = JSON.stringify(viewToJson(v));
      assert.ok(!/NaN|Infinity/.test(json.replace(/"[^"]*"/g, '""')));
      for (const col of fitColumns(WORKER_COLUMNS, width)) sortRows(v.workers, col, width % 2 === 0);
      const h = new History({ capacity: 3, maxKeys: 4 });
      h.update(v);
      h.update(v);
      assert.ok(h.size <= 4);
    }),
    { numRuns: 500 },
  );
});
