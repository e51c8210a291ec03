import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseStats } from '../../src/protocol/parse.js';
import assert from 'node:assert/strict';
import { headerFacts, packFacts, renderText, viewToJson } from '../../src/render/text.js';
import type { ServerView } from '../../src/model/index.js';
import { buildView } from '../../src/model/index.js';
import { core, emperor, sample, server, vassal, worker } from '../model/factory.js';

const T0 = Date.UTC(2024, 2, 15, 12, 0, 0);

function twoReads() {
  const prev = server({
    pid: 4000,
    workers: [
      worker({ id: 1, pid: 4001, requests: 100, tx: 1000, cores: [core({ id: 0, requests: 100 })] }),
      worker({ id: 2, pid: 4002, requests: 100, tx: 1000 }),
      worker({ id: 3, pid: 4003, requests: 100, tx: 1000, respawn_count: 1 }),
    ],
  });
  const cur = server({
    pid: 4000,
    listen_queue: 3,
    listen_queue_errors: 1,
    cwd: '/srv/myapp',
    uid: 33,
    gid: 34,
    workers: [
      worker({ id: 1, pid: 4001, requests: 120, tx: 3048, status: 'busy', cores: [core({ id: 0, requests: 120, in_request: true })] }),
      worker({ id: 2, pid: 4002, requests: 160, tx: 1000 }),
      worker({ id: 3, pid: 5003, requests: 5, tx: 10, status: 'cheap', respawn_count: 2 }),
    ],
  });
  return buildView(sample(cur, T0 + 2000), sample(prev, T0), { node: 'web1' });
}

function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\s*WID\b/.test(l));
  assert.ok(start >= 0, 'title line present');
  const rest = lines.slice(start + 1);
  const end = rest.indexOf('');
  return (end < 0 ? rest : rest.slice(0, end)).map((l) => l.trim().split(/\s+/));
}

test('renderText: header facts, titles, rows in sort order', (t) => {
  const saved = process.env.TZ;
  t.after(() => (saved === undefined ? delete process.env.TZ : (process.env.TZ = saved)));
  process.env.TZ = 'UTC';
  const v = twoReads();
  const text = renderText(v, { width: 200, sortBy: 'rps', reverse: true });
  const lines = text.split('\n');
  assert.equal(
    lines[0],
    'uwsgi-2.0.21-debian - 2024-03-15 12:00:02 - req: 285 - RPS: 40.0 - lq: 3 - tx: 4.0K',
  );
  assert.equal(lines[1], 'node: web1 - cwd: /srv/myapp - uid: 33 - gid: 34 - masterpid: 4000');
  assert.match(lines[2]!, /^workers: 3 \(busy 1, cheap 1\) - exc: 0 - avg now: 0us - mean: 0us - in flight: 1 - lq errors: 1 - load: 0 - respawns: 1 - harakiri: 0$/);
  assert.equal(lines[3], 'diagnosis: ok');
  assert.ok(text.includes('event: respawn: worker 3 respawned (pid 4003 -> 5003)'));
  assert.ok(text.includes('event: listen_queue: listen queue 0 -> 3'));
  const title = lines.find((l) => /^\s*WID/.test(l))!;
  assert.deepEqual(title.trim().split(/\s+/), ['WID', '%', 'PID', 'REQ', 'RPS', 'EXC', 'SIG', 'STATUS', 'AVG', 'RSS', 'VSZ', 'TX', 'ReSpwn', 'HC', 'RunT', 'LastSpwn']);
  const rows = tableRows(text);
  // rps: w2 30, w1 10, w3 undefined (respawned) → last
  assert.deepEqual(rows.map((r) => r[0]), ['2', '1', '3', 'Σ'], 'the rows, then the totals line');
  // The totals line: each column's own totals cell (WID Σ, % 100.0, PID 3w, REQ, RPS 40.0 …).
  assert.deepEqual(rows[3]!.slice(0, 5), ['Σ', '100.0', '3w', '285', '40.0']);
  assert.deepEqual(rows[0]!.slice(0, 5), ['2', '56.1', '4002', '160', '30.0']);
  assert.deepEqual(rows[2]!.slice(0, 5), ['3', '1.8', '5003', '5', '-']);
  assert.equal(rows[2]![7], 'cheap');
  assert.ok(text.endsWith('\n'));
  // ascending by WID by default
  assert.deepEqual(tableRows(renderText(v)).map((r) => r[0]), ['1', '2', '3', 'Σ']);
});

test('renderText: width fits columns and clips every line; cores under their worker', () => {
  const v = twoReads();
  const narrow = renderText(v, { width: 40 });
  for (const l of narrow.split('\n')) assert.ok(l.length <= 40, `"${l}"`);
  const title = narrow.split('\n').find((l) => /^\s*WID/.test(l))!;
  assert.deepEqual(title.trim().split(/\s+/), ['WID', '%', 'REQ', 'RPS', 'STATUS']);
  const withCores = renderText(v, { width: 120, showCores: true }).split('\n');
  const t = withCores.findIndex((l) => /^\s*WID/.test(l));
  assert.match(withCores[t + 1]!, /^\s+CORE\s+REQ\s+RPS\s+STATIC/);
  assert.match(withCores[t + 2]!, /^\s+1\s/);
  assert.deepEqual(withCores[t + 3]!.trim().split(/\s+/), ['1:0', '120', '10.0', '0', '0', '0', '0', '0', 'yes']);
  assert.match(withCores[t + 4]!, /^\s+2\s/);
});

test('header facts wrap instead of being cut at narrow widths', () => {
  const v = twoReads() as ServerView;
  const text = renderText(v, { width: 40 });
  for (const f of headerFacts(v).flat()) assert.ok(text.includes(f), `fact "${f}" shown at width 40`);
  assert.deepEqual(packFacts([['aaa', 'bbb', 'ccc'], ['dd']], 9), ['aaa - bbb', 'ccc', 'dd']);
  assert.deepEqual(packFacts([['aaa', 'bbb']], 200), ['aaa - bbb']);
  // no workers: header, title and an all-zero totals line only
  const empty = renderText(buildView(sample(server(), T0)), { width: 80 }).trimEnd().split('\n');
  assert.match(empty.at(-2)!, /^\s*WID\s+%/);
  assert.match(empty.at(-1)!, /^\s*Σ\s+-\s+0w\s/);
});

test('renderText: emperor view renders the vassal table', () => {
  const e = emperor({
    vassals: [
      vassal({ id: 'b.ini', pid: 2002, extra: { respawns: 4, loyal: 1, ready: 0, accepting: 1, born: 0, last_mod: 0, uid: 33, gid: 33 } }),
      vassal({ id: 'a.ini', pid: 2001, extra: { respawns: 1 } }),
    ],
  });
  const text = renderText(buildView(sample(e, T0), undefined, { node: 'emp' }), { width: 120, sortBy: 'vassal' });
  const lines = text.split('\n');
  assert.match(lines[0]!, /^uwsgi-emperor-2\.0\.21-debian - .* - vassals: 2 - tyrant: no$/);
  assert.match(lines[1]!, /node: emp - cwd: \/etc\/uwsgi .* emperor pid: 500 - scanning: \/etc\/uwsgi\/vassals/);
  const ti = lines.findIndex((l) => l.startsWith('VASSAL'));
  assert.ok(ti > 0);
  assert.deepEqual(lines[ti]!.trim().split(/\s+/), ['VASSAL', 'PID', 'ReSpwn', 'Born', 'LastMod', 'Loyal', 'Ready', 'Accept', 'UID', 'GID']);
  assert.deepEqual(lines[ti + 1]!.trim().split(/\s+/), ['a.ini', '2001', '1', '-', '-', '-', '-', '-', '-', '-']);
  assert.deepEqual(lines[ti + 2]!.trim().split(/\s+/), ['b.ini', '2002', '4', '-', '-', 'yes', 'no', 'yes', '33', '33']);
});

function walk(v: unknown, path: string, out: string[]): void {
  if (v === undefined) out.push(`${path}: undefined`);
  else if (typeof v === 'number' && !Number.isFinite(v)) out.push(`${path}: ${v}`);
  else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, out);
}

test('viewToJson: stable keys, computed rates, null for unknown, no NaN/undefined', () => {
  const first = viewToJson(buildView(sample(server({ workers: [worker({ requests: Number.NaN, tx: -3 })] }), T0)));
  const bad: string[] = [];
  walk(first, '$', bad);
  assert.deepEqual(bad, []);
  const j = viewToJson(twoReads()) as any;
  walk(j, '$', bad);
  assert.deepEqual(bad, []);
  assert.equal(j.kind, 'server');
  assert.equal(j.time, '2024-03-15T12:00:02.000Z');
  assert.equal(j.interval, 2);
  assert.equal(j.header.node, 'web1');
  assert.equal(j.header.listen_queue, 3);
  assert.equal(j.totals.rps, 40);
  assert.equal(j.totals.tx_rate, 1024);
  assert.deepEqual(Object.keys(j.workers[0]), [
    'key', 'id', 'pid', 'status', 'status_class', 'busy', 'accepting', 'share', 'requests', 'rps', 'exceptions', 'exc_rate',
    'tx', 'tx_rate', 'avg_rt', 'rss', 'vsz', 'signals', 'harakiri_count', 'respawn_count', 'running_time', 'last_spawn',
    'respawned', 'respawn_reason', 'spawned', 'reset', 'avg_now', 'cores',
  ]);
  assert.equal(j.workers[0].rps, 10);
  assert.equal(j.workers[2].rps, null);
  assert.equal(j.workers[2].respawn_reason, 'pid');
  assert.equal(j.workers[0].cores[0].rps, 10);
  assert.equal(j.events[0].kind, 'listen_queue');
  // round-trips through JSON unchanged
  assert.deepEqual(JSON.parse(JSON.stringify(j)), j);
  const ej = viewToJson(buildView(sample(emperor({ vassals: [vassal({ extra: { x: Number.NaN } })] }), T0))) as any;
  assert.equal(ej.kind, 'emperor');
  assert.deepEqual(ej.vassals, [{ id: 'app.ini', pid: 2000, extra: { x: null } }]);
});

test('a real uWSGI with --stats-no-cores (fixture): batch --cores says the cores are not reported, --json gives cores null (not [])', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../fixtures/uwsgi/no-cores.json', import.meta.url)));
  const v = buildView({ doc: parseStats(text), at: 1_000 }) as ServerView;
  const out = renderText(v, { showCores: true, width: 160 });
  assert.match(out, /\n {2}cores not reported \(uWSGI runs with --stats-no-cores\)/);
  assert.doesNotMatch(out, /CORE +REQ/);
  for (const w of (viewToJson(v) as { workers: Array<{ cores: unknown }> }).workers) assert.equal(w.cores, null);
  // a worker whose cores are all there but none in use keeps its list
  const withCores = buildView(sample(server({ workers: [worker({ id: 1, cores: [core({ id: 0 })] })] }), 1_000)) as ServerView;
  assert.doesNotMatch(renderText(withCores, { showCores: true, width: 160 }), /not reported/);
  assert.equal((viewToJson(withCores) as { workers: Array<{ cores: unknown[] }> }).workers[0]!.cores.length, 1);
});

test('cheap workers (uWSGI --cheaper, fixture): counted apart in the header and in --json totals', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../fixtures/uwsgi/cheaper.json', import.meta.url)));
  const v = buildView({ doc: parseStats(text), at: 1_000 }) as ServerView;
  const cheap = v.workers.filter((w) => w.statusClass === 'cheap').length;
  assert.ok(cheap > 0, 'the fixture has cheap workers');
  assert.equal(v.totals.cheap, cheap);
  assert.match(renderText(v, { width: 200 }), new RegExp(`workers: ${v.workers.length} \\(busy \\d+, cheap ${cheap}\\)`));
  assert.equal((viewToJson(v) as { totals: { cheap: number } }).totals.cheap, cheap);
});
