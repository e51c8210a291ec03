/**
 * Issue 12 in the live monitor, in a real terminal (tmux) against a real
 * uWSGI 2.0: a slow /report?token=SECRET request shows the diagnosis line
 * under the header (`--slow 1`), `!` lists every verdict and 1 opens the
 * worker behind it, `i` lists the request in flight (GET /report with its
 * age, never the query), `o` lists the sockets; q/Esc go back, q quits with
 * the terminal restored.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { BIN } from '../cli/run-cli.js';
import { assertTerminalRestored, tmuxAvailable, TmuxSession } from '../helpers/tmux.js';
import { startUwsgi, stopAllUwsgi, uwsgiAvailable } from '../helpers/uwsgi.js';
import { httpGet, writeApp } from './helpers.js';

const avail = uwsgiAvailable();
const skip = tmuxAvailable() ?? (avail.ok ? false : `uwsgi not installed: ${avail.reason}`);
if (skip) console.log(`# skipping the issue-12 tmux test: ${skip}`);
after(() => stopAllUwsgi());

test('monitor in tmux: diagnosis line, ! verdict list (1 → worker detail), i requests in flight, o sockets', { skip, timeout: 120_000 }, async (t) => {
  const { app, cleanup } = writeApp();
  t.after(cleanup);
  const u = await startUwsgi({ processes: 2, stats: 'unix', app });
  t.after(() => u.stop());
  const tm = TmuxSession.start(t, `node ${BIN} -f 0.5 --slow 1 ${u.statsAddress}`, { name: 'truth', cols: 120, rows: 30 });
  await tm.waitScreen(/WID.*PID.*REQ/, 'the worker table');
  assert.doesNotMatch(tm.screen(), /diagnosis/, 'healthy: no diagnosis line');

  const req = httpGet(u.httpPort, '/report?token=SECRET&s=30', { Cookie: 'session=COOKIEVALUE42' }, 60_000);
  t.after(() => u.stop().then(() => req));
  let s = await tm.waitScreen(/diagnosis slow request: worker [12] GET \/report \d+s/, 'the diagnosis line under the header');
  const lines = s.split('\n');
  const d = lines.findIndex((l) => l.startsWith('diagnosis '));
  assert.equal(d, 3, 'the 4th line: right under the three header lines');
  assert.match(s, /in flight 1 \(oldest \d+s\)/);

  tm.keys('!');
  s = await tm.waitScreen(/Diagnosis \(most severe first/, 'the verdict list');
  assert.match(s, /1\. warn slow request: worker ([12]) GET \/report \d+s \[worker \1\]/);
  const wid = /1\. warn slow request: worker ([12])/.exec(s)![1]!;
  tm.keys('1');
  s = await tm.waitScreen(new RegExp(`worker ${wid}\\b`), 'the worker detail of the verdict');
  tm.keys('Escape');
  await tm.waitScreen(/Diagnosis \(most severe first/, 'back to the list');

  tm.keys('i');
  s = await tm.waitScreen(/Requests in flight/, 'the in-flight list');
  assert.match(s, new RegExp(`worker ${wid} core 0 pid \\d+  GET /report  \\d+s`));
  tm.keys('o');
  s = await tm.waitScreen(/Listening sockets/, 'the sockets list');
  assert.match(s, /127\.0\.0\.1:\d+\s+http\s+0\/(0|100 0%)\s/, "max_queue reads 0 for a moment after the master starts");
  assert.doesNotMatch(tm.screen() + s, /SECRET|COOKIEVALUE42|token=/);

  // each list was opened on top of the previous one: Esc walks back through them
  tm.keys('Escape');
  await tm.waitScreen(/Requests in flight/, 'back to the in-flight list');
  tm.keys('Escape');
  await tm.waitScreen(/Diagnosis \(most severe first/, 'back to the verdict list');
  tm.keys('Escape');
  await tm.waitScreen(/WID.*PID.*REQ/, 'back to the worker table');
  tm.keys('q');
  const rec = await tm.exited();
  assert.match(rec, /^exit=0$/m);
  assertTerminalRestored(tm, rec);
});
