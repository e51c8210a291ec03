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

/** A blessed screen (blessed.screen). */
export function newScreen(o: blessed.Widgets.IScreenOptions): blessed.Widgets.Screen {
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
