/**
 * End to end: `tsgitop --replay FILE` (the real bin/tsgitop) inside tmux,
 * playing a fleet recording written by the test. Keys go in with `tmux
 * send-keys`, the screen comes back with `tmux capture-pane`. Needs tmux
 * only (no uWSGI): skipped with a reason without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/run-cli.js';
import { Recorder } from '../../src/record/recorder.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = hasTmux ? false : 'tmux not installed';
if (skip) console.log(`# skipping the tmux replay test: ${skip}`);

const FIXTURE = readFileSync(new URL('../../../fixtures/uwsgi/idle-4p.json', import.meta.url), 'utf8');

/** Poll `read()` until `pred` holds; fail with the last value after `ms`. */
async function waitFor(read: () => string, pred: (s: string) => boolean, what: string, ms = 15000): Promise<string> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    last = read();
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last:\n${last}`);
}

test('tsgitop --replay in tmux: REPLAY marker, pause, step, speed, quit with the terminal restored', { skip, timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-'));
  const session = `tsgitop-replay-${process.pid}`;
  t.after(() => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    rmSync(dir, { recursive: true, force: true });
  });
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

  const afterFile = join(dir, 'after.txt');
  const screen = (): string => (spawnSync('tmux', ['has-session', '-t', session]).status === 0 ? execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }) : '');
  const keys = (...k: string[]): void => {
    execFileSync('tmux', ['send-keys', '-t', session, ...k]);
  };
  const cmd = `node ${BIN} --replay ${file} --replay-target web1; echo "exit=$?" > ${afterFile}; stty -a >> ${afterFile}; sleep 600`;
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '30', cmd]);

  const record = (s: string): number => Number(/\(record (\d+)\/600\)/.exec(s)?.[1] ?? NaN);
  let s = await waitFor(screen, (x) => / REPLAY +×1 ▶ 2026-11-23 /.test(x) && x.includes('web1, 1 other target'), 'the REPLAY marker');
  assert.match(s, /space\/p play\/pause/, 'the footer lists the replay keys');

  keys('Space');
  s = await waitFor(screen, (x) => x.includes('×1 ⏸ paused'), 'paused');
  const at = record(s);
  assert.ok(at >= 1, s);
  keys('.');
  // The 4 workers served 4000·i + 10 requests at record i (shown as position i + 1).
  s = await waitFor(screen, (x) => record(x) === at + 1 && new RegExp(`req ${4000 * at + 10} `).test(x), `record ${at + 1} after a step`);
  assert.match(s, /×1 ⏸ paused/, 'a step keeps the replay paused');
  keys('+');
  await waitFor(screen, (x) => x.includes('×2 ⏸ paused'), 'speed ×2');
  keys('p');
  await waitFor(screen, (x) => x.includes('×2 ▶') && record(x) > at + 1, 'playing again at ×2');

  keys('q');
  const after = await waitFor(() => (existsSync(afterFile) ? readFileSync(afterFile, 'utf8') : ''), (x) => x.includes('\n') && /speed/.test(x), 'tsgitop exited');
  assert.match(after, /^exit=0$/m);
  assert.match(after, /\becho\b/, 'echo back on');
  assert.match(after, /\bicanon\b/, 'cooked mode restored');
});
