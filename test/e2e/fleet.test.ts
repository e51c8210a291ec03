/**
 * The interactive fleet view end to end, as a person would use it: the real
 * `bin/tsgitop --targets FILE` inside tmux, over a real uWSGI (unix stats
 * socket) and a tsgitop emitter on 127.0.0.1. The fleet rows appear, Enter
 * opens the uWSGI target's monitor (its workers on screen), q comes back to
 * the fleet, q quits: exit 0 and the terminal restored.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/run-cli.js';
import { startUwsgi, stopAllUwsgi, uwsgiAvailable } from '../helpers/uwsgi.js';
import { assertTerminalRestored, tmuxAvailable, TmuxSession } from '../helpers/tmux.js';
import { startEmitter } from '../fleet/helpers.js';

const u = uwsgiAvailable();
const skip = tmuxAvailable() ?? (!u.ok ? `uwsgi not installed: ${u.reason}` : false);
if (skip) console.log(`# skipping the fleet tmux end-to-end test: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'tsgitop-e2e-fleet-'));
after(async () => {
  await stopAllUwsgi();
  rmSync(dir, { recursive: true, force: true });
});

test('fleet view in tmux: a real uWSGI and an emitter; Enter → monitor → q → fleet → q exits, terminal restored', { skip, timeout: 90_000 }, async (t) => {
  const uw = await startUwsgi({ processes: 2, stats: 'unix' });
  t.after(() => uw.stop());
  const em = await startEmitter(t, { port: 0 });
  const targets = join(dir, 'fleet.txt');
  writeFileSync(targets, `# two targets\nuwsgi = ${uw.statsAddress}\nnode = ${em.address}\n`);
  const tm = TmuxSession.start(t, `node ${BIN} -f 0.5 --targets ${targets}`, { name: 'e2e-fleet', cols: 100, rows: 30 });

  // The fleet: both rows up, totals, the footer from the fleet key map.
  let s = await tm.waitScreen((x) => /^uwsgi\s+up\s+\d+\/2\s/m.test(x) && /^node\s+up\s+\d+\/1\s/m.test(x), 'both fleet rows up');
  assert.match(s, /tsgitop fleet .*targets 2\s+up 2\s+stale 0\s+down 0/);
  assert.match(s, /^Σ 2 up of 2\s+\d+\/3\s/m);
  assert.match(s, /q quit\s+\? help\s+Enter monitor/);

  // The uWSGI row is the first one, selected: Enter opens its monitor with its workers.
  tm.keys('Enter');
  const pids = uw.workerPids();
  s = await tm.waitScreen((x) => /uWSGI 2\.0\.\d+/.test(x) && /WID.*PID.*REQ.*RPS.*STATUS/.test(x) && pids.every((p) => x.includes(String(p))), 'the uWSGI monitor with its worker pids');
  assert.match(s, /q back to fleet/);
  assert.doesNotMatch(s, /tsgitop fleet/);

  // q: back to the fleet table (not an exit).
  tm.keys('q');
  s = await tm.waitScreen((x) => /tsgitop fleet/.test(x) && /^uwsgi\s+up/m.test(x) && /^node\s+up/m.test(x), 'the fleet table again');
  assert.ok(!existsSync(tm.exitFile), 'still running');

  // q in the fleet quits: exit 0, the terminal left sane.
  tm.keys('q');
  const state = await tm.exited(10_000);
  assert.match(state, /^exit=0$/m);
  assertTerminalRestored(tm, state);
  tm.kill();
});
