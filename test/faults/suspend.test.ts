/**
 * The monitor as a job of a real interactive shell, in tmux (issue 10 points
 * 9–11):
 * - Ctrl-Z under an `npm run` parent stops the whole job (npm too), so the
 *   shell prints its prompt; the terminal is restored (normal screen, cursor,
 *   no mouse tracking, echo and icanon); `fg` brings the monitor back, at the
 *   size the terminal was resized to while it was stopped; `q` then quits cleanly.
 * - An external `kill -TSTP` behaves like Ctrl-Z.
 * - TERM=dumb or unset: batch text, and one line on stderr saying why.
 * - LANG=C / LC_ALL=C: the screen is ASCII only (and, as the control,
 *   C.UTF-8 is not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { TmuxSession, assertTerminalRestored, tmux, tmuxAvailable, waitFile } from '../helpers/tmux.js';
import { figure } from './mode.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/tsgitop', import.meta.url));
const DOC = readFileSync(fileURLToPath(new URL('../../../fixtures/uwsgi/idle-4p.json', import.meta.url)));
const PID = '7877'; // the first worker's pid in that document
const skip = tmuxAvailable() ?? false;
if (skip) console.log(`# skipping job-control tests: ${skip}`);

/** A stats server on a unix socket in a fresh temp dir, serving DOC on every connection; closed after the test. */
async function statsServer(t: TestContext): Promise<{ dir: string; sock: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-pkg-'));
  const sock = join(dir, 'stats.sock');
  const srv: Server = createServer((c) => {
    c.on('error', () => {});
    c.end(DOC);
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(sock, resolve);
  });
  t.after(() => {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, sock };
}

/** An interactive bash (job control on) in tmux, prompt `PROMPT$ `. */
function shell(t: TestContext, cols: number, rows: number): TmuxSession {
  const s = TmuxSession.start(t, `env PS1='PROMPT$ ' HISTFILE=/dev/null bash --norc --noprofile -i`, { cols, rows, name: 'pkg-suspend' });
  return s;
}

/** Run `stty -a` in the shell (the job is stopped, the shell has the terminal) and return it. */
async function sttyInShell(s: TmuxSession, dir: string, n: number): Promise<string> {
  const file = join(dir, `stty-${n}`);
  s.keys(`stty -a > ${file}.tmp; mv ${file}.tmp ${file}`, 'Enter');
  return waitFile(file);
}

function lastNonEmptyRow(screen: string): number {
  const lines = screen.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.trim() !== '') return i + 1;
  return 0;
}

function assertSuspendedCleanly(s: TmuxSession, stty: string): void {
  assert.equal(s.display('#{alternate_on}'), '0', 'normal screen while stopped');
  assert.equal(s.display('#{cursor_flag}'), '1', 'cursor visible while stopped');
  assert.equal(s.display('#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_all_flag}'), '0000', 'mouse tracking off while stopped');
  assert.match(stty, /(^|\s)echo(\s|$)/m, `echo on while stopped:\n${stty}`);
  assert.match(stty, /(^|\s)icanon(\s|$)/m, `icanon on while stopped:\n${stty}`);
}

test('job control: Ctrl-Z under `npm run`: the whole job stops, the shell prompts, the terminal is sane; fg resumes at the new size', { skip, timeout: 90_000 }, async (t) => {
  const { dir, sock } = await statsServer(t);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'susp', version: '1.0.0', private: true, scripts: { mon: `node ${BIN} -f 0.2 ${sock}` } }));
  const s = shell(t, 100, 30);
  await s.waitScreen(/PROMPT\$/, 'the prompt');
  s.keys(`cd ${dir} && npm run mon`, 'Enter');
  await s.waitScreen(new RegExp(`\\b${PID}\\b`), 'the monitor');
  assert.equal(s.display('#{alternate_on}'), '1');
  assert.notEqual(s.display('#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_all_flag}'), '0000', 'the monitor tracks the mouse (else the check below proves nothing)');
  assert.equal(lastNonEmptyRow(s.screen()), 30, 'the monitor fills 30 rows');

  s.keys('C-z');
  await s.waitScreen(/Stopped[\s\S]*PROMPT\$ *$/m, 'the job stopped and the prompt back');
  const stty = await sttyInShell(s, dir, 1);
  assertSuspendedCleanly(s, stty);
  // npm is stopped too (else the shell would never have printed its prompt).
  const jobs = execFileSync('ps', ['-o', 'stat=,args=', '-t', s.display('#{pane_tty}')], { encoding: 'utf8' });
  assert.match(jobs, /^T\S*\s+npm run mon/m, jobs);

  tmux('resize-window', '-t', s.name, '-x', '90', '-y', '24');
  s.keys('fg', 'Enter');
  const back = await s.waitScreen((sc) => new RegExp(`\\b${PID}\\b`).test(sc) && lastNonEmptyRow(sc) === 24, 'the monitor back, redrawn at 90x24');
  assert.equal(s.display('#{alternate_on}'), '1');
  assert.equal(s.display('#{cursor_flag}'), '0', 'cursor hidden again');
  assert.ok(back.split('\n').every((l) => l.length <= 90), back);
  s.keys('q');
  await s.waitScreen(/PROMPT\$ *$/m, 'the prompt after q');
  const after = await sttyInShell(s, dir, 2);
  assertSuspendedCleanly(s, after);
  figure('jobcontrol', 'ctrl-z under npm run', { npmStopped: true, restoredWhileStopped: true, resumedAt: '90x24 (from 100x30)', restoredAfterQ: true });
});

test('job control: Ctrl-Z under `npx tsgitop`: the job stops (npm exec too), the shell prompts; fg resumes; q quits cleanly', { skip, timeout: 90_000 }, async (t) => {
  const { dir, sock } = await statsServer(t);
  const s = shell(t, 100, 30);
  await s.waitScreen(/PROMPT\$/, 'the prompt');
  // In the package directory npx runs the package's own bin, through npm exec, as a user's npx does.
  s.keys(`cd ${ROOT} && npx tsgitop -f 0.2 ${sock}`, 'Enter');
  await s.waitScreen(new RegExp(`\\b${PID}\\b`), 'the monitor');
  s.keys('C-z');
  await s.waitScreen(/Stopped[\s\S]*PROMPT\$ *$/m, 'the job stopped and the prompt back');
  assertSuspendedCleanly(s, await sttyInShell(s, dir, 1));
  const jobs = execFileSync('ps', ['-o', 'stat=,args=', '-t', s.display('#{pane_tty}')], { encoding: 'utf8' });
  assert.match(jobs, /^T\S*\s+npm exec tsgitop/m, jobs);
  s.keys('fg', 'Enter');
  await s.waitScreen(new RegExp(`\\b${PID}\\b`), 'the monitor back');
  s.keys('q');
  await s.waitScreen(/PROMPT\$ *$/m, 'the prompt after q');
  assertSuspendedCleanly(s, await sttyInShell(s, dir, 2));
  figure('jobcontrol', 'ctrl-z under npx', { npmExecStopped: true, restoredWhileStopped: true, restoredAfterQ: true });
});

test('job control: an external kill -TSTP suspends like Ctrl-Z; fg resumes; q quits cleanly', { skip, timeout: 90_000 }, async (t) => {
  const { dir, sock } = await statsServer(t);
  const s = shell(t, 100, 30);
  await s.waitScreen(/PROMPT\$/, 'the prompt');
  s.keys(`node ${BIN} -f 0.2 ${sock}`, 'Enter');
  await s.waitScreen(new RegExp(`\\b${PID}\\b`), 'the monitor');
  const pid = Number(execFileSync('pgrep', ['-f', `^node ${BIN} -f 0.2 ${sock}$`], { encoding: 'utf8' }).trim().split('\n')[0]);
  assert.ok(pid > 0);
  process.kill(pid, 'SIGTSTP');
  await s.waitScreen(/Stopped[\s\S]*PROMPT\$ *$/m, 'the job stopped and the prompt back');
  assertSuspendedCleanly(s, await sttyInShell(s, dir, 1));
  s.keys('fg', 'Enter');
  await s.waitScreen(new RegExp(`\\b${PID}\\b`), 'the monitor back');
  assert.equal(s.display('#{alternate_on}'), '1');
  // Raw mode again: a single q (no Enter) quits.
  s.keys('q');
  await s.waitScreen(/PROMPT\$ *$/m, 'the prompt after q');
  assertSuspendedCleanly(s, await sttyInShell(s, dir, 2));
  figure('jobcontrol', 'kill -TSTP', { restoredWhileStopped: true, rawAfterFg: true, restoredAfterQ: true });
});

for (const [what, env, why] of [
  ['TERM=dumb', 'TERM=dumb', 'TERM=dumb'],
  ['TERM unset', '-u TERM', 'TERM is not set'],
] as const) {
  test(`job control: ${what}: batch text instead of the full screen, one line on stderr says why`, { skip, timeout: 30_000 }, async (t) => {
    const { dir, sock } = await statsServer(t);
    const err = join(dir, 'err');
    const s = TmuxSession.start(t, `env ${env} node ${BIN} ${sock} 2>${err}`, { cols: 120, rows: 30, name: 'pkg-dumb' });
    const rec = await s.exited();
    assert.match(rec, /^exit=0$/m);
    assertTerminalRestored(s, rec);
    const screen = s.screen();
    assert.match(screen, new RegExp(`\\b${PID}\\b`), screen);
    const lines = readFileSync(err, 'utf8').split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, new RegExp(`^tsgitop: ${why}: .*batch`));
    figure('jobcontrol', `fallback ${what}`, { exit: 0, stderr: lines[0] });
  });
}

for (const [locale, ascii] of [
  ['LANG=C', true],
  ['LC_ALL=C', true],
  ['LANG=C.UTF-8', false],
] as const) {
  test(`job control: ${locale}: the monitor's screen (help box included) is ${ascii ? 'ASCII only' : 'UTF-8 (the control)'}`, { skip, timeout: 30_000 }, async (t) => {
    const { sock } = await statsServer(t);
    const s = TmuxSession.start(t, `env -u LC_ALL -u LC_CTYPE -u LANG ${locale} node ${BIN} ${sock}`, { cols: 100, rows: 30, name: 'pkg-locale' });
    await s.waitScreen(new RegExp(`\\b${PID}\\b`), 'the monitor');
    s.keys('?');
    const screen = await s.waitScreen(/\+-{3,}|┌─/, 'the help box');
    const nonAscii = screen.match(/[^\x00-\x7f]/gu) ?? [];
    if (ascii) assert.deepEqual(nonAscii, [], screen);
    else assert.ok(nonAscii.length > 0, 'under UTF-8 the screen has box characters');
    figure('jobcontrol', `locale ${locale}`, { nonAscii: nonAscii.length });
    s.keys('?');
    await s.waitScreen((sc) => !/\+-{3,}|┌─/.test(sc), 'the help box closed');
    s.keys('q');
    const rec = await s.exited();
    assertTerminalRestored(s, rec);
  });
}

test('job control: LANG=C batch tables are ASCII only (C.UTF-8, the control, keeps Σ); --json stays UTF-8 JSON', { timeout: 30_000 }, async (t) => {
  const { sock } = await statsServer(t);
  const run = (lang: string, ...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, LANG: lang };
      delete env.LC_ALL;
      delete env.LC_CTYPE;
      execFile(process.execPath, [BIN, '-b', '--cores', ...args, sock], { env, encoding: 'utf8' }, (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out)));
    });
  const [c, utf8, json] = await Promise.all([run('C'), run('C.UTF-8'), run('C', '--json')]);
  assert.match(c, new RegExp(`\\b${PID}\\b`));
  assert.deepEqual(c.match(/[^\x00-\x7f]/gu) ?? [], [], c);
  assert.ok(/[^\x00-\x7f]/u.test(utf8), 'the UTF-8 table has non-ASCII marks (else this proves nothing)');
  JSON.parse(json);
  figure('jobcontrol', 'locale LANG=C batch', { nonAscii: 0, controlNonAscii: (utf8.match(/[^\x00-\x7f]/gu) ?? []).length });
});
