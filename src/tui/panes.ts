/**
 * Text of the event log pane and the footer (the throughput chart pane is
 * chart.ts).
 * Pure: (data, size, theme) → tagged lines, each at most `width` visible
 * characters.
 */
import { formatClock } from '../format.js';
import type { EventKind, ModelEvent } from '../model/types.js';
import { clean, clip, pad } from './text.js';
import type { Style, Theme } from './theme.js';

const EVENT_STYLE: Record<EventKind, Style> = {
  respawn: 'respawn',
  harakiri: 'bad',
  status: 'sig',
  listen_queue: 'warn',
  connection_lost: 'bad',
  connection_restored: 'good',
  new_worker: 'dim',
  gone_worker: 'dim',
  spawned: 'dim',
  reload: 'respawn',
  queue_full: 'bad',
  queue_drained: 'good',
  vassal: 'respawn',
};

const EVENT_LABEL: Record<EventKind, string> = {
  respawn: 'respawn',
  harakiri: 'harakiri',
  status: 'status',
  listen_queue: 'lq',
  connection_lost: 'lost',
  connection_restored: 'restored',
  new_worker: 'new',
  gone_worker: 'gone',
  spawned: 'spawned',
  reload: 'reload',
  queue_full: 'lq full',
  queue_drained: 'lq ok',
  vassal: 'vassal',
};

/** One event as `HH:MM:SS kind     message` (plain). */
export function eventText(e: ModelEvent, nowMs: number): string {
  return `${formatClock(e.at / 1000, nowMs)} ${pad(EVENT_LABEL[e.kind] ?? e.kind, 8)} ${clean(e.message)}`;
}

/** The event log pane: a title line, then the newest events that fit (newest at the bottom). */
export function eventLines(events: readonly ModelEvent[], width: number, height: number, nowMs: number, theme: Theme): string[] {
  const lines: string[] = [theme.paint(pad(`Events (${events.length})`, width), 'tableHead')];
  const room = Math.max(0, height - 1);
  const shown = events.slice(Math.max(0, events.length - room));
  if (shown.length === 0 && room > 0) lines.push(theme.paint(clip('no events yet (respawns, harakiri, reloads, status changes, listen queue, connection lost or restored)', width), 'dim'));
  for (const e of shown) {
    const time = formatClock(e.at / 1000, nowMs);
    const label = pad(EVENT_LABEL[e.kind] ?? e.kind, 8);
    const msg = clip(clean(e.message), Math.max(0, width - time.length - label.length - 2));
    lines.push(`${theme.paint(time, 'dim')} ${theme.paint(label, EVENT_STYLE[e.kind] ?? 'plain')} ${theme.paint(msg, 'plain')}`);
  }
  return lines;
}

/** Footer of key hints (`key label` pairs) that fit in `width`. */
export function footerLine(hints: readonly { key: string; label: string }[], width: number, theme: Theme): string {
  let out = '';
  let used = 0;
  for (const h of hints) {
    const len = h.key.length + 1 + h.label.length;
    const sep = used > 0 ? 2 : 0;
    if (used + sep + len > width) break;
    out += (sep ? '  ' : '') + theme.paint(h.key, 'key') + ' ' + theme.paint(h.label, 'plain');
    used += sep + len;
  }
  return out;
}
