/**
 * `tsgitop --replay FILE --replay-target LABEL`: the argument rules, run
 * through the CLI's main() with a terminal-like stdout (a replay needs a
 * terminal; these cases all end before the monitor would start).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { Recorder } from '../../src/record/recorder.js';
import { rawDoc, tempDir } from './helpers.js';

const T0 = 1_700_000_000_000;

function sink(): Writable & { text: string; isTTY: boolean; columns: number } {
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { text: string; isTTY: boolean; columns: number };
  w.text = '';
  w.isTTY = true;
  w.columns = 80;
  return w;
}

async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(['node', 'tsgitop', ...args], { stdout, stderr, env: { TERM: 'xterm-256color' } });
  return { code, stderr: stderr.text, stdout: stdout.text };
}

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one stderr line, got:\n${stderr}`);
  assert.ok(lines[0]!.startsWith('tsgitop: '), lines[0]);
  return lines[0]!;
}

test('--replay-target: an unknown label is a one-line usage error (exit 2) naming the targets', async (t) => {
  const file = join(tempDir(t), 'fleet.rec');
  const rec = await Recorder.open(file);
  for (let i = 0; i < 2; i++) {
    rec.record('web1', T0 + i * 1000, rawDoc(i));
    rec.record('web2', T0 + i * 1000 + 5, rawDoc(i));
  }
  await rec.close();
  const r = await run(['--replay', file, '--replay-target', 'web9']);
  assert.equal(r.code, 2);
  const line = oneLine(r.stderr);
  assert.match(line, /^tsgitop: --replay-target: cannot replay .*fleet\.rec: no records of 'web9' \(it has: web1, web2\)$/);
});

test('--replay-target only goes with --replay; a recording that cannot be played has its own error and exit code (3)', async (t) => {
  const r = await run(['--replay-target', 'web1', ':9191']);
  assert.equal(r.code, 2);
  assert.match(oneLine(r.stderr), /--replay-target only goes with --replay/);
  const dir = tempDir(t);
  const missing = await run(['--replay', join(dir, 'nope.rec'), '--replay-target', 'web1']);
  assert.equal(missing.code, 3);
  assert.match(oneLine(missing.stderr), /^tsgitop: cannot replay .*nope\.rec: /);
  // Not a recording at all (a single target and a fleet file alike): the same error, the same code.
  const bogus = join(dir, 'bogus.rec');
  writeFileSync(bogus, 'this is not a recording\n');
  for (const args of [['--replay', bogus], ['--replay', bogus, '--replay-target', 'web1']]) {
    const r = await run(args);
    assert.equal(r.code, 3, args.join(' '));
    assert.match(oneLine(r.stderr), /^tsgitop: cannot replay .*bogus\.rec: not a tsgitop recording/);
  }
});
