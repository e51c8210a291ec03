/**
 * Columns are data (htop's field table): one declarative table per row kind.
 * Renderers pick columns with `fitColumns`, order rows with `sortRows`, and
 * print `format(row, ctx)` padded to `width` with `align`. Every cell goes
 * through format.ts.
 *
 * `format` takes a RenderContext because some cells depend on the current
 * time (LastSpwn shows HH:MM:SS today, MM-DD HH:MM otherwise): the model and
 * columns never read the clock; the caller passes `{ now: view.at }` (or
 * Date.now() in the TUI).
 */
import type { CoreStats, VassalStats } from './protocol/types.js';
import {
  formatBytes,
  formatClock,
  formatCount,
  formatDuration,
  formatId,
  formatMs,
  formatPercent,
  formatRate,
  UNKNOWN,
} from './format.js';
import { workerNumber } from './model/keys.js';
import { counter, finite, respawnsAfterFirst } from './model/sanitize.js';
import type { CoreView, WorkerView } from './model/types.js';

/** What `format` may need beyond the row. */
export interface RenderContext {
  /** "Now", ms since epoch (e.g. view.at). */
  now: number;
}

/** One column of a table of rows of type R. */
export interface Column<R> {
  /** Stable lower-case id (used by --sort and key bindings). */
  id: string;
  /** Header text (uwsgitop's titles for worker columns). */
  title: string;
  /** Cell width in characters (cells are padded; a separator of 1 space goes between cells). */
  width: number;
  align: 'left' | 'right';
  /** Lower = more important = dropped last by fitColumns. */
  priority: number;
  /** One-line description (help screen). */
  help: string;
  /** The raw value (undefined = unknown). */
  value(r: R): number | string | undefined;
  /** The display string (always via format.ts); '-' for unknown. */
  format(r: R, ctx: RenderContext): string;
  /** Sort key when it differs from value(); undefined always sorts last. */
  sortKey?(r: R): number | string | undefined;
}

/** Width of the separator between two cells. */
export const SEPARATOR = ' ';

type Num<R> = (r: R) => number | undefined;

function numCol<R>(
  id: string,
  title: string,
  width: number,
  priority: number,
  help: string,
  value: Num<R>,
  fmt: (n: number | undefined, width?: number) => string,
): Column<R> {
  return { id, title, width, align: 'right', priority, help, value, format: (r) => fmt(value(r), width) };
}

/**
 * uwsgitop's worker columns, in uwsgitop's order. Priorities (drop order, the
 * highest number goes first): LastSpwn 15, VSZ 14, SIG 13, HC 12, RunT 11,
 * ReSpwn 10, TX 9, RSS 8, EXC 7, AVG 6, PID 5, % 4, RPS 3, REQ 2, STATUS 1, WID 0.
 * Widths sum to 116 with separators: everything fits at 120; at 80 LastSpwn,
 * VSZ, SIG, HC and RunT are dropped (78 chars); at 40 WID % REQ RPS STATUS remain.
 */
export const WORKER_COLUMNS: readonly Column<WorkerView>[] = [
  {
    id: 'wid',
    title: 'WID',
    width: 4,
    align: 'right',
    priority: 0,
    help: 'Worker id (a never-spawned cheap slot, reported as id 0, shows its slot number)',
    value: (r) => workerNumber(r),
    format: (r) => formatId(workerNumber(r), 4),
  },
  numCol('share', '%', 5, 4, 'Share of all requests served by this worker', (r) => r.share, formatPercent),
  numCol('pid', 'PID', 7, 5, 'Worker pid', (r) => r.pid, formatId),
  numCol('req', 'REQ', 8, 2, 'Requests served by this worker slot (uWSGI keeps the count across respawns)', (r) => counter(r.raw.requests), formatCount),
  numCol('rps', 'RPS', 6, 3, 'Requests per second between the last two reads', (r) => r.rps, formatRate),
  numCol('exc', 'EXC', 5, 7, 'Exceptions', (r) => counter(r.raw.exceptions), formatCount),
  numCol('sig', 'SIG', 4, 13, 'Signals handled', (r) => counter(r.raw.signals), formatCount),
  {
    id: 'status',
    title: 'STATUS',
    width: 7,
    align: 'left',
    priority: 1,
    help: 'idle, busy (or a core in a request), cheap, pause, sig…; unknown values verbatim',
    value: (r) => (r.status === '' ? undefined : r.status),
    format: (r) => (r.status !== '' ? r.status : r.busy ? 'busy' : UNKNOWN),
  },
  numCol('avg', 'AVG', 6, 6, "uWSGI's moving value of the last requests' response time ((avg+last)/2 per request; the header's avg now is the interval mean)", (r) => counter(r.raw.avg_rt), formatMs),
  numCol('rss', 'RSS', 7, 8, 'Resident memory (needs --memory-report)', (r) => counter(r.raw.rss), formatBytes),
  numCol('vsz', 'VSZ', 7, 14, 'Virtual memory (needs --memory-report)', (r) => counter(r.raw.vsz), formatBytes),
  numCol('tx', 'TX', 7, 9, 'Bytes sent', (r) => counter(r.raw.tx), formatBytes),
  numCol('respawn', 'ReSpwn', 6, 10, 'Re-spawns of this worker slot after its first spawn (respawn_count - 1; the header sums these)', (r) => respawnsAfterFirst(r.raw.respawn_count), formatCount),
  numCol('hc', 'HC', 4, 12, 'Harakiri count', (r) => counter(r.raw.harakiri_count), formatCount),
  numCol('runt', 'RunT', 7, 11, 'Time spent serving requests', (r) => counter(r.raw.running_time), formatDuration),
  {
    id: 'lastspawn',
    title: 'LastSpwn',
    width: 11,
    align: 'right',
    priority: 15,
    help: 'Last (re)spawn: HH:MM:SS today, else MM-DD HH:MM',
    value: (r) => counter(r.raw.last_spawn),
    format: (r, ctx) => formatClock(counter(r.raw.last_spawn), ctx.now),
  },
];

/** Optional worker columns (not uwsgitop's): append to WORKER_COLUMNS to show them; they drop first. */
export const EXTRA_WORKER_COLUMNS: readonly Column<WorkerView>[] = [
  numCol('txrate', 'TX/s', 7, 20, 'Bytes sent per second', (r) => r.txRate, formatBytes),
  numCol('excrate', 'EXC/s', 6, 21, 'Exceptions per second', (r) => r.excRate, formatRate),
];

const core = (r: CoreView, k: keyof CoreStats): number | undefined => counter(r.raw[k]);

/** Columns of core (thread/async core) rows, shown under their worker. */
export const CORE_COLUMNS: readonly Column<CoreView>[] = [
  {
    id: 'core',
    title: 'CORE',
    width: 7,
    align: 'right',
    priority: 0,
    help: 'worker id:core id',
    value: (r) => `${formatId(r.workerId)}:${formatId(r.id)}`,
    format: (r) => `${formatId(r.workerId, 3)}:${formatId(r.id, 3)}`,
    sortKey: (r) => r.id,
  },
  numCol('req', 'REQ', 8, 1, 'Requests served by this core', (r) => r.requests, formatCount),
  numCol('rps', 'RPS', 6, 2, 'Requests per second', (r) => r.rps, formatRate),
  numCol('static', 'STATIC', 7, 5, 'Static file requests', (r) => core(r, 'static_requests'), formatCount),
  numCol('routed', 'ROUTED', 7, 6, 'Routed requests', (r) => core(r, 'routed_requests'), formatCount),
  numCol('offl', 'OFFL', 6, 7, 'Offloaded requests', (r) => core(r, 'offloaded_requests'), formatCount),
  numCol('rerr', 'RERR', 5, 4, 'Read errors', (r) => core(r, 'read_errors'), formatCount),
  numCol('werr', 'WERR', 5, 3, 'Write errors', (r) => core(r, 'write_errors'), formatCount),
  {
    id: 'inreq',
    title: 'IN-REQ',
    width: 6,
    align: 'left',
    priority: 1,
    help: 'Core is serving a request',
    value: (r) => (r.raw.in_request === undefined ? undefined : r.inRequest ? 1 : 0),
    format: (r) => (r.raw.in_request === undefined ? UNKNOWN : r.inRequest ? 'yes' : 'no'),
  },
];

const vnum = (r: VassalStats, k: string): number | undefined => counter(r.extra[k]);
const flag = (n: number | undefined): string => (n === undefined ? UNKNOWN : n > 0 ? 'yes' : 'no');

/** Columns of the Emperor's vassal table (fields beyond id/pid come from `extra`). */
export const VASSAL_COLUMNS: readonly Column<VassalStats>[] = [
  {
    id: 'vassal',
    title: 'VASSAL',
    width: 24,
    align: 'left',
    priority: 0,
    help: 'Vassal config name',
    value: (r) => (typeof r.id === 'string' ? r.id : undefined),
    format: (r) => (typeof r.id === 'string' && r.id !== '' ? r.id : UNKNOWN),
  },
  numCol('pid', 'PID', 7, 1, 'Vassal master pid', (r) => finite(r.pid), formatId),
  numCol('respawns', 'ReSpwn', 6, 2, 'Respawns', (r) => vnum(r, 'respawns'), formatCount),
  {
    id: 'born',
    title: 'Born',
    width: 11,
    align: 'right',
    priority: 5,
    help: 'Spawn time',
    value: (r) => vnum(r, 'born'),
    format: (r, ctx) => formatClock(vnum(r, 'born'), ctx.now),
  },
  {
    id: 'lastmod',
    title: 'LastMod',
    width: 11,
    align: 'right',
    priority: 7,
    help: 'Config last modified',
    value: (r) => vnum(r, 'last_mod'),
    format: (r, ctx) => formatClock(vnum(r, 'last_mod'), ctx.now),
  },
  numCol('loyal', 'Loyal', 5, 3, 'Vassal is loyal', (r) => vnum(r, 'loyal'), flag),
  numCol('ready', 'Ready', 5, 4, 'Vassal is ready', (r) => vnum(r, 'ready'), flag),
  numCol('accepting', 'Accept', 6, 6, 'Vassal is accepting', (r) => vnum(r, 'accepting'), flag),
  numCol('uid', 'UID', 6, 8, 'uid', (r) => vnum(r, 'uid'), formatId),
  numCol('gid', 'GID', 6, 9, 'gid', (r) => vnum(r, 'gid'), formatId),
];

/** Characters taken by `cols` laid out in one line (cells + 1-char separators). */
export function lineWidth<R>(cols: readonly Column<R>[]): number {
  if (cols.length === 0) return 0;
  let w = SEPARATOR.length * (cols.length - 1);
  for (const c of cols) w += c.width;
  return w;
}

/**
 * The columns that fit in `width` characters, in table order: drops the
 * highest `priority` number first (ties: the rightmost first) until the line
 * fits. Never returns an empty list for a non-empty table: the most
 * important column stays even when nothing fits (renderers clip lines).
 */
export function fitColumns<R>(cols: readonly Column<R>[], width: number): Column<R>[] {
  const kept = cols.map(() => true);
  let total = lineWidth(cols);
  let count = cols.length;
  const order = cols
    .map((c, i) => ({ p: c.priority, i }))
    .sort((a, b) => b.p - a.p || b.i - a.i);
  for (const { i } of order) {
    if (total <= width || count <= 1) break;
    kept[i] = false;
    count--;
    total -= cols[i]!.width + (count > 0 ? SEPARATOR.length : 0);
  }
  return cols.filter((_, i) => kept[i]);
}

function keyOf<R>(col: Column<R>, r: R): number | string | undefined {
  const k = col.sortKey ? col.sortKey(r) : col.value(r);
  if (typeof k === 'number' && Number.isNaN(k)) return undefined;
  return k;
}

function compareKeys(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Rows sorted by `col` (ascending, or descending when `reverse`). Stable:
 * equal keys keep their input order in both directions. Unknown values
 * (undefined/NaN) always go last, whatever the direction. Returns a new array.
 */
export function sortRows<R>(rows: readonly R[], col: Column<R>, reverse = false): R[] {
  const dir = reverse ? -1 : 1;
  return rows
    .map((r, i) => ({ r, i, k: keyOf(col, r) }))
    .sort((a, b) => {
      if (a.k === undefined || b.k === undefined) {
        if (a.k === undefined && b.k === undefined) return a.i - b.i;
        return a.k === undefined ? 1 : -1;
      }
      return dir * compareKeys(a.k, b.k) || a.i - b.i;
    })
    .map((x) => x.r);
}

/**
 * Find a column by id or title, case-insensitively (`rps`, `RPS`, `%`,
 * `share`, `LastSpwn`). Searches WORKER_COLUMNS then EXTRA_WORKER_COLUMNS
 * unless another table is given.
 */
export function columnById<R = WorkerView>(
  id: string,
  cols: readonly Column<R>[] = [...WORKER_COLUMNS, ...EXTRA_WORKER_COLUMNS] as unknown as readonly Column<R>[],
): Column<R> | undefined {
  const q = id.trim().toLowerCase();
  return cols.find((c) => c.id === q) ?? cols.find((c) => c.title.toLowerCase() === q);
}
