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

test('fixture two-reads: rates over the real interval', (t) => {
  const a = load('two-reads-1.json');
  const b = load('two-reads-2.json');
  const meta = info()?.fixtures?.['two-reads'];
  if (!a || !b || !meta) return t.skip('fixtures/uwsgi/two-reads-*.json not captured yet');
  const t1: number = meta.read1_end_ms;
  const t2: number = meta.read2_end_ms;
  assert.equal(t2 - t1, 1012);
  const v = sv(buildView({ doc: b, at: t2 }, { doc: a, at: t1 }, { address: '/tmp/two.sock' }));
  const s = 1.012;
  close(v.interval, s, 'interval');
  // worker 1: requests 42 → 84, tx 43636 → 91434, cores 20 → 41 and 22 → 43
  close(w(v, 1).rps, 42 / s, 'w1 rps');
  close(w(v, 1).txRate, (91434 - 43636) / s, 'w1 tx/s');
  assert.equal(w(v, 1).excRate, 0);
  close(w(v, 1).cores[0]!.rps, 21 / s, 'w1 core 0');
  close(w(v, 1).cores[1]!.rps, 21 / s, 'w1 core 1');
  // worker 2: requests 64 → 123, tx 71745 → 132845, cores 35 → 66 and 29 → 57
  close(w(v, 2).rps, 59 / s, 'w2 rps');
  close(w(v, 2).txRate, (132845 - 71745) / s, 'w2 tx/s');
  close(w(v, 2).cores[0]!.rps, 31 / s, 'w2 core 0');
  close(w(v, 2).cores[1]!.rps, 28 / s, 'w2 core 1');
  // totals
  assert.equal(v.totals.requests, 207);
  close(v.totals.rps, 101 / s, 'total rps');
  close(v.totals.avgRt, (84 * 177 + 123 * 197) / 207, 'weighted avg_rt');
  close(w(v, 1).share, (84 / 207) * 100, 'w1 share');
  assert.equal(v.totals.rss, 11579392 + 11710464);
  assert.equal(v.header.version, '2.0.21-debian');
  assert.equal(v.header.node, '/tmp/two.sock');
  assert.equal(v.header.pid, 24253);
  assert.equal(v.header.listenQueue, 0);
  assert.deepEqual(v.events, []);
  const text = renderText(v, { width: 120, sortBy: 'rps', reverse: true });
  assert.ok(text.startsWith('uwsgi-2.0.21-debian - '));
  assert.ok(text.includes(' - req: 207 - RPS: 99.8 - lq: 0 - tx: '));
  assert.ok(text.includes('masterpid: 24253'));
  const rows = text.split('\n').filter((l) => /^\s+[12]\s/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
  assert.deepEqual(rows, ['2', '1'], 'sorted by RPS descending');
});

test('fixture respawn: pid change resets rates and raises one respawn event', (t) => {
  const a = load('respawn-before.json');
  const b = load('respawn-after.json');
  const killed = info()?.fixtures?.respawn?.killed_pid;
  if (!a || !b) return t.skip('fixtures/uwsgi/respawn-*.json not captured yet');
  const v = sv(buildView({ doc: b, at: 2000 }, { doc: a, at: 1000 }));
  const w1 = w(v, 1);
  assert.equal(w1.respawned, true);
  assert.equal(w1.respawnReason, 'pid');
  assert.equal(w1.rps, undefined);
  assert.equal(w1.txRate, undefined);
  for (const c of w1.cores) assert.equal(c.rps, undefined);
  const w2 = w(v, 2);
  assert.equal(w2.respawned, false);
  assert.equal(w2.rps, 0);
  assert.equal(v.totals.rps, 0, 'only the surviving worker counts');
  const ev = v.events.filter((e) => e.kind === 'respawn');
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.workerId, 1);
  assert.equal(ev[0]!.oldPid, 23270);
  if (killed !== undefined) assert.equal(ev[0]!.oldPid, killed);
  assert.equal(ev[0]!.newPid, 23473);
  assert.equal(ev[0]!.message, 'worker 1 respawned (pid 23270 -> 23473)');
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
  assert.equal(h.totals.respawns, 3);
});

test('fixture async-cores / load-4p4t: busy = status busy or a core in a request', (t) => {
  const asy = load('async-cores.json');
  const load4 = load('load-4p4t.json');
  if (!asy || !load4) return t.skip('fixtures not captured yet');
  const a = sv(buildView({ doc: asy, at: 0 }));
  assert.deepEqual(a.workers.map((x) => x.cores.filter((k) => k.inRequest).length), [1, 4]);
  assert.deepEqual(a.workers.map((x) => x.cores.length), [4, 4]);
  const l = sv(buildView({ doc: load4, at: 0 }));
  assert.deepEqual(l.workers.map((x) => [x.status, x.busy, x.cores.filter((k) => k.inRequest).length]), [
    ['busy', true, 3],
    ['idle', false, 0],
    ['busy', true, 1],
    ['busy', true, 4],
  ]);
  assert.equal(l.totals.busy, 3);
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
  assert.deepEqual(lines.slice(ti + 1, ti + 3).map((l) => l.split(/\s+/).slice(0, 3)), [
    ['alpha.ini', '22982', '0'],
    ['beta.ini', '22981', '0'],
  ]);
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
