/**
 * The terminal plumbing the monitor and the fleet view share: opening a
 * blessed screen the same way, one-line boxes with the attribute cache,
 * process signal handlers, suspending to the shell, giving the input back,
 * and the one-line fatal error written after the terminal is restored.
 * Nothing here knows about stats, tables or keys.
 */
import type blessed from 'blessed';
import { newBox, newScreen } from './widgets.js';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { fastAttrs, type AttrElement } from './attrcache.js';
import { fastBox } from './fastbox.js';
import { fastDraw } from './fastdraw.js';
import { asciify, utf8Locale } from './caps.js';
import { oneLine } from './text.js';

export type Box = blessed.Widgets.BoxElement;

export interface ScreenSpec {
  input?: Readable | undefined;
  output?: Writable | undefined;
  /** terminfo name (default: $TERM; 'xterm-256color' when custom streams are given). */
  terminal?: string | undefined;
  title: string;
  /** Write ASCII only (default: when the locale's character set is not UTF-8, see caps.ts). */
  ascii?: boolean | undefined;
}

/**
 * A blessed screen as both views use it: smart CSR, no warnings, Ctrl-C
 * never locked, and UTF-8 written as is — no DEC line-drawing (ACS)
 * substitution, which some terminals and multiplexers show as raw letters
 * ('·' as '~', '└' as 'm').
 */
export function openScreen(spec: ScreenSpec): blessed.Widgets.Screen {
  const custom = spec.input !== undefined || spec.output !== undefined;
  const opts: blessed.Widgets.IScreenOptions & Record<string, unknown> = {
    input: (spec.input ?? process.stdin) as never,
    output: (spec.output ?? process.stdout) as never,
    smartCSR: true,
    fullUnicode: false,
    forceUnicode: true,
    warnings: false,
    autoPadding: false,
    dockBorders: false,
    resizeTimeout: 0,
    title: spec.title,
    sendFocus: false,
    ignoreLocked: ['C-c'],
  };
  const term = spec.terminal ?? (custom ? 'xterm-256color' : undefined);
  if (term !== undefined) opts.terminal = term;
  const screen = newScreen(opts);
  (screen as unknown as { tput: { brokenACS: boolean } }).tput.brokenACS = true;
  // The same bytes as blessed's draw, without a string per cell (fastdraw.ts).
  fastDraw(screen);
  if (spec.ascii ?? !utf8Locale(process.env)) {
    // Every byte the screen writes goes through _owrite: box drawing, braille, marks → ASCII.
    const program = screen.program as unknown as { _owrite: (text: string) => unknown; write: (text: string) => unknown };
    const owrite = program._owrite.bind(program);
    program._owrite = program.write = (text: string) => owrite(typeof text === 'string' ? asciify(text) : text);
  }
  return screen;
}

/** A tagged, unwrapped box (one line high unless `extra` says otherwise) with the attribute cache on. */
export function lineBox(screen: blessed.Widgets.Screen, extra: Record<string, unknown> = {}): Box {
  const b = newBox({ parent: screen, tags: true, wrap: false, top: 0, left: 0, width: '100%', height: 1, ...extra } as blessed.Widgets.BoxOptions);
  // Tagged one-line boxes draw through compiled lines (fastbox.ts); the bordered help overlay keeps blessed's path.
  if (!fastBox(b)) fastAttrs(b as unknown as AttrElement);
  return b;
}

/** The hidden, centred, bordered help overlay box (sized when shown). */
export function helpOverlay(screen: blessed.Widgets.Screen, label: string): Box {
  return lineBox(screen, { hidden: true, top: 'center', left: 'center', width: 10, height: 5, border: { type: 'line' }, label: ` ${label} ` });
}

/** Registered process listeners, so they can all be removed again. */
export type Handlers = [string, (...a: unknown[]) => void][];

/**
 * SIGTERM / SIGHUP / SIGINT end with 143 / 129 / 130, an uncaught exception
 * or unhandled rejection with 1 (and the error): `finish` restores the terminal.
 * With `suspend`, an external SIGTSTP (`kill -TSTP`) suspends like Ctrl-Z
 * (the caller's suspend runs {@link suspendToShell}).
 */
export function installProcessHandlers(handlers: Handlers, finish: (code: number, fatal?: unknown) => void, suspend?: () => void): void {
  const on = (ev: string, fn: (...a: unknown[]) => void): void => {
    process.on(ev as NodeJS.Signals, fn);
    handlers.push([ev, fn]);
  };
  on('SIGTERM', () => finish(143));
  on('SIGHUP', () => finish(129));
  on('SIGINT', () => finish(130));
  on('uncaughtException', (e) => finish(1, e));
  on('unhandledRejection', (e) => finish(1, e));
  if (suspend && process.platform !== 'win32') on('SIGTSTP', () => suspend());
}

/** Remove every listener in `handlers` from the process; empties it. */
export function removeProcessHandlers(handlers: Handlers): void {
  for (const [ev, fn] of handlers) process.removeListener(ev, fn);
  handlers.length = 0;
}

/**
 * Ctrl-Z (or an external SIGTSTP): give the terminal back — leave the
 * alternate screen, show the cursor, mouse tracking off, cooked mode — then
 * stop like any job does: the whole foreground process group when this
 * process is in it (under `npm start` / `npx` the npm process stops too, so
 * the shell gets its prompt back), else this process alone. On SIGCONT
 * (`fg`), unless `stillOurs()` says the screen is no longer wanted,
 * `onResume` gets a function that puts the screen back — raw mode,
 * alternate screen, mouse, cursor — at the terminal's current size (a resize
 * while stopped is not missed); the caller runs it, and redraws, inside its
 * own error guard. The SIGCONT listener is kept in `handlers` until it fires.
 */
export function suspendToShell(screen: blessed.Widgets.Screen, handlers: Handlers, stillOurs: () => boolean, onResume: (restore: () => void) => void): void {
  const program = screen.program as unknown as {
    flush(): void;
    pause(): () => void;
    hideCursor(): void;
    cursorHidden?: boolean;
    useBuffer?: boolean;
    output: Writable;
  };
  program.flush();
  const hidden = program.cursorHidden === true;
  // pause() writes the restoring sequences and then silences the output: they
  // must reach the terminal now, not from the write buffer on a later tick.
  const buffered = program.useBuffer;
  program.useBuffer = false;
  let resume: () => void;
  try {
    resume = program.pause();
  } finally {
    program.useBuffer = buffered;
  }
  // While stopping, SIGTSTP must take its default action (stop), not come back here.
  const ours = new Set(handlers.filter(([ev]) => ev === 'SIGTSTP').map(([, fn]) => fn));
  const tstp = process.listeners('SIGTSTP') as ((...a: unknown[]) => void)[];
  for (const fn of tstp) process.removeListener('SIGTSTP', fn);
  const onCont = (): void => {
    const i = handlers.findIndex(([, fn]) => fn === onCont);
    if (i >= 0) handlers.splice(i, 1);
    // Put the SIGTSTP listeners back, except ours that were removed meanwhile (the view finished).
    for (const fn of tstp) if (!ours.has(fn) || handlers.some(([ev, h]) => ev === 'SIGTSTP' && h === fn)) process.on('SIGTSTP', fn);
    if (!stillOurs()) return;
    onResume(() => {
      resume();
      if (hidden) program.hideCursor();
      refreshSize(program.output);
      screen.realloc();
    });
  };
  process.once('SIGCONT', onCont);
  handlers.push(['SIGCONT', onCont]);
  stopJob();
}

/**
 * Stop with SIGTSTP (its default action must be in place): the whole process
 * group when it is the terminal's foreground group — what the terminal's own
 * ^Z would do, so a parent (npm, npx, a shell script) stops as well and the
 * shell takes the terminal back — otherwise only this process. The group is
 * read from /proc (Linux); elsewhere only this process stops.
 */
export function stopJob(): void {
  const group = foregroundGroup();
  try {
    if (group !== undefined) process.kill(-group, 'SIGTSTP');
    else process.kill(process.pid, 'SIGTSTP');
  } catch {
    process.kill(process.pid, 'SIGTSTP');
  }
}

/** This process's group id when it is its terminal's foreground process group (Linux /proc), else undefined. */
export function foregroundGroup(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // pid (comm) state ppid pgrp session tty_nr tpgid …; comm may hold spaces and parentheses.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(f[2]);
    const tpgid = Number(f[5]);
    return pgrp > 1 && pgrp === tpgid ? pgrp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A TTY output learns its size again (a SIGWINCH while stopped went to the
 * shell, and getWindowSize() only returns the cached size): Node's own
 * SIGWINCH refresh, which asks the terminal and emits 'resize' when the size changed.
 */
export function refreshSize(out: Writable): void {
  const tty = out as Writable & { isTTY?: boolean; _refreshSize?: () => void };
  if (!tty.isTTY || typeof tty._refreshSize !== 'function') return;
  try {
    tty._refreshSize();
  } catch {
    /* not a terminal any more */
  }
}

/**
 * After the screen is destroyed: blessed resumed the input, so pause it
 * again; a non-TTY input (a pipe socket) would still keep the process
 * alive, so unref it too.
 */
export function releaseInput(input: Readable | undefined): void {
  try {
    const inp = (input ?? process.stdin) as Readable & { isTTY?: boolean; unref?: () => void };
    inp.pause();
    if (!inp.isTTY && typeof inp.unref === 'function') inp.unref();
  } catch {
    /* ignore */
  }
}

/** Take the input back after another view released it (see releaseInput). */
export function reclaimInput(input: Readable | undefined): void {
  const inp = (input ?? process.stdin) as Readable & { ref?: () => void };
  if (typeof inp.ref === 'function') inp.ref();
  inp.resume();
}

/** Stop listening for output errors with `listener`, but keep swallowing late EPIPE/EIO from the restore writes. */
export function dropOutputErrorListener(out: Writable, listener: (...a: unknown[]) => void): void {
  out.removeListener('error', listener);
  out.on('error', noop);
  setImmediate(() => out.removeListener('error', noop));
}

/** The one line (and, with TSGITOP_DEBUG=1, the stack) of an internal error, written after the terminal is restored. */
export function writeFatal(stderr: Writable, env: NodeJS.ProcessEnv, e: unknown): void {
  try {
    stderr.write(`tsgitop: internal error: ${oneLine(e)}\n`);
    if (env.TSGITOP_DEBUG === '1' && e instanceof Error && e.stack) stderr.write(`${e.stack}\n`);
  } catch {
    /* stderr gone too */
  }
}

function noop(): void {}
