/**
 * Issue 13 point 5 (memory, GC): a view keeps only the numbers its lazy core
 * rates need of the previous read, not the previous document — which is then
 * garbage as soon as the new view is built. The core rates are the same as
 * buildCores computes from the previous worker (matched by index or by key).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { buildCores, buildView } from '../../src/model/index.js';
import type { ServerView } from '../../src/model/types.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';
import { core, sample, server, worker } from './factory.js';

function gcFn(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('the previous document is not kept alive by the new view (its cores still get their rates)', async () => {
  const gc = gcFn();
  let prevDoc: StatsSnapshot | undefined = server({
    workers: [worker({ id: 1, requests: 10, cores: [core({ id: 0, requests: 4 }), core({ id: 1, requests: 6 })] })],
  });
  const ref = new WeakRef(prevDoc.workers[0]!.cores![0]!);
  const view = buildView(sample(server({ workers: [worker({ id: 1, requests: 30, cores: [core({ id: 0, requests: 14 }), core({ id: 1, requests: 16 })] })] }), 2000), sample(prevDoc, 0)) as ServerView;
  prevDoc = undefined;
  // A WeakRef target lives until the end of the job that made (or deref'd) it: collect in a later one.
  let gone = false;
  for (let i = 0; i < 5 && !gone; i++) {
    await turn();
    gc();
    await turn();
    gone = ref.deref() === undefined;
  }
  assert.ok(gone, 'a core of the previous document is still reachable');
  assert.deepEqual(view.workers[0]!.cores.map((c) => c.rps), [5, 5]);
});

test('lazy core rates equal buildCores over the previous worker: same ids, reordered ids, a new core, a reset core, no previous', () => {
  const cases: [number[], number[], number[], number[], (number | undefined)[]][] = [
    // prev ids, prev requests, cur ids, cur requests, the rates over the 2 s between them (worked out by hand)
    [[0, 1, 2], [1, 2, 3], [0, 1, 2], [11, 22, 3], [5, 10, 0]],
    [[0, 1, 2], [1, 2, 3], [2, 0, 1], [13, 21, 32], [5, 10, 15]], // each core against the previous core of its id
    [[0, 1], [5, 5], [0, 1, 2], [6, 9, 1], [0.5, 2, undefined]],
    [[0, 1], [50, 5], [0, 1], [6, 9], [undefined, 2]], // core 0 went down: no rate for it
    [[], [], [0], [7], [undefined]],
    [[0, 1, 2], [1, 2, 3], [0, 1, 5], [4, 5, 6], [1.5, 1.5, undefined]], // the same order up to the last core, then another id
    [[0, 0], [1, 2], [0, 0], [3, 5], [1, 1.5]], // duplicate ids: matched by key (0, 0~2), not by index
  ];
  for (const [pid, preq, cid, creq, rates] of cases) {
    const pw = worker({ id: 1, requests: 100, cores: pid.map((id, i) => core({ id, requests: preq[i]! })) });
    const cw = worker({ id: 1, requests: 200, cores: cid.map((id, i) => core({ id, requests: creq[i]! })) });
    const v = buildView(sample(server({ workers: [worker({ id: 2 }), cw] }), 4000), sample(server({ workers: [worker({ id: 2 }), pw] }), 2000)) as ServerView;
    const want = buildCores(cw, pw, 2).map((c) => c.rps);
    assert.deepEqual(want, rates, JSON.stringify([pid, preq, cid, creq]));
    assert.deepEqual(v.workers[1]!.cores.map((c) => c.rps), want, JSON.stringify([pid, preq, cid, creq]));
    // by key (the worker lists differ): the same
    const byKey = buildView(sample(server({ workers: [cw] }), 4000), sample(server({ workers: [worker({ id: 7 }), pw] }), 2000)) as ServerView;
    assert.deepEqual(byKey.workers[0]!.cores.map((c) => c.rps), want);
  }
  const first = buildView(sample(server({ workers: [worker({ id: 1, cores: [core({ requests: 3 })] })] }), 0)) as ServerView;
  assert.deepEqual(first.workers[0]!.cores.map((c) => c.rps), [undefined]);
});
