/**
 * End to end: `tsgitop --replay FILE` of a fleet recording (the real
 * bin/tsgitop, inside tmux) opens the fleet view on one replay clock;
 * `--replay-target` still plays one target in the monitor. Needs tmux only:
 * skipped with a reason without it. The screen is polled with a deadline.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/run-cli.js';
import { Recorder } from '../../src/record/recorder.js';
import { fixture } from '../record/helpers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = hasTmux ? false : 'tmux not installed';
if (skip) console.log(`# skipping the tmux fleet replay test: ${skip}`);

async function waitFor(read: () => string, pred: (s: string) => boolean, what: string, ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    last = read();
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last:\n${last}`);
}

/** Run `tsgitop ARGS` in a detached tmux session; returns screen/keys/exit helpers (cleaned up after the test). */
function inTmux(t: TestContext, dir: string, name: string, args: string): { screen(): string; keys(...k: string[]): void; exited(): Promise<string> } {
  const session = `tsgitop-${name}-${process.pid}`;
  const afterFile = join(dir, `${name}.after`);
  t.after(() => {
    spawnSync('tmux', ['kill-session', '-t', session]);
  });
  // `read` keeps the pane open after tsgitop exits (until the session is killed).
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '30', `node ${BIN} ${args}; echo "exit=$?" > ${afterFile}; stty -a >> ${afterFile}; read x`]);
  return {
    screen: () => (spawnSync('tmux', ['has-session', '-t', session]).status === 0 ? execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }) : ''),
    keys: (...k) => {
      execFileSync('tmux', ['send-keys', '-t', session, ...k]);
    },
    exited: () => waitFor(() => (existsSync(afterFile) ? readFileSync(afterFile, 'utf8') : ''), (x) => /speed/.test(x), 'tsgitop exited'),
  };
}

test('tsgitop --replay FILE of a fleet recording: the fleet view on one clock (REPLAY marker, both targets, a fleet step); --replay-target still the monitor', { skip, timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fleet.rec');
  const rec = await Recorder.open(file);
  const idle = fixture('idle-4p.json').toString('utf8');
  const t0 = Date.UTC(2026, 10, 23, 9, 0, 0);
  for (let i = 0; i < 300; i++) {
    const d = JSON.parse(idle) as { workers: { id: number; requests: number }[] };
    for (const w of d.workers) w.requests = 1000 * i + w.id;
    rec.record('web1', t0 + i * 1000, JSON.stringify(d));
    rec.record('web2', t0 + i * 1000 + 300, idle);
  }
  await rec.close();

  const fleet = inTmux(t, dir, 'fleet', `--replay ${file}`);
  let s = await waitFor(fleet.screen, (x) => /tsgitop fleet/.test(x) && / REPLAY +×1 ▶ 2026-11-23 /.test(x) && /^web1\s+up/m.test(x) && /^web2\s+up/m.test(x), 'the fleet view replaying both targets');
  assert.match(s, /space\/p play\/pause/, 'the replay keys in the footer');
  fleet.keys('Space');
  s = await waitFor(fleet.screen, (x) => x.includes('×1 ⏸ paused'), 'paused');
  const pos = (x: string): number => Number(/\(record (\d+)\/600\)/.exec(x)?.[1] ?? NaN);
  const at = pos(s);
  fleet.keys('.');
  // One fleet step: the next record of either target.
  await waitFor(fleet.screen, (x) => pos(x) === at + 1 && x.includes('×1 ⏸ paused'), `record ${at + 1} after a step`);
  // web1 serves 4 workers × 1000 requests a second: its RPS cell.
  assert.match(fleet.screen(), /^web1\s+up\s+0\/4\s+4000\s/m);
  fleet.keys('q');
  let after = await fleet.exited();
  assert.match(after, /^exit=0$/m);
  assert.match(after, /\bicanon\b/, 'cooked mode restored');

  const one = inTmux(t, dir, 'one', `--replay ${file} --replay-target web2`);
  s = await waitFor(one.screen, (x) => /WID\s+%\s+PID/.test(x) && x.includes('web2, 1 other target'), 'the monitor of web2');
  assert.ok(!/tsgitop fleet/.test(s));
  one.keys('q');
  after = await one.exited();
  assert.match(after, /^exit=0$/m);
});
