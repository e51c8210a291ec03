/**
 * The interactive fleet view end to end, as a person would use it: the real
 * `bin/tsgitop --targets FILE` inside tmux, over a real uWSGI (unix stats
 * socket) and a tsgitop emitter on 127.0.0.1. The fleet rows appear, Enter
 * opens the uWSGI target's monitor (its workers on screen), q comes back to
 * the fleet, q quits: exit 0 and the terminal restored.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/run-cli.js';
import { startUwsgi, stopAllUwsgi, uwsgiAvailable } from '../helpers/uwsgi.js';
import { startEmitter } from '../fleet/helpers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const u = uwsgiAvailable();
const skip = !hasTmux ? 'tmux not installed' : !u.ok ? `uwsgi not installed: ${u.reason}` : false;
if (skip) console.log(`# skipping the fleet tmux end-to-end test: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'tsgitop-e2e-fleet-'));
const session = `tsgitop-e2e-fleet-${process.pid}`;
after(async () => {
  spawnSync('tmux', ['kill-session', '-t', session]);
  await stopAllUwsgi();
  rmSync(dir, { recursive: true, force: true });
});

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}
function sessionAlive(): boolean {
  return spawnSync('tmux', ['has-session', '-t', session]).status === 0;
}
/** Poll the screen until `pred` holds; fail with the last screen after `ms`. */
async function waitScreen(pred: (s: string) => boolean, what: string, ms = 15000): Promise<string> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    last = sessionAlive() ? tmux('capture-pane', '-p', '-t', session) : last;
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

test('fleet view in tmux: a real uWSGI and an emitter; Enter → monitor → q → fleet → q exits, terminal restored', { skip, timeout: 90_000 }, async (t) => {
  const uw = await startUwsgi({ processes: 2, stats: 'unix' });
  t.after(() => uw.stop());
  const em = await startEmitter(t, { port: 0 });
  const targets = join(dir, 'fleet.txt');
  writeFileSync(targets, `# two targets\nuwsgi = ${uw.statsAddress}\nnode = ${em.address}\n`);
  const afterFile = join(dir, 'after.txt');
  const cmd = `node ${BIN} -f 0.5 --targets ${targets}; echo "exit=$?" > ${afterFile}; stty -a >> ${afterFile}; sleep 600`;
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', cmd);

  // The fleet: both rows up, totals, the footer from the fleet key map.
  let s = await waitScreen((x) => /^uwsgi\s+up\s+\d+\/2\s/m.test(x) && /^node\s+up\s+\d+\/1\s/m.test(x), 'both fleet rows up');
  assert.match(s, /tsgitop fleet .*targets 2\s+up 2\s+stale 0\s+down 0/);
  assert.match(s, /^Σ 2 up of 2\s+\d+\/3\s/m);
  assert.match(s, /q quit\s+\? help\s+Enter monitor/);

  // The uWSGI row is the first one, selected: Enter opens its monitor with its workers.
  tmux('send-keys', '-t', session, 'Enter');
  const pids = uw.workerPids();
  s = await waitScreen((x) => /uWSGI 2\.0\.\d+/.test(x) && /WID.*PID.*REQ.*RPS.*STATUS/.test(x) && pids.every((p) => x.includes(String(p))), 'the uWSGI monitor with its worker pids');
  assert.match(s, /q back to fleet/);
  assert.doesNotMatch(s, /tsgitop fleet/);

  // q: back to the fleet table (not an exit).
  tmux('send-keys', '-t', session, 'q');
  s = await waitScreen((x) => /tsgitop fleet/.test(x) && /^uwsgi\s+up/m.test(x) && /^node\s+up/m.test(x), 'the fleet table again');
  assert.ok(!existsSync(afterFile), 'still running');

  // q in the fleet quits: exit 0, the terminal left sane.
  tmux('send-keys', '-t', session, 'q');
  const state = await waitFile(afterFile);
  assert.match(state, /^exit=0$/m);
  assert.match(state, /(^|\s)echo(\s|$)/m, 'echo is on');
  assert.match(state, /(^|\s)icanon(\s|$)/m, 'canonical mode is on');
  assert.equal(tmux('display-message', '-p', '-t', session, '#{alternate_on}').trim(), '0', 'not in the alternate screen');
  assert.equal(tmux('display-message', '-p', '-t', session, '#{cursor_flag}').trim(), '1', 'cursor visible');
  spawnSync('tmux', ['kill-session', '-t', session]);
});
