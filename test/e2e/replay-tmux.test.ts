/**
 * End to end: `tsgitop --replay FILE` (the real bin/tsgitop) inside tmux,
 * playing a fleet recording written by the test. Keys go in with `tmux
 * send-keys`, the screen comes back with `tmux capture-pane`. Needs tmux
 * only (no uWSGI): skipped with a reason without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/run-cli.js';
import { Recorder } from '../../src/record/recorder.js';
import { assertTerminalRestored, tmuxAvailable, TmuxSession } from '../helpers/tmux.js';

const skip = tmuxAvailable() ?? false;
if (skip) console.log(`# skipping the tmux replay test: ${skip}`);

const FIXTURE = readFileSync(new URL('../../../fixtures/uwsgi/idle-4p.json', import.meta.url), 'utf8');

test('tsgitop --replay in tmux: REPLAY marker, pause, step, speed, quit with the terminal restored', { skip, timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fleet.rec');
  const rec = await Recorder.open(file);
  const t0 = Date.UTC(2026, 10, 23, 9, 0, 0);
  for (let i = 0; i < 600; i++) {
    const d = JSON.parse(FIXTURE) as { workers: { id: number; requests: number }[] };
    for (const w of d.workers) w.requests = 1000 * i + w.id;
    rec.record('web1', t0 + i * 1000, JSON.stringify(d));
    rec.record('web2', t0 + i * 1000 + 5, FIXTURE);
  }
  await rec.close();

  const tm = TmuxSession.start(t, `node ${BIN} --replay ${file} --replay-target web1`, { name: 'replay', cols: 120, rows: 30 });

  const record = (s: string): number => Number(/\(record (\d+)\/600\)/.exec(s)?.[1] ?? NaN);
  let s = await tm.waitScreen((x) => / REPLAY +×1 ▶ 2026-11-23 /.test(x) && x.includes('web1, 1 other target'), 'the REPLAY marker');
  assert.match(s, /space\/p play\/pause/, 'the footer lists the replay keys');

  tm.keys('Space');
  s = await tm.waitScreen((x) => x.includes('×1 ⏸ paused'), 'paused');
  const at = record(s);
  assert.ok(at >= 1, s);
  tm.keys('.');
  // The 4 workers served 4000·i + 10 requests at record i (shown as position i + 1).
  s = await tm.waitScreen((x) => record(x) === at + 1 && new RegExp(`req ${4000 * at + 10} `).test(x), `record ${at + 1} after a step`);
  assert.match(s, /×1 ⏸ paused/, 'a step keeps the replay paused');
  tm.keys('+');
  await tm.waitScreen((x) => x.includes('×2 ⏸ paused'), 'speed ×2');
  tm.keys('p');
  await tm.waitScreen((x) => x.includes('×2 ▶') && record(x) > at + 1, 'playing again at ×2');

  tm.keys('q');
  const after = await tm.exited(15000);
  assert.match(after, /^exit=0$/m);
  assertTerminalRestored(tm, after);
});
