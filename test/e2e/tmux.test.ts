/**
 * End to end, as a person would: the real `bin/tsgitop` inside tmux,
 * watching a real uWSGI. Keys are sent with `tmux send-keys`, the screen is
 * read with `tmux capture-pane`. uWSGI is killed mid-run (the screen must go
 * STALE and keep the last data) and a fresh uWSGI comes up at the same
 * address (new pids, counters back at 0: the monitor must recover, never
 * showing a negative rate). On quit, the terminal must be restored.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/run-cli.js';
import { uwsgiAvailable, startUwsgi, stopAllUwsgi } from '../helpers/uwsgi.js';
import { assertTerminalRestored, tmuxAvailable, TmuxSession } from '../helpers/tmux.js';

const noTmux = tmuxAvailable();
const u = uwsgiAvailable();
const skip = noTmux ?? (!u.ok ? `uwsgi not installed: ${u.reason}` : false);
if (skip) console.log(`# skipping tmux end-to-end tests: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'tsgitop-e2e-'));
after(async () => {
  await stopAllUwsgi();
  rmSync(dir, { recursive: true, force: true });
});

test('live monitor in tmux against a real uWSGI: keys, kill, restart, quit', { skip, timeout: 120_000 }, async (t) => {
  const first = await startUwsgi({ processes: 2, threads: 2, stats: 'unix' });
  const link = join(dir, 'app.status');
  symlinkSync(first.statsAddress, link);
  // After tsgitop exits, the pane records its exit code and the tty state it left behind.
  const tm = TmuxSession.start(t, `node ${BIN} -f 0.5 ${link}`, { name: 'e2e', cols: 100, rows: 30 });

  // Header and both workers appear.
  const pids = first.workerPids();
  let s = await tm.waitScreen((x) => /uWSGI 2\.0\.\d+/.test(x) && pids.every((p) => x.includes(String(p))), 'header and worker pids');
  assert.match(s, /master\s+\d+/);
  assert.match(s, /WID.*PID.*REQ.*RPS.*STATUS/);

  // Traffic makes requests appear (the app's own counters, read back by tsgitop).
  for (let i = 0; i < 30; i++) await first.request('/');
  s = await tm.waitScreen((x) => /req\s+(\d+)/.test(x) && Number(/req\s+(\d+)/.exec(x)![1]) >= 30, 'req >= 30 in the header');

  // `a` cycles the cores view: merged core rows appear (worker:core ids).
  tm.keys('a');
  s = await tm.waitScreen((x) => /cores: merged/.test(x), 'cores merged mode');
  tm.keys('a');
  s = await tm.waitScreen((x) => /cores: (listed|under)/.test(x), 'cores listed mode');
  tm.keys('a');
  s = await tm.waitScreen((x) => !/cores: /.test(x), 'cores hidden again');

  // `?` shows the help overlay, Esc closes it.
  tm.keys('?');
  await tm.waitScreen((x) => /tsgitop keys/.test(x), 'help overlay');
  tm.keys('Escape');
  await tm.waitScreen((x) => !/tsgitop keys/.test(x), 'help closed');

  // Kill uWSGI: the last data stays, marked STALE with its age.
  await first.stop();
  unlinkSync(link);
  s = await tm.waitScreen((x) => /STALE \S+/.test(x), 'STALE marker');
  assert.ok(pids.some((p) => s.includes(String(p))), 'last good rows stay on screen');

  // A new uWSGI at the same address: new pids, counters back at zero.
  const second = await startUwsgi({ processes: 2, threads: 2, stats: 'unix' });
  symlinkSync(second.statsAddress, link);
  const newPids = second.workerPids();
  s = await tm.waitScreen((x) => /● live/.test(x) && newPids.every((p) => x.includes(String(p))), 'recovery with the new pids', 30000);
  assert.ok(!/STALE/.test(s));
  // Two more refreshes after the restart: no negative number anywhere in the table.
  await tm.waitScreen((x) => x !== s, 'a later refresh');
  const table = tm.screen().split('\n').slice(4).join('\n');
  assert.doesNotMatch(table, /\s-\d/, `negative number on screen:\n${table}`);

  // q quits: exit code 0, terminal left sane (echo on, canonical mode).
  tm.keys('q');
  const state = await tm.exited(10_000);
  assert.match(state, /^exit=0$/m);
  assertTerminalRestored(tm, state);
  await second.stop();
});

test('tsgitop demo --no-color in tmux: a live cluster on screen, no colour codes; Ctrl-C leaves no process or socket behind', { skip: noTmux ?? false, timeout: 120_000 }, async (t) => {
  const tm = TmuxSession.start(t, `node ${BIN} demo --workers 3 -f 0.5 --no-color`, { name: 'e2e', cols: 120, rows: 30 });
  // Three workers with pids, requests flowing (the synthetic load), and the stats socket path in the header.
  const s = await tm.waitScreen((x) => /stats \/\S+stats\.sock/.test(x) && (x.match(/^\s+[123]\s+[\d.]+\s+\d+\s+\d+/gm) ?? []).length === 3 && /req\s+[1-9]/.test(x), 'demo workers under load', 30000);
  const sock = /stats (\/\S+stats\.sock)/.exec(s)![1]!;
  const pids = [...s.matchAll(/^\s+[123]\s+[\d.]+\s+(\d+)\s/gm)].map((m) => Number(m[1]));
  assert.equal(pids.length, 3);
  assert.match(s, /2\.0\.21-tsgitop/, 'the emitter speaks uWSGI 2.0.21\'s format');
  assert.ok(existsSync(sock), 'stats socket exists while running');
  // `demo --no-color` reaches the demo's monitor: no foreground/background colour codes on screen.
  const withEscapes = tm.screen({ escapes: true });
  assert.doesNotMatch(withEscapes, /\x1b\[[0-9;]*(3[0-7]|4[0-7]|38;5;\d+|48;5;\d+|9[0-7])m/, 'colour codes on a --no-color screen');
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  assert.ok(pids.every(alive));

  tm.keys('C-c');
  const state = await tm.exited(20000);
  assert.match(state, /^exit=0$/m);
  assert.deepEqual(pids.filter(alive), [], 'no demo worker survives');
  assert.ok(!existsSync(sock), 'socket file removed');
  assert.ok(!existsSync(join(sock, '..')), 'temp dir removed');
  tm.kill();
});
