/**
 * Batch mode through a failed read: after the baseline, a read that fails is told in its place (a JSON line
 * `{"kind":"error",…}` or a text line) and the run goes on; the exit code is 1 and stderr says how many failed.
 * Seen at stop 30: `-b --json -n 40` stopped at the 9th line when the master restarted — the event it was
 * there to log. The first read failing stays fatal (exit 1, one line).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../fixtures/uwsgi/idle-4p.json', import.meta.url)));

/** A unix stats server answering the fixture, except the connections numbered in `bad` (1-based), which get a torn document. */
async function server(t: import('node:test').TestContext, bad: ReadonlySet<number>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-batch-fail-'));
  const path = join(dir, 'stats.sock');
  let n = 0;
  const srv = createServer((c) => {
    n++;
    c.on('error', () => undefined);
    c.end(bad.has(n) ? DOC.subarray(0, 100) : DOC);
  });
  await new Promise<void>((resolve) => srv.listen(path, resolve));
  t.after(async () => {
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });
  return path;
}

test('batch --json: a read failing after the baseline is a {"kind":"error"} line in its place; the run goes on; exit 1 with a count', async (t) => {
  const path = await server(t, new Set([3])); // 1: baseline, 2: ok, 3: torn, 4 and 5: ok
  const r = await runCli(['-b', '--json', '-n', '4', '-f', '0.2', path]);
  const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { kind: string; message?: string; time?: string });
  assert.deepEqual(lines.map((l) => l.kind), ['server', 'error', 'server', 'server']);
  assert.match(lines[1]!.message!, /\S/);
  assert.match(lines[1]!.time!, /^\d{4}-\d\d-\d\dT/);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'tsgitop: 1 of 4 reads failed (each told in its place)\n');
});

test('batch text: the failed read is one line between the tables; every read good is exit 0; the first read failing is fatal', async (t) => {
  const path = await server(t, new Set([2]));
  const r = await runCli(['-b', '-n', '2', '-f', '0.2', path]);
  const out = r.stdout.toString();
  assert.match(out, /^read failed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: [^\n]+\n\nuwsgi-/, out);
  assert.equal(out.match(/^uwsgi-/gm)?.length, 1, 'one table');
  assert.equal(r.code, 1);
  const ok = await runCli(['-b', '-n', '2', '-f', '0.2', await server(t, new Set())]);
  assert.equal(ok.code, 0);
  assert.equal(ok.stderr, '');
  const first = await runCli(['-b', '--json', '-n', '3', '-f', '0.2', await server(t, new Set([1]))]);
  assert.equal(first.code, 1);
  assert.equal(first.stdout.length, 0);
  assert.equal(first.stderr.split('\n').filter((l) => l !== '').length, 1, first.stderr);
});
