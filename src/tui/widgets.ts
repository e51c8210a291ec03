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
  return new Screen(o);
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
