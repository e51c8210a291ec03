/**
 * The worker table keeps a row's line, making none of its cells, while the
 * row shows the same (src/tui/views/workers.ts, LineMemo.kept in
 * src/tui/table.ts, sameWorkerFields in src/model/workers.ts): what that
 * test compares must be all that any worker column reads, or a changed row
 * would stay on screen as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ALL_WORKER_COLUMNS, WORKER_COLUMNS, type RowHints } from '../../src/columns.js';
import { SAME_WORKER_FIELDS, buildWorker, sameWorkerFields } from '../../src/model/workers.js';
import type { WorkerView } from '../../src/model/types.js';
import type { CoreStats, WorkerStats } from '../../src/protocol/types.js';
import { LineMemo, buildTable, rowCells, type Cell } from '../../src/tui/table.js';
import { sameWorkerRowButShare, withShare, type WorkerRowSource } from '../../src/tui/views/workers.js';
import type { Styled } from '../../src/tui/fastbox.js';
import { localDay } from '../../src/format.js';
import { core, worker } from '../model/factory.js';
import { startHarness } from './harness.js';
import { sample, synthDoc, T0, type SynthOptions } from './synth.js';

const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const num = opt(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.double(), fc.constantFrom(Number.NaN, -1, 1_733_000_000)));
const coreArb: fc.Arbitrary<CoreStats> = fc.record({ id: opt(fc.integer({ min: 0, max: 3 })), requests: num, in_request: opt(fc.boolean()), extra: fc.constant({}) }) as fc.Arbitrary<CoreStats>;
const rawArb: fc.Arbitrary<WorkerStats> = fc.record(
  {
    id: opt(fc.integer({ min: 0, max: 3 })),
    pid: opt(fc.integer({ min: 1, max: 3 })),
    requests: num,
    exceptions: num,
    harakiri_count: num,
    signals: num,
    status: opt(fc.constantFrom('idle', 'busy', 'cheap', 'sig', '')),
    rss: num,
    vsz: num,
    running_time: num,
    last_spawn: num,
    respawn_count: num,
    tx: num,
    avg_rt: num,
    cores: opt(fc.array(coreArb, { maxLength: 3 })),
    apps: opt(fc.array(fc.record({ id: fc.integer({ min: 0, max: 2 }), requests: num }), { maxLength: 2 })),
    extra: fc.dictionary(fc.constantFrom('requests', 'status', 'x'), num),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<WorkerStats>;


const view = (w: WorkerStats, prev: WorkerStats | undefined, share: number | undefined): WorkerView => {
  const v = buildWorker('1', w, prev, 1, false);
  v.share = share;
  return v;
};

const nestedArb = fc.record({
  cores: fc.array(coreArb, { maxLength: 3 }),
  apps: fc.array(fc.record({ id: fc.integer(), requests: num }), { maxLength: 2 }),
  extra: fc.dictionary(fc.constantFrom('requests', 'status', 'rss', 'x'), fc.oneof(num, fc.string({ maxLength: 3 }))),
});
const hintsArb: fc.Arbitrary<RowHints> = fc.record({ recentSpawn: opt(fc.constant(new Set(['1']))), rssGrowing: opt(fc.constant(new Set(['1']))) }, { requiredKeys: [] });

test('sameWorkerFields compares every field SAME_WORKER_FIELDS marks, of the view and of its document, and no other', () => {
  const w = worker({ requests: 5, status: 'idle', cores: [core({ requests: 5 })], extra: { x: 1 } });
  const prev = worker({ requests: 3, cores: [core({ requests: 3 })] });
  const a = view(w, prev, 50);
  assert.equal(sameWorkerFields(a, view({ ...w }, prev, 50)), true, 'a copy');
  assert.equal(sameWorkerFields(a, view({ ...w, cores: [core({ requests: 5, static_requests: 9 })], apps: [], extra: { y: 2 } }, prev, 50)), true, 'only nested values differ');
  assert.equal(sameWorkerFields(a, view(w, prev, 51)), true, "the share is the caller's to compare");
  const other = (v: unknown): unknown => (typeof v === 'number' ? v + 1 : typeof v === 'string' ? `${v}x` : typeof v === 'boolean' ? !v : 1);
  for (const [k, compared] of Object.entries(SAME_WORKER_FIELDS.raw)) {
    const b = view({ ...w, [k]: other((w as Record<string, unknown>)[k]) } as WorkerStats, prev, 50);
    if (compared) assert.equal(sameWorkerFields(a, b), false, `document field ${k}`);
  }
  for (const [k, compared] of Object.entries(SAME_WORKER_FIELDS.view)) {
    if (!compared) continue;
    const b = view({ ...w }, prev, 50) as unknown as Record<string, unknown>;
    b[k] = other(b[k]);
    assert.equal(sameWorkerFields(a, b as unknown as WorkerView), false, `view field ${k}`);
  }
  assert.equal(sameWorkerFields(view({ ...w, rss: Number.NaN }, prev, 50), view({ ...w, rss: Number.NaN }, prev, 50)), false, 'NaN is never the same (drawn again)');
});

/** Every field of a view and of its document that SAME_WORKER_FIELDS leaves out, given other values (nested, or the share). */
const leftOut = (w: WorkerStats, nested: { cores: CoreStats[]; apps: unknown[]; extra: Record<string, unknown> }): WorkerStats => {
  const out = { ...w } as Record<string, unknown>;
  for (const [k, compared] of Object.entries(SAME_WORKER_FIELDS.raw)) if (!compared) out[k] = (nested as Record<string, unknown>)[k];
  return out as unknown as WorkerStats;
};

const SHARE = ALL_WORKER_COLUMNS.find((c) => c.id === 'share')!;

test('no worker column reads what sameWorkerFields leaves out (nested values; the share but as shown): same cells and tones', () => {
  const cols = ALL_WORKER_COLUMNS;
  const shareArb = opt(fc.oneof(fc.double({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })));
  fc.assert(
    fc.property(rawArb, opt(rawArb), nestedArb, shareArb, shareArb, hintsArb, fc.integer({ min: 0, max: 2 ** 41 }), (w, prev, nested, shareA, shareB, hints, now) => {
      const a = view(w, prev, shareA);
      const b = view(leftOut(w, nested), prev, shareB);
      fc.pre(sameWorkerFields(a, b) && SHARE.format(a, { now }) === SHARE.format(b, { now }));
      for (const c of cols) {
        assert.equal(c.format(b, { now }), c.format(a, { now }), `${c.id}: cell`);
        assert.equal(c.tone?.(b, hints), c.tone?.(a, hints), `${c.id}: tone`);
      }
    }),
    { numRuns: 300 },
  );
});

test('no worker column reads the time beyond its local day', () => {
  fc.assert(
    fc.property(rawArb, fc.integer({ min: 0, max: 2 ** 41 }), fc.integer({ min: 0, max: 86_399_999 }), (w, t, ms) => {
      const v = view(w, undefined, undefined);
      const d = new Date(t);
      const other = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() + ms;
      fc.pre(localDay(other) === localDay(t));
      for (const c of ALL_WORKER_COLUMNS) assert.equal(c.format(v, { now: other }), c.format(v, { now: t }), c.id);
    }),
    { numRuns: 300 },
  );
});

test('LineMemo.kept: the last line while the source is the same (by the caller\'s test), with the same width, selection and base', () => {
  const m = new LineMemo<{ n: number }>();
  const cells: Cell[] = [{ text: '1', style: 'plain' }];
  const line: Styled = { texts: ['1'], opens: [''], closes: [''] };
  const same = (a: { n: number }, b: { n: number }): boolean => a.n === b.n;
  m.frame('cols');
  assert.equal(m.kept('1', 80, false, 'plain', { n: 1 }, same), undefined, 'nothing drawn yet');
  assert.equal(m.line('1', cells, 80, false, 'plain', () => line, { n: 1 }), line);
  m.line('2', cells, 80, false, 'plain', () => ({ ...line }));
  m.frame('cols');
  const s2 = { n: 1 };
  assert.equal(m.kept('1', 80, false, 'plain', s2, same), line, 'same source');
  assert.equal(m.kept('2', 80, false, 'plain', { n: 1 }, same), undefined, 'a line drawn without a source is never kept this way');
  assert.equal(m.kept('1', 80, false, 'plain', { n: 2 }, same), undefined, 'another source');
  assert.equal(m.kept('1', 60, false, 'plain', { n: 1 }, same), undefined, 'another width');
  assert.equal(m.kept('1', 80, true, 'plain', { n: 1 }, same), undefined, 'selected');
  assert.equal(m.kept('1', 80, false, 'totals', { n: 1 }, same), undefined, 'another base');
  // It kept the newer source: compared with it from now on.
  let seen: { n: number } | undefined;
  m.frame('cols');
  m.kept('1', 80, false, 'plain', { n: 1 }, (was) => ((seen = was), true));
  assert.equal(seen, s2);
  m.frame('other cols');
  assert.equal(m.kept('1', 80, false, 'plain', { n: 1 }, same), undefined, 'columns changed: nothing kept');
});

test('the monitor makes no cell of a worker row that shows the same, and every cell of one that changed', async (t) => {
  const req = WORKER_COLUMNS.find((c) => c.id === 'req')!;
  const format = req.format;
  const made: string[] = [];
  (req as { format: typeof format }).format = (r, ctx) => {
    made.push(r.key);
    return format(r, ctx);
  };
  t.after(() => {
    (req as { format: typeof format }).format = format;
  });
  const h = startHarness({ cols: 120, rows: 24 });
  t.after(async () => {
    await h.quit();
  });
  const o: SynthOptions = { workers: 4, cores: 2, status: () => 'idle' };
  await h.feed(sample(synthDoc(0, o), T0));
  await h.feed(sample(synthDoc(1, o), T0 + 1000));
  await h.feed(sample(synthDoc(1, o), T0 + 2000)); // RPS falls to 0 everywhere: every row changes
  const before = made.length;
  assert.ok(before >= 12, `every row drawn in each of three reads (${before} cells made)`);
  await h.feed(sample(synthDoc(1, o), T0 + 3000));
  assert.deepEqual(made.slice(before), [], 'nothing changed: no cell made');
  // Only nested values change (a core's counters): the row shows the same.
  const doc = synthDoc(1, o);
  doc.workers[1]!.cores![0]!.static_requests = 7;
  await h.feed(sample(doc, T0 + 4000));
  assert.deepEqual(made.slice(before), [], 'a nested value changed: no cell made');
  // Worker 3 took a request (busy, no counter moved yet): its row, and only its row, is made again, and shows it.
  await h.feed(sample(synthDoc(1, { ...o, status: (i) => (i === 2 ? 'busy' : 'idle') }), T0 + 5000));
  assert.deepEqual(made.slice(before), ['3']);
  const row = (id: string): string => h.lines().find((l) => new RegExp(`^\\s+${id}\\s`).test(l)) ?? '';
  assert.match(row('3'), /\sbusy\s/);
  assert.match(row('2'), /\sidle\s/);
  // It served it: every row whose share shows another value is made again too; worker 3 shows 33 requests.
  await h.feed(sample(synthDoc(1, { ...o, requests: (i, tick) => (i + 1) * 10 * tick + i + (i === 2 ? 1 : 0) }), T0 + 6000));
  assert.match(row('3'), /\s33\s.*\sidle\s/);
  assert.match(row('1'), /^\s+1\s+9\.3\s/, 'worker 1: 10 of 107 requests');
});

test('a row of which only the share moved: last frame\'s cells with the share\'s made again are the cells of the row made anew', () => {
  const shareArb = opt(fc.oneof(fc.double({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })));
  fc.assert(
    fc.property(rawArb, opt(rawArb), shareArb, shareArb, hintsArb, fc.integer({ min: 0, max: 2 ** 41 }), fc.integer({ min: 40, max: 200 }), (w, prev, shareA, shareB, hints, now, width) => {
      const a = view(w, prev, shareA);
      const b = view(w, prev, shareB);
      const ctx = { now };
      const source = (v: WorkerView): WorkerRowSource => ({ view: v, share: SHARE.format(v, ctx), day: localDay(now), spawn: false, rssGrowing: false });
      fc.pre(sameWorkerRowButShare(source(a), source(b))); // NaN fields compare unequal (never wrongly the same)
      const table = (v: WorkerView) => buildTable({ workers: [v], width, cores: 'hidden', unused: true, totals: false, filter: '', sortId: 'wid', coreSortId: 'wid', reverse: false });
      const [ta, tb] = [table(a), table(b)];
      const cellsA = rowCells(ta, ta.rows[0]!, ctx, undefined, hints);
      const cellsB = rowCells(tb, tb.rows[0]!, ctx, undefined, hints);
      assert.deepEqual(withShare(tb, cellsA, b, ctx, hints), cellsB);
    }),
    { numRuns: 300 },
  );
});

test('the monitor makes only the share\'s cell of a row whose share alone moved, and shows the new share', async (t) => {
  const made = new Map<string, string[]>();
  const restore: (() => void)[] = [];
  for (const id of ['req', 'share']) {
    const col = WORKER_COLUMNS.find((c) => c.id === id)!;
    const format = col.format;
    (col as { format: typeof format }).format = (r, ctx) => {
      made.set(id, [...(made.get(id) ?? []), r.key]);
      return format(r, ctx);
    };
    restore.push(() => ((col as { format: typeof format }).format = format));
  }
  t.after(() => restore.forEach((f) => f()));
  const h = startHarness({ cols: 120, rows: 24 });
  t.after(async () => {
    await h.quit();
  });
  // Worker 2 serves nothing after the first read; the others do: only its share moves (50 of 240, then 50 of 320).
  const o: SynthOptions = { workers: 4, cores: 2, status: () => 'idle', requests: (i, tick) => (i === 1 ? 50 : 10 + 10 * tick * (i + 1)) };
  await h.feed(sample(synthDoc(1, o), T0 + 1000));
  await h.feed(sample(synthDoc(2, o), T0 + 2000));
  const row = (id: string): string => h.lines().find((l) => new RegExp(`^\\s+${id}\\s`).test(l)) ?? '';
  assert.match(row('2'), /^\s+2\s+20\.8\s/);
  made.clear();
  await h.feed(sample(synthDoc(3, o), T0 + 3000));
  assert.ok(!(made.get('req') ?? []).includes('2'), `worker 2's other cells are last frame's (req made for ${made.get('req')})`);
  assert.ok((made.get('share') ?? []).includes('2'), 'its share is made again');
  assert.deepEqual([...new Set(made.get('req'))].sort(), ['1', '3', '4'], 'the rows that served requests are made anew');
  assert.match(row('2'), /^\s+2\s+15\.6\s/, 'worker 2: 50 of 320 requests');
});
