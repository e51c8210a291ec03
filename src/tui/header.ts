/**
 * The header above the table (uwsgitop's two lines, re-packed to the
 * terminal width): items are laid out greedily over at most `maxLines`
 * lines; an item that does not fit anywhere is dropped (items are listed
 * most important first).
 */
import { formatAge } from '../model/diagnosis.js';
import { queueText } from '../model/sockets.js';
import { formatBytes, formatCount, formatId, formatMs, formatRate, formatTimestamp } from '../format.js';
import type { EmperorView, ServerView } from '../model/types.js';
import { clean, clip, clipLeft } from './text.js';
import type { Styled } from './fastbox.js';
import { pushRun, type Style, type Theme } from './theme.js';

/** One `label value` pair of the header. */
export interface HeaderItem {
  label: string;
  value: string;
  style?: Style;
  /** Start a new line before this item when possible. */
  breakBefore?: boolean;
  /** May be clipped (from the left, paths) to fit a line on its own. */
  clippable?: 'left' | 'right';
}

function localTime(nowMs: number, wide: boolean): string {
  const ts = formatTimestamp(nowMs);
  return wide ? ts : ts.slice(11);
}

/** Header items of a server view. */
export function serverHeaderItems(v: ServerView, nowMs: number, wide: boolean, address: string): HeaderItem[] {
  const h = v.header;
  const t = v.totals;
  const lq = h.listenQueue;
  const lqe = h.listenQueueErrors;
  const items: HeaderItem[] = [
    { label: 'uWSGI', value: h.version !== undefined ? clean(h.version) : '-' },
    { label: '', value: localTime(nowMs, wide) },
    { label: 'req', value: formatCount(t.requests) },
    { label: 'RPS', value: formatRate(t.rps), style: 'title' },
    // The worst socket's queue/max (`9/8 FULL`): uWSGI 2.0 never counts lq-err, fullness is queue ≥ max_queue.
    { label: 'lq', value: queueText(h.worstSocket) ?? formatCount(lq), style: h.worstSocket?.full ? 'bad' : lq !== undefined && lq > 0 ? 'warn' : 'plain' },
    { label: 'lq-err', value: formatCount(lqe), style: lqe !== undefined && lqe > 0 ? 'bad' : 'plain' },
    { label: 'tx', value: formatBytes(t.tx) },
    { label: 'workers', value: t.cheap > 0 ? `${t.workers} (${t.cheap} cheap)` : `${t.workers}`, breakBefore: true },
    { label: 'busy', value: `${t.busy}`, style: t.busy > 0 ? 'busy' : 'plain' },
    // avg now = Δrunning_time/Δrequests over the interval; mean = Σrunning_time/Σrequests (uWSGI's avg_rt is a moving value of the last requests).
    { label: 'avg now', value: formatMs(t.avgNow) },
    { label: 'node', value: clean(h.node) || '-', clippable: 'right' },
    { label: 'master', value: formatId(h.pid) },
    { label: 'uid', value: formatId(h.uid) },
    { label: 'gid', value: formatId(h.gid) },
    { label: 'cwd', value: h.cwd !== undefined ? clean(h.cwd) : '-', clippable: 'left', breakBefore: true },
    { label: 'exc', value: formatCount(t.exceptions), style: t.excRate !== undefined && t.excRate > 0 ? 'bad' : 'plain' },
    { label: 'rss', value: formatBytes(t.rss) },
    { label: 'stats', value: clean(address), clippable: 'left' },
    // Re-spawns since start (respawn_count − 1 per worker), as in the totals row's ReSpwn cell
    // and batch mode's header. Last: the first item to go when the header is full.
    { label: 'respawns', value: formatCount(t.respawns), style: t.respawns !== undefined && t.respawns > 0 ? 'respawn' : 'plain' },
    // Where there is room: the requests in flight with the oldest one's age, and the lifetime mean.
    ...(t.inFlight > 0 ? [{ label: 'in flight', value: `${t.inFlight}${t.oldestRequestAge !== undefined ? ` (oldest ${formatAge(t.oldestRequestAge)})` : ''}`, style: 'busy' as const }] : []),
    { label: 'mean', value: formatMs(t.avgMean) },
  ];
  return items;
}

/** Header items of an Emperor view. */
export function emperorHeaderItems(v: EmperorView, nowMs: number, wide: boolean, address: string): HeaderItem[] {
  const d = v.doc;
  const dirs = Array.isArray(d.emperor) ? d.emperor.map((s) => clean(String(s))).join(', ') : '-';
  return [
    { label: 'uWSGI Emperor', value: d.version !== undefined ? clean(d.version) : '-', style: 'title' },
    { label: '', value: localTime(nowMs, wide) },
    { label: 'vassals', value: `${d.vassals.length}` },
    { label: 'tyrant', value: d.emperor_tyrant === undefined ? '-' : d.emperor_tyrant ? 'yes' : 'no' },
    ...(v.throttleLevel !== undefined ? [{ label: 'throttle', value: `${v.throttleLevel}`, style: v.throttleLevel > 0 ? ('warn' as const) : ('plain' as const) }] : []),
    ...((v.blacklist?.length ?? 0) > 0 ? [{ label: 'blacklist', value: v.blacklist!.map((b) => `${clean(b.vassal)} (attempt ${b.attempts ?? '?'}, ${b.throttleLevel ?? '?'}s)`).join(', '), style: 'bad' as const, clippable: 'right' as const }] : []),
    { label: 'pid', value: formatId(d.pid) },
    { label: 'uid', value: formatId(d.uid) },
    { label: 'gid', value: formatId(d.gid) },
    { label: 'node', value: clean(v.node ?? '') || '-', clippable: 'right' },
    { label: 'emperor', value: dirs || '-', clippable: 'left', breakBefore: true },
    { label: 'cwd', value: d.cwd !== undefined ? clean(d.cwd) : '-', clippable: 'left' },
    { label: 'stats', value: clean(address), clippable: 'left' },
  ];
}

const GAP = '  ';

function itemText(it: HeaderItem): string {
  return it.label === '' ? it.value : `${it.label} ${it.value}`;
}

/**
 * Pack items into at most `maxLines` lines of `width` characters. Returns
 * the items of each line (values possibly clipped).
 */
export function packHeader(items: readonly HeaderItem[], width: number, maxLines: number): HeaderItem[][] {
  const lines: HeaderItem[][] = [[]];
  const used: number[] = [0];
  for (const it0 of items) {
    let it = it0;
    let len = itemText(it).length;
    let li = lines.length - 1;
    const wantBreak = it.breakBefore === true && used[li]! > 0 && lines.length < maxLines;
    if (wantBreak) {
      lines.push([]);
      used.push(0);
      li++;
    }
    const need = (i: number): number => (used[i]! > 0 ? GAP.length : 0) + len;
    if (used[li]! + need(li) > width) {
      if (lines.length < maxLines) {
        lines.push([]);
        used.push(0);
        li++;
      } else if (it.clippable) {
        const room = width - used[li]! - (used[li]! > 0 ? GAP.length : 0) - (it.label.length + 1);
        if (room < 8) continue;
        it = { ...it, value: it.clippable === 'left' ? clipLeft(it.value, room) : clip(it.value, room) };
        len = itemText(it).length;
      } else {
        continue;
      }
    }
    if (used[li]! + need(li) > width) {
      if (!it.clippable) continue;
      const room = width - used[li]! - (used[li]! > 0 ? GAP.length : 0) - (it.label.length + 1);
      if (room < 8) continue;
      it = { ...it, value: it.clippable === 'left' ? clipLeft(it.value, room) : clip(it.value, room) };
      len = itemText(it).length;
    }
    used[li]! += need(li);
    lines[li]!.push(it);
  }
  return lines.filter((l) => l.length > 0);
}

/**
 * Header lines as styled runs (a label, a space, the value in its style; items two spaces apart): drawn
 * without tags built or parsed — the header changes on every read (clock, totals), and compiling its tagged
 * text was most of what the screen's lines cost per frame (issue 13).
 */
export function headerStyled(lines: readonly HeaderItem[][], theme: Theme): Styled[] {
  return lines.map((items) => {
    const line: Styled = { texts: [], opens: [], closes: [] };
    const run = (text: string, style: Style): void => pushRun(line, text, style, theme);
    items.forEach((it, i) => {
      if (i > 0) run(GAP, 'plain');
      if (it.label !== '') {
        run(it.label, 'label');
        run(' ', 'plain');
      }
      run(it.value, it.style ?? 'plain');
    });
    return line;
  });
}

/** Plain header lines (for tests and measuring). */
export function headerPlain(lines: readonly HeaderItem[][]): string[] {
  return lines.map((items) => items.map(itemText).join(GAP));
}
