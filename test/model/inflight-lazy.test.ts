/**
 * Issue 13 point 5: a view builds its list of requests in flight only when
 * something reads it; the totals (count, oldest age) and the slow-request
 * verdict come from one pass over the raw cores and must agree with the
 * list whenever it is built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildView, diagnoseView, inflightOf, type ServerView } from '../../src/model/index.js';
import { inflightSummary } from '../../src/model/view.js';
import { core, server, worker } from './factory.js';

const T0 = 1_700_000_000_000;
const nowS = T0 / 1000;

function doc(starts: (number | undefined)[][]) {
  return server({
    workers: starts.map((cores, i) =>
      worker({
        id: i + 1,
        pid: 100 + i,
        cores: cores.map((s, j) =>
          s === undefined
            ? core({ id: j, in_request: false })
            : core({ id: j, in_request: true, request: Number.isNaN(s) ? { method: 'GET' } : { method: 'GET', path: `/w${i}c${j}`, start: s } }),
        ),
      }),
    ),
  });
}

test('totals agree with the in-flight list: count and oldest age, for busy, idle and start-less cores', () => {
  const shapes: (number | undefined)[][][] = [
    [],
    [[undefined, undefined]],
    [[nowS - 3, undefined], [NaN, nowS - 40], [undefined]],
    [[nowS + 5]], // a start in the future: age 0
    [[NaN, NaN]], // in a request, start unknown: counted, no age
  ];
  for (const s of shapes) {
    const v = buildView({ doc: doc(s), at: T0 }) as ServerView;
    const list = inflightOf(v.workers, T0);
    const ages = list.map((f) => f.age).filter((a): a is number => a !== undefined);
    assert.equal(v.totals.inFlight, list.length, JSON.stringify(s));
    assert.equal(v.totals.oldestRequestAge, ages.length ? Math.max(...ages) : undefined, JSON.stringify(s));
    assert.deepEqual(inflightSummary(v.workers, T0), { count: list.length, oldest: v.totals.oldestRequestAge });
    assert.deepEqual(v.inflight, list);
  }
});

test('the in-flight list is built on first read, once; a spread or JSON copy of the view still has it; it can be replaced', () => {
  const v = buildView({ doc: doc([[nowS - 3, nowS - 12]]), at: T0 }) as ServerView;
  const d = Object.getOwnPropertyDescriptor(v, 'inflight')!;
  assert.equal(typeof d.get, 'function', 'an accessor: nothing is built until read');
  assert.ok(d.enumerable);
  const first = v.inflight;
  assert.equal(v.inflight, first, 'the same list on every read');
  assert.deepEqual(first.map((f) => f.path), ['/w0c1', '/w0c0']);
  assert.deepEqual({ ...v }.inflight, first);
  assert.deepEqual((JSON.parse(JSON.stringify(v)) as { inflight: unknown[] }).inflight.length, 2);
  v.inflight = [];
  assert.deepEqual(v.inflight, []);
});

test('slow-request verdict: fires from the totals without needing the list first, and stays quiet under the threshold', () => {
  const slow = buildView({ doc: doc([[nowS - 3], [nowS - 15]]), at: T0 }) as ServerView;
  const vs = diagnoseView(slow, { slowSeconds: 10 });
  assert.deepEqual(vs.filter((x) => x.rule === 'slow_request').map((x) => x.message), ['slow request: worker 2 GET /w1c0 15s']);
  const fine = buildView({ doc: doc([[nowS - 3], [nowS - 9]]), at: T0 }) as ServerView;
  assert.deepEqual(diagnoseView(fine, { slowSeconds: 10 }).filter((x) => x.rule === 'slow_request'), []);
});
