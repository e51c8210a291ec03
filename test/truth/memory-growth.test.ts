/**
 * Issue 12 point 6, memory growth against a real uWSGI 2.0: an app whose
 * worker 1 keeps 2 MB more on every request (worker 2 serves the same
 * requests and keeps nothing), paced load, `--mem-growth 20 --mem-window 3`:
 * `tsgitop --json` names worker 1 with the memory-growth verdict, and worker
 * 2 — which served requests too, so uWSGI reports its RSS — never gets one.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUwsgi, stopAllUwsgi, uwsgiAvailable } from '../helpers/uwsgi.js';
import { pacedLoad, startCli } from './helpers.js';

const avail = uwsgiAvailable();
const skip = avail.ok ? false : `uwsgi not installed: ${avail.reason}`;
if (skip) console.log(`# skipping the real-uWSGI memory-growth test: ${skip}`);
after(() => stopAllUwsgi());

// Worker 1 keeps 2 MB (touched bytes, so they count in RSS) per request, at most 80 MB; every request
// sleeps 0.2 s so that paced requests overlap and both workers serve.
const APP = `
import time
import uwsgi

KEPT = []
GROW = (1,)

def application(environ, start_response):
    if uwsgi.worker_id() in GROW and len(KEPT) < 40:
        KEPT.append(b'\\x01' * (2 << 20))
    time.sleep(0.2)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok\\n']
`;

interface JsonWorker {
  id: number;
  rss: number | null;
  requests: number | null;
}
interface JsonDoc {
  workers: JsonWorker[];
  diagnosis: { rule: string; message: string; severity: string; worker_id: number | null }[];
}

test('memory growth: the worker whose RSS keeps rising is named, the worker that does not grow is not', { skip, timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-memgrowth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = join(dir, 'grow_app.py');
  writeFileSync(app, APP);
  const u = await startUwsgi({ processes: 2, stats: 'unix', app, memoryReport: true });
  t.after(() => u.stop());
  const load = pacedLoad(u.httpPort, '/grow', 8, 30, 4);
  t.after(() => load.stop());
  const cli = startCli(['--json', '-n', '60', '-f', '0.4', '--mem-growth', '20', '--mem-window', '3', u.statsAddress]);
  t.after(() => cli.kill());
  const docs = (): JsonDoc[] => cli.lines.map((l) => JSON.parse(l) as JsonDoc);
  const line = await cli.waitLine((l) => (JSON.parse(l) as JsonDoc).diagnosis.some((d) => d.rule === 'memory_growth'), 30_000);
  const doc = JSON.parse(line) as JsonDoc;
  const mem = doc.diagnosis.filter((d) => d.rule === 'memory_growth');
  assert.equal(mem.length, 1, `only the growing worker: ${JSON.stringify(mem)}`);
  assert.equal(mem[0]!.worker_id, 1);
  assert.equal(mem[0]!.severity, 'warning');
  assert.match(mem[0]!.message, /^memory growth: worker 1 RSS \+\d+% in [3-9]s$/);
  // the control: worker 2 served requests (its RSS is reported) over more than the window, and never got a verdict
  await cli.waitLine(() => {
    const w2 = docs().map((d) => d.workers.find((w) => w.id === 2));
    return w2.filter((w) => (w?.rss ?? 0) > 0).length >= 10;
  }, 20_000);
  cli.kill();
  await load.stop();
  const all = docs();
  const w2 = all.map((d) => d.workers.find((w) => w.id === 2)!);
  assert.ok((w2.at(-1)!.requests ?? 0) > 0, 'worker 2 served requests');
  for (const d of all) assert.deepEqual(d.diagnosis.filter((v) => v.rule === 'memory_growth' && v.worker_id !== 1), [], 'no verdict for worker 2');
  // worker 1's RSS did rise by more than 20 % from its first reported value
  const w1 = all.map((d) => d.workers.find((w) => w.id === 1)!.rss ?? 0).filter((r) => r > 0);
  assert.ok(w1.at(-1)! > w1[0]! * 1.2, `worker 1 grew: ${w1[0]} → ${w1.at(-1)}`);
  const r2 = w2.map((w) => w.rss ?? 0).filter((r) => r > 0);
  t.diagnostic(`worker 1 RSS ${w1[0]} → ${w1.at(-1)}; worker 2 RSS ${r2[0]} → ${r2.at(-1)} (${w2.at(-1)!.requests} requests); verdict: ${mem[0]!.message}`);
});
