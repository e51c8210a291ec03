/**
 * Issue 12, pure model: rates across respawns, avg now / lifetime mean,
 * listen queue fullness, in-flight requests, Emperor blacklist and the
 * diagnosis rules (each rule can fire and can stay quiet).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildView, Diagnoser, diagnoseView, queueText, sortVerdicts, worstVerdict, RULE_ORDER, type ServerView, type EmperorView, type Verdict } from '../../src/model/index.js';
import { core, emperor, server, vassal, worker } from './factory.js';
import { renderText, viewToJson } from '../../src/render/text.js';
import { RECYCLED_AFTER, SEVERITY } from '../../src/model/diagnosis.js';
import { columnById } from '../../src/columns.js';

const T0 = 1_700_000_000_000;
const sv = (v: unknown) => v as ServerView;
const sock = (queue: number, max_queue: number, name = '127.0.0.1:8000') => ({ name, proto: 'uwsgi', queue, max_queue, shared: 0, can_offload: 0, extra: {} });
const rules = (vs: readonly Verdict[]) => vs.map((v) => v.rule);

test('rates across a respawn: pid change with counters kept → rate computed; counters lower → unknown for one tick', () => {
  const a = server({ workers: [worker({ id: 1, pid: 10, requests: 1000, running_time: 5e6 }), worker({ id: 2, pid: 20, requests: 1000, running_time: 5e6 })] });
  // worker 1 killed and respawned: same counters + 50, new pid
  const b = server({ workers: [worker({ id: 1, pid: 11, requests: 1050, respawn_count: 2, running_time: 5.5e6 }), worker({ id: 2, pid: 20, requests: 1050, running_time: 5.5e6 })] });
  const v = sv(buildView({ doc: b, at: T0 + 1000 }, { doc: a, at: T0 }));
  assert.equal(v.totals.rps, 100, 'total = Δ total requests / interval');
  assert.equal(v.workers[0]!.respawned, true);
  assert.equal(v.workers[0]!.respawns, 1);
  assert.equal(v.workers[0]!.rps, 50);
  // graceful reload: counters go down → unknown for this tick, known again on the next
  const c = server({ workers: [worker({ id: 1, pid: 12, requests: 3, respawn_count: 1 }), worker({ id: 2, pid: 21, requests: 4, respawn_count: 1 })] });
  const v2 = sv(buildView({ doc: c, at: T0 + 2000 }, { doc: b, at: T0 + 1000 }));
  assert.deepEqual(v2.workers.map((w) => [w.reset, w.rps]), [[true, undefined], [true, undefined]]);
  const d = server({ workers: [worker({ id: 1, pid: 12, requests: 13, respawn_count: 1 }), worker({ id: 2, pid: 21, requests: 4, respawn_count: 1 })] });
  assert.equal(sv(buildView({ doc: d, at: T0 + 3000 }, { doc: c, at: T0 + 2000 })).totals.rps, 10);
});

test('avg now = Σ Δrunning_time / Σ Δrequests; mean = Σ running_time / Σ requests (not the swinging avg_rt)', () => {
  const a = server({ workers: [worker({ id: 1, requests: 100, running_time: 1e6, avg_rt: 900_000 }), worker({ id: 2, pid: 2, requests: 100, running_time: 3e6, avg_rt: 5 })] });
  const b = server({ workers: [worker({ id: 1, requests: 110, running_time: 1.1e6, avg_rt: 900_000 }), worker({ id: 2, pid: 2, requests: 130, running_time: 3.9e6, avg_rt: 5 })] });
  const v = sv(buildView({ doc: b, at: T0 + 1000 }, { doc: a, at: T0 }));
  assert.equal(v.workers[0]!.avgNow, 10_000);
  assert.equal(v.workers[1]!.avgNow, 30_000);
  assert.equal(v.totals.avgNow, (0.1e6 + 0.9e6) / 40);
  assert.equal(v.totals.avgMean, 5e6 / 240);
  const text = renderText(v);
  assert.match(text, /avg now: 25ms - mean: 21ms/);
  const j = viewToJson(v) as { totals: { avg_now: number; avg_mean: number } };
  assert.equal(j.totals.avg_now, 25_000);
  // no new requests → unknown, not 0
  assert.equal(sv(buildView({ doc: b, at: T0 + 2000 }, { doc: b, at: T0 + 1000 })).totals.avgNow, undefined);
});

test('listen queue: worst socket as 9/8 FULL (queue ≥ max), a % otherwise; events when it fills and drains', () => {
  assert.equal(queueText({ name: 'a', measured: true, proto: 'uwsgi', queue: 9, maxQueue: 8, shared: 0, canOffload: 0, full: true, fillPct: 112.5 }), '9/8 FULL');
  const calm = server({ listen_queue: 3, sockets: [sock(3, 100), sock(0, 100, '/tmp/b.sock')] });
  const full = server({ listen_queue: 9, listen_queue_errors: 0, sockets: [sock(0, 100), sock(9, 8, '/tmp/b.sock')] });
  const v0 = sv(buildView({ doc: calm, at: T0 }));
  assert.equal(queueText(v0.header.worstSocket), '3/100 3%');
  const v1 = sv(buildView({ doc: full, at: T0 + 1000 }, { doc: calm, at: T0 }));
  assert.equal(v1.header.worstSocket?.name, '/tmp/b.sock');
  assert.match(renderText(v1), /lq: 9\/8 FULL/);
  assert.deepEqual(v1.events.filter((e) => e.kind === 'queue_full').map((e) => e.message), ['listen queue of /tmp/b.sock full (9/8 FULL)']);
  const v2 = sv(buildView({ doc: calm, at: T0 + 2000 }, { doc: full, at: T0 + 1000 }));
  assert.deepEqual(v2.events.filter((e) => e.kind === 'queue_drained').map((e) => e.message), ['listen queue of /tmp/b.sock drained (0/100 0%)']);
  // one below the backlog (seen on a real uWSGI: 9/8 FULL, then 7/8) is no longer full, and not "drained"
  const still = server({ listen_queue: 7, sockets: [sock(0, 100), sock(7, 8, '/tmp/b.sock')] });
  const v3 = sv(buildView({ doc: still, at: T0 + 2000 }, { doc: full, at: T0 + 1000 }));
  assert.deepEqual(v3.events.filter((e) => e.kind === 'queue_drained').map((e) => e.message), ['listen queue of /tmp/b.sock no longer full (7/8 88%)']);
  // a fresh master's max_queue 0 with an empty queue is not full
  assert.equal(sv(buildView({ doc: server({ sockets: [sock(0, 0)] }), at: T0 })).sockets[0]!.full, false);
  const j = viewToJson(v1) as { sockets: { full: boolean }[] };
  assert.deepEqual(j.sockets.map((s) => s.full), [false, true]);
});

function inflightDoc(starts: number[], extra: Partial<Parameters<typeof server>[0]> = {}) {
  return server({
    workers: starts.map((s, i) =>
      worker({
        id: i + 1,
        pid: 100 + i,
        status: 'busy',
        cores: [core({ id: 0, in_request: true, request: { method: 'GET', path: `/p${i + 1}`, start: s }, req_info: { request_start: s } })],
      }),
    ),
    ...extra,
  });
}

test('in-flight requests: oldest first, age from request_start, in the header, batch section and --json', () => {
  const now = T0 / 1000;
  const v = sv(buildView({ doc: inflightDoc([now - 3, now - 12, now - 1]), at: T0 }));
  assert.deepEqual(v.inflight.map((f) => [f.workerId, f.path, f.age]), [[2, '/p2', 12], [1, '/p1', 3], [3, '/p3', 1]]);
  assert.equal(v.totals.oldestRequestAge, 12);
  const text = renderText(v);
  assert.match(text, /in flight: 3 \(oldest 12s\)/);
  const lines = text.split('\n');
  const at = lines.indexOf('requests in flight (3):');
  assert.ok(at > 0);
  assert.deepEqual(lines.slice(at + 1, at + 4), ['  worker 2 core 0 pid 101  GET /p2  12s', '  worker 1 core 0 pid 100  GET /p1  3s', '  worker 3 core 0 pid 102  GET /p3  1s']);
  // at most 20 listed
  const many = sv(buildView({ doc: inflightDoc(Array.from({ length: 25 }, (_, i) => now - i)), at: T0 }));
  const ml = renderText(many).split('\n');
  assert.equal(ml.filter((l) => /^ {2}worker \d+ core/.test(l)).length, 20);
  assert.ok(ml.includes('  … 5 more'));
  // none in flight → no section
  assert.doesNotMatch(renderText(sv(buildView({ doc: server({ workers: [worker()] }), at: T0 }))), /requests in flight/);
  const j = viewToJson(v) as { inflight: { path: string; age: number; method: string }[] };
  assert.deepEqual(j.inflight.map((f) => [f.method, f.path, f.age]), [['GET', '/p2', 12], ['GET', '/p1', 3], ['GET', '/p3', 1]]);
});

test('diagnosis: saturated and queue full, most severe first; quiet when healthy', () => {
  const now = T0 / 1000;
  const sat = inflightDoc([now - 1, now - 1], { listen_queue: 9, sockets: [sock(9, 8)] });
  const v = sv(buildView({ doc: sat, at: T0 }));
  const d = new Diagnoser().update(v);
  assert.deepEqual(rules(d), ['saturated', 'queue_full']);
  assert.match(d[0]!.message, /^saturated: all 2 workers busy, 9 waiting/);
  // one worker: said in the singular
  const one = new Diagnoser().update(sv(buildView({ doc: inflightDoc([now - 1], { listen_queue: 3, sockets: [sock(3, 8)] }), at: T0 })));
  assert.match(one.find((x) => x.rule === 'saturated')?.message ?? '', /^saturated: the only worker busy, 3 waiting/);
  assert.equal(d[1]!.message, 'queue full: 127.0.0.1:8000 9/8 FULL');
  assert.match(renderText(v).split('\n')[3]!, /^diagnosis: saturated: .* \| queue full: /);
  assert.deepEqual((viewToJson(v) as { diagnosis: { rule: string }[] }).diagnosis.map((x) => x.rule), ['saturated', 'queue_full']);
  // one idle worker → not saturated, queue not full → quiet
  const ok = inflightDoc([now - 1], { listen_queue: 2, sockets: [sock(2, 100)] });
  ok.workers.push(worker({ id: 2, pid: 7 }));
  assert.deepEqual(diagnoseView(sv(buildView({ doc: ok, at: T0 }))), []);
  // workers that cannot take a request (not accepting: a lazy-apps worker loading its app; paused) leave none free
  const loading = server({ listen_queue: 1, sockets: [sock(1, 100)], workers: [worker({ id: 1, pid: 5, accepting: 0 }), worker({ id: 2, pid: 6, accepting: 0 })] });
  assert.deepEqual(diagnoseView(sv(buildView({ doc: loading, at: T0 }))).map((x) => x.message), ['saturated: no worker accepting (all 2 loading the app, stopping or paused), 1 waiting in the listen queue']);
  const mixedBusy = inflightDoc([now - 1], { listen_queue: 3, sockets: [sock(3, 100)] });
  mixedBusy.workers.push(worker({ id: 2, pid: 7, status: 'pause' }));
  assert.deepEqual(diagnoseView(sv(buildView({ doc: mixedBusy, at: T0 }))).map((x) => x.message), ['saturated: 1 worker busy, 1 not accepting (loading the app, stopping or paused), 3 waiting in the listen queue']);
  // a worker running a uWSGI signal handler (status sig17, accepting 1) takes no request either
  const inSig = server({ listen_queue: 4, sockets: [sock(4, 100)], workers: [worker({ id: 1, pid: 5, status: 'sig17' })] });
  assert.deepEqual(diagnoseView(sv(buildView({ doc: inSig, at: T0 }))).map((x) => x.message), ['saturated: the only worker in a signal handler, 4 waiting in the listen queue']);
  const sigBusy = inflightDoc([now - 1], { listen_queue: 2, sockets: [sock(2, 100)] });
  sigBusy.workers.push(worker({ id: 2, pid: 7, status: 'sig' }), worker({ id: 3, pid: 8, accepting: 0 }));
  assert.deepEqual(diagnoseView(sv(buildView({ doc: sigBusy, at: T0 }))).map((x) => x.message), ['saturated: 1 worker busy, 1 in a signal handler, 1 not accepting (loading the app, stopping or paused), 2 waiting in the listen queue']);
  const twoSig = server({ listen_queue: 1, sockets: [sock(1, 100)], workers: [worker({ id: 1, pid: 5, status: 'sig17' }), worker({ id: 2, pid: 6, status: 'sig9' })] });
  assert.deepEqual(diagnoseView(sv(buildView({ doc: twoSig, at: T0 }))).map((x) => x.message), ['saturated: all 2 workers in a signal handler, 1 waiting in the listen queue']);
  // with an idle worker beside it: quiet
  twoSig.workers[1] = worker({ id: 2, pid: 6 });
  assert.deepEqual(diagnoseView(sv(buildView({ doc: twoSig, at: T0 }))), []);
  // our Node.js emitter (its stats thread) shows a process whose event loop is blocked as not accepting
  const blockedNode = server({ version: '2.0.21-tsgitop-0.1.0', listen_queue: 2, sockets: [sock(2, 511)], workers: [worker({ id: 1, pid: 5, accepting: 0 })] });
  assert.deepEqual(diagnoseView(sv(buildView({ doc: blockedNode, at: T0 }))).map((x) => x.message), ['saturated: no worker accepting (event loop blocked or not listening), 2 waiting in the listen queue']);
  // one of them accepting and idle: it will take the request — quiet
  loading.workers[1] = worker({ id: 2, pid: 6, accepting: 1 });
  assert.deepEqual(diagnoseView(sv(buildView({ doc: loading, at: T0 }))), []);
  // cheap slots do not count as idle workers
  const cheapSat = inflightDoc([now - 1], { sockets: [sock(3, 100)] });
  cheapSat.workers.push(worker({ id: 0, pid: 0, status: 'cheap', cores: [] }));
  assert.deepEqual(rules(diagnoseView(sv(buildView({ doc: cheapSat, at: T0 })))), ['saturated']);
});

test('diagnosis: slow request names worker, method, path and age; threshold from the options', () => {
  const now = T0 / 1000;
  const v = sv(buildView({ doc: inflightDoc([now - 12, now - 11, now - 2]), at: T0 }));
  const d = diagnoseView(v);
  assert.deepEqual(rules(d), ['slow_request']);
  assert.equal(d[0]!.message, 'slow request: worker 1 GET /p1 12s (+1 more over 10s)');
  assert.equal(d[0]!.workerKey, '1');
  assert.deepEqual(diagnoseView(v, { slowSeconds: 20 }), []);
  assert.equal(diagnoseView(v, { slowSeconds: 1 })[0]!.message, 'slow request: worker 1 GET /p1 12s (+2 more over 1s)');
  // A server that does not send them (the Node emitter without requestPaths: vars []): said in words, not "? ?".
  const bare = server({ workers: [worker({ id: 2, status: 'busy', cores: [core({ id: 0, in_request: true, request: { start: now - 14 } })] })] });
  assert.equal(diagnoseView(sv(buildView({ doc: bare, at: T0 })))[0]!.message, 'slow request: worker 2 14s (method and path not in the stats)');
});

test('diagnosis: crash loop after N respawns within the window (not for cheaper spawns), and it ends', () => {
  const diag = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60 });
  let prev = server({ workers: [worker({ id: 1, pid: 100, respawn_count: 1 }), worker({ id: 2, pid: 200 })] });
  diag.update(buildView({ doc: prev, at: T0 }));
  const seen: string[][] = [];
  for (let i = 1; i <= 3; i++) {
    const cur = server({ workers: [worker({ id: 1, pid: 100 + i, respawn_count: 1 + i }), worker({ id: 2, pid: 200 })] });
    seen.push(rules(diag.update(buildView({ doc: cur, at: T0 + i * 5000 }, { doc: prev, at: T0 + (i - 1) * 5000 }))));
    prev = cur;
  }
  assert.deepEqual(seen, [[], [], ['crash_loop']]);
  // several respawns between two reads count by respawn_count
  const d2 = new Diagnoser();
  const a = server({ workers: [worker({ id: 1, pid: 1, respawn_count: 1 })] });
  const b = server({ workers: [worker({ id: 1, pid: 2, respawn_count: 5 })] });
  d2.update(buildView({ doc: a, at: T0 }));
  const v = d2.update(buildView({ doc: b, at: T0 + 1000 }, { doc: a, at: T0 }));
  assert.equal(v[0]?.message, 'crash loop: worker 1 respawned 4 times in 60s');
  // 61 s later with no respawn: over
  assert.deepEqual(d2.update(buildView({ doc: b, at: T0 + 62_000 }, { doc: b, at: T0 + 1000 })), []);
  // cheaper-mode scale-ups and going back to cheap are no respawns
  const d3 = new Diagnoser({ crashRespawns: 1 });
  const cheap = server({ workers: [worker({ id: 0, pid: 0, status: 'cheap', respawn_count: 0 })] });
  const up = server({ workers: [worker({ id: 1, pid: 5, status: 'idle', respawn_count: 1 })] });
  d3.update(buildView({ doc: cheap, at: T0 }));
  assert.deepEqual(d3.update(buildView({ doc: up, at: T0 + 1000 }, { doc: cheap, at: T0 })), []);
  assert.deepEqual(d3.update(buildView({ doc: cheap, at: T0 + 2000 }, { doc: up, at: T0 + 1000 })), []);
});

test('diagnosis: a crash loop spread over the pool (each worker under the per-worker count) is one verdict; a pool recycled once each is not', () => {
  // Seen on a real uWSGI: kill -SEGV to each of 4 workers, twice, 1.2 s apart — 8 "DAMN ! worker N died", no verdict.
  // Four workers, each respawned `bumps.get(id)` times: a new pid, respawn_count risen, nothing served.
  const pool = (bumps: ReadonlyMap<number, number>) =>
    server({ workers: [1, 2, 3, 4].map((id) => worker({ id, pid: 100 * id + (bumps.get(id) ?? 0), respawn_count: 1 + (bumps.get(id) ?? 0) })) });
  const feed = (d: Diagnoser, rounds: number[][]): string[][] => {
    let prev = pool(new Map());
    d.update(buildView({ doc: prev, at: T0 }));
    const out: string[][] = [];
    const bumps = new Map<number, number>();
    rounds.forEach((ids, i) => {
      for (const id of ids) bumps.set(id, (bumps.get(id) ?? 0) + 1);
      const cur = pool(bumps);
      out.push(d.update(buildView({ doc: cur, at: T0 + (i + 1) * 1200 }, { doc: prev, at: T0 + i * 1200 })).map((v) => v.message));
      prev = cur;
    });
    return out;
  };
  const seen = feed(new Diagnoser(), [[1], [2], [3], [4], [1], [2], [3], [4]]);
  assert.deepEqual(seen.slice(0, 4), [[], [], [], []], 'once each: a pool recycled together, not a loop');
  assert.deepEqual(seen[4], ['crash loop: 5 respawns over 4 workers in 60s (most: worker 1, 2)']);
  assert.deepEqual(seen[7], ['crash loop: 8 respawns over 4 workers in 60s (most: worker 1, 2)']);
  // a worker over the per-worker count is named by the per-worker verdict alone
  const one = feed(new Diagnoser(), [[1], [1, 2], [1]]);
  assert.deepEqual(one[2], ['crash loop: worker 1 respawned 3 times in 60s']);
  assert.equal(pool(new Map()).workers.length, 4);
});

test('events: a process replaced while its cores were in requests says how many were in flight at the last read (their clients got no answer)', () => {
  // Seen on a real uWSGI: kill -9 of a worker holding 2 slow requests left only "worker 1 respawned (pid … -> …)".
  const busy = server({ workers: [worker({ id: 1, pid: 10, respawn_count: 1, cores: [core({ id: 0, in_request: true }), core({ id: 1, in_request: true })] }), worker({ id: 2, pid: 20 })] });
  const after = server({ workers: [worker({ id: 1, pid: 11, respawn_count: 2, cores: [core({ id: 0 }), core({ id: 1 })] }), worker({ id: 2, pid: 20 })] });
  const v = sv(buildView({ doc: after, at: T0 + 1000 }, { doc: busy, at: T0 }));
  assert.deepEqual(v.events.map((e) => e.message), ['worker 1 respawned (pid 10 -> 11); 2 requests in flight at the last read']);
  // a reload of every worker (new pids, respawn counts back to 1) sums them
  const reloaded = server({ workers: [worker({ id: 1, pid: 12, respawn_count: 1 }), worker({ id: 2, pid: 21, respawn_count: 1 })] });
  const r = sv(buildView({ doc: reloaded, at: T0 + 1000 }, { doc: busy, at: T0 }));
  assert.deepEqual(r.events.map((e) => e.message), ['reload: workers 1, 2 restarted afresh (new pids, respawn counts started again); 2 requests in flight at the last read']);
  // an idle process replaced: nothing added
  const idle = server({ workers: [worker({ id: 1, pid: 10 }), worker({ id: 2, pid: 20 })] });
  assert.deepEqual(sv(buildView({ doc: after, at: T0 + 1000 }, { doc: idle, at: T0 })).events.map((e) => e.message), ['worker 1 respawned (pid 10 -> 11)']);
});

test('not measured is unknown, not 0: rss/vsz 0 (no --memory-report, or before the first request) and avg_rt 0 before any request show "-"', () => {
  // Seen on a real uWSGI with --memory-report right after start: RSS 0 and AVG 0us on every worker, "rss 0" in the header.
  const col = (id: string, w: ServerView['workers'][number]) => columnById(id)!.format(w, { now: T0 });
  const fresh = sv(buildView({ doc: server({ workers: [worker({ id: 1, requests: 0, avg_rt: 0, rss: 0, vsz: 0 }), worker({ id: 2, requests: 0, avg_rt: 0, rss: 0, vsz: 0 })] }), at: T0 }));
  assert.deepEqual(fresh.workers.map((w) => [col('avg', w), col('rss', w), col('vsz', w)]), [['-', '-', '-'], ['-', '-', '-']]);
  assert.equal(fresh.totals.rss, undefined);
  assert.equal(fresh.totals.vsz, undefined);
  assert.equal(columnById('rss')!.total!(fresh.totals), '-');
  assert.match(renderText(fresh), /^ {3}1 .* idle +- +- +- +0 /m);
  // One worker measured: the sum is that worker's alone, and each cell says what it knows.
  const one = sv(buildView({ doc: server({ workers: [worker({ id: 1, requests: 1, avg_rt: 10_000_000, rss: 11 * 1024 ** 2, vsz: 58 * 1024 ** 2 }), worker({ id: 2, requests: 0, avg_rt: 0, rss: 0, vsz: 0 })] }), at: T0 }));
  assert.deepEqual(one.workers.map((w) => [col('avg', w), col('rss', w), col('vsz', w)]), [['10.0s', '11.0M', '58.0M'], ['-', '-', '-']]);
  assert.equal(one.totals.rss, 11 * 1024 ** 2);
  // A worker that served requests keeps its avg_rt even when it is 0 (the server's value), and the JSON keeps the raw fields.
  const served = sv(buildView({ doc: server({ workers: [worker({ id: 1, requests: 5, avg_rt: 0 })] }), at: T0 }));
  assert.equal(col('avg', served.workers[0]!), '0us');
  const j = viewToJson(fresh) as { workers: { rss: number; avg_rt: number }[] };
  assert.deepEqual(j.workers.map((w) => [w.rss, w.avg_rt]), [[0, 0], [0, 0]]);
});

test('diagnosis: no app loaded — accepting workers with an empty apps list (a WSGI app that failed to import: every request a 500); off with appsOptional', () => {
  // What a real uWSGI 2.0.21 listed after "no app loaded. going in full dynamic mode": requests counted, 0 exceptions, apps [].
  const noApps = (p: Parameters<typeof worker>[0]) => worker({ apps: [], ...p });
  const doc = server({ workers: [noApps({ id: 1, pid: 10, requests: 3, tx: 312 }), noApps({ id: 2, pid: 11, requests: 5, tx: 520 })] });
  const d = diagnoseView(sv(buildView({ doc, at: T0 })));
  assert.deepEqual(d.map((v) => [v.rule, v.severity, v.workerId]), [['no_app', 'warning', 1]]);
  assert.equal(d[0]!.message, 'no app loaded: 2 of 2 workers (first: worker 1); uWSGI answers their requests with HTTP 500, its log says why');
  assert.deepEqual(diagnoseView(sv(buildView({ doc, at: T0 })), { appsOptional: true }), []);
  // One worker without its app among loaded ones; a worker not accepting yet (lazy-apps, still loading) and a cheap one are not counted.
  const mixed = server({
    workers: [worker({ id: 1 }), noApps({ id: 2 }), noApps({ id: 3, accepting: 0 }), noApps({ id: 4, pid: 0, status: 'cheap' })],
  });
  assert.deepEqual(diagnoseView(sv(buildView({ doc: mixed, at: T0 }))).map((v) => v.message), ['no app loaded: 1 of 3 workers (first: worker 2); uWSGI answers their requests with HTTP 500, its log says why']);
  // apps unknown (not in the document) is not "no app"; a loaded app is none of it.
  assert.deepEqual(diagnoseView(sv(buildView({ doc: server({ workers: [worker({ id: 1, apps: undefined })] }), at: T0 }))), []);
  assert.deepEqual(diagnoseView(sv(buildView({ doc: server({ workers: [worker({ id: 1 })] }), at: T0 }))), []);
});

test('diagnosis: most severe first — a crash loop (critical) before a slow request (warning); every critical rule before every warning', () => {
  // Seen on a real uWSGI: worker 1 dying on every request while worker 2 served a 20 s request; the list and the
  // diagnosis line put "warn slow request" above "CRIT crash loop".
  const slowCore = (start: number) => [core({ id: 0, in_request: true, request: { method: 'GET', path: '/slow', start }, req_info: { request_start: start } })];
  const diag = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60, slowSeconds: 10 });
  const start = T0 / 1000 - 30;
  const doc = (i: number) => server({ workers: [worker({ id: 1, pid: 100 + i, respawn_count: 1 + i }), worker({ id: 2, pid: 200, status: 'busy', cores: slowCore(start) })] });
  let last: Verdict[] = [];
  for (let i = 0; i <= 3; i++) last = diag.update(buildView({ doc: doc(i), at: T0 + i * 1000 }, i > 0 ? { doc: doc(i - 1), at: T0 + (i - 1) * 1000 } : undefined));
  assert.deepEqual(rules(last), ['crash_loop', 'slow_request']);
  assert.deepEqual(last.map((v) => v.severity), ['critical', 'warning']);
  assert.equal(worstVerdict(last)?.rule, 'crash_loop');
  // The order itself: severities never rise along RULE_ORDER, and it names every rule once.
  const rank = (r: (typeof RULE_ORDER)[number]) => (SEVERITY[r] === 'critical' ? 0 : 1);
  for (let i = 1; i < RULE_ORDER.length; i++) assert.ok(rank(RULE_ORDER[i - 1]!) <= rank(RULE_ORDER[i]!), `${RULE_ORDER[i - 1]} before ${RULE_ORDER[i]}`);
  assert.deepEqual([...RULE_ORDER].sort(), Object.keys(SEVERITY).sort());
  // sortVerdicts puts them in that order whatever order the rules fired in.
  const fired = [...last].reverse();
  assert.deepEqual(rules(sortVerdicts(fired)), ['crash_loop', 'slow_request']);
});

test('diagnosis: a worker replaced after serving requests (--max-requests recycling) is "respawning" (warning), not a crash loop; a young death, a harakiri or several respawns between reads keep it a crash loop', () => {
  // Seen on a real uWSGI with --max-requests under load: every graceful recycle ("The work of process N is done.
  // Seeya!") counted as a crash, and the monitor said "CRIT crash loop" of a healthy server.
  // `after`: requests the replaced process served after the last read of it (at the step where its successor shows).
  // requests and delta_requests rise together (+1 per request); a respawn restarts delta_requests only (uWSGI).
  type Step = { pid: number; delta: number; harakiri?: number; rc: number; after?: number };
  const run = (steps: Step[], opts = {}) => {
    const diag = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60, ...opts });
    let prev: ReturnType<typeof server> | undefined;
    let out: Verdict[] = [];
    let base = 1000;
    let last: Step | undefined;
    steps.forEach((st, i) => {
      if (last && st.pid !== last.pid) base += last.delta + (st.after ?? 0);
      last = st;
      const cur = server({ workers: [worker({ id: 1, pid: st.pid, delta_requests: st.delta, requests: base + st.delta, respawn_count: st.rc, harakiri_count: st.harakiri ?? 0 })] });
      out = diag.update(buildView({ doc: cur, at: T0 + i * 5000 }, prev ? { doc: prev, at: T0 + (i - 1) * 5000 } : undefined));
      prev = cur;
    });
    return out;
  };
  // Each process seen serving 40+ requests at the read before it was replaced: recycled.
  const recycled: Step[] = [{ pid: 10, delta: 45, rc: 1 }, { pid: 11, delta: 3, rc: 2 }, { pid: 11, delta: 41, rc: 2 }, { pid: 12, delta: 2, rc: 3 }, { pid: 12, delta: 48, rc: 3 }, { pid: 13, delta: 1, rc: 4 }];
  const r = run(recycled);
  assert.deepEqual(r.map((v) => [v.rule, v.severity]), [['respawning', 'warning']]);
  assert.equal(r[0]!.message, "respawning: worker 1 respawned 3 times in 60s, each after serving 41+ requests (recycled by --max-requests/reload-on-rss, or crashing under load: the server's log says which)");
  // One of them died young (its 3 requests, seen twice): a crash loop.
  const young = recycled.map((st, i) => (i === 2 ? { ...st, delta: 3 } : st));
  assert.deepEqual(run(young).map((v) => v.rule), ['crash_loop']);
  // A harakiri with the respawn: killed, not recycled.
  const killed = recycled.map((st, i) => (i >= 5 ? { ...st, harakiri: 1 } : st));
  assert.deepEqual(run(killed).map((v) => v.rule), ['crash_loop', 'harakiri']);
  // The harakiri seen a read before the respawn (the master killed it, then respawned it): still a kill.
  const killedEarly = recycled.map((st, i) => (i >= 4 ? { ...st, harakiri: 1 } : st));
  assert.deepEqual(run(killedEarly).map((v) => v.rule), ['crash_loop', 'harakiri']);
  // Two respawns between two reads: the one in between is unknown → a crash loop.
  const twice: Step[] = [{ pid: 10, delta: 45, rc: 1 }, { pid: 11, delta: 3, rc: 2 }, { pid: 11, delta: 41, rc: 2 }, { pid: 13, delta: 1, rc: 4 }];
  assert.deepEqual(run(twice).map((v) => v.rule), ['crash_loop']);
  // Under the threshold of requests served: a crash loop.
  assert.deepEqual(run(recycled.map((st) => ({ ...st, delta: Math.min(st.delta, RECYCLED_AFTER - 1) }))).map((v) => v.rule), ['crash_loop']);
  // Fewer respawns than --crash-loop: nothing.
  assert.deepEqual(run(recycled.slice(0, 5)), []);
  // Seen at stop 30 (--max-requests 10, fast load, reads at 1 Hz): each process seen at 3-6 requests, recycled at 10
  // between two reads — "CRIT crash loop". The counters say what it served in all: requests − delta_requests rose by 10.
  const fast: Step[] = [{ pid: 10, delta: 4, rc: 1 }, { pid: 11, delta: 3, rc: 2, after: 6 }, { pid: 12, delta: 5, rc: 3, after: 7 }, { pid: 13, delta: 6, rc: 4, after: 5 }];
  const f = run(fast);
  assert.deepEqual(f.map((v) => v.rule), ['respawning']);
  assert.match(f[0]!.message, /each after serving 10\+ requests/);
});

test('diagnosis: a harakiri (a request killed over the limit) is a warning for the crash window, naming the latest; counts before the first read are history', () => {
  const diag = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60 });
  const doc = (h1: number, h2: number, pid2 = 20) => server({ workers: [worker({ id: 1, pid: 10, harakiri_count: h1 }), worker({ id: 2, pid: pid2, harakiri_count: h2 })] });
  const at = (s: number) => T0 + s * 1000;
  let prev = doc(4, 0);
  const step = (cur: ReturnType<typeof doc>, s: number, ps: number) => {
    const out = diag.update(buildView({ doc: cur, at: at(s) }, { doc: prev, at: at(ps) }));
    prev = cur;
    return out;
  };
  // Worker 1's 4 harakiri happened before tsgitop looked: no verdict.
  assert.deepEqual(diag.update(buildView({ doc: prev, at: at(0) })), []);
  assert.deepEqual(step(doc(4, 0), 1, 0), []);
  // Worker 2 killed mid-request (uWSGI then respawns it: a respawn, not yet a crash loop).
  const v = step(doc(4, 1, 21), 2, 1);
  assert.deepEqual(v.map((x) => [x.rule, x.severity, x.workerId]), [['harakiri', 'warning', 2]]);
  assert.equal(v[0]!.message, 'harakiri: 1 kill in 60s (last: worker 2, 0s ago)');
  // Then worker 1: two kills, the latest named, its age growing.
  assert.equal(step(doc(5, 1, 21), 12, 2)[0]!.message, 'harakiri: 2 kills in 60s (last: worker 1, 0s ago)');
  assert.equal(step(doc(5, 1, 21), 42, 12)[0]!.message, 'harakiri: 2 kills in 60s (last: worker 1, 30s ago)');
  // 60 s after the first: one left; after the last: none.
  assert.equal(step(doc(5, 1, 21), 63, 42)[0]!.message, 'harakiri: 1 kill in 60s (last: worker 1, 51s ago)');
  assert.deepEqual(step(doc(5, 1, 21), 73, 63), []);
});

test('diagnosis: memory growth needs a steady rise over the whole window; a respawn restarts it', () => {
  const diag = new Diagnoser({ memGrowthPct: 20, memWindowSeconds: 300 });
  let prev = server({ workers: [worker({ id: 1, rss: 100e6 })] });
  diag.update(buildView({ doc: prev, at: T0 }));
  let last: Verdict[] = [];
  for (let s = 10; s <= 310; s += 10) {
    const cur = server({ workers: [worker({ id: 1, rss: 100e6 * (1 + s / 1000) })] }); // +31 % over 310 s
    last = diag.update(buildView({ doc: cur, at: T0 + s * 1000 }, { doc: prev, at: T0 + (s - 10) * 1000 }));
    if (s < 300) assert.deepEqual(last, [], `quiet before the window is covered (t=${s})`);
    prev = cur;
  }
  assert.deepEqual(rules(last), ['memory_growth']);
  assert.match(last[0]!.message, /^memory growth: worker 1 RSS \+\d+% in /);
  // saw-tooth (drops back) is not steady growth
  const d2 = new Diagnoser({ memWindowSeconds: 100 });
  let p2 = server({ workers: [worker({ id: 1, rss: 100e6 })] });
  d2.update(buildView({ doc: p2, at: T0 }));
  for (let s = 10; s <= 200; s += 10) {
    const rss = s % 40 === 0 ? 80e6 : 100e6 + s * 1e6;
    const c2 = server({ workers: [worker({ id: 1, rss })] });
    assert.deepEqual(rules(d2.update(buildView({ doc: c2, at: T0 + s * 1000 }, { doc: p2, at: T0 + (s - 10) * 1000 }))).filter((r) => r === 'memory_growth'), []);
    p2 = c2;
  }
});

test('diagnosis: the error burst is a rate over 5 s of reads, whatever the refresh (not the last interval alone)', () => {
  const feed = (diag: Diagnoser, steps: { dt: number; exc: number }[]): string[] => {
    let prev: { doc: ReturnType<typeof server>; at: number } | undefined;
    let at = T0;
    let n = 0;
    const seen: string[] = [];
    for (const st of steps) {
      at += st.dt;
      n += st.exc;
      const cur = { doc: server({ workers: [worker({ id: 1, exceptions: n })] }), at };
      for (const v of diag.update(sv(buildView(cur, prev)))) if (v.rule === 'error_burst') seen.push(v.message);
      prev = cur;
    }
    return seen;
  };
  // 1 s reads, 0.67 exceptions a second, two of them in one interval: that read alone said "2.0 exceptions/s"
  const oneSecond = [0, 1, 0, 2, 0, 1, 0, 1, 0, 2, 0, 1].map((exc) => ({ dt: 1000, exc }));
  assert.deepEqual(feed(new Diagnoser({ errorRate: 1 }), oneSecond), []);
  // 0.1 s reads, one exception every 2 s: each was "10.0 exceptions/s"
  const fast = Array.from({ length: 100 }, (_, i) => ({ dt: 100, exc: i % 20 === 5 ? 1 : 0 }));
  assert.deepEqual(feed(new Diagnoser({ errorRate: 1 }), fast), []);
  // a real burst is still seen at either refresh: 10 a second for 2 s
  const burst = (dt: number): { dt: number; exc: number }[] => [...fast.slice(0, 30), ...Array.from({ length: 2000 / dt }, () => ({ dt, exc: dt / 100 }))];
  const atFast = feed(new Diagnoser({ errorRate: 1 }), burst(100));
  assert.ok(atFast.length > 0, 'burst seen at 0.1 s reads');
  assert.match(atFast.at(-1)!, /^error burst: \d+\.\d exceptions\/s \(most: worker 1\)$/);
  assert.ok(feed(new Diagnoser({ errorRate: 1 }), burst(1000)).length > 0, 'burst seen at 1 s reads');
});

test('diagnosis: error burst above the exceptions/s threshold; stale after no fresh read', () => {
  const a = server({ workers: [worker({ id: 1, exceptions: 0 }), worker({ id: 2, pid: 2, exceptions: 0 })] });
  const b = server({ workers: [worker({ id: 1, exceptions: 1 }), worker({ id: 2, pid: 2, exceptions: 9 })] });
  const v = sv(buildView({ doc: b, at: T0 + 2000 }, { doc: a, at: T0 }));
  const d = diagnoseView(v, { errorRate: 1 });
  assert.deepEqual(rules(d), ['error_burst']);
  assert.equal(d[0]!.message, 'error burst: 5.0 exceptions/s (most: worker 2)');
  assert.deepEqual(diagnoseView(v, { errorRate: 10 }), []);
  const diag = new Diagnoser({ staleSeconds: 5 });
  assert.equal(diag.stale(T0), undefined, 'nothing read yet: nothing to call stale');
  diag.update(v);
  assert.equal(diag.stale(T0 + 6000), undefined);
  assert.equal(diag.stale(T0 + 8000)?.message, 'stale: no fresh read for 6s');
  // a uWSGI server that takes the connection and sends nothing: no guess about why
  assert.equal(diag.stale(T0 + 8000, undefined, true)?.message, 'stale: no fresh read for 6s');
  // our Node.js emitter answers from the app's event loop: silent means the loop is not running
  const node = new Diagnoser({ staleSeconds: 5 });
  node.update(sv(buildView({ doc: server({ version: '2.0.21-tsgitop-0.1.0', workers: [worker()] }), at: T0 + 2000 })));
  assert.equal(node.stale(T0 + 8000, undefined, true)?.message, 'stale: no fresh read for 6s (connected, nothing sent: Node.js event loop blocked or process stopped)');
  assert.equal(node.stale(T0 + 8000, undefined, false)?.message, 'stale: no fresh read for 6s', 'refused or failed otherwise: no such guess');
  // gunicorn's module serves from its master's thread: not a Node.js event loop
  const gun = new Diagnoser({ staleSeconds: 5 });
  gun.update(sv(buildView({ doc: server({ version: '2.0.21-tsgitop-gunicorn-0.1.0', workers: [worker()] }), at: T0 + 2000 })));
  assert.equal(gun.stale(T0 + 8000, undefined, true)?.message, 'stale: no fresh read for 6s');
});

test('Emperor: throttle level, blacklist, vassal events, crash-loop verdict for a blacklisted vassal', () => {
  const a = emperor({ throttle_level: 0, vassals: [vassal({ id: 'a.ini', pid: 1, extra: { respawns: 0 } }), vassal({ id: 'b.ini', pid: 2, extra: { respawns: 0 } })], blacklist: [] });
  const b = emperor({
    throttle_level: 3,
    vassals: [vassal({ id: 'a.ini', pid: 5, extra: { respawns: 1 } }), vassal({ id: 'c.ini', pid: 6 })],
    blacklist: [{ id: 'b.ini', throttle_level: 3, attempt: 2, first_attempt: 1_700_000_000, last_attempt: 1_700_000_010, extra: {} }],
  });
  const v = buildView({ doc: b, at: T0 + 1000 }, { doc: a, at: T0 }) as EmperorView;
  assert.equal(v.throttleLevel, 3);
  assert.deepEqual(v.blacklist, [{ vassal: 'b.ini', throttleLevel: 3, attempts: 2, firstAttempt: 1_700_000_000, lastAttempt: 1_700_000_010 }]);
  assert.deepEqual(v.events!.map((e) => e.message), [
    'vassal a.ini respawned (pid 1 -> 5)',
    'vassal c.ini spawned (pid 6)',
    'vassal b.ini died (pid 2)',
    'vassal b.ini blacklisted (attempt 2, throttle 3s)',
  ]);
  const d = new Diagnoser().update(v);
  assert.deepEqual(d.map((x) => x.message), ['crash loop: vassal b.ini blacklisted (attempt 2, throttle 3s)']);
  const text = renderText(v);
  assert.match(text, /throttle: 3/);
  assert.match(text, /blacklist \(1\):\n {2}b\.ini {2}throttle 3s {2}attempts 2/);
  assert.match(text, /diagnosis: crash loop: vassal b\.ini blacklisted/);
  const j = viewToJson(v) as { blacklist: unknown[]; throttle_level: number; diagnosis: unknown[] };
  assert.equal(j.throttle_level, 3);
  assert.equal(j.blacklist.length, 1);
  assert.equal(j.diagnosis.length, 1);
});

test('diagnosis: an absurd respawn_count (1e308) never reads Infinity or NaN', () => {
  const d = new Diagnoser();
  const a = server({ workers: [worker({ id: 1, pid: 1, respawn_count: 1 })] });
  const b = server({ workers: [worker({ id: 1, pid: 2, respawn_count: 1e308 })] });
  d.update(buildView({ doc: a, at: T0 }));
  const v = d.update(buildView({ doc: b, at: T0 + 1000 }, { doc: a, at: T0 }));
  assert.equal(v[0]?.message, 'crash loop: worker 1 respawned 1000000 times in 60s');
  assert.doesNotMatch(renderText(sv(buildView({ doc: b, at: T0 + 1000 }, { doc: a, at: T0 }))), /Infinity|NaN/);
});

test('crash loop: a death seen as pid 0 (not cheap) then a new pid counts once, not zero or twice', () => {
  const d = new Diagnoser({ crashRespawns: 2 });
  const live = (pid: number, rc: number) => server({ workers: [worker({ id: 1, pid, respawn_count: rc, status: 'idle' })] });
  const seq = [live(10, 1), live(0, 1), live(11, 2), live(0, 2), live(12, 3)];
  let out: Verdict[] = [];
  seq.forEach((doc, i) => {
    const v = sv(buildView({ doc, at: T0 + i * 1000 }, i > 0 ? { doc: seq[i - 1]!, at: T0 + (i - 1) * 1000 } : undefined));
    if (i === 2) assert.equal(v.workers[0]!.respawns, 0, 'the new process after pid 0 is not counted again');
    out = d.update(v);
  });
  assert.equal(out[0]?.message, 'crash loop: worker 1 respawned 2 times in 60s');
});

test('respawns between two reads are whole and never negative (a cheap slot spawned with respawn_count -0 → 5e-324; property seed 557925148)', () => {
  const a = server({ workers: [worker({ id: 1, pid: 1, status: 'cheap', respawn_count: -0 })] });
  const b = server({ workers: [worker({ id: 1, pid: 2, status: 'idle', respawn_count: 5e-324 })] });
  const v = sv(buildView({ doc: b, at: T0 + 1000 }, { doc: a, at: T0 }));
  assert.equal(v.workers[0]!.respawns, 0, 'a scale-up is a spawn, and 5e-324 is no respawn');
  // a respawned (not cheap) worker whose counter rose by a fraction: one respawn (the pid changed), not 0.3
  const c = server({ workers: [worker({ id: 1, pid: 3, status: 'idle', respawn_count: 0.3 })] });
  const v2 = sv(buildView({ doc: c, at: T0 + 2000 }, { doc: b, at: T0 + 1000 }));
  assert.equal(v2.workers[0]!.respawns, 1);
});

test('diagnosis: a restart or a reload ends the old instance\'s crash loop and kills at once; the master restarting 3 times in the window is a crash loop', () => {
  // Seen on a real gunicorn (and the same with uWSGI): workers killed over --timeout in a crash loop, the server
  // restarted with the fix — and the monitor said "CRIT crash loop: worker 1 respawned 6 times" and "harakiri: 12
  // requests killed" of the new master, whose workers had respawned 0 times, for most of a minute.
  const diag = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60 });
  const doc = (master: number, i: number, requests = 10 + i) =>
    server({ pid: master, workers: [worker({ id: 1, pid: 100 + i, requests, respawn_count: 1 + i, harakiri_count: i }), worker({ id: 2, pid: 200, requests })] });
  const at = (s: number) => T0 + s * 1000;
  let prev = doc(1, 0);
  let out = diag.update(buildView({ doc: prev, at: at(0) }));
  for (let i = 1; i <= 3; i++) {
    const cur = doc(1, i);
    out = diag.update(buildView({ doc: cur, at: at(i * 5) }, { doc: prev, at: at((i - 1) * 5) }));
    prev = cur;
  }
  assert.deepEqual(rules(out), ['crash_loop', 'harakiri'], 'the old instance: a crash loop, and its kills');
  // A new master (pid 2), fresh counters: nothing of the old instance, from its first read.
  const fresh = server({ pid: 2, workers: [worker({ id: 1, pid: 300, requests: 0 }), worker({ id: 2, pid: 301, requests: 0 })] });
  assert.deepEqual(diag.update(buildView({ doc: fresh, at: at(20) }, { doc: prev, at: at(15) })), []);
  // Its own respawns count from zero: two are not yet a crash loop, a third is.
  // (uWSGI adds 1 to respawn_count at each respawn: the first spawn made it 1)
  const again = (i: number) => server({ pid: 2, workers: [worker({ id: 1, pid: 300 + 10 * i, requests: 0, respawn_count: 1 + i }), worker({ id: 2, pid: 301, requests: 0 })] });
  prev = fresh;
  const seen: string[][] = [];
  for (let i = 1; i <= 3; i++) {
    seen.push(rules(diag.update(buildView({ doc: again(i), at: at(20 + i) }, { doc: prev, at: at(19 + i) }))));
    prev = again(i);
  }
  assert.deepEqual(seen, [[], [], ['crash_loop']]);
  // A graceful reload (the same master, every worker's counters down: uWSGI's SIGHUP) ends it too.
  const reloaded = server({ pid: 2, workers: [worker({ id: 1, pid: 400, requests: 0, respawn_count: 0 }), worker({ id: 2, pid: 401, requests: 0 })] });
  const withReq = server({ pid: 2, workers: [worker({ id: 1, pid: 300 + 30, requests: 5, respawn_count: 4 }), worker({ id: 2, pid: 301, requests: 5 })] });
  diag.update(buildView({ doc: withReq, at: at(25) }, { doc: prev, at: at(23) }));
  assert.deepEqual(diag.update(buildView({ doc: reloaded, at: at(26) }, { doc: withReq, at: at(25) })), []);
  // The master itself restarting: the third new pid within the window is a crash loop of the server.
  const d2 = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60 });
  const inst = (master: number) => server({ pid: master, workers: [worker({ id: 1, pid: master * 10, requests: 0 })] });
  const masters = [1, 2, 3, 4];
  const got = masters.map((m, i) => d2.update(buildView({ doc: inst(m), at: at(i * 10) }, i > 0 ? { doc: inst(masters[i - 1]!), at: at((i - 1) * 10) } : undefined)));
  assert.deepEqual(got.map(rules), [[], [], [], ['crash_loop']]);
  assert.equal(got[3]![0]!.message, 'crash loop: the master restarted 3 times in 60s (now pid 4)');
  // …and over once the restarts are older than the window.
  assert.deepEqual(d2.update(buildView({ doc: inst(4), at: at(85) }, { doc: inst(4), at: at(30) })), []);
});

test('diagnosis: reloads of idle workers (new pids, respawn counts back to 1, counters 0 -> 0) are no crash loop; each read tells one reload event', () => {
  // Seen at stop 30 on a real uWSGI: three SIGHUPs 7 s apart with idle workers gave "CRIT crash loop: worker 1
  // respawned 3 times in 60s", while ReSpwn and the header's respawns read 0. uWSGI's reload execs the master (same
  // pid) and starts every worker's respawn_count again at 1; a respawn adds 1 to it.
  const diag = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60 });
  const gen = (g: number) => server({ pid: 7, workers: [worker({ id: 1, pid: 100 + g, requests: 0, respawn_count: 1 }), worker({ id: 2, pid: 200 + g, requests: 0, respawn_count: 1 })] });
  let prev = gen(0);
  diag.update(buildView({ doc: prev, at: T0 }));
  for (let g = 1; g <= 3; g++) {
    const cur = gen(g);
    const v = buildView({ doc: cur, at: T0 + g * 7000 }, { doc: prev, at: T0 + (g - 1) * 7000 }) as ServerView;
    assert.deepEqual(rules(diag.update(v)), [], `reload ${g}`);
    assert.deepEqual(v.workers.map((w) => [w.respawnReason, w.respawns]), [['reload', 0], ['reload', 0]]);
    assert.deepEqual(v.events.map((e) => [e.kind, e.message]), [['reload', 'reload: workers 1, 2 restarted afresh (new pids, respawn counts started again)']]);
    prev = cur;
  }
  // A real respawn (the count rises) after them still counts: three in the window are a crash loop.
  const crash = (n: number) => server({ pid: 7, workers: [worker({ id: 1, pid: 500 + n, requests: 0, respawn_count: 1 + n }), worker({ id: 2, pid: 203, requests: 0, respawn_count: 1 })] });
  const seen: string[][] = [];
  for (let n = 1; n <= 3; n++) {
    const cur = crash(n);
    const v = buildView({ doc: cur, at: T0 + 30_000 + n * 1000 }, { doc: prev, at: T0 + 29_000 + n * 1000 }) as ServerView;
    seen.push(rules(diag.update(v)));
    assert.equal(v.events.filter((e) => e.kind === 'respawn').length, 1);
    prev = cur;
  }
  assert.deepEqual(seen, [[], [], ['crash_loop']]);
  // One worker started afresh alone: its own event, with its pids.
  const one = buildView(
    { doc: server({ workers: [worker({ id: 4, pid: 900, respawn_count: 1 })] }), at: T0 + 1000 },
    { doc: server({ workers: [worker({ id: 4, pid: 800, respawn_count: 3 })] }), at: T0 },
  ) as ServerView;
  assert.deepEqual(one.events.map((e) => e.message), ['worker 4 restarted afresh (pid 800 -> 900, respawn count back to 1): a reload']);
});

test('diagnosis: a crash loop of harakiri kills is named so ("killed by harakiri N times"); mixed with crashes, the kills are counted apart', () => {
  // Seen at stop 30 on a real uWSGI (--harakiri 2, slow requests): "crash loop: worker 1 respawned 3 times" sent
  // on-call looking for a crash; nothing crashed, uWSGI killed requests over the limit.
  const diag = new Diagnoser({ crashRespawns: 3, crashWindowSeconds: 60 });
  // (pid, respawn_count, harakiri_count) per read; each kill is seen at the respawn's read
  const steps: Array<[number, number, number]> = [[100, 1, 0], [101, 2, 1], [102, 3, 2], [103, 4, 3]];
  const doc = ([pid, rc, hk]: [number, number, number]) => server({ workers: [worker({ id: 1, pid, requests: 0, respawn_count: rc, harakiri_count: hk })] });
  let out: Verdict[] = diag.update(buildView({ doc: doc(steps[0]!), at: T0 }));
  for (let i = 1; i < steps.length; i++) out = diag.update(buildView({ doc: doc(steps[i]!), at: T0 + i * 1000 }, { doc: doc(steps[i - 1]!), at: T0 + (i - 1) * 1000 }));
  assert.equal(out.find((v) => v.rule === 'crash_loop')?.message, 'crash loop: worker 1 killed by harakiri 3 times in 60s');
  // two more respawns without a kill: 5 in all, 3 of them kills
  const more: Array<[number, number, number]> = [[103, 4, 3], [104, 5, 3], [105, 6, 3]];
  for (let i = 1; i < more.length; i++) out = diag.update(buildView({ doc: doc(more[i]!), at: T0 + (10 + i) * 1000 }, { doc: doc(more[i - 1]!), at: T0 + (9 + i) * 1000 }));
  assert.equal(out.find((v) => v.rule === 'crash_loop')?.message, 'crash loop: worker 1 respawned 5 times in 60s (3 killed by harakiri)');
});

test('a uWSGI unix socket reports queue 0 / max_queue 0 for ever: not measured (unknown, not empty); every worker busy for 5 s is then saturated', () => {
  // Seen at stop 30 on a real uWSGI 2.0.21 (--http-socket /tmp/h.sock --listen 5, 10 slow requests on 2 workers):
  // `ss -lx` showed 6 waiting on a backlog of 5; the stats said 0/0, tsgitop "lq 0/0" and "diagnosis: ok".
  const d = new Diagnoser();
  const doc = (busy: boolean) =>
    server({ sockets: [sock(0, 0, '/tmp/h.sock')], workers: [worker({ id: 1, status: busy ? 'busy' : 'idle' }), worker({ id: 2, status: busy ? 'busy' : 'idle' })] });
  const first = sv(buildView({ doc: doc(true), at: T0 }));
  assert.equal(first.sockets[0]!.measured, false);
  assert.equal(first.sockets[0]!.queue, undefined);
  assert.equal(queueText(first.sockets[0]), '-');
  assert.deepEqual(rules(d.update(first)), []);
  let prev = doc(true);
  const at = (s: number) => buildView({ doc: doc(true), at: T0 + s * 1000 }, { doc: prev, at: T0 + (s - 1) * 1000 });
  assert.deepEqual(rules(d.update(at(4))), [], 'not yet: 4 s');
  const out = d.update(at(5));
  assert.equal(out.find((v) => v.rule === 'saturated')?.message, 'saturated: all 2 workers busy for 5s (the listen queue of /tmp/h.sock is not measured)');
  // one worker free: over at once, and counted again from the start
  prev = doc(false);
  assert.deepEqual(rules(d.update(buildView({ doc: doc(false), at: T0 + 6000 }))), []);
  assert.deepEqual(rules(d.update(buildView({ doc: doc(true), at: T0 + 7000 }))), []);
  // a TCP socket measured empty: all busy, nothing waiting — not saturated however long
  const tcp = new Diagnoser();
  for (let s = 0; s <= 10; s++) {
    const v = buildView({ doc: server({ sockets: [sock(0, 100)], workers: [worker({ id: 1, status: 'busy' })] }), at: T0 + s * 1000 });
    assert.deepEqual(rules(tcp.update(v)), []);
  }
  // a uWSGI TCP socket right after the start (max_queue not yet filled) stays measured
  assert.equal(sv(buildView({ doc: server({ sockets: [sock(0, 0)] }), at: T0 })).sockets[0]!.measured, true);
});

test('Node.js emitter: a server that stopped listening (no socket, not accepting) is saturated once it lasts; a busy worker that accepts is not unavailable', () => {
  const node = (workers: ReturnType<typeof worker>[], sockets: ReturnType<typeof sock>[] = []) => server({ version: '2.0.21-tsgitop-node', sockets, workers });
  const d = new Diagnoser();
  const closed = () => node([worker({ id: 1, status: 'idle', accepting: 0 })]);
  for (let s = 0; s < 5; s++) assert.deepEqual(rules(d.update(buildView({ doc: closed(), at: T0 + s * 1000 }))), [], `${s} s`);
  assert.equal(
    d.update(buildView({ doc: closed(), at: T0 + 5000 })).find((v) => v.rule === 'saturated')?.message,
    'saturated: no worker accepting (event loop blocked or not listening) for 5s (no listening socket in the stats)',
  );
  // Seen at stop 30 (cluster): worker 1 blocked in a sync loop, worker 2 with one async request in flight and its loop
  // free — "saturated: all 2 workers busy, 1 waiting" blamed capacity. Worker 2 still takes requests.
  const cluster = node([worker({ id: 1, status: 'busy', accepting: 0 }), worker({ id: 2, status: 'busy', accepting: 1 })], [sock(1, 511)]);
  assert.deepEqual(rules(diagnoseView(sv(buildView({ doc: cluster, at: T0 })))), []);
  // both blocked: saturated, as before
  const both = node([worker({ id: 1, status: 'busy', accepting: 0 }), worker({ id: 2, status: 'busy', accepting: 0 })], [sock(1, 511)]);
  assert.match(diagnoseView(sv(buildView({ doc: both, at: T0 })))[0]?.message ?? '', /^saturated: all 2 workers busy, 1 waiting/);
});
