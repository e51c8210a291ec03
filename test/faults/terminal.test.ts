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
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from '../cli/run-cli.js';
import { FaultServer } from './servers.js';
import { figure, until } from './mode.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = hasTmux ? false : 'tmux not installed (apt-get install tmux)';
if (skip) console.log(`# skipping terminal-safety tests: ${skip}`);
const CHILD = fileURLToPath(new URL('./tmux-child.js', import.meta.url));

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

interface Run {
  session: string;
  dir: string;
  pid(): number;
  screen(): string;
  /** exit=N line, stty output, stderr of the program. */
  after(): Promise<{ exit: number; stty: string; stderr: string }>;
}

let seq = 0;

async function startInTmux(t: TestContext, program: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-term-'));
  chmodSync(dir, 0o700);
  const session = `tsgitop-faults-${process.pid}-${++seq}`;
  t.after(() => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    rmSync(dir, { recursive: true, force: true });
  });
  const pidFile = join(dir, 'pid');
  const afterFile = join(dir, 'after');
  const errFile = join(dir, 'stderr');
  // The program keeps the pid of the shell that wrote it (exec); after it, the same pane records the tty state.
  const cmd = `sh -c 'echo $$ > ${pidFile}; exec ${program} 2> ${errFile}'; echo "exit=$?" > ${afterFile}.tmp; stty -a >> ${afterFile}.tmp; mv ${afterFile}.tmp ${afterFile}; sleep 600`;
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', cmd);
  await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the program to start', 10_000);
  const run: Run = {
    session,
    dir,
    pid: () => Number(readFileSync(pidFile, 'utf8').trim()),
    screen: () => tmux('capture-pane', '-p', '-t', session),
    after: async () => {
      await until(() => existsSync(afterFile), `the program in tmux to exit; screen:\n${run.screen()}`, 15_000, 50);
      const text = readFileSync(afterFile, 'utf8');
      return { exit: Number(/^exit=(\d+)/m.exec(text)?.[1] ?? -1), stty: text, stderr: readFileSync(errFile, 'utf8') };
    },
  };
  return run;
}

async function waitScreen(run: Run, re: RegExp, what: string): Promise<string> {
  let s = '';
  await until(() => re.test((s = run.screen())), `${what}; screen:\n${s}`, 15_000, 50);
  return s;
}

function assertRestored(run: Run, stty: string): void {
  assert.equal(tmux('display-message', '-p', '-t', run.session, '#{alternate_on}').trim(), '0', 'not in the alternate screen');
  assert.equal(tmux('display-message', '-p', '-t', run.session, '#{cursor_flag}').trim(), '1', 'cursor visible');
  assert.match(stty, /(^|\s)echo(\s|$)/m, `echo is on:\n${stty}`);
  assert.match(stty, /(^|\s)icanon(\s|$)/m, `canonical mode is on:\n${stty}`);
}

const rows: { how: string; exit: number; stderr: string; restored: boolean }[] = [];
test.after(() => figure('terminal', 'exit paths', rows));

const ACTIONS: [string, (run: Run) => void, number][] = [
  ['q', (r) => tmux('send-keys', '-t', r.session, 'q'), 0],
  ['Ctrl-C key', (r) => tmux('send-keys', '-t', r.session, 'C-c'), 0],
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
    await waitScreen(run, /● live[\s\S]*\b4102\b/, 'live data');
    // While it runs: alternate screen, cursor hidden (so the checks after exit can fail).
    assert.equal(tmux('display-message', '-p', '-t', run.session, '#{alternate_on}').trim(), '1', 'the monitor uses the alternate screen');
    assert.equal(tmux('display-message', '-p', '-t', run.session, '#{cursor_flag}').trim(), '0', 'the monitor hides the cursor');
    act(run);
    const r = await run.after();
    assert.equal(r.exit, want, `exit code; stderr: ${r.stderr}`);
    assert.equal(r.stderr, '', 'nothing on stderr');
    assertRestored(run, r.stty);
    rows.push({ how: `${how} (bin/tsgitop)`, exit: r.exit, stderr: r.stderr.trim(), restored: true });
  });
}

test('a render that throws: shown on the status line, the monitor stays up; q then restores the terminal', { skip, timeout: 60_000 }, async (t) => {
  const sdir = mkdtempSync(join(tmpdir(), 'tsgitop-term-srv-'));
  t.after(() => rmSync(sdir, { recursive: true, force: true }));
  const sock = join(sdir, 'stats.sock');
  const srv = await FaultServer.start(t, sock, { kind: 'good', workers: 3, pidBase: 4100 });
  const run = await startInTmux(t, `node ${CHILD} render-throw ${sock}`);
  await waitScreen(run, /render error: injected render failure/, 'the render error on screen');
  // Still reading while every render throws.
  const before = srv.conns;
  await srv.waitConns(before + 3, 'three more reads while renders throw');
  tmux('send-keys', '-t', run.session, 'q');
  const r = await run.after();
  assert.equal(r.exit, 0, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stderr, '');
  assertRestored(run, r.stty);
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
  assertRestored(run, r.stty);
  rows.push({ how: 'uncaught exception thrown from a render hook', exit: r.exit, stderr: r.stderr.trim(), restored: true });
});
