/**
 * The live monitor with `--front`, as a person runs it: in tmux, a real nginx-light in front of a
 * real gunicorn (stats module) whose only worker is saturated; the header's first line shows
 * nginx beside the workers with the listen queue FULL, the diagnosis line the front's verdict, and
 * q quits with the terminal restored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIN } from '../cli/run-cli.js';
import { TmuxSession, assertTerminalRestored, tmuxAvailable } from '../helpers/tmux.js';
import { pythonAvailable } from '../gunicorn/helpers.js';
import { nginxAvailable, saturatedStack } from './helpers.js';

function skipReason(): string | undefined {
  const n = nginxAvailable();
  if (!n.ok) return n.reason;
  const g = pythonAvailable();
  if (!g.ok) return g.reason;
  return tmuxAvailable();
}

test('monitor --front in tmux: the header leads with nginx beside the saturated workers, the diagnosis says backend saturated', async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  const { g, n, load } = await saturatedStack(t);
  const tm = TmuxSession.start(t, `node ${BIN} -f 0.5 --no-color --front ${n.statusUrl} ${g.statsAddress}`, { name: 'front', cols: 120, rows: 30 });
  const screen = await tm.waitScreen(/nginx [\d.]+ req\/s {2}conns \d+ \(w \d+\) {2}→ {2}gunicorn [\d.]+ req\/s {2}busy 1\/1 {2}lq \d+\/2 FULL/, 'the front line with a full queue');
  if (process.env.SHOW_SCREEN) console.log(screen);
  const lines = screen.split('\n');
  const at = lines.findIndex((l) => /^\s*nginx [\d.]+ req\/s/.test(l));
  assert.ok(at >= 0 && at < 3, `the front line is at the top:\n${screen}`);
  assert.match(lines.slice(at + 1, at + 5).join('\n'), /uWSGI|RPS|req/, 'the usual header facts follow');
  // the diagnosis line gains the front's verdict
  await tm.waitScreen(/backend saturated: nginx [\d.]+ req\/s > workers [\d.]+ req\/s/, 'the front verdict on the diagnosis line');
  await load.stop();
  tm.keys('q');
  const stty = await tm.exited();
  assert.match(stty, /^exit=0$/m);
  assertTerminalRestored(tm, stty);
});
