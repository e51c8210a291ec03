/**
 * The worker detail screen (Enter on a row): the worker's figures, sparklines
 * of its RPS, average response time and RSS from the History ring buffers,
 * its cores and its apps. Pure: (worker, series, size, theme) → tagged lines.
 */
import { CORE_COLUMNS, WORKER_COLUMNS, fitColumns, type Column, type RenderContext } from '../columns.js';
import { formatBytes, formatClock, formatCount, formatId, formatRate } from '../format.js';
import type { AppStats } from '../protocol/types.js';
import type { WorkerSeries } from '../model/history.js';
import type { CoreView, WorkerView } from '../model/types.js';
import { CORES_NOT_REPORTED } from '../model/view.js';
import { sparkline } from './series.js';
import { MERGED_CORE_COLUMNS, coreStatus } from './table.js';
import { clean, clip, pad } from './text.js';
import type { Style, Theme } from './theme.js';

interface Kv {
  label: string;
  value: string;
  style?: Style;
}

const byId = new Map(WORKER_COLUMNS.map((c) => [c.id, c]));

function col(id: string, w: WorkerView, ctx: RenderContext): string {
  const c = byId.get(id);
  return c ? clean(c.format(w, ctx)) : '-';
}

/** `N (respawn_count M)`: re-spawns of one worker next to uWSGI's counter (1 after the first spawn). */
export function respawnsText(count: number | undefined): string {
  if (count === undefined || !Number.isFinite(count)) return '-';
  return `${formatCount(Math.max(0, count - 1))} (respawn_count ${formatCount(count)})`;
}

function packKv(items: readonly Kv[], width: number, theme: Theme): string[] {
  const lines: string[] = [];
  let cur = '';
  let used = 0;
  for (const it of items) {
    const len = it.label.length + 1 + it.value.length;
    if (used > 0 && used + 2 + len > width) {
      lines.push(cur);
      cur = '';
      used = 0;
    }
    const v = clip(it.value, Math.max(1, width - it.label.length - 1));
    cur += (used > 0 ? '  ' : '') + theme.paint(it.label, 'label') + ' ' + theme.paint(v, it.style ?? 'plain');
    used += (used > 0 ? 2 : 0) + it.label.length + 1 + v.length;
  }
  if (used > 0) lines.push(cur);
  return lines;
}

function appCols(): Column<AppStats>[] {
  const num = (id: string, title: string, width: number, get: (a: AppStats) => number | undefined, fmt: (n: number | undefined) => string): Column<AppStats> => ({
    id,
    title,
    width,
    align: 'right',
    priority: 1,
    help: title,
    value: get,
    format: (a) => fmt(get(a)),
  });
  return [
    num('id', 'APP', 4, (a) => a.id, formatId),
    { id: 'mount', title: 'MOUNTPOINT', width: 16, align: 'left', priority: 0, help: '', value: (a) => a.mountpoint, format: (a) => (a.mountpoint === undefined ? '-' : clean(a.mountpoint) || '""') },
    num('req', 'REQ', 8, (a) => a.requests, formatCount),
    num('exc', 'EXC', 6, (a) => a.exceptions, formatCount),
    num('mod', 'MOD1', 4, (a) => a.modifier1, formatId),
    { id: 'startup', title: 'STARTUP', width: 8, align: 'right', priority: 3, help: '', value: (a) => a.startup_time, format: (a) => formatCount(a.startup_time) },
    { id: 'chdir', title: 'CHDIR', width: 30, align: 'left', priority: 4, help: '', value: (a) => a.chdir, format: (a) => (a.chdir === undefined ? '-' : clean(a.chdir) || '""') },
  ];
}

function tableLines<R>(cols: readonly Column<R>[], rows: readonly R[], width: number, ctx: RenderContext, theme: Theme, style?: (r: R, c: Column<R>) => Style): string[] {
  const fit = fitColumns(cols, width);
  const head = fit.map((c) => pad(c.title, c.width, c.align)).join(' ');
  const out = [theme.paint(pad(head, width), 'tableHead')];
  for (const r of rows) {
    out.push(
      fit
        .map((c) => theme.paint(pad(clean(c.format(r, ctx)), c.width, c.align), style ? style(r, c) : 'plain'))
        .join(' '),
    );
  }
  return out;
}

export interface DetailInput {
  worker: WorkerView | undefined;
  /** True when the worker is not in the latest read (its last known figures are shown). */
  gone: boolean;
  series: WorkerSeries | undefined;
  width: number;
  height: number;
  now: number;
  unused: boolean;
  theme: Theme;
  /** Trims a history series to what the display shows (paused: the reads up to the pause). */
  cut: <T>(values: T[]) => T[];
}

/** Lines of the detail screen, at most `height`. */
export function detailLines(d: DetailInput): string[] {
  const { worker: w, theme, width } = d;
  const ctx: RenderContext = { now: d.now };
  if (!w) return [theme.paint('No worker selected.', 'dim')];
  const out: string[] = [];
  const name = w.id !== undefined ? `Worker ${w.id}` : `Worker ${clean(w.key)}`;
  const title = `${name}  pid ${formatId(w.pid)}${d.gone ? '  (not in the latest read: last known figures)' : ''}`;
  out.push(theme.paint(pad(clip(title, width), width), 'tableHead'));
  const acc = w.raw.accepting;
  out.push(
    ...packKv(
      [
        { label: 'status', value: col('status', w, ctx), style: w.statusClass },
        { label: 'accepting', value: acc === undefined ? '-' : acc > 0 ? 'yes' : 'no', style: acc === 0 ? 'warn' : 'plain' },
        { label: 'req', value: col('req', w, ctx) },
        { label: 'RPS', value: col('rps', w, ctx) },
        { label: '%', value: col('share', w, ctx) },
        { label: 'exc', value: `${col('exc', w, ctx)} (${formatRate(w.excRate)}/s)`, style: w.excRate !== undefined && w.excRate > 0 ? 'bad' : 'plain' },
        { label: 'avg', value: col('avg', w, ctx) },
        { label: 'run', value: col('runt', w, ctx) },
        { label: 'rss', value: col('rss', w, ctx) },
        { label: 'vsz', value: col('vsz', w, ctx) },
        { label: 'tx', value: `${col('tx', w, ctx)} (${formatBytes(w.txRate)}/s)` },
        { label: 'harakiri', value: col('hc', w, ctx), style: (w.raw.harakiri_count ?? 0) > 0 ? 'warn' : 'plain' },
        { label: 'signals', value: col('sig', w, ctx) },
        { label: 'sigq', value: formatCount(w.raw.signal_queue) },
        // "respawns" = re-spawns, as in the header and the totals row; uWSGI's respawn_count counts the first spawn too.
        { label: 'respawns', value: respawnsText(w.raw.respawn_count) },
        { label: 'spawned', value: formatClock(w.raw.last_spawn, d.now), style: w.respawned ? 'respawn' : 'plain' },
      ],
      width,
      theme,
    ),
  );

  // Sparklines from the History ring buffers.
  const label = 9;
  const nowW = 9;
  const sw = Math.max(4, width - label - nowW - 2);
  const s = d.series;
  const spark = (name: string, values: readonly (number | undefined)[], now: string, style: Style, relative: boolean): string =>
    theme.paint(pad(name, label), 'label') + ' ' + theme.paint(sparkline(values, sw, relative), style) + ' ' + theme.paint(pad(now, nowW), 'plain');
  out.push(spark('RPS', s ? d.cut(s.rps.toArray()) : [], col('rps', w, ctx), 'good', false));
  out.push(spark('avg', s ? d.cut(s.avgRtMs.toArray()) : [], col('avg', w, ctx), 'warn', false));
  out.push(spark('RSS', s ? d.cut(s.rss.toArray()) : [], col('rss', w, ctx), 'mem', true));

  // Cores.
  const rows = w.cores.filter((c: CoreView) => d.unused || !(c.requests === 0 && !c.inRequest)).map((core) => ({ worker: w, core }));
  const hidden = w.cores.length - rows.length;
  out.push(theme.paint(w.raw.cores === undefined ? `Cores: ${CORES_NOT_REPORTED}` : `Cores ${rows.length}${hidden > 0 ? ` (${hidden} unused hidden, u shows)` : ''}`, 'title'));
  if (w.cores.length > 0 && CORE_COLUMNS.length > 0) {
    out.push(
      ...tableLines(MERGED_CORE_COLUMNS, rows, width, ctx, theme, (r, c) => (c.id === 'status' && coreStatus(r) === 'busy' ? 'busy' : 'plain')),
    );
  }

  // Apps.
  const apps = Array.isArray(w.raw.apps) ? w.raw.apps : [];
  out.push(theme.paint(`Apps ${apps.length}`, 'title'));
  if (apps.length > 0) out.push(...tableLines(appCols(), apps, width, ctx, theme));

  if (out.length > d.height) {
    const cut = out.slice(0, Math.max(1, d.height - 1));
    cut.push(theme.paint(clip(`… ${out.length - cut.length} more lines (a taller terminal shows them)`, width), 'dim'));
    return cut;
  }
  return out;
}
