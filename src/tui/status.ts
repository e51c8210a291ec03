/**
 * The status line (connection state, pause, filter, messages) and the help
 * overlay, as pure functions of what the monitor knows. Tagged text out.
 */
import type { ModelEvent } from '../model/types.js';
import { helpLines, type KeyBinding, KEYMAP } from './keys.js';
import { replayStatusText, type ReplayStatus } from './replay-marker.js';
import { clean, clip, formatAge, pad } from './text.js';
import type { Style, Theme } from './theme.js';

export interface StatusInput {
  cols: number;
  now: number;
  theme: Theme;
  addressLabel: string;
  /** A render error of the last seconds. */
  renderError?: string;
  /** The failure since the last good read, if reads are failing. */
  lastError?: { message: string; retryAt: number };
  /** Local clock at the last good read (undefined: none yet). */
  lastGoodAt?: number;
  paused: boolean;
  /** Local clock at the read of the data on screen. */
  shownAt?: number;
  /** Refresh interval as shown (`1s`, `0.1s`). */
  every: string;
  fast: boolean;
  filter: string;
  filterEditing: boolean;
  /** Rows matching the filter / all rows. */
  matched?: { matched: number; total: number };
  /** A transient message (sort changed, mode toggled…). */
  message?: string;
  /** The newest event (shown when nothing more urgent fills the line). */
  lastEvent?: ModelEvent;
  /** Replaying a recording: the REPLAY marker leads the line, in place of `● live`. */
  replay?: ReplayStatus;
}

/** Events this recent (ms) are echoed in the status line. */
export const EVENT_ECHO_MS = 30_000;

/** The status line: segments by urgency, clipped to the width. */
export function statusLine(s: StatusInput): string {
  const th = s.theme;
  const parts: string[] = [];
  let used = 0;
  const add = (text: string, style: Style = 'plain'): void => {
    const sep = used > 0 ? 2 : 0;
    const room = s.cols - used - sep;
    if (room <= 0) return;
    const t = clip(text, room);
    parts.push((sep ? '  ' : '') + th.paint(t, style));
    used += sep + t.length;
  };
  if (s.replay) {
    // First, so that nobody mistakes a replay for live data, whatever else the line says.
    add(' REPLAY ', 'paused');
    add(replayStatusText(s.replay), 'title');
  }
  if (s.renderError !== undefined) add(`render error: ${s.renderError}`, 'bad');
  if (s.lastError) {
    add(s.lastGoodAt !== undefined ? ` STALE ${formatAge(s.now - s.lastGoodAt)} ` : ' NO DATA ', 'stale');
    add(`retry in ${formatAge(Math.max(0, s.lastError.retryAt - s.now))}`, 'plain');
    add(s.lastError.message, 'bad');
  } else if (s.lastGoodAt === undefined && !s.replay) {
    add(`connecting to ${clean(s.addressLabel)} …`, 'dim');
  }
  if (s.paused) {
    add(' PAUSED ', 'paused');
    add(`showing ${s.shownAt !== undefined ? formatAge(s.now - s.shownAt) : '-'} old data · reads continue · p resumes`, 'plain');
  } else if (!s.lastError && s.lastGoodAt !== undefined && !s.replay) {
    add(`● live · every ${s.every}${s.fast ? ' (fast)' : ''}`, 'live');
  }
  if (s.filterEditing) add(`filter: ${clean(s.filter)}▏ (Enter keeps, Esc clears)`, 'key');
  else if (s.filter !== '') add(`filter "${clean(s.filter)}"`, 'key');
  if (s.filter !== '' && s.matched) add(`${s.matched.matched}/${s.matched.total} match`, 'plain');
  if (s.message !== undefined) add(s.message, 'title');
  // "connection lost: <the error>" beside the error itself says it twice, and pushes the rest off an 80-column line.
  else if (s.lastEvent && s.now - s.lastEvent.at < EVENT_ECHO_MS && !(s.lastError && s.lastEvent.kind === 'connection_lost')) add(clean(s.lastEvent.message), 'dim');
  return parts.join('');
}

export interface HelpBox {
  width: number;
  height: number;
  /** The scroll position actually used (clamped). */
  top: number;
  /** Entries per page. */
  page: number;
  content: string;
}

/** Rows of entries the help box shows on a terminal of `rows` rows. */
export function helpPage(rows: number, map: readonly KeyBinding[] = KEYMAP): number {
  const height = Math.max(5, Math.min(rows - 2, map.length + 4));
  return Math.max(1, height - 4);
}

/** The help overlay: one line per key map entry, scrolled to `top`, sized to the terminal. */
export function helpBox(cols: number, rows: number, top: number, theme: Theme, map: readonly KeyBinding[] = KEYMAP): HelpBox {
  const entries = helpLines(map);
  const keyW = Math.max(...entries.map((e) => e.key.length));
  const whereW = Math.max(...entries.map((e) => e.where.length));
  const width = Math.max(20, Math.min(cols - 2, 100));
  const inner = width - 2;
  const height = Math.max(5, Math.min(rows - 2, entries.length + 4));
  const page = helpPage(rows, map);
  const maxTop = Math.max(0, entries.length - page);
  const t = Math.max(0, Math.min(top, maxTop));
  const helpW = Math.max(4, inner - keyW - whereW - 4);
  const lines = entries
    .slice(t, t + page)
    .map((e) => ' ' + theme.paint(pad(e.key, keyW), 'key') + ' ' + theme.paint(pad(e.help, helpW), 'plain') + ' ' + theme.paint(pad(e.where, whereW), 'dim'));
  const more = maxTop > 0 ? ` ${t + 1}-${Math.min(entries.length, t + page)}/${entries.length} ↑↓ scroll ·` : '';
  const head = theme.paint(clip(`${more} Esc/?/q close · colours: yellow busy, red errors, cyan respawned`, inner), 'dim');
  return { width, height, top: t, page, content: [head, '', ...lines].join('\n') };
}
