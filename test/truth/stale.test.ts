/**
 * Issue 12 point 6, stale against a real uWSGI 2.0: the monitor (in tmux)
 * reads a live master, which is then killed (SIGKILL of the master and each
 * worker, by pid). While the last good read is younger than `--stale 3` the
 * status line says STALE but no verdict is given; once it is older, the
 * diagnosis line under the header says `stale: no fresh read for Ns`
 * (N ≥ 3) and `!` lists it first.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { BIN } from '../cli/run-cli.js';
import { assertTerminalRestored, tmuxAvailable, TmuxSession } from '../helpers/tmux.js';
import { groupMembers, startUwsgi, stopAllUwsgi, until, uwsgiAvailable } from '../helpers/uwsgi.js';
import { writeApp } from './helpers.js';

const avail = uwsgiAvailable();
const skip = tmuxAvailable() ?? (avail.ok ? false : `uwsgi not installed: ${avail.reason}`);
if (skip) console.log(`# skipping the real-uWSGI stale test: ${skip}`);
after(() => stopAllUwsgi());

test('stale: uWSGI killed under the monitor → no verdict before --stale, then the diagnosis line says stale', { skip, timeout: 90_000 }, async (t) => {
  const { app, cleanup } = writeApp();
  t.after(cleanup);
  const u = await startUwsgi({ processes: 2, stats: 'unix', app });
  t.after(() => u.stop());
  const tm = TmuxSession.start(t, `node ${BIN} -f 0.5 --stale 3 ${u.statsAddress}`, { name: 'stale', cols: 120, rows: 30 });
  await tm.waitScreen(/WID.*PID.*REQ/, 'the worker table');
  await tm.waitScreen((s) => (s.match(/^\s*[12]\s+\S+\s+\d+\s/gm) ?? []).length >= 2, 'both workers');
  assert.doesNotMatch(tm.screen(), /diagnosis/, 'healthy: no diagnosis line');

  // SIGKILL the master and each of its workers by pid: nothing answers on the stats socket any more
  const pids = groupMembers(u.pid);
  assert.ok(pids.includes(u.pid) && pids.length >= 3, `master and 2 workers: ${pids.join(' ')}`);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  assert.ok(await until(() => !u.alive(), Date.now() + 10_000), 'uWSGI is gone');

  // first: the failing read is visible at once, but the rule waits for --stale
  const early = await tm.waitScreen(/ STALE [0-2](\.\d)?s /, 'STALE in the status line, younger than --stale');
  assert.doesNotMatch(early, /diagnosis|stale: no fresh read/, 'no stale verdict before --stale seconds');
  // then the verdict, under the header, with the age of the last good read
  const s = await tm.waitScreen(/^diagnosis stale: no fresh read for \d+s/m, 'the stale verdict on the diagnosis line', 20_000);
  const lines = s.split('\n');
  assert.equal(lines.findIndex((l) => l.startsWith('diagnosis ')), 3, 'the 4th line: right under the three header lines');
  const age = Number(/diagnosis stale: no fresh read for (\d+)s/.exec(s)![1]);
  assert.ok(age >= 3 && age < 20, `age ${age}s: over --stale 3, and current`);
  tm.keys('!');
  const list = await tm.waitScreen(/Diagnosis \(most severe first/, 'the verdict list');
  assert.match(list, /1\. warn stale: no fresh read for \d+s/);
  tm.keys('Escape');
  await tm.waitScreen(/WID.*PID.*REQ/, 'back to the worker table');
  tm.keys('q');
  const rec = await tm.exited();
  assert.match(rec, /^exit=0$/m);
  assertTerminalRestored(tm, rec);
});
