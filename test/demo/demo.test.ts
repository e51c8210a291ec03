import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runDemo } from '../../src/demo/index.js';
import { parseStats } from '../../src/protocol/parse.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';
import { alive, readAll, waitFor } from '../emitter/helpers.js';

const MAIN = fileURLToPath(new URL('../../src/demo/main.js', import.meta.url));

async function read(path: string): Promise<StatsSnapshot> {
  const d = parseStats(await readAll({ path }));
  assert.equal(d.kind, 'server');
  return d as StatsSnapshot;
}

test('runDemo: load moves every counter, crashed workers are respawned in their slot, stop() leaves nothing', async (t) => {
  const demo = await runDemo({ workers: 2, crashEveryMs: [300, 600], loadOptions: { concurrency: 4, pauseMs: [1, 10] } });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await demo.stop();
  });
  assert.ok(existsSync(demo.statsAddress));
  const doc = await waitFor(async () => {
    const d = await read(demo.statsAddress);
    const sum = (k: 'requests' | 'exceptions' | 'tx') => d.workers.reduce((a, w) => a + (w[k] ?? 0), 0);
    const respawned = d.workers.some((w) => (w.respawn_count ?? 0) >= 2);
    return sum('requests') > 20 && sum('exceptions') > 0 && sum('tx') > 512 * 1024 && respawned ? d : undefined;
  }, 'requests, exceptions, a large response and a respawn', 20_000);
  assert.equal(doc.workers.length, 2);
  assert.deepEqual(doc.workers.map((w) => w.id), [1, 2]);
  assert.ok(demo.loadStats().sent > 20);

  const pids = new Set<number>();
  for (const w of (await read(demo.statsAddress)).workers) if (w.pid) pids.add(w.pid);
  await demo.stop();
  stopped = true;
  await demo.stop(); // idempotent
  assert.equal(existsSync(demo.statsAddress), false, 'socket removed');
  assert.equal(existsSync(demo.dir), false, 'temp dir removed');
  for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} is gone`);
});

test('demo main: prints the stats address, and SIGTERM leaves no process or socket behind', { timeout: 60_000 }, async (t) => {
  const child = spawn(process.execPath, [MAIN, '--workers', '2', '--no-crash'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout });
  const it = lines[Symbol.asyncIterator]();
  const first = (await it.next()).value as string;
  const info = JSON.parse((await it.next()).value as string) as { stats: string; app: string; pid: number };
  // Keep draining the child's stdout (its workers share it): a pipe nobody
  // reads can stall the writer.
  lines.close();
  child.stdout.resume();
  assert.equal(first, info.stats);
  assert.equal(info.pid, child.pid);
  const doc = await waitFor(async () => {
    const d = await read(first);
    return d.workers.every((w) => (w.pid ?? 0) > 0 && w.accepting === 1) ? d : undefined;
  }, 'both workers up');
  const pids = doc.workers.map((w) => w.pid!);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(existsSync(first), false, 'socket removed');
  assert.equal(existsSync(dirname(first)), false, 'temp dir removed');
  await waitFor(() => pids.every((p) => !alive(p)), 'workers gone', 5000);
});

test('demo main rejects bad options with a one-line error', async () => {
  const child = spawn(process.execPath, [MAIN, '--workers', 'lots'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.equal(code, 2);
  assert.equal(err.trim().split('\n').length, 1);
  assert.match(err, /workers must be an integer/);
});
