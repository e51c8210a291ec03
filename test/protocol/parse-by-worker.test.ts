/**
 * Issue 13 ("only what changed since the last frame should cost anything"): a uWSGI document is parsed
 * worker by worker (parseStatsSince), and a worker whose text is byte for byte its text in the last document
 * is that document's parsed worker — not decoded, parsed or validated again. The result must be exactly
 * parseStats's, whatever the server sends: every captured uWSGI document, seeded sequences of documents
 * (counters moving, workers coming and going, requests in flight with secrets, unknown keys, nulls, wrong
 * types, strings holding the separators), hostile layouts — and through fetchStats on a real socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BY_WORKER_MAX_BYTES, parseStats, parseStatsSince } from '../../src/protocol/parse.js';
import { fetchStats, type FetchResult } from '../../src/protocol/reader.js';
import { parseAddress } from '../../src/protocol/address.js';
import type { StatsDocument, StatsSnapshot } from '../../src/protocol/types.js';
import { startServer, tempDir } from './helpers.js';

/** JSON in uWSGI's own layout (core/stats.c: a tab per level, no space after the colon); `spaced`: JSON.stringify's. */
function uwsgiText(v: unknown, depth = 0, spaced = false): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const pad = '\n' + '\t'.repeat(depth + 1);
  const end = '\n' + '\t'.repeat(depth);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : '[' + v.map((e) => pad + uwsgiText(e, depth + 1, spaced)).join(',') + end + ']';
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return '{' + keys.map((k) => pad + JSON.stringify(k) + (spaced ? ': ' : ':') + uwsgiText((v as Record<string, unknown>)[k], depth + 1, spaced)).join(',') + end + '}';
}

function server(doc: StatsDocument): StatsSnapshot {
  assert.equal(doc.kind, 'server');
  return doc as StatsSnapshot;
}

test('every captured uWSGI server document in its own layout goes worker by worker, to exactly what parseStats gives', () => {
  const dir = new URL('../../../fixtures/uwsgi/', import.meta.url);
  let byWorker = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json') || name === 'capture-info.json') continue;
    const bytes = readFileSync(new URL(name, dir));
    const inc = parseStatsSince(bytes);
    if (name === 'minified.json' || name === 'emperor.json') {
      assert.equal(inc, undefined, `${name}: not uWSGI's tabbed server layout, parsed whole`);
      continue;
    }
    assert.ok(inc !== undefined, `${name}: parsed worker by worker`);
    assert.deepEqual(inc, parseStats(bytes), name);
    byWorker++;
  }
  assert.ok(byWorker >= 12, `${byWorker} fixtures`);
  // a real pair of reads: the second against the first
  const b1 = readFileSync(new URL('respawn-before.json', dir));
  const b2 = readFileSync(new URL('respawn-after.json', dir));
  const d1 = parseStatsSince(b1)!;
  assert.deepEqual(parseStatsSince(b2, d1), parseStats(b2));
});

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rec = Record<string, unknown>;

function core(id: number, requests: number): Rec {
  return { id, requests, static_requests: 0, routed_requests: 0, offloaded_requests: 0, write_errors: 0, read_errors: 0, in_request: 0, vars: [], req_info: {} };
}

function worker(id: number, requests: number): Rec {
  return {
    id,
    pid: 1000 + id,
    accepting: 1,
    requests,
    delta_requests: requests,
    exceptions: 0,
    harakiri_count: 0,
    signals: 0,
    signal_queue: 0,
    status: 'idle',
    rss: 50_000_000,
    vsz: 300_000_000,
    running_time: requests * 1500,
    last_spawn: 1_700_000_000,
    respawn_count: 1,
    tx: requests * 100,
    avg_rt: 1500,
    apps: [{ id: 0, modifier1: 0, mountpoint: '', startup_time: 0, requests, exceptions: 0, chdir: '/srv' }],
    cores: [core(0, requests), core(1, 0)],
  };
}

const HOSTILE = ['a,\n\t\t{b', '},\n\t\t{', '\n\t"workers":[', '\n\t]', '"},{', 'ü ✓ \u2028'];

/** One random change of a worker (in place). */
function mutate(w: Rec, r: () => number): void {
  const c = (w['cores'] as Rec[])[Math.floor(r() * 2)]!;
  switch (Math.floor(r() * 9)) {
    case 0:
    case 1:
    case 2:
      w['requests'] = (w['requests'] as number) + 1 + Math.floor(r() * 5);
      c['requests'] = (c['requests'] as number) + 1;
      break;
    case 3:
      // a request in flight, with what must never get out
      c['in_request'] = 1;
      c['vars'] = ['REQUEST_METHOD=POST', 'PATH_INFO=/login', 'QUERY_STRING=token=SECRET', 'HTTP_COOKIE=SECRET'];
      c['req_info'] = { request_start: 1_700_000_100 };
      w['status'] = 'busy';
      break;
    case 4:
      c['in_request'] = 0;
      c['vars'] = [];
      c['req_info'] = {};
      w['status'] = 'idle';
      break;
    case 5:
      w['future_field'] = { n: Math.floor(r() * 3) }; // an unknown key: the copying path
      break;
    case 6:
      w['rss'] = r() < 0.5 ? null : 40_000_000 + Math.floor(r() * 1000);
      break;
    case 7:
      w['status'] = HOSTILE[Math.floor(r() * HOSTILE.length)]!;
      break;
    default:
      w['pid'] = (w['pid'] as number) + 1; // a respawn
  }
}

test('seeded sequences of documents: worker by worker is parseStats exactly, and reuses exactly the workers whose text did not change', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const r = rng(seed);
    const spaced = seed % 2 === 0;
    let ws: Rec[] = Array.from({ length: 1 + Math.floor(r() * 8) }, (_, i) => worker(i + 1, Math.floor(r() * 100)));
    let prev: StatsDocument | undefined;
    // the reference: the last document's worker texts, and its workers when it was parsed worker by worker
    let refTexts: string[] = [];
    let refWorkers: readonly unknown[] | undefined;
    const seen = { reused: 0, parsed: 0, whole: 0 };
    for (let step = 0; step < 80; step++) {
      ws = structuredClone(ws);
      const busy = r() < 0.15; // every worker changes: most of them unchanged no more
      for (const w of ws) if (busy || r() < 0.3) mutate(w, r);
      if (r() < 0.1) ws.push(worker(ws.length + 1, 0));
      if (r() < 0.05 && ws.length > 1) ws.splice(Math.floor(r() * ws.length), 1);
      const bad = r() < 0.04; // a wrong type somewhere: parseStats throws, and so does the worker-by-worker way, or it gives up
      if (bad) (ws[Math.floor(r() * ws.length)]!['requests'] as unknown) = 'many';
      const root = { version: '2.0.21', listen_queue: step % 3, listen_queue_errors: 0, signal_queue: 0, load: 0, pid: 99, uid: 33, gid: 33, cwd: '/srv', locks: [{ 'user 0': 0 }], sockets: [], workers: ws };
      const bytes = Buffer.from(uwsgiText(root, 0, spaced));
      const texts = ws.map((w) => uwsgiText(w, 2, spaced));
      let full: StatsDocument | undefined;
      try {
        full = parseStats(bytes);
      } catch {
        full = undefined;
      }
      if (full === undefined) {
        let inc: StatsDocument | undefined;
        try {
          inc = parseStatsSince(bytes, prev);
        } catch {
          inc = undefined;
        }
        assert.equal(inc, undefined, `seed ${seed} step ${step}: a faulty document is not parsed`);
        (ws.find((w) => w['requests'] === 'many')!['requests'] as unknown) = 1;
        continue;
      }
      const inc = parseStatsSince(bytes, prev);
      assert.ok(inc !== undefined, `seed ${seed} step ${step}: parsed`);
      assert.deepEqual(inc, full, `seed ${seed} step ${step}`);
      assert.ok(!JSON.stringify(inc).includes('SECRET'), 'request secrets are dropped');
      const unchanged = texts.map((t, k) => prev !== undefined && k < refTexts.length && refTexts[k] === t);
      const whole = prev !== undefined && unchanged.filter(Boolean).length * 2 < texts.length;
      server(inc).workers.forEach((w, k) => {
        const reuse = !whole && unchanged[k]! && refWorkers !== undefined;
        assert.equal(refWorkers !== undefined && w === refWorkers[k], reuse, `seed ${seed} step ${step}: worker ${k} ${reuse ? 'unchanged: reused' : whole ? 'most changed: whole' : 'changed: parsed anew'}`);
        if (reuse) seen.reused++;
        else seen.parsed++;
      });
      if (whole) seen.whole++;
      refTexts = texts;
      refWorkers = whole ? undefined : server(inc).workers;
      prev = inc;
    }
    assert.ok(seen.reused > 50 && seen.parsed > 50 && seen.whole > 2, `seed ${seed}: ${JSON.stringify(seen)} (every way taken)`);
  }
});

test('layouts that only look like uWSGI\'s are parsed whole, to what parseStats gives', () => {
  const w1 = uwsgiText(worker(1, 5), 2);
  const w2 = uwsgiText(worker(2, 7), 2);
  const cases: Record<string, string> = {
    // the root's last "workers" key wins in JSON.parse: the first array's text must not be taken for it
    'two workers keys': `{\n\t"version":"x",\n\t"workers":[\n\t\t${w1}\n\t],\n\t"workers":[\n\t\t${w2}\n\t]\n}`,
    // an inner object's "workers" at the root's indentation, the root's own workers empty
    'an inner workers': `{\n\t"x":{\n\t"workers":[\n\t\t${w1}\n\t]},\n\t"workers":[]\n}`,
    // two workers with no separator the cut recognises: one piece that is not one value
    'no separator': `{\n\t"version":"x",\n\t"workers":[\n\t\t${w1},{"id":2}\n\t]\n}`,
    // the array closed on the same line: the last "\\n\\t]" belongs to something else
    'closed inline': `{\n\t"workers":[${w1}],\n\t"locks":[\n\t\t{}\n\t]\n}`,
    'an Emperor': `{\n\t"vassals":[],\n\t"workers":[\n\t\t${w1}\n\t]\n}`,
  };
  for (const [name, text] of Object.entries(cases)) {
    const bytes = Buffer.from(text);
    const inc = parseStatsSince(bytes);
    let full: unknown;
    try {
      full = parseStats(bytes);
    } catch (e) {
      full = e;
    }
    if (inc !== undefined) assert.deepEqual(inc, full, name);
    assert.equal(inc, undefined, `${name}: parsed whole`);
  }
  // invalid UTF-8 inside a worker: left to parseStats, whose message counts the bytes of the whole document
  const good = Buffer.from(uwsgiText({ version: 'x', workers: [worker(1, 1), { ...worker(2, 2), status: 'idle\u00e9' }] }));
  const bad = Buffer.from(good);
  bad[good.indexOf(Buffer.from('\u00e9')) + 1] = 0x41; // a lead byte without its continuation
  assert.equal(parseStatsSince(bad), undefined);
  assert.throws(() => parseStats(bad), /invalid UTF-8 at byte \d{3}/);
  assert.deepEqual(parseStatsSince(good), parseStats(good));
  // over the size limit: whole
  const many = { workers: Array.from({ length: Math.ceil(BY_WORKER_MAX_BYTES / w1.length) + 1 }, (_, i) => worker(i + 1, i)) };
  const big = Buffer.from(uwsgiText(many));
  assert.ok(big.length > BY_WORKER_MAX_BYTES);
  assert.equal(parseStatsSince(big), undefined);
});

test('fetchStats with the last result: unchanged workers are the last read\'s objects, the document is parseStats\'s', async (t) => {
  const docs = [worker(1, 10), worker(2, 20), worker(3, 30)];
  const texts: string[] = [];
  const root = (ws: Rec[]): string => uwsgiText({ version: '2.0.21', listen_queue: 0, listen_queue_errors: 0, signal_queue: 0, load: 0, pid: 9, uid: 0, gid: 0, cwd: '/', locks: [], sockets: [], workers: ws });
  texts.push(root(docs));
  const next = structuredClone(docs);
  next[1]!['requests'] = 21;
  texts.push(root(next));
  let n = 0;
  const srv = await startServer(t, { path: join(tempDir(t), 's.sock') }, (sock) => sock.end(texts[Math.min(n++, texts.length - 1)]!));
  const addr = parseAddress(srv.address);
  const first: FetchResult = await fetchStats(addr);
  const second = await fetchStats(addr, undefined, first);
  assert.deepEqual(second.doc, parseStats(Buffer.from(texts[1]!)));
  const a = server(first.doc).workers;
  const b = server(second.doc).workers;
  assert.deepEqual(
    b.map((w, k) => w === a[k]),
    [true, false, true],
  );
  // the same answer again: the same document
  const third = await fetchStats(addr, undefined, second);
  assert.equal(third.doc, second.doc);
});

test('a document used twice as the last one: the second time nothing is reused (its texts went to the next), and the result is still parseStats\'s', () => {
  const doc = (ws: Rec[]): Buffer => Buffer.from(uwsgiText({ version: '2.0.21', pid: 1, workers: ws }));
  const ws = [worker(1, 1), worker(2, 2), worker(3, 3)];
  const d1 = server(parseStatsSince(doc(ws))!);
  const b2 = doc([ws[0]!, worker(2, 5), ws[2]!]);
  const d2 = server(parseStatsSince(b2, d1)!);
  assert.deepEqual(d2.workers.map((w, k) => w === d1.workers[k]), [true, false, true]);
  const b3 = doc([ws[0]!, ws[1]!, worker(3, 9)]);
  const again = server(parseStatsSince(b3, d1)!);
  assert.deepEqual(again, parseStats(b3));
  assert.deepEqual(again.workers.map((w, k) => w === d1.workers[k] || w === d2.workers[k]), [false, false, false]);
  // the chain goes on from d2
  const b4 = doc([ws[0]!, worker(2, 5), worker(3, 10)]);
  const d4 = server(parseStatsSince(b4, d2)!);
  assert.deepEqual(d4, parseStats(b4));
});

test('a worker whose text changes to another of the same length, then back: each time parsed anew (its kept text is rewritten in place)', () => {
  const doc = (ws: Rec[]): Buffer => Buffer.from(uwsgiText({ version: '2.0.21', pid: 1, workers: ws }));
  const ws = [worker(1, 11), worker(2, 22), worker(3, 33), worker(4, 44)];
  let prev = server(parseStatsSince(doc(ws))!);
  const steps: Rec[][] = [
    [ws[0]!, worker(2, 23), ws[2]!, ws[3]!], // 22 → 23: the same length
    [ws[0]!, worker(2, 22), ws[2]!, ws[3]!], // and back
    [ws[0]!, worker(2, 22), ws[2]!, ws[3]!], // unchanged now
    [ws[0]!, worker(2, 2222), ws[2]!, ws[3]!], // longer than its kept text's room
    [ws[0]!, worker(2, 2), ws[2]!, ws[3]!], // shorter
    [ws[0]!, worker(2, 3), ws[2]!, ws[3]!], // the same length as the shorter one
  ];
  const reused = [[true, false, true, true], [true, false, true, true], [true, true, true, true], [true, false, true, true], [true, false, true, true], [true, false, true, true]];
  steps.forEach((s, i) => {
    const b = doc(s);
    const d = server(parseStatsSince(b, prev)!);
    assert.deepEqual(d, parseStats(b), `step ${i}`);
    assert.deepEqual(d.workers.map((w, k) => w === prev.workers[k]), reused[i], `step ${i}`);
    prev = d;
  });
});
