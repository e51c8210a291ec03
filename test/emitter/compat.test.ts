/**
 * Compatibility with real uWSGI 2.0.21: `uwsgi --connect-and-read` reads our
 * socket, our document's structure covers uWSGI's, and our renderer
 * reproduces uWSGI's bytes. Skips (with the reason) when uwsgi is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { createStatsServer, listenStats, DocumentSource, renderDocument, RequestCounters } from '../../src/emitter/index.js';
import type { EmitterDocument } from '../../src/emitter/doc.js';
import { connectAndRead, readAll, startUwsgi, tempDir, uwsgiMissing } from './helpers.js';

type J = Record<string, unknown>;

/** Rebuild an EmitterDocument from a parsed uWSGI document (keys in our order). */
function fromUwsgi(u: J): EmitterDocument {
  const n = (o: J, k: string): number => o[k] as number;
  const s = (o: J, k: string): string => o[k] as string;
  return {
    version: s(u, 'version'),
    listen_queue: n(u, 'listen_queue'),
    listen_queue_errors: n(u, 'listen_queue_errors'),
    signal_queue: n(u, 'signal_queue'),
    load: n(u, 'load'),
    pid: n(u, 'pid'),
    uid: n(u, 'uid'),
    gid: n(u, 'gid'),
    cwd: s(u, 'cwd'),
    locks: u.locks as Array<Record<string, number>>,
    sockets: (u.sockets as J[]).map((x) => ({
      name: s(x, 'name'), proto: s(x, 'proto'), queue: n(x, 'queue'), max_queue: n(x, 'max_queue'), shared: n(x, 'shared'), can_offload: n(x, 'can_offload'),
    })),
    workers: (u.workers as J[]).map((w) => ({
      id: n(w, 'id'), pid: n(w, 'pid'), accepting: n(w, 'accepting'), requests: n(w, 'requests'), delta_requests: n(w, 'delta_requests'),
      exceptions: n(w, 'exceptions'), harakiri_count: n(w, 'harakiri_count'), signals: n(w, 'signals'), signal_queue: n(w, 'signal_queue'),
      status: s(w, 'status'), rss: n(w, 'rss'), vsz: n(w, 'vsz'), running_time: n(w, 'running_time'), last_spawn: n(w, 'last_spawn'),
      respawn_count: n(w, 'respawn_count'), tx: n(w, 'tx'), avg_rt: n(w, 'avg_rt'),
      apps: (w.apps as J[]).map((a) => ({
        id: n(a, 'id'), modifier1: n(a, 'modifier1'), mountpoint: s(a, 'mountpoint'), startup_time: n(a, 'startup_time'),
        requests: n(a, 'requests'), exceptions: n(a, 'exceptions'), chdir: s(a, 'chdir'),
      })),
      cores: (w.cores as J[]).map((c) => {
        const ri = c.req_info as J;
        return {
          id: n(c, 'id'), requests: n(c, 'requests'), static_requests: n(c, 'static_requests'), routed_requests: n(c, 'routed_requests'),
          offloaded_requests: n(c, 'offloaded_requests'), write_errors: n(c, 'write_errors'), read_errors: n(c, 'read_errors'),
          in_request: n(c, 'in_request'), ...(typeof ri.request_start === 'number' ? { request_start: ri.request_start } : {}),
        };
      }),
    })),
  };
}

const TOP_KEYS = 'version listen_queue listen_queue_errors signal_queue load pid uid gid cwd locks sockets workers';
const WORKER_KEYS = 'id pid accepting requests delta_requests exceptions harakiri_count signals signal_queue status rss vsz running_time last_spawn respawn_count tx avg_rt apps cores';
const CORE_KEYS = 'id requests static_requests routed_requests offloaded_requests write_errors read_errors in_request vars req_info';
const APP_KEYS = 'id modifier1 mountpoint startup_time requests exceptions chdir';
const SOCKET_KEYS = 'name proto queue max_queue shared can_offload';

/** A uWSGI server document with exactly the keys (in the order) the emitter models, and empty vars. */
function isModelled(d: J): boolean {
  const keys = (o: unknown): string => (typeof o === 'object' && o !== null ? Object.keys(o).join(' ') : '');
  if (keys(d) !== TOP_KEYS || !Array.isArray(d.workers) || !Array.isArray(d.sockets) || !Array.isArray(d.locks)) return false;
  if (!(d.sockets as J[]).every((x) => keys(x) === SOCKET_KEYS)) return false;
  return (d.workers as J[]).every(
    (w) =>
      keys(w) === WORKER_KEYS &&
      Array.isArray(w.apps) &&
      Array.isArray(w.cores) &&
      (w.apps as J[]).every((a) => keys(a) === APP_KEYS) &&
      (w.cores as J[]).every((c) => keys(c) === CORE_KEYS && Array.isArray(c.vars) && c.vars.length === 0 && typeof c.req_info === 'object'),
  );
}

function typeOf(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

/** Every key of `theirs` is in `ours` with the same JSON type, and in the same relative order. */
function assertCovers(ours: J, theirs: J, where: string): void {
  const ok = Object.keys(ours);
  for (const k of Object.keys(theirs)) {
    assert.ok(k in ours, `${where}: missing key ${k}`);
    assert.equal(typeOf(ours[k]), typeOf(theirs[k]), `${where}.${k}: type`);
  }
  const common = ok.filter((k) => k in theirs);
  assert.deepEqual(common, Object.keys(theirs).filter((k) => k in ours), `${where}: key order`);
}

const missing = uwsgiMissing();

test('uwsgi --connect-and-read prints exactly the bytes we serve (pretty and minified)', { skip: missing }, async (t) => {
  const dir = tempDir(t);
  const counters = new RequestCounters(4);
  counters.end(counters.begin(1), { rtMicros: 1234, txBytes: 99, exception: true, writeError: false, readError: false });
  counters.begin(1795424787);
  const server = http.createServer();
  const stats = await createStatsServer({ counters, server, sockets: [{ host: '127.0.0.1', port: 1717 }], memory: false, queueSampleMs: 0 });
  t.after(() => stats.close());
  const fixedDoc = stats.document();
  for (const minified of [false, true]) {
    const path = join(dir, `s${minified ? 'm' : 'p'}.sock`);
    const l = await listenStats(new DocumentSource(() => fixedDoc), { path, minified });
    t.after(() => l.close());
    const printed = await connectAndRead(path);
    assert.equal(printed.toString(), renderDocument(fixedDoc, minified));
  }
});

test('uwsgi --connect-and-read reads a live single-process emitter', { skip: missing }, async (t) => {
  const dir = tempDir(t);
  const server = http.createServer((_q, s) => s.end('x'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const path = join(dir, 'live.sock');
  const stats = await createStatsServer({ server, instrumentOptions: { counters: new RequestCounters(8) }, listen: { path }, memory: false });
  t.after(async () => {
    await stats.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const printed = JSON.parse((await connectAndRead(path)).toString()) as J;
  assert.deepEqual(printed, JSON.parse(stats.json()));
});

test('our document covers real uWSGI 2.0.21 (keys, types, order) and our renderer reproduces its bytes', { skip: missing }, async (t) => {
  const dir = tempDir(t);
  const uw = await startUwsgi(dir, ['--memory-report']);
  t.after(() => uw.stop());
  const raw = await readAll({ path: uw.statsPath });
  const theirs = JSON.parse(raw.toString()) as J;

  // 1. our renderer, fed uWSGI's values, produces uWSGI's exact bytes (layout identity)
  assert.equal(renderDocument(fromUwsgi(theirs)), raw.toString());
  // … and its minified form is uWSGI's --stats-minified form (no whitespace, same order)
  assert.equal(renderDocument(fromUwsgi(theirs), true), JSON.stringify(theirs));

  // 2. the live emitter's document has every key uWSGI has, with the same types and order
  const app = http.createServer((_q, s) => s.end('x'));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const stats = await createStatsServer({ server: app, instrumentOptions: { counters: new RequestCounters(4) } });
  t.after(async () => {
    await stats.close();
    app.closeAllConnections();
    await new Promise((r) => app.close(r));
  });
  const ours = JSON.parse(stats.json()) as J;
  assertCovers(ours, theirs, '$');
  const ow = (ours.workers as J[])[0]!;
  const tw = (theirs.workers as J[])[0]!;
  assertCovers(ow, tw, '$.workers[0]');
  assertCovers((ow.cores as J[])[0]!, (tw.cores as J[])[0]!, '$.workers[0].cores[0]');
  assertCovers((ow.apps as J[])[0]!, (tw.apps as J[])[0]!, '$.workers[0].apps[0]');
  assertCovers((ours.sockets as J[])[0]!, (theirs.sockets as J[])[0]!, '$.sockets[0]');
  // same conventions for values we both know
  assert.equal(tw.respawn_count, 1);
  assert.equal(ow.respawn_count, 1);
  assert.match(theirs.version as string, /^2\.0\.21/);
  assert.match(ours.version as string, /^2\.0\.21-tsgitop-/);
});

test('fixtures captured from real uWSGI (if any) re-render byte-for-byte', (t) => {
  const dir = new URL('../../../fixtures/uwsgi/', import.meta.url).pathname;
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  let checked = 0;
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    let doc: J;
    try {
      doc = JSON.parse(text) as J;
    } catch {
      continue;
    }
    // server documents with exactly the keys we model, and no request vars (we never emit vars)
    if (!isModelled(doc)) continue;
    const raw = text.replace(/\n$/, '');
    if (raw.startsWith('{\n\t"version"')) assert.equal(renderDocument(fromUwsgi(doc)), raw, f);
    else if (raw.startsWith('{"version"')) assert.equal(renderDocument(fromUwsgi(doc), true), raw, `${f} (minified)`);
    else continue;
    checked++;
  }
  t.diagnostic(`${checked} of ${files.length} fixture files re-rendered byte-for-byte`);
});
