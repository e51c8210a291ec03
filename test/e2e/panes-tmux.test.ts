/**
 * Issue 14 point 9 as a person sees it: the real `bin/tsgitop` in an 80x24
 * tmux pane, watching a live Node emitter on a unix socket; `c` shows the
 * chart and the event log stays under it; `e` hides and shows the log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/run-cli.js';
import { createStatsServer, RequestCounters } from '../../src/emitter/index.js';
import { tmuxAvailable, TmuxSession } from '../helpers/tmux.js';

const skip = tmuxAvailable() ?? false;
if (skip) console.log(`# skipping the 80x24 panes tmux test: ${skip}`);

test('80x24 in tmux: c shows the chart above the event log, e toggles the log, the table keeps its rows', { skip, timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-panes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = http.createServer((_q, s) => s.end('x'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const path = join(dir, 'stats.sock');
  const stats = await createStatsServer({ server, instrumentOptions: { counters: new RequestCounters(8) }, listen: { path }, memory: false });
  t.after(async () => {
    await stats.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const tm = TmuxSession.start(t, `node ${BIN} -f 0.5 ${path}`, { name: 'panes', cols: 80, rows: 24 });
  await tm.waitScreen((x) => /WID/.test(x) && /Events \(/.test(x), 'the table and the event log at 80x24');
  tm.keys('c');
  let s = await tm.waitScreen((x) => /^Total RPS/m.test(x) && /Events \(/.test(x), 'the chart and the event log at 80x24');
  let lines = s.split('\n');
  const head = lines.findIndex((l) => /^\s*[▲▼]?WID\b/.test(l));
  const chart = lines.findIndex((l) => l.startsWith('Total RPS'));
  const events = lines.findIndex((l) => l.startsWith('Events ('));
  assert.ok(head >= 0 && head < chart && chart < events, `table, chart, event log top to bottom:\n${s}`);
  assert.match(lines[head + 1]!, /^\s*1\s/, `worker 1 still in the table:\n${s}`);
  assert.equal(chart, head + 2, `the chart right under the one-row table (no blank band):\n${s}`);
  assert.ok(events - chart >= 7, `the chart has room:\n${s}`);
  assert.doesNotMatch(s, /30\+ rows/);
  tm.keys('e');
  s = await tm.waitScreen((x) => !/Events \(/.test(x), 'e hides the event log');
  assert.doesNotMatch(s, /not shown|rows needed/, 'the log was on screen: no "not shown" message');
  tm.keys('e');
  s = await tm.waitScreen((x) => /Events \(/.test(x) && /^Total RPS/m.test(x), 'e shows it again');
  lines = s.split('\n');
  assert.equal(lines.length >= 24 ? lines[23]!.startsWith('q quit') : false, true, `the footer on the last row:\n${s}`);
  tm.keys('q');
  assert.match(await tm.exited(10_000), /^exit=0$/m);
});
