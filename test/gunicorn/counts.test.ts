/**
 * The gunicorn stats module with a real gunicorn 20.1: known request and exception counts, read
 * through `tsgitop --connect-and-read` and `tsgitop -b --json` (the real CLI), for 4 sync workers
 * (Flask app: a raising view becomes a 500) and 2 gthread workers × 4 threads (plain WSGI app: the
 * exception reaches gunicorn). Also: the document's keys, key order and value types equal a real
 * uWSGI 2.0.21 document's (fixtures/uwsgi/load-4p4t.json), and `--gunicorn-config` prints the module.
 * The same counts are read off the live monitor's screen (tmux): the totals row (`t`) and the worker rows.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BIN, runCli } from '../cli/run-cli.js';
import { TmuxSession, assertTerminalRestored, tmuxAvailable } from '../helpers/tmux.js';
import { MODULE, load, pythonAvailable, startGunicorn, sum, type Gunicorn, type StatsDoc } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/uwsgi/load-4p4t.json', import.meta.url));

test('--gunicorn-config prints the absolute path of the shipped module', async () => {
  const r = await runCli(['--gunicorn-config']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.toString(), `${MODULE}\n`);
  assert.ok(existsSync(MODULE));
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { files: string[] };
  assert.ok(pkg.files.includes('python/tsgitop_gunicorn.py'), 'package.json "files" ships the module');
});

/** 200 requests, every 10th raising: exactly 200 requests / 20 exceptions, in every reading. */
async function knownCounts(t: TestContext, g: Gunicorn, workers: number, coresPerWorker: number): Promise<void> {
  const statuses = await load(g.port, 200, 8, (i) => (i % 10 === 9 ? '/error' : i % 3 === 0 ? '/big?kb=2' : '/'));
  assert.equal(statuses.filter((s) => s === 500).length, 20);
  assert.equal(statuses.filter((s) => s === 200).length, 180);
  // post_request runs after the response went out: wait for the last one to be counted.
  const doc = await g.waitDoc((d) => sum(d.workers, 'requests') >= 200, '200 requests counted');

  const r = await runCli(['--connect-and-read', g.statsAddress]);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout.toString()) as StatsDoc;
  assert.equal(d.workers.length, workers);
  assert.equal(sum(d.workers, 'requests'), 200);
  assert.equal(sum(d.workers, 'exceptions'), 20);
  assert.ok(d.workers.every((w) => w.cores.length === coresPerWorker));
  assert.equal(d.workers.reduce((a, w) => a + w.cores.reduce((b, c) => b + c.requests, 0), 0), 200, 'core requests add up');
  assert.ok(d.workers.every((w) => w.status === 'idle' && w.respawn_count === 1 && w.harakiri_count === 0));
  // tx: body bytes; 180 OK bodies of 2 bytes or 2 KiB
  const bigs = Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 10 !== 9 && i % 3 === 0).length;
  assert.ok(sum(d.workers, 'tx') >= bigs * 2048, `tx ${sum(d.workers, 'tx')}`);
  assert.ok(d.workers.every((w) => w.requests === 0 || (w.running_time > 0 && w.avg_rt > 0)));
  assert.equal(JSON.stringify(doc.workers.map((w) => w.pid)), JSON.stringify(d.workers.map((w) => w.pid)));

  const b = await runCli(['-b', '--json', '-n', '1', '-f', '0.2', g.statsAddress]);
  assert.equal(b.code, 0, b.stderr);
  const j = JSON.parse(b.stdout.toString().trim().split('\n')[0]!) as { totals: { workers: number; requests: number; exceptions: number } };
  assert.equal(j.totals.workers, workers);
  assert.equal(j.totals.requests, 200);
  assert.equal(j.totals.exceptions, 20);
  const text = await runCli(['-b', '-n', '1', '-f', '0.2', '--width', '160', g.statsAddress]);
  assert.equal(text.code, 0, text.stderr);
  for (const w of d.workers) assert.match(text.stdout.toString(), new RegExp(`\\b${w.pid}\\b`), 'the table lists every worker');
  await monitorCounts(t, g, d);
}

/** The live monitor (`tsgitop SOCKET` in tmux, totals row on): Σ REQ 200, Σ EXC 20, worker rows add up; `q` restores the terminal. */
async function monitorCounts(t: TestContext, g: Gunicorn, d: StatsDoc): Promise<void> {
  const why = tmuxAvailable();
  if (why !== undefined) {
    t.diagnostic(`monitor not checked: ${why}`);
    return;
  }
  const tm = TmuxSession.start(t, `node ${BIN} -f 0.5 ${g.statsAddress}`, { cols: 160, rows: 40, name: 'gunicorn-counts' });
  await tm.waitScreen(/● live/, 'the monitor live');
  tm.keys('t');
  const screen = await tm.waitScreen(/^\s*Σ\s/m, 'the totals row');
  const lines = screen.split('\n');
  const head = lines.findIndex((l) => /\bWID\b.*\bREQ\b.*\bEXC\b/.test(l));
  assert.ok(head >= 0, `a table header:\n${screen}`);
  const cols = lines[head]!.replace(/[▲▼]/g, ' ').trim().split(/\s+/);
  const [req, exc] = [cols.indexOf('REQ'), cols.indexOf('EXC')];
  const rows = lines.slice(head + 1).filter((l) => /^\s*\d+\s/.test(l)).map((l) => l.trim().split(/\s+/));
  const totals = lines.find((l) => /^\s*Σ\s/.test(l))!.trim().split(/\s+/);
  assert.equal(rows.length, d.workers.length, `one row per worker:\n${screen}`);
  assert.equal(rows.reduce((a, r) => a + Number(r[req]), 0), 200, `worker REQ adds up to 200:\n${screen}`);
  assert.equal(totals[req], '200', `Σ REQ:\n${screen}`);
  assert.equal(totals[exc], '20', `Σ EXC:\n${screen}`);
  tm.keys('q');
  const stty = await tm.exited();
  assert.match(stty, /^exit=0$/m);
  assertTerminalRestored(tm, stty);
}

test('4 sync workers (Flask): 200 requests, 20 raising → exactly those counts in --connect-and-read and -b', async (t) => {
  const a = pythonAvailable('flask');
  if (!a.ok) return t.skip(a.reason);
  const g = await startGunicorn({ workers: 4, app: 'app:flask_app' });
  t.after(() => g.stop());
  await knownCounts(t, g, 4, 1);
});

test('2 gthread workers x 4 threads (plain WSGI): 200 requests, 20 raising → exactly those counts', async (t) => {
  const a = pythonAvailable();
  if (!a.ok) return t.skip(a.reason);
  const g = await startGunicorn({ workers: 2, threads: 4, workerClass: 'gthread' });
  t.after(() => g.stop());
  await knownCounts(t, g, 2, 4);
});

test('gevent workers: one core per greenlet slot, in-flight requests on their cores, counts exact', async (t) => {
  const a = pythonAvailable('gevent');
  if (!a.ok) return t.skip(a.reason);
  const g = await startGunicorn({ workers: 2, workerClass: 'gevent', extraArgs: ['--worker-connections', '6'] });
  t.after(() => g.stop());
  const statuses = await load(g.port, 60, 6, (i) => (i % 6 === 5 ? '/error' : '/'));
  assert.equal(statuses.filter((s) => s === 500).length, 10);
  const doc = await g.waitDoc((d) => sum(d.workers, 'requests') >= 60, '60 requests counted');
  assert.equal(sum(doc.workers, 'requests'), 60);
  assert.equal(sum(doc.workers, 'exceptions'), 10);
  assert.ok(doc.workers.every((w) => w.cores.length === 6));
  // 5 concurrent slow requests: 5 cores in_request at once, over both workers
  const slow = Array.from({ length: 5 }, () => g.request('/slow?s=3'));
  const busy = await g.waitDoc((d) => d.workers.flatMap((w) => w.cores).filter((c) => c.in_request === 1).length === 5, '5 cores in_request');
  assert.ok(busy.workers.some((w) => w.status === 'busy'));
  assert.ok(busy.workers.flatMap((w) => w.cores).filter((c) => c.in_request === 1).every((c) => typeof c.req_info.request_start === 'number'));
  await Promise.all(slow);
});

test('the document has the keys, key order and value types of a real uWSGI 2.0.21 document', async (t) => {
  const a = pythonAvailable();
  if (!a.ok) return t.skip(a.reason);
  const g = await startGunicorn({ workers: 2, threads: 2, env: { TSGITOP_STATS_PATHS: '1' } });
  t.after(() => g.stop());
  const raw = await g.readRaw(); // idle, like the fixture's first core
  const slow = g.request('/slow?s=2');
  const busy = (await g.waitDoc((d) => d.workers.some((w) => w.cores.some((c) => c.in_request === 1)), 'a core in_request')) as unknown as Record<string, unknown>;
  await slow;
  const ref = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
  const ours = JSON.parse(raw) as Record<string, unknown>;
  // uWSGI 2.0.21 `locks` has entries; the gunicorn master has no uWSGI locks: the list is empty.
  const shape = (v: unknown, path: string, out: string[]): void => {
    if (Array.isArray(v)) {
      out.push(`${path}: array`);
      if (v.length > 0 && path !== '$.locks' && !path.endsWith('.vars')) shape(v[0], `${path}[]`, out);
    } else if (v !== null && typeof v === 'object') {
      out.push(`${path}: {${Object.keys(v).join(',')}}`);
      for (const [k, x] of Object.entries(v)) if (path.endsWith('.req_info') === false) shape(x, `${path}.${k}`, out);
    } else out.push(`${path}: ${typeof v}`);
  };
  const a1: string[] = [];
  const a2: string[] = [];
  shape(ref, '$', a1);
  shape(ours, '$', a2);
  assert.deepEqual(a2, a1);
  // an in-flight core: vars are "KEY=value" strings ending with "" like uWSGI's; req_info.request_start a number
  const ws = (busy.workers as Array<{ cores: Array<{ in_request: number; vars: string[]; req_info: Record<string, unknown> }> }>);
  const core = ws.flatMap((w) => w.cores).find((c) => c.in_request === 1)!;
  assert.deepEqual(core.vars, ['REQUEST_METHOD=GET', 'PATH_INFO=/slow', '']);
  assert.deepEqual(Object.keys(core.req_info), ['request_start']);
  assert.equal(typeof core.req_info.request_start, 'number');
  const refCore = (ref.workers as typeof ws).flatMap((w) => w.cores).find((c) => c.in_request === 1)!;
  assert.deepEqual(Object.keys(refCore.req_info), ['request_start']);
  assert.equal(typeof refCore.req_info.request_start, 'number');
});

test('an exception raised while the body is sent (after the headers) counts as an exception, for sync, gthread and gevent workers', async (t) => {
  // Seen at stop 30: gunicorn logs "Error handling request … RuntimeError" but raises StopIteration in its place
  // (the headers are gone: it closes the connection), and the module took that for "not the app's failure".
  const a = pythonAvailable('gevent');
  if (!a.ok) return t.skip(a.reason);
  for (const [workerClass, threads] of [['sync', undefined], ['gthread', 2], ['gevent', undefined]] as const) {
    const g = await startGunicorn({ workers: 1, workerClass, ...(threads ? { threads } : {}) });
    try {
      for (let i = 0; i < 3; i++) await g.request('/midstream').catch(() => -1); // a cut-off answer
      for (let i = 0; i < 2; i++) assert.equal(await g.request('/'), 200);
      const d = await g.waitDoc((x) => sum(x.workers, 'requests') === 5, `${workerClass}: 5 requests counted`);
      assert.equal(sum(d.workers, 'exceptions'), 3, `${workerClass}: the 3 failed bodies`);
      assert.match(g.log(), /test error in the body/);
    } finally {
      await g.stop();
    }
  }
});
