/**
 * Semantic styles → blessed tags. With colour off, only attributes that are
 * not colours (bold, inverse, underline) are emitted, so `--no-color` /
 * NO_COLOR output carries no SGR colour codes at all. Text always carries the
 * meaning too (statuses verbatim, STALE/PAUSED words), colour only helps.
 */
import type { StatusClass } from '../model/types.js';
import type { Styled } from './fastbox.js';

export type Style =
  | 'plain'
  | 'label'
  | 'title'
  | 'dim'
  | 'good'
  | 'warn'
  | 'bad'
  | 'busy'
  | 'idle'
  | 'cheap'
  | 'pause'
  | 'sig'
  | 'other'
  | 'unknown'
  | 'respawn'
  | 'mem'
  | 'stale'
  | 'paused'
  | 'live'
  | 'key'
  | 'tableHead'
  | 'sortHead'
  | 'totals'
  | 'selected';

/** Opening and closing tags of one style. */
interface Tags {
  open: string;
  close: string;
}

const NONE: Tags = { open: '', close: '' };

function t(...names: string[]): Tags {
  return {
    open: names.map((n) => `{${n}}`).join(''),
    close: names
      .slice()
      .reverse()
      .map((n) => `{/${n}}`)
      .join(''),
  };
}

const COLOR: Record<Style, Tags> = {
  plain: NONE,
  label: t('bold'),
  title: t('bold', 'cyan-fg'),
  dim: t('gray-fg'),
  good: t('green-fg'),
  warn: t('yellow-fg'),
  bad: t('bold', 'red-fg'),
  busy: t('bold', 'yellow-fg'),
  idle: NONE,
  cheap: t('blue-fg'),
  pause: t('magenta-fg'),
  sig: t('cyan-fg'),
  other: t('bold', 'magenta-fg'),
  unknown: t('gray-fg'),
  respawn: t('bold', 'cyan-fg'),
  mem: t('magenta-fg'),
  stale: t('bold', 'white-fg', 'red-bg'),
  paused: t('bold', 'black-fg', 'yellow-bg'),
  live: t('green-fg'),
  key: t('bold', 'cyan-fg'),
  tableHead: t('bold', 'black-fg', 'green-bg'),
  sortHead: t('bold', 'black-fg', 'cyan-bg'),
  totals: t('bold'),
  selected: t('inverse'),
};

const MONO: Record<Style, Tags> = {
  plain: NONE,
  label: t('bold'),
  title: t('bold'),
  dim: NONE,
  good: NONE,
  warn: NONE,
  bad: t('bold'),
  busy: t('bold'),
  idle: NONE,
  cheap: NONE,
  pause: NONE,
  sig: NONE,
  other: NONE,
  unknown: NONE,
  respawn: t('underline'),
  mem: NONE,
  stale: t('inverse', 'bold'),
  paused: t('inverse', 'bold'),
  live: NONE,
  key: t('bold'),
  tableHead: t('inverse'),
  sortHead: t('inverse', 'underline'),
  totals: t('bold'),
  selected: t('inverse'),
};

/** Escape blessed tag braces in plain text. */
export function esc(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** A painter bound to a colour choice. `paint` escapes its text. */
export interface Theme {
  color: boolean;
  paint(text: string, style: Style): string;
  open(style: Style): string;
  close(style: Style): string;
}

export function makeTheme(color: boolean): Theme {
  const table = color ? COLOR : MONO;
  return {
    color,
    paint(text, style) {
      const tg = table[style];
      return tg.open + esc(text) + tg.close;
    },
    open: (style) => table[style].open,
    close: (style) => table[style].close,
  };
}

/** Append a run to a styled line: `text` as it is, in `style`'s tags (none for 'plain'). */
export function pushRun(line: Styled, text: string, style: Style, theme: Theme): void {
  line.texts.push(text);
  line.opens.push(theme.open(style));
  line.closes.push(theme.close(style));
}

/** Style of a worker status class. */
export function statusStyle(c: StatusClass): Style {
  return c;
}
