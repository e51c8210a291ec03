import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildView, Diagnoser } from '../../src/model/index.js';
import { server, worker } from './factory.js';

const T0 = 1_700_000_000_000;

// With more workers than the Diagnoser's key budget (4096), it used to evict one key per new worker
// on every read: the last workers never kept their respawn history (and each read was quadratic).
test('diagnosis at 6,000 workers: the last worker\'s crash loop is still seen', () => {
  const n = 6000;
  const diag = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60 });
  const doc = (i: number) =>
    server({ workers: Array.from({ length: n }, (_, k) => (k === n - 1 ? worker({ id: k + 1, pid: 100 + i, respawn_count: 1 + i }) : worker({ id: k + 1, pid: 100_000 + k }))) });
  let prev = doc(0);
  diag.update(buildView({ doc: prev, at: T0 }));
  const seen: string[][] = [];
  for (let i = 1; i <= 3; i++) {
    const cur = doc(i);
    const v = diag.update(buildView({ doc: cur, at: T0 + i * 5000 }, { doc: prev, at: T0 + (i - 1) * 5000 }));
    seen.push(v.filter((x) => x.rule === 'crash_loop').map((x) => String(x.workerKey)));
    prev = cur;
  }
  assert.deepEqual(seen, [[], [], [String(n)]]);
});
