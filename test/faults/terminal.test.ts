/**
 * Terminal safety, asserted in a real terminal (tmux): after q, Ctrl-C,
 * SIGTERM, SIGINT, SIGHUP, a render that throws, and an uncaught
 * exception, the terminal is restored — cursor visible (#{cursor_flag}),
 * not in the alternate screen (#{alternate_on}), echo and canonical mode on
 * (`stty -a` run after the program in the same pane) — the exit code is the
 * documented one and stderr holds at most one clean line.
 * Skips with the reason when tmux is missing.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from '../cli/run-cli.js';
import { assertTerminalRestored, tmuxAvailable, TmuxSession, waitFile } from '../helpers/tmux.js';
import { FaultServer } from './servers.js';
import { figure } from './mode.js';

const skip = tmuxAvailable() ?? false;
if (skip) console.log(`# skipping terminal-safety tests: ${skip}`);
const CHILD = fileURLToPath(new URL('./tmux-child.js', import.meta.url));

interface Run {
  tm: TmuxSession;
  pid(): number;
  /** exit=N line, stty output, stderr of the program. */
  after(): Promise<{ exit: number; stty: string; stderr: string }>;
}

async function startInTmux(t: TestContext, program: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-term-'));
  chmodSync(dir, 0o700);
  const pidFile = join(dir, 'pid');
  const errFile = join(dir, 'stderr');
  // The program keeps the pid of the shell that wrote it (exec); after it, the same pane records the tty state.
  const tm = TmuxSession.start(t, `sh -c 'echo $$ > ${pidFile}; exec ${program} 2> ${errFile}'`, { name: 'faults', cols: 100, rows: 30 });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await waitFile(pidFile, 10_000);
  return {
    tm,
    pid: () => Number(readFileSync(pidFile, 'utf8').trim()),
    after: async () => {
      const text = await tm.exited(15_000);
      return { exit: Number(/^exit=(\d+)/m.exec(text)?.[1] ?? -1), stty: text, stderr: readFileSync(errFile, 'utf8') };
    },
  };
}

const rows: { how: string; exit: number; stderr: string; restored: boolean }[] = [];
test.after(() => figure('terminal', 'exit paths', rows));

const ACTIONS: [string, (run: Run) => void, number][] = [
  ['q', (r) => r.tm.keys('q'), 0],
  ['Ctrl-C key', (r) => r.tm.keys('C-c'), 0],
  ['SIGTERM', (r) => process.kill(r.pid(), 'SIGTERM'), 143],
  ['SIGINT', (r) => process.kill(r.pid(), 'SIGINT'), 130],
  ['SIGHUP', (r) => process.kill(r.pid(), 'SIGHUP'), 129],
];

for (const [how, act, want] of ACTIONS) {
  test(`terminal restored after ${how} (bin/tsgitop in tmux), exit ${want}`, { skip, timeout: 60_000 }, async (t) => {
    const sdir = mkdtempSync(join(tmpdir(), 'tsgitop-term-srv-'));
    t.after(() => rmSync(sdir, { recursive: true, force: true }));
    const sock = join(sdir, 'stats.sock');
    await FaultServer.start(t, sock, { kind: 'good', workers: 3, pidBase: 4100 });
    const run = await startInTmux(t, `node ${BIN} -f 0.2 ${sock}`);
    await run.tm.waitScreen(/● live[\s\S]*\b4102\b/, 'live data');
    // While it runs: alternate screen, cursor hidden (so the checks after exit can fail).
    assert.equal(run.tm.display('#{alternate_on}'), '1', 'the monitor uses the alternate screen');
    assert.equal(run.tm.display('#{cursor_flag}'), '0', 'the monitor hides the cursor');
    act(run);
    const r = await run.after();
    assert.equal(r.exit, want, `exit code; stderr: ${r.stderr}`);
    assert.equal(r.stderr, '', 'nothing on stderr');
    assertTerminalRestored(run.tm, r.stty);
    rows.push({ how: `${how} (bin/tsgitop)`, exit: r.exit, stderr: r.stderr.trim(), restored: true });
  });
}

test('a render that throws: shown on the status line, the monitor stays up; q then restores the terminal', { skip, timeout: 60_000 }, async (t) => {
  const sdir = mkdtempSync(join(tmpdir(), 'tsgitop-term-srv-'));
  t.after(() => rmSync(sdir, { recursive: true, force: true }));
  const sock = join(sdir, 'stats.sock');
  const srv = await FaultServer.start(t, sock, { kind: 'good', workers: 3, pidBase: 4100 });
  const run = await startInTmux(t, `node ${CHILD} render-throw ${sock}`);
  await run.tm.waitScreen(/render error: injected render failure/, 'the render error on screen');
  // Still reading while every render throws.
  const before = srv.conns;
  await srv.waitConns(before + 3, 'three more reads while renders throw');
  run.tm.keys('q');
  const r = await run.after();
  assert.equal(r.exit, 0, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stderr, '');
  assertTerminalRestored(run.tm, r.stty);
  rows.push({ how: 'render throws on every frame, then q (hooks.beforeRender)', exit: r.exit, stderr: r.stderr.trim(), restored: true });
});

test('an uncaught exception: terminal restored first, then one line, exit 1', { skip, timeout: 60_000 }, async (t) => {
  const sdir = mkdtempSync(join(tmpdir(), 'tsgitop-term-srv-'));
  t.after(() => rmSync(sdir, { recursive: true, force: true }));
  const sock = join(sdir, 'stats.sock');
  await FaultServer.start(t, sock, { kind: 'good', workers: 3, pidBase: 4100 });
  const run = await startInTmux(t, `node ${CHILD} uncaught ${sock}`);
  const r = await run.after();
  assert.equal(r.exit, 1, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stderr, 'tsgitop: internal error: injected uncaught failure\n');
  assertTerminalRestored(run.tm, r.stty);
  rows.push({ how: 'uncaught exception thrown from a render hook', exit: r.exit, stderr: r.stderr.trim(), restored: true });
});
