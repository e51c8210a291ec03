/**
 * The model over documents captured from a real uWSGI 2.0.21 (fixtures/uwsgi,
 * see capture-info.json for the exact commands and read timings), parsed
 * with the protocol parser. Expected numbers are hand-computed from the
 * fixture files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildView } from '../../src/model/index.js';
import type { ServerView, WorkerView } from '../../src/model/index.js';
import { parseStats } from '../../src/protocol/parse.js';
import type { StatsDocument } from '../../src/protocol/types.js';
import { renderText, viewToJson } from '../../src/render/text.js';

const DIR = fileURLToPath(new URL('../../../fixtures/uwsgi/', import.meta.url));

function load(name: string): StatsDocument | undefined {
  const p = DIR + name;
  return existsSync(p) ? parseStats(readFileSync(p)) : undefined;
}
function info(): any {
  const p = DIR + 'capture-info.json';
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : undefined;
}
function sv(v: unknown): ServerView {
  assert.equal((v as ServerView).kind, 'server');
  return v as ServerView;
}
function w(v: ServerView, id: number): WorkerView {
  const x = v.workers.find((k) => k.id === id);
  assert.ok(x, `worker ${id}`);
  return x;
}
function close(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≈ ${expected}`);
}

/** The fixture as plain JSON: expectations are computed from it with plain arithmetic, not through the model. */
function raw(name: string): any {
  return JSON.parse(readFileSync(DIR + name, 'utf8'));
}

test('fixture two-reads: rates over the real interval', (t) => {
  const a = load('two-reads-1.json');
  const b = load('two-reads-2.json');
  const meta = info()?.fixtures?.['two-reads'];
  if (!a || !b || !meta) return t.skip('fixtures/uwsgi/two-reads-*.json not captured yet');
  const t1: number = meta.read1_end_ms;
  const t2: number = meta.read2_end_ms;
  assert.ok(t2 > t1);
  const v = sv(buildView({ doc: b, at: t2 }, { doc: a, at: t1 }, { address: '/tmp/two.sock' }));
  const s = (t2 - t1) / 1000;
  close(v.interval, s, 'interval');
  const ra = raw('two-reads-1.json');
  const rb = raw('two-reads-2.json');
  assert.ok(rb.workers.length >= 2);
  let totalReq = 0;
  let totalDelta = 0;
  let weighted = 0;
  for (let i = 0; i < rb.workers.length; i++) {
    const wa = ra.workers[i];
    const wb = rb.workers[i];
    assert.equal(wa.pid, wb.pid, 'no respawn between the two reads');
    const view = w(v, wb.id);
    close(view.rps, (wb.requests - wa.requests) / s, `w${wb.id} rps`);
    close(view.txRate, (wb.tx - wa.tx) / s, `w${wb.id} tx/s`);
    close(view.excRate, (wb.exceptions - wa.exceptions) / s, `w${wb.id} exc/s`);
    for (let c = 0; c < wb.cores.length; c++) {
      close(view.cores[c]!.rps, (wb.cores[c].requests - wa.cores[c].requests) / s, `w${wb.id} core ${c}`);
    }
    totalReq += wb.requests;
    totalDelta += wb.requests - wa.requests;
    if (wb.requests > 0) weighted += wb.requests * wb.avg_rt;
  }
  assert.ok(totalDelta > 0, 'the fixture was captured under load');
  assert.equal(v.totals.requests, totalReq);
  close(v.totals.rps, totalDelta / s, 'total rps');
  close(v.totals.avgRt, weighted / totalReq, 'weighted avg_rt');
  close(w(v, rb.workers[0].id).share, (rb.workers[0].requests / totalReq) * 100, 'w1 share');
  assert.equal(v.totals.rss, rb.workers.reduce((n: number, x: any) => n + x.rss, 0));
  assert.equal(v.header.version, rb.version);
  assert.equal(v.header.node, '/tmp/two.sock');
  assert.equal(v.header.pid, rb.pid);
  assert.equal(v.header.listenQueue, rb.listen_queue);
  assert.deepEqual(v.events, []);
  const text = renderText(v, { width: 120, sortBy: 'rps', reverse: true });
  assert.ok(text.startsWith(`uwsgi-${rb.version} - `));
  assert.ok(text.includes(` - req: ${totalReq} - RPS: `));
  assert.ok(text.includes(`masterpid: ${rb.pid}`));
  const rows = text.split('\n').filter((l) => /^\s+\d+\s+\d/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
  const byRps = [...v.workers].sort((x, y) => (y.rps ?? -1) - (x.rps ?? -1)).map((x) => x.id);
  assert.deepEqual(rows, byRps, 'sorted by RPS descending');
});

test('fixture respawn (kill -9 of worker 1, real uWSGI): counters kept, rates computed, one respawn event', (t) => {
  const a = load('respawn-before.json');
  const b = load('respawn-after.json');
  const killed = info()?.fixtures?.respawn?.killed_pid;
  if (!a || !b) return t.skip('fixtures/uwsgi/respawn-*.json not captured yet');
  const ra = raw('respawn-before.json');
  const rb = raw('respawn-after.json');
  const v = sv(buildView({ doc: b, at: 2000 }, { doc: a, at: 1000 }));
  const w1 = w(v, 1);
  assert.equal(w1.respawned, true);
  assert.equal(w1.respawnReason, 'pid');
  assert.equal(w1.reset, false, 'uWSGI keeps requests/tx/exceptions/running_time across a respawn');
  assert.ok(rb.workers[0].requests >= ra.workers[0].requests);
  assert.equal(w1.rps, rb.workers[0].requests - ra.workers[0].requests);
  assert.equal(w1.txRate, rb.workers[0].tx - ra.workers[0].tx);
  const w2 = w(v, 2);
  assert.equal(w2.respawned, false);
  assert.equal(w2.rps, rb.workers[1].requests - ra.workers[1].requests);
  assert.equal(v.totals.rps, (w1.rps ?? NaN) + (w2.rps ?? NaN), 'the respawned worker counts too');
  assert.equal(v.totals.rps, v.totals.requests! - ra.workers.reduce((s: number, x: { requests: number }) => s + x.requests, 0));
  const ev = v.events.filter((e) => e.kind === 'respawn');
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.workerId, 1);
  const oldPid = ra.workers[0].pid;
  const newPid = rb.workers[0].pid;
  assert.notEqual(oldPid, newPid);
  assert.equal(ev[0]!.oldPid, oldPid);
  if (killed !== undefined) assert.equal(ev[0]!.oldPid, killed);
  assert.equal(ev[0]!.newPid, newPid);
  assert.equal(ev[0]!.message, `worker 1 respawned (pid ${oldPid} -> ${newPid})`);
});

test('fixture cheaper / paused / harakiri: status classes, keys, totals', (t) => {
  const cheaper = load('cheaper.json');
  const paused = load('paused.json');
  const hara = load('harakiri.json');
  if (!cheaper || !paused || !hara) return t.skip('fixtures not captured yet');
  const c = sv(buildView({ doc: cheaper, at: 0 }));
  assert.deepEqual(c.workers.map((x) => [x.key, x.statusClass]), [
    ['1', 'idle'],
    ['2', 'idle'],
    ['3', 'cheap'],
    ['4', 'cheap'],
  ]);
  // WID shows the slot number of never-spawned slots (id 0) and sorts by it
  const rows = renderText(c, { width: 80 }).split('\n').filter((l) => /^\s+\d+\s/.test(l)).map((l) => l.trim().split(/\s+/));
  assert.deepEqual(rows.map((r) => [r[0], r[6]]), [
    ['1', 'idle'],
    ['2', 'idle'],
    ['3', 'cheap'],
    ['4', 'cheap'],
  ]);
  const p = sv(buildView({ doc: paused, at: 0 }));
  assert.deepEqual(p.workers.map((x) => x.statusClass), ['pause', 'pause']);
  const h = sv(buildView({ doc: hara, at: 0 }));
  assert.equal(h.totals.harakiri, 1);
  assert.equal(h.totals.respawns, 1, "one worker re-spawned once (respawn_count 2); the others are at their first spawn (1)");
});

test('fixture async-cores / load-4p4t: busy = status busy or a core in a request', (t) => {
  const asy = load('async-cores.json');
  const load4 = load('load-4p4t.json');
  if (!asy || !load4) return t.skip('fixtures not captured yet');
  const inReq = (name: string): number[] => raw(name).workers.map((x: any) => x.cores.filter((c: any) => c.in_request === 1).length);
  const a = sv(buildView({ doc: asy, at: 0 }));
  assert.deepEqual(a.workers.map((x) => x.cores.filter((k) => k.inRequest).length), inReq('async-cores.json'));
  assert.deepEqual(a.workers.map((x) => x.cores.length), raw('async-cores.json').workers.map((x: any) => x.cores.length));
  assert.ok(a.workers.some((x) => x.cores.some((k) => k.inRequest)), 'async fixture has cores in a request');
  const l = sv(buildView({ doc: load4, at: 0 }));
  const rl = raw('load-4p4t.json');
  const expected = rl.workers.map((x: any) => {
    const n = x.cores.filter((c: any) => c.in_request === 1).length;
    return [x.status, x.status === 'busy' || n > 0, n];
  });
  assert.deepEqual(l.workers.map((x) => [x.status, x.busy, x.cores.filter((k) => k.inRequest).length]), expected);
  assert.equal(l.totals.busy, expected.filter((e: any[]) => e[1]).length);
  assert.ok(l.totals.busy > 0, 'load fixture has busy workers');
  const text = renderText(l, { width: 100, showCores: true });
  assert.equal(text.split('\n').filter((x) => /^\s+\d+:\d+\s/.test(x)).length, 16, 'one line per core');
});

test('fixture emperor: vassal table', (t) => {
  const e = load('emperor.json');
  if (!e) return t.skip('fixtures/uwsgi/emperor.json not captured yet');
  const v = buildView({ doc: e, at: 1_795_425_960_000 });
  assert.equal(v.kind, 'emperor');
  const text = renderText(v, { width: 120, sortBy: 'vassal' });
  const lines = text.split('\n');
  const ti = lines.findIndex((l) => l.startsWith('VASSAL'));
  assert.ok(ti > 0, text);
  const vs = [...raw('emperor.json').vassals].sort((x: any, y: any) => String(x.id).localeCompare(String(y.id)));
  assert.deepEqual(vs.map((x: any) => x.id), ['alpha.ini', 'beta.ini']);
  assert.deepEqual(lines.slice(ti + 1, ti + 3).map((l) => l.split(/\s+/).slice(0, 2)), vs.map((x: any) => [x.id, String(x.pid)]));
  const j = viewToJson(v) as any;
  assert.equal(j.vassals.length, 2);
});

test('every captured document: same doc twice → known rates are exactly 0, output is clean', (t) => {
  if (!existsSync(DIR)) return t.skip('fixtures/uwsgi missing');
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'capture-info.json');
  if (files.length === 0) return t.skip('no fixtures captured yet');
  for (const f of files) {
    const doc = load(f)!;
    const v = buildView({ doc, at: 5000 }, { doc, at: 4000 });
    if (v.kind === 'server') {
      for (const x of v.workers) {
        assert.equal(x.respawned, false, f);
        for (const r of [x.rps, x.txRate, x.excRate]) assert.ok(r === undefined || r === 0, `${f}: ${r}`);
        for (const k of x.cores) assert.ok(k.rps === undefined || k.rps === 0, f);
      }
      assert.deepEqual(v.events, [], f);
    }
    for (const width of [40, 80, 200]) {
      const text = renderText(v, { width, showCores: true });
      assert.ok(!/NaN|Infinity|undefined|null/.test(text), `${f} @${width}`);
      for (const l of text.split('\n')) assert.ok(l.length <= width, `${f} @${width}: ${l}`);
    }
    const json = JSON.stringify(viewToJson(v));
    assert.ok(!json.includes('NaN'), f);
  }
});
