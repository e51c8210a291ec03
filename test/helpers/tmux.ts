/**
 * Test helper: run a program inside a real terminal (a detached tmux
 * session), type keys into it, read its screen, and learn how it exited.
 *
 * - {@link tmuxAvailable} says why tmux tests must skip (undefined: they can run).
 * - {@link TmuxSession.start} runs a shell command in a new detached session
 *   of `cols`×`rows` with a unique name, killed after the test (`t.after`),
 *   and — last resort — when the test process exits. After the command ends,
 *   the same pane writes `exit=N` and `stty -a` into a file of the session's
 *   own temp dir (atomically: temp file + rename) and stays open, so the
 *   terminal state it left behind can still be inspected; {@link
 *   TmuxSession.exited} waits for that file.
 * - Waiting is always a condition polled with a deadline, never a sleep; a
 *   timeout throws with the last screen.
 *
 * Typical use:
 * ```ts
 * const skip = tmuxAvailable() ?? false;
 * test('...', { skip }, async (t) => {
 *   const s = TmuxSession.start(t, `node ${BIN} demo`, { cols: 100, rows: 30 });
 *   await s.waitScreen(/● live/, 'live data');
 *   s.keys('q');
 *   assert.match(await s.exited(), /^exit=0$/m);
 *   assert.equal(s.display('#{cursor_flag}'), '1');
 * });
 * ```
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';

let availability: { reason: string | undefined } | undefined;

/** Why tmux tests cannot run (tmux missing or broken), or undefined when they can. Cached. */
export function tmuxAvailable(): string | undefined {
  availability ??= { reason: spawnSync('tmux', ['-V']).status === 0 ? undefined : 'tmux not installed (apt-get install tmux)' };
  return availability.reason;
}

/** Run `tmux ARGS` and return its stdout (throws when tmux fails). */
export function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

const POLL_MS = 100;

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Poll `path` until it exists and its text satisfies `pred` (default: it
 * holds at least one whole line); return the text. Throws after `ms`.
 */
export async function waitFile(path: string, ms = 10_000, pred: (text: string) => boolean = (s) => s.includes('\n')): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    if (existsSync(path)) {
      const s = readFileSync(path, 'utf8');
      if (pred(s)) return s;
    }
    if (Date.now() >= end) throw new Error(`timed out after ${ms} ms waiting for ${path}`);
    await delay(POLL_MS);
  }
}

export interface TmuxStartOptions {
  /** Pane width (default 100). */
  cols?: number;
  /** Pane height (default 30). */
  rows?: number;
  /** Part of the session name (default `test`); the name adds the pid and a counter. */
  name?: string;
}

/** Sessions started by this process and not killed yet (for the exit hook). */
const live = new Set<TmuxSession>();
let exitHookInstalled = false;
let seq = 0;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test must not leave a session (and its `sleep`) behind.
  process.once('exit', () => {
    for (const s of live) s.kill();
  });
}

/** A command running in a detached tmux session of its own. */
export class TmuxSession {
  /** Whether kill() ran. */
  private killed = false;

  private constructor(
    /** The tmux session name (unique to this process). */
    readonly name: string,
    /** The session's temp dir (removed by kill()). */
    readonly dir: string,
    /** Where the pane records `exit=N` and `stty -a` once the command ended (see {@link exited}). */
    readonly exitFile: string,
  ) {}

  /**
   * Start `command` (a shell command line) in a new detached session of
   * `cols`×`rows`. Afterwards the pane records `exit=$?` and `stty -a` for
   * {@link exited} and stays open until {@link kill}, which runs after the
   * test (`t.after`).
   */
  static start(t: TestContext, command: string, opts: TmuxStartOptions = {}): TmuxSession {
    const name = `tsgitop-${opts.name ?? 'test'}-${process.pid}-${++seq}`;
    const dir = mkdtempSync(join(tmpdir(), 'tsgitop-tmux-'));
    const exitFile = join(dir, 'exit');
    const session = new TmuxSession(name, dir, exitFile);
    live.add(session);
    installExitHook();
    t.after(() => session.kill());
    const wrapped = `${command}; echo "exit=$?" > ${exitFile}.tmp; stty -a >> ${exitFile}.tmp; mv ${exitFile}.tmp ${exitFile}; sleep 600`;
    try {
      tmux('new-session', '-d', '-s', name, '-x', String(opts.cols ?? 100), '-y', String(opts.rows ?? 30), wrapped);
    } catch (e) {
      session.kill();
      throw e;
    }
    return session;
  }

  /** The pane's text (`escapes`: with SGR colour/attribute codes, `capture-pane -e`). Throws if the session is gone. */
  screen(opts: { escapes?: boolean } = {}): string {
    return tmux('capture-pane', ...(opts.escapes ? ['-e'] : []), '-p', '-t', this.name);
  }

  /** `tmux send-keys` (key names such as `Enter`, `Escape`, `C-c`, `Space`, or literal text). */
  keys(...k: string[]): void {
    tmux('send-keys', '-t', this.name, ...k);
  }

  /** Whether the session still exists. */
  alive(): boolean {
    return spawnSync('tmux', ['has-session', '-t', this.name]).status === 0;
  }

  /** `tmux display-message -p FORMAT` for this pane, trimmed (e.g. `#{alternate_on}`, `#{cursor_flag}`). */
  display(format: string): string {
    return tmux('display-message', '-p', '-t', this.name, format).trim();
  }

  /**
   * Poll the screen until `pred` holds (a RegExp: until it matches) and
   * return that screen. When the session is gone, the last screen seen is
   * kept. Throws after `ms` with the last screen.
   */
  async waitScreen(pred: ((screen: string) => boolean) | RegExp, what: string, ms = 15_000): Promise<string> {
    const test = pred instanceof RegExp ? (s: string) => pred.test(s) : pred;
    const end = Date.now() + ms;
    let last = '';
    for (;;) {
      if (this.alive()) {
        try {
          last = this.screen();
        } catch {
          /* the session ended meanwhile: keep the last screen */
        }
      }
      if (test(last)) return last;
      if (Date.now() >= end) throw new Error(`timed out after ${ms} ms waiting for ${what}; last screen:\n${last}`);
      await delay(POLL_MS);
    }
  }

  /**
   * Wait until the command has ended and the pane recorded its exit; returns
   * that record: an `exit=N` line, then the `stty -a` output of the pane.
   * Throws after `ms` with the last screen.
   */
  async exited(ms = 15_000): Promise<string> {
    try {
      return await waitFile(this.exitFile, ms);
    } catch (e) {
      let last = '';
      try {
        last = this.screen();
      } catch {
        /* gone */
      }
      throw new Error(`timed out after ${ms} ms waiting for the command in tmux session ${this.name} to exit; screen:\n${last}`, { cause: e });
    }
  }

  /** Kill the session and remove its temp dir. Idempotent. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    live.delete(this);
    spawnSync('tmux', ['kill-session', '-t', this.name]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The terminal a program left behind in its pane is sane: not in the
 * alternate screen, cursor visible, and `stty -a` (the exit record of
 * {@link TmuxSession.exited}) shows echo and canonical mode on.
 */
export function assertTerminalRestored(tm: TmuxSession, stty: string): void {
  assert.equal(tm.display('#{alternate_on}'), '0', 'not in the alternate screen');
  assert.equal(tm.display('#{cursor_flag}'), '1', 'cursor visible');
  assert.match(stty, /(^|\s)echo(\s|$)/m, `echo is on:\n${stty}`);
  assert.match(stty, /(^|\s)icanon(\s|$)/m, `canonical mode is on:\n${stty}`);
}
