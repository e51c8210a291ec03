import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildView, connectionEvent, statusClass, workerKeys } from '../../src/model/index.js';
import type { ServerView, View, WorkerView } from '../../src/model/index.js';
import { core, emperor, sample, server, vassal, worker } from './factory.js';

const T0 = 1_700_000_000_000;

function sv(v: View): ServerView {
  assert.equal(v.kind, 'server');
  return v as ServerView;
}
function byId(v: ServerView, id: number): WorkerView {
  const w = v.workers.find((x) => x.id === id);
  assert.ok(w, `worker ${id} present`);
  return w;
}
function close(actual: number | undefined, expected: number, msg?: string): void {
  assert.ok(actual !== undefined, `${msg ?? 'value'} defined`);
  assert.ok(Math.abs(actual - expected) < 1e-9, `${msg ?? 'value'}: ${actual} ≈ ${expected}`);
}

test('rates from two reads (hand-computed)', () => {
  const prev = server({
    workers: [
      worker({ id: 1, pid: 11, requests: 100, tx: 1000, exceptions: 2, cores: [core({ id: 0, requests: 60 }), core({ id: 1, requests: 40 })] }),
      worker({ id: 2, pid: 12, requests: 50, tx: 500, exceptions: 0 }),
    ],
  });
  const cur = server({
    workers: [
      worker({ id: 1, pid: 11, requests: 150, tx: 5096, exceptions: 3, cores: [core({ id: 1, requests: 50 }), core({ id: 0, requests: 100 })] }),
      worker({ id: 2, pid: 12, requests: 50, tx: 500, exceptions: 0 }),
    ],
  });
  const v = sv(buildView(sample(cur, T0 + 2000), sample(prev, T0)));
  assert.equal(v.interval, 2);
  const w1 = byId(v, 1);
  close(w1.rps, 25, 'w1 rps'); // (150-100)/2
  close(w1.txRate, 2048, 'w1 tx/s'); // (5096-1000)/2
  close(w1.excRate, 0.5, 'w1 exc/s');
  assert.equal(w1.respawned, false);
  // cores matched by id, not by position
  const c0 = w1.cores.find((c) => c.id === 0)!;
  const c1 = w1.cores.find((c) => c.id === 1)!;
  close(c0.rps, 20, 'core 0'); // (100-60)/2
  close(c1.rps, 5, 'core 1'); // (50-40)/2
  assert.equal(c0.workerId, 1);
  const w2 = byId(v, 2);
  assert.equal(w2.rps, 0);
  assert.equal(w2.txRate, 0);
  // totals & share
  assert.equal(v.totals.requests, 200);
  close(v.totals.rps, 25, 'total rps');
  close(v.totals.txRate, 2048, 'total tx/s');
  assert.equal(v.totals.tx, 5596);
  close(w1.share, 75, 'w1 share');
  close(w2.share, 25, 'w2 share');
  assert.deepEqual(v.events, []);
});

test('first read: every rate undefined, shares and totals still known', () => {
  const cur = server({
    workers: [worker({ id: 1, requests: 30, tx: 10, cores: [core({ id: 0, requests: 30 })] }), worker({ id: 2, requests: 10 })],
  });
  const v = sv(buildView(sample(cur, T0)));
  assert.equal(v.interval, undefined);
  for (const w of v.workers) {
    assert.equal(w.rps, undefined);
    assert.equal(w.txRate, undefined);
    assert.equal(w.excRate, undefined);
    assert.equal(w.respawned, false);
    for (const c of w.cores) assert.equal(c.rps, undefined);
  }
  assert.equal(v.totals.rps, undefined);
  assert.equal(v.totals.txRate, undefined);
  assert.equal(v.totals.excRate, undefined);
  assert.equal(v.totals.requests, 40);
  close(byId(v, 1).share, 75);
  assert.deepEqual(v.events, []);
});

test('interval <= 0 or not finite → rates and interval undefined', () => {
  const prev = server({ workers: [worker({ requests: 1 })] });
  const cur = server({ workers: [worker({ requests: 5 })] });
  for (const at of [T0, T0 - 1000, Number.NaN, Number.POSITIVE_INFINITY]) {
    const v = sv(buildView(sample(cur, at), sample(prev, T0)));
    assert.equal(v.interval, undefined, `at=${at}`);
    assert.equal(v.workers[0]!.rps, undefined, `at=${at}`);
    assert.equal(v.totals.rps, undefined, `at=${at}`);
  }
});

test('pid change alone (a respawn: uWSGI keeps the counters): rates computed, respawn event with old/new pid', () => {
  // (uWSGI adds 1 to respawn_count at each respawn: without it a new pid is a reload's fresh start, tested below)
  const prev = server({ workers: [worker({ id: 3, pid: 100, requests: 500, tx: 9000, respawn_count: 1, cores: [core({ id: 0, requests: 500 })] })] });
  const cur = server({ workers: [worker({ id: 3, pid: 200, requests: 600, tx: 9500, respawn_count: 2, cores: [core({ id: 0, requests: 600 })] })] });
  const v = sv(buildView(sample(cur, T0 + 1000), sample(prev, T0)));
  const w = byId(v, 3);
  assert.equal(w.respawned, true);
  assert.equal(w.respawnReason, 'pid');
  assert.equal(w.reset, false);
  assert.equal(w.respawns, 1);
  assert.equal(w.rps, 100);
  assert.equal(w.txRate, 500);
  assert.equal(w.cores[0]!.rps, 100, 'core counters survive too');
  assert.equal(v.totals.rps, 100);
  const e = v.events.filter((x) => x.kind === 'respawn');
  assert.equal(e.length, 1);
  assert.equal(e[0]!.workerId, 3);
  assert.equal(e[0]!.oldPid, 100);
  assert.equal(e[0]!.newPid, 200);
  assert.match(e[0]!.message, /100 -> 200/);
  assert.equal(e[0]!.at, T0 + 1000);
});

test('reset on any monotone counter going down (same pid)', () => {
  const base = { id: 1, pid: 10, requests: 100, tx: 1000, exceptions: 5 };
  for (const [field, lower] of [
    ['requests', 3],
    ['tx', 10],
    ['exceptions', 0],
  ] as const) {
    const prev = server({ workers: [worker(base), worker({ id: 2, pid: 20, requests: 10 })] });
    const cur = server({ workers: [worker({ ...base, [field]: lower }), worker({ id: 2, pid: 20, requests: 14 })] });
    const v = sv(buildView(sample(cur, T0 + 2000), sample(prev, T0)));
    const w = byId(v, 1);
    assert.equal(w.respawned, true, field);
    assert.equal(w.respawnReason, 'counter', field);
    assert.equal(w.rps, undefined, field);
    assert.equal(w.txRate, undefined, field);
    assert.equal(w.excRate, undefined, field);
    close(v.totals.rps, 2, `${field}: total = the other worker only`);
    assert.equal(v.events.filter((e) => e.kind === 'respawn').length, 1, field);
  }
});

test('respawn_count increase (pid reused): a respawn event, the rate still computed', () => {
  const prev = server({ workers: [worker({ id: 1, pid: 10, requests: 100, respawn_count: 1 })] });
  const cur = server({ workers: [worker({ id: 1, pid: 10, requests: 120, respawn_count: 2 })] });
  const v = sv(buildView(sample(cur, T0 + 1000), sample(prev, T0)));
  assert.equal(byId(v, 1).respawnReason, 'respawn_count');
  assert.equal(byId(v, 1).respawns, 1);
  assert.equal(byId(v, 1).rps, 20);
});

test('master pid change resets every worker and reports a master restart', () => {
  const prev = server({ pid: 1, workers: [worker({ id: 1, pid: 10, requests: 100 })] });
  const cur = server({ pid: 2, workers: [worker({ id: 1, pid: 10, requests: 120 })] });
  const v = sv(buildView(sample(cur, T0 + 1000), sample(prev, T0)));
  assert.equal(byId(v, 1).respawnReason, 'master');
  assert.equal(byId(v, 1).rps, undefined);
  const e = v.events.filter((x) => x.kind === 'respawn');
  assert.equal(e.length, 1);
  assert.match(e[0]!.message, /master restarted \(pid 1 -> 2\)/);
});

test('cores: new core and a core whose own counter went down get undefined rates', () => {
  const prev = server({ workers: [worker({ id: 1, requests: 100, cores: [core({ id: 0, requests: 50 }), core({ id: 1, requests: 50 })] })] });
  const cur = server({
    workers: [worker({ id: 1, requests: 110, cores: [core({ id: 0, requests: 60 }), core({ id: 1, requests: 10 }), core({ id: 2, requests: 40 })] })],
  });
  const v = sv(buildView(sample(cur, T0 + 2000), sample(prev, T0)));
  const cs = byId(v, 1).cores;
  close(cs[0]!.rps, 5);
  assert.equal(cs[1]!.rps, undefined);
  assert.equal(cs[2]!.rps, undefined);
  close(byId(v, 1).rps, 5);
});

test('totals over unknowns; undefined only when every contributor is unknown', () => {
  const prev = server({ workers: [worker({ id: 1, requests: 10, tx: undefined }), worker({ id: 2, requests: undefined, tx: undefined })] });
  const cur = server({
    workers: [
      worker({ id: 1, requests: 20, tx: undefined, rss: undefined, vsz: undefined }),
      worker({ id: 2, requests: undefined, tx: undefined, rss: 4096, vsz: undefined }),
      worker({ id: 3, requests: 7, tx: undefined, rss: undefined, vsz: undefined }),
    ],
  });
  const v = sv(buildView(sample(cur, T0 + 1000), sample(prev, T0)));
  assert.equal(v.totals.workers, 3);
  assert.equal(v.totals.requests, 27);
  close(v.totals.rps, 10, 'new worker 3 and unknown worker 2 do not count');
  assert.equal(v.totals.tx, undefined);
  assert.equal(v.totals.txRate, undefined);
  assert.equal(v.totals.rss, 4096);
  assert.equal(v.totals.vsz, undefined);
  assert.equal(byId(v, 2).share, undefined);
  assert.equal(byId(v, 3).rps, undefined);
  assert.equal(v.events.filter((e) => e.kind === 'new_worker').length, 1);
});

test('avgRt total is the requests-weighted mean over workers with requests', () => {
  const cur = server({
    workers: [
      worker({ id: 1, requests: 100, avg_rt: 1000 }),
      worker({ id: 2, requests: 300, avg_rt: 2000 }),
      worker({ id: 3, requests: 0, avg_rt: 99999 }),
      worker({ id: 4, requests: 50, avg_rt: undefined }),
    ],
  });
  const v = sv(buildView(sample(cur, T0)));
  close(v.totals.avgRt, 1750); // (100*1000 + 300*2000) / 400
  const none = sv(buildView(sample(server({ workers: [worker({ requests: 0, avg_rt: 5 })] }), T0)));
  assert.equal(none.totals.avgRt, undefined);
});

test('share undefined when total requests are 0; busy derivation', () => {
  const cur = server({
    workers: [
      worker({ id: 1, requests: 0, status: 'busy', cores: [] }),
      worker({ id: 2, requests: 0, status: 'idle', cores: [core({ id: 0 }), core({ id: 1, in_request: true })] }),
      worker({ id: 3, requests: 0, status: 'idle', cores: [core({ id: 0 })] }),
      worker({ id: 4, requests: 0, status: undefined, cores: undefined }),
    ],
  });
  const v = sv(buildView(sample(cur, T0)));
  for (const w of v.workers) assert.equal(w.share, undefined);
  assert.deepEqual(
    v.workers.map((w) => w.busy),
    [true, true, false, false],
  );
  assert.equal(v.totals.busy, 2);
  assert.equal(byId(v, 4).status, '');
  assert.equal(byId(v, 4).statusClass, 'unknown');
});

test('statusClass: known statuses, sig*, other verbatim, unknown', () => {
  assert.equal(statusClass('idle'), 'idle');
  assert.equal(statusClass('busy'), 'busy');
  assert.equal(statusClass('cheap'), 'cheap');
  assert.equal(statusClass('pause'), 'pause');
  assert.equal(statusClass('sig'), 'sig');
  assert.equal(statusClass('sig15'), 'sig');
  assert.equal(statusClass('Idle'), 'other');
  assert.equal(statusClass('weird'), 'other');
  assert.equal(statusClass(''), 'other');
  assert.equal(statusClass(undefined), 'unknown');
  const v = sv(buildView(sample(server({ workers: [worker({ status: 'weird' })] }), T0)));
  assert.equal(v.workers[0]!.status, 'weird');
  assert.equal(v.workers[0]!.statusClass, 'other');
});

test('negative / NaN / infinite counters are unknown, never a rate', () => {
  const prev = server({ workers: [worker({ id: 1, requests: -5, tx: Number.NaN, exceptions: 1 })] });
  const cur = server({ workers: [worker({ id: 1, requests: 10, tx: 100, exceptions: Number.POSITIVE_INFINITY })] });
  const v = sv(buildView(sample(cur, T0 + 1000), sample(prev, T0)));
  const w = byId(v, 1);
  assert.equal(w.rps, undefined);
  assert.equal(w.txRate, undefined);
  assert.equal(w.excRate, undefined);
  assert.equal(v.totals.exceptions, undefined);
  // huge delta over a tiny interval overflows to Infinity: must be undefined
  const p2 = server({ workers: [worker({ id: 1, requests: 0 })] });
  const c2 = server({ workers: [worker({ id: 1, requests: Number.MAX_VALUE })] });
  const v2 = sv(buildView(sample(c2, 1e-300), sample(p2, 0)));
  assert.equal(v2.workers[0]!.rps, undefined);
});

test('header: node from opts.node, else address; numbers sanitised', () => {
  const doc = server({ version: '2.0.21-debian', pid: 77, uid: 1, gid: 2, cwd: '/x', listen_queue: 4, listen_queue_errors: -1, load: 3 });
  const h = sv(buildView(sample(doc, T0), undefined, { node: 'web1', address: '127.0.0.1:1717' })).header;
  assert.deepEqual(h, {
    version: '2.0.21-debian',
    pid: 77,
    uid: 1,
    gid: 2,
    cwd: '/x',
    node: 'web1',
    listenQueue: 4,
    listenQueueErrors: undefined,
    load: 3,
    worstSocket: undefined,
  });
  assert.equal(sv(buildView(sample(doc, T0), undefined, { address: '/tmp/s.sock' })).header.node, '/tmp/s.sock');
  assert.equal(sv(buildView(sample(doc, T0))).header.node, '');
});

test('worker keys: positive id, slot number for id 0/missing, pid fallback, index fallback, duplicates', () => {
  assert.deepEqual(
    workerKeys([
      worker({ id: 2 }),
      worker({ id: 0, pid: 55 }), // slot 2 is claimed by id 2 → pid
      worker({ id: undefined, pid: 0 }), // slot 3 claimed, pid 0 is no process → index
      worker({ id: 3 }),
      worker({ id: 2 }), // duplicate
      worker({ id: 0, pid: 0 }), // free slot 6
    ]),
    ['2', 'pid:55', '#2', '3', '2~2', '6'],
  );
});

test('uWSGI cheap slots (id 0, pid 0) keep their key when they spawn; no bogus respawn event', () => {
  const cheapSlot = { id: 0, pid: 0, status: 'cheap', requests: 0, respawn_count: 0, last_spawn: 0, accepting: 0 };
  const prev = server({ workers: [worker({ id: 1, pid: 11 }), worker({ id: 2, pid: 12 }), worker(cheapSlot), worker(cheapSlot)] });
  const first = sv(buildView(sample(prev, T0)));
  assert.deepEqual(first.workers.map((w) => w.key), ['1', '2', '3', '4']);
  const cur = server({
    workers: [worker({ id: 1, pid: 11 }), worker({ id: 2, pid: 12 }), worker({ id: 3, pid: 13, status: 'idle', respawn_count: 1 }), worker(cheapSlot)],
  });
  const v = sv(buildView(sample(cur, T0 + 1000), sample(prev, T0)));
  assert.deepEqual(v.workers.map((w) => w.key), ['1', '2', '3', '4']);
  assert.equal(byId(v, 3).respawned, false, 'a cheaper scale-up is not a respawn');
  assert.equal(byId(v, 3).spawned, true);
  assert.equal(byId(v, 3).respawns, 0);
  assert.equal(byId(v, 3).rps, 0);
  assert.deepEqual(
    v.events.map((e) => [e.kind, e.message]),
    [
      ['spawned', 'worker 3 spawned (pid 13, cheaper scale-up)'],
      ['status', 'worker 3 cheap -> idle'],
      ['status', 'worker 3 now accepting'],
    ],
  );
  // and back to cheap: a status event, not "respawned (pid 13 -> 0)"
  const back = sv(buildView(sample(prev, T0 + 2000), sample(cur, T0 + 1000)));
  assert.equal(back.workers.find((w) => w.key === '3')!.respawns, 0, 'going back to cheap is no respawn');
  assert.deepEqual(
    back.events.map((e) => [e.kind, e.message]),
    [
      ['status', 'worker 3 idle -> cheap'],
      ['status', 'worker 3 stopped accepting'],
    ],
  );
  // a slot that gets a process without having been cheap is reported as spawned
  const p3 = server({ workers: [worker({ id: 1, pid: 0, status: 'idle' })] });
  const c3 = server({ workers: [worker({ id: 1, pid: 77, status: 'idle' })] });
  assert.deepEqual(
    sv(buildView(sample(c3, T0 + 1000), sample(p3, T0))).events.map((e) => e.message),
    ['worker 1 spawned (pid 77)'],
  );
});

test('events: harakiri, notable status changes only, accepting, new and gone workers', () => {
  const prev = server({
    workers: [
      worker({ id: 1, pid: 11, harakiri_count: 0, status: 'idle' }),
      worker({ id: 2, pid: 12, status: 'idle' }),
      worker({ id: 3, pid: 13, status: 'cheap' }),
      worker({ id: 4, pid: 14, status: 'idle', accepting: 1 }),
      worker({ id: 5, pid: 15, status: 'idle' }),
      worker({ id: 6, pid: 16 }),
    ],
  });
  const cur = server({
    workers: [
      worker({ id: 1, pid: 11, harakiri_count: 2, status: 'idle' }),
      worker({ id: 2, pid: 12, status: 'busy' }),
      worker({ id: 3, pid: 13, status: 'idle' }),
      worker({ id: 4, pid: 14, status: 'idle', accepting: 0 }),
      worker({ id: 5, pid: 15, status: 'sig' }),
      worker({ id: 7, pid: 17 }),
    ],
  });
  const v = sv(buildView(sample(cur, T0 + 1000), sample(prev, T0)));
  const got = v.events.map((e) => [e.kind, e.workerId, e.message]);
  assert.deepEqual(got, [
    ['harakiri', 1, 'worker 1 harakiri (count 0 -> 2)'],
    ['status', 3, 'worker 3 cheap -> idle'],
    ['status', 4, 'worker 4 stopped accepting'],
    ['status', 5, 'worker 5 idle -> sig'],
    ['new_worker', 7, 'worker 7 appeared (pid 17)'],
    ['gone_worker', 6, 'worker 6 gone (pid 16)'],
  ]);
  for (const e of v.events) assert.equal(e.at, T0 + 1000);
});

test('events: listen queue spike from 0, threshold crossing, errors', () => {
  const ev = (a: number, b: number, ea = 0, eb = 0, lqThreshold?: number) =>
    sv(
      buildView(
        sample(server({ listen_queue: b, listen_queue_errors: eb }), T0 + 1000),
        sample(server({ listen_queue: a, listen_queue_errors: ea }), T0),
        lqThreshold === undefined ? {} : { lqThreshold },
      ),
    ).events.map((e) => `${e.kind}: ${e.message}`);
  assert.deepEqual(ev(0, 3), ['listen_queue: listen queue 0 -> 3']);
  assert.deepEqual(ev(0, 0), []);
  assert.deepEqual(ev(3, 5), []);
  assert.deepEqual(ev(5, 12), ['listen_queue: listen queue 5 -> 12 (threshold 10)']);
  assert.deepEqual(ev(0, 50, 0, 0, 100), ['listen_queue: listen queue 0 -> 50']);
  assert.deepEqual(ev(12, 15), []);
  assert.deepEqual(ev(0, 0, 1, 4), ['listen_queue: listen queue errors +3 (total 4)']);
});

test('connectionEvent helper', () => {
  assert.deepEqual(connectionEvent('connection_lost', 5, 'refused'), { at: 5, kind: 'connection_lost', message: 'refused' });
  assert.equal(connectionEvent('connection_restored', 6, 'ok').kind, 'connection_restored');
});

test('emperor document → EmperorView; mixed kinds do not compare', () => {
  const e = emperor({ vassals: [vassal({ id: 'a.ini', pid: 3 })] });
  const v = buildView(sample(e, T0), sample(server(), T0 - 1000), { node: 'n' });
  assert.equal(v.kind, 'emperor');
  if (v.kind !== 'emperor') return;
  assert.equal(v.doc, e);
  assert.equal(v.node, 'n');
  assert.equal(v.at, T0);
  const s = sv(buildView(sample(server({ workers: [worker({ requests: 5 })] }), T0 + 1000), sample(e, T0)));
  assert.equal(s.interval, undefined);
  assert.equal(s.workers[0]!.rps, undefined);
  assert.deepEqual(s.events, []);
});
