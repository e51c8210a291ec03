/**
 * scripts/bundle-oneshot.mjs splits the command line's bundle: main.bundle.js
 * holds what the monitor runs, main.rest.bundle.js the rest (demo, emitter,
 * recording, batch, fleet, completion…), read only when a command needs it
 * (V8 keeps a loaded script's source in memory: issue 13, point 2). Every
 * module is in exactly one of them, and a command that needs split-off
 * modules runs from the bundles with the shared modules taken from the main one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { completionScript } from '../../src/cli/completion.js';

const CLI = fileURLToPath(new URL('../../src/cli/', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/tsgitop', import.meta.url));
const DOC = readFileSync(fileURLToPath(new URL('../../../fixtures/uwsgi/idle-4p.json', import.meta.url)));

const ids = (file: string): string[] => [...readFileSync(join(CLI, file), 'utf8').matchAll(/^"([^"]+)": \(\) => \{$/gm)].map((m) => m[1]!);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 }, (e, stdout, stderr) => {
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('every module of the command line is in exactly one of main.bundle.js and main.rest.bundle.js; the monitor needs nothing from the rest', async () => {
  const main = ids('main.bundle.js');
  const rest = ids('main.rest.bundle.js');
  assert.ok(main.includes('cli/main.js') && main.includes('cli/monitor.js') && main.includes('tui/app.js'), main.join(' '));
  for (const id of ['cli/demo.js', 'emitter/cluster.js', 'record/recorder.js', 'cli/batch.js', 'cli/completion.js']) {
    assert.ok(rest.includes(id), `${id} in main.rest.bundle.js`);
    assert.ok(!main.includes(id), `${id} not in main.bundle.js`);
  }
  assert.deepEqual(main.filter((id) => rest.includes(id)), [], 'no module in both');
  // Only the command line's entry reaches into main.rest.bundle.js (for --record, --front, -b, completion, demo, replay…),
  // so the monitor's own modules never make it read.
  const text = readFileSync(join(CLI, 'main.bundle.js'), 'utf8');
  const starts = [...text.matchAll(/^"([^"]+)": \(\) => \{$/gm)];
  const callers = starts.filter((m, i) => text.slice(m.index, starts[i + 1]?.index ?? text.length).includes('__rest()')).map((m) => m[1]);
  assert.deepEqual(callers, ['cli/main.js']);
  const { stale } = (await import(new URL('../../src/cli/main.bundle.js', import.meta.url).href)) as { stale: boolean };
  assert.equal(stale, false, 'the bundle is current (bin/tsgitop runs it)');
  // The stale check still covers every module of both.
  const sources = JSON.parse(/^const __sources = (\[.*\]);$/m.exec(readFileSync(join(CLI, 'main.bundle.js'), 'utf8'))![1]!) as string[];
  assert.deepEqual([...sources].sort(), [...main, ...rest].sort());
  // The split-off part is smaller than the monitor's, and pure ASCII like it.
  assert.ok(statSync(join(CLI, 'main.rest.bundle.js')).size > 50_000);
  assert.ok(/^[\x00-\x7f]*$/.test(readFileSync(join(CLI, 'main.rest.bundle.js'), 'latin1')), 'main.rest.bundle.js is pure ASCII');
});

test('commands that need split-off modules run from the bundles: completion, batch with a recording', async (t) => {
  const completion = await run(['completion', 'bash']);
  assert.equal(completion.code, 0, completion.stderr);
  assert.equal(completion.stdout, completionScript('bash'));

  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-split-'));
  const sock = join(dir, 'stats.sock');
  const srv = createServer((c) => {
    c.on('error', () => {});
    c.end(DOC);
  });
  t.after(() => {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise<void>((r) => srv.listen(sock, r));
  const rec = join(dir, 'rec.jsonl');
  const batch = await run(['-b', '-n', '1', '--record', rec, sock]);
  assert.equal(batch.code, 0, batch.stderr);
  assert.match(batch.stdout, /workers: 4/);
  assert.ok(existsSync(rec) && statSync(rec).size > 0, 'the recording was written');
});
