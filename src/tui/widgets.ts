/**
 * The blessed widgets tsgitop draws with, loaded on their own: `blessed`'s
 * index loads all of its ~40 widgets (forms, images, terminals, …) at start;
 * a screen and boxes need 15 modules, ~10 ms less CPU at every start
 * (issue 13). blessed-contrib's chart, loaded only when the chart is shown,
 * brings the rest in then (src/tui/chart.ts).
 */
import type blessed from 'blessed';
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

type Ctor<O, T> = new (o: O) => T;

type Compile = (this: unknown, info: unknown, key: string, str: unknown) => unknown;
let lazyCaps = false;

/**
 * blessed turns every string capability of the terminfo entry (~400) into a
 * JavaScript function (new Function) when a screen opens — ~12 ms of each
 * start, for the dozen the monitor ever uses. Compile each on its first call
 * instead: the same function, built by blessed's own compiler, later.
 */
function compileCapsLazily(): void {
  if (lazyCaps) return;
  lazyCaps = true;
  const Tput = load('blessed/lib/tput') as { prototype: { _compile: Compile } };
  const compile = Tput.prototype._compile;
  Tput.prototype._compile = function (this: unknown, info: unknown, key: string, str: unknown): unknown {
    if (typeof str !== 'string' || str === '' || key === 'init_file' || key === 'reset_file') return compile.call(this, info, key, str);
    const tput = this;
    let real: ((this: unknown, params: unknown) => unknown) | undefined;
    return function (this: unknown, params: unknown): unknown {
      real ??= compile.call(tput, info, key, str) as (this: unknown, params: unknown) => unknown;
      return real.call(this, params);
    };
  };
}

/** A blessed screen (blessed.screen). */
export function newScreen(o: blessed.Widgets.IScreenOptions): blessed.Widgets.Screen {
  compileCapsLazily();
  const Screen = load('blessed/lib/widgets/screen') as Ctor<blessed.Widgets.IScreenOptions, blessed.Widgets.Screen>;
  // Inside tmux, blessed's Program runs `tmux -V` synchronously (execFileSync) at every start, only to know whether
  // tmux is 2 or later (where it passes all-motion mouse mode through). Every tmux of the last ten years is: the
  // screen is made with TMUX unset, then told it runs in tmux, of the version tmux itself exports (3.2+), else 2 —
  // blessed's own answer when `tmux -V` fails. ~10 ms less CPU per start, and no child process.
  // (blessed reads process.env itself, and takes an empty TMUX for "not in tmux", as here.)
  const env = process.env;
  const tmux = env.TMUX;
  if (!tmux) return new Screen(o);
  delete env.TMUX;
  let screen: blessed.Widgets.Screen;
  try {
    screen = new Screen(o);
  } finally {
    env.TMUX = tmux;
  }
  const program = screen.program as unknown as { tmux: boolean; tmuxVersion: number };
  program.tmux = true;
  program.tmuxVersion = tmuxVersionOf(env);
  return screen;
}

/** The tmux version from the environment tmux (3.2 and later) gives its panes (TERM_PROGRAM_VERSION), else 2. */
export function tmuxVersionOf(env: NodeJS.ProcessEnv): number {
  const v = env.TERM_PROGRAM === 'tmux' ? /^(\d+(?:\.\d+)?)/.exec(env.TERM_PROGRAM_VERSION ?? '') : null;
  return v ? Number(v[1]) : 2;
}

/** A blessed box (blessed.box). */
export function newBox(o: blessed.Widgets.BoxOptions): blessed.Widgets.BoxElement {
  const Box = load('blessed/lib/widgets/box') as Ctor<blessed.Widgets.BoxOptions, blessed.Widgets.BoxElement>;
  return new Box(o);
}

/** blessed's tables of wide, combining and surrogate characters (what it draws as '??', nothing, '?'). */
export function unicodeChars(): { all: RegExp; combining: RegExp; surrogate: RegExp } {
  return (load('blessed/lib/unicode') as { chars: { all: RegExp; combining: RegExp; surrogate: RegExp } }).chars;
}
