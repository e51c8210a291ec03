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
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/run-cli.js';
import { uwsgiAvailable, startUwsgi, stopAllUwsgi } from '../helpers/uwsgi.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const u = uwsgiAvailable();
const skip = !hasTmux ? 'tmux not installed' : !u.ok ? `uwsgi not installed: ${u.reason}` : false;
if (skip) console.log(`# skipping tmux end-to-end tests: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'tsgitop-e2e-'));
const session = `tsgitop-e2e-${process.pid}`;
after(async () => {
  spawnSync('tmux', ['kill-session', '-t', session]);
  await stopAllUwsgi();
  rmSync(dir, { recursive: true, force: true });
});

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}
function screen(): string {
  return tmux('capture-pane', '-p', '-t', session);
}
function sessionAlive(): boolean {
  return spawnSync('tmux', ['has-session', '-t', session]).status === 0;
}
/** Poll the screen until `pred` holds; fail with the last screen after `ms`. */
async function waitScreen(pred: (s: string) => boolean, what: string, ms = 15000): Promise<string> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    last = sessionAlive() ? screen() : last;
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last screen:\n${last}`);
}
async function waitFile(path: string, ms = 10000): Promise<string> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (existsSync(path)) {
      const s = readFileSync(path, 'utf8');
      if (s.includes('\n')) return s;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${path}`);
}

test('live monitor in tmux against a real uWSGI: keys, kill, restart, quit', { skip, timeout: 120_000 }, async () => {
  const first = await startUwsgi({ processes: 2, threads: 2, stats: 'unix' });
  const link = join(dir, 'app.status');
  symlinkSync(first.statsAddress, link);
  const after = join(dir, 'after.txt');
  // After tsgitop exits, record its exit code and the tty state it left behind.
  const cmd = `node ${BIN} -f 0.5 ${link}; echo "exit=$?" > ${after}; stty -a >> ${after}; sleep 600`;
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', cmd);

  // Header and both workers appear.
  const pids = first.workerPids();
  let s = await waitScreen((x) => /uWSGI 2\.0\.\d+/.test(x) && pids.every((p) => x.includes(String(p))), 'header and worker pids');
  assert.match(s, /master\s+\d+/);
  assert.match(s, /WID.*PID.*REQ.*RPS.*STATUS/);

  // Traffic makes requests appear (the app's own counters, read back by tsgitop).
  for (let i = 0; i < 30; i++) await first.request('/');
  s = await waitScreen((x) => /req\s+(\d+)/.test(x) && Number(/req\s+(\d+)/.exec(x)![1]) >= 30, 'req >= 30 in the header');

  // `a` cycles the cores view: merged core rows appear (worker:core ids).
  tmux('send-keys', '-t', session, 'a');
  s = await waitScreen((x) => /cores: merged/.test(x), 'cores merged mode');
  tmux('send-keys', '-t', session, 'a');
  s = await waitScreen((x) => /cores: (listed|under)/.test(x), 'cores listed mode');
  tmux('send-keys', '-t', session, 'a');
  s = await waitScreen((x) => !/cores: /.test(x), 'cores hidden again');

  // `?` shows the help overlay, Esc closes it.
  tmux('send-keys', '-t', session, '?');
  await waitScreen((x) => /tsgitop keys/.test(x), 'help overlay');
  tmux('send-keys', '-t', session, 'Escape');
  await waitScreen((x) => !/tsgitop keys/.test(x), 'help closed');

  // Kill uWSGI: the last data stays, marked STALE with its age.
  await first.stop();
  unlinkSync(link);
  s = await waitScreen((x) => /STALE \S+/.test(x), 'STALE marker');
  assert.ok(pids.some((p) => s.includes(String(p))), 'last good rows stay on screen');

  // A new uWSGI at the same address: new pids, counters back at zero.
  const second = await startUwsgi({ processes: 2, threads: 2, stats: 'unix' });
  symlinkSync(second.statsAddress, link);
  const newPids = second.workerPids();
  s = await waitScreen((x) => /● live/.test(x) && newPids.every((p) => x.includes(String(p))), 'recovery with the new pids', 30000);
  assert.ok(!/STALE/.test(s));
  // Two more refreshes after the restart: no negative number anywhere in the table.
  await waitScreen((x) => x !== s, 'a later refresh');
  const table = screen().split('\n').slice(4).join('\n');
  assert.doesNotMatch(table, /\s-\d/, `negative number on screen:\n${table}`);

  // q quits: exit code 0, terminal left sane (echo on, canonical mode).
  tmux('send-keys', '-t', session, 'q');
  const state = await waitFile(after);
  assert.match(state, /^exit=0$/m);
  assert.match(state, /(^|\s)echo(\s|$)/m, 'echo is on');
  assert.match(state, /(^|\s)icanon(\s|$)/m, 'canonical mode is on');
  assert.equal(tmux('display-message', '-p', '-t', session, '#{alternate_on}').trim(), '0', 'not in the alternate screen');
  assert.equal(tmux('display-message', '-p', '-t', session, '#{cursor_flag}').trim(), '1', 'cursor visible');
  await second.stop();
});

test('tsgitop demo --no-color in tmux: a live cluster on screen, no colour codes; Ctrl-C leaves no process or socket behind', { skip: hasTmux ? false : 'tmux not installed', timeout: 120_000 }, async () => {
  const after = join(dir, 'demo-after.txt');
  spawnSync('tmux', ['kill-session', '-t', session]);
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', `node ${BIN} demo --workers 3 -f 0.5 --no-color; echo "exit=$?" > ${after}; sleep 600`);
  // Three workers with pids, requests flowing (the synthetic load), and the stats socket path in the header.
  const s = await waitScreen((x) => /stats \/\S+stats\.sock/.test(x) && (x.match(/^\s+[123]\s+[\d.]+\s+\d+\s+\d+/gm) ?? []).length === 3 && /req\s+[1-9]/.test(x), 'demo workers under load', 30000);
  const sock = /stats (\/\S+stats\.sock)/.exec(s)![1]!;
  const pids = [...s.matchAll(/^\s+[123]\s+[\d.]+\s+(\d+)\s/gm)].map((m) => Number(m[1]));
  assert.equal(pids.length, 3);
  assert.match(s, /2\.0\.21-tsgitop/, 'the emitter speaks uWSGI 2.0.21\'s format');
  assert.ok(existsSync(sock), 'stats socket exists while running');
  // `demo --no-color` reaches the demo's monitor: no foreground/background colour codes on screen.
  const withEscapes = tmux('capture-pane', '-e', '-p', '-t', session);
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

  tmux('send-keys', '-t', session, 'C-c');
  const state = await waitFile(after, 20000);
  assert.match(state, /^exit=0$/m);
  assert.deepEqual(pids.filter(alive), [], 'no demo worker survives');
  assert.ok(!existsSync(sock), 'socket file removed');
  assert.ok(!existsSync(join(sock, '..')), 'temp dir removed');
  spawnSync('tmux', ['kill-session', '-t', session]);
});
