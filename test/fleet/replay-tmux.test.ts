/**
 * End to end: `tsgitop --replay FILE` of a fleet recording (the real
 * bin/tsgitop, inside tmux) opens the fleet view on one replay clock;
 * `--replay-target` still plays one target in the monitor. Needs tmux only:
 * skipped with a reason without it. The screen is polled with a deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/run-cli.js';
import { Recorder } from '../../src/record/recorder.js';
import { fixture } from '../record/helpers.js';
import { assertTerminalRestored, tmuxAvailable, TmuxSession } from '../helpers/tmux.js';

const skip = tmuxAvailable() ?? false;
if (skip) console.log(`# skipping the tmux fleet replay test: ${skip}`);

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

  const fleet = TmuxSession.start(t, `node ${BIN} --replay ${file}`, { name: 'fleet', cols: 120, rows: 30 });
  let s = await fleet.waitScreen((x) => /tsgitop fleet/.test(x) && / REPLAY +×1 ▶ 2026-11-23 /.test(x) && /^web1\s+up/m.test(x) && /^web2\s+up/m.test(x), 'the fleet view replaying both targets');
  assert.match(s, /space\/p play\/pause/, 'the replay keys in the footer');
  fleet.keys('Space');
  s = await fleet.waitScreen((x) => x.includes('×1 ⏸ paused'), 'paused');
  const pos = (x: string): number => Number(/\(record (\d+)\/600\)/.exec(x)?.[1] ?? NaN);
  const at = pos(s);
  fleet.keys('.');
  // One fleet step: the next record of either target.
  await fleet.waitScreen((x) => pos(x) === at + 1 && x.includes('×1 ⏸ paused'), `record ${at + 1} after a step`);
  // web1 serves 4 workers × 1000 requests a second: its RPS cell.
  assert.match(fleet.screen(), /^web1\s+up\s+0\/4\s+4000\s/m);
  fleet.keys('q');
  let after = await fleet.exited(15_000);
  assert.match(after, /^exit=0$/m);
  assertTerminalRestored(fleet, after);

  const one = TmuxSession.start(t, `node ${BIN} --replay ${file} --replay-target web2`, { name: 'one', cols: 120, rows: 30 });
  s = await one.waitScreen((x) => /WID\s+%\s+PID/.test(x) && x.includes('web2, 1 other target'), 'the monitor of web2');
  assert.ok(!/tsgitop fleet/.test(s));
  one.keys('q');
  after = await one.exited(15_000);
  assert.match(after, /^exit=0$/m);
  assertTerminalRestored(one, after);
});
