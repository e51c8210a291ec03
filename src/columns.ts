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
import { workerNumber } from './model/identity.js';
import { counter, finite, respawnsAfterFirst, measuredBytes, avgRt } from './model/sanitize.js';
import type { CoreView, StatusClass, Totals, WorkerView } from './model/types.js';

/** What `format` may need beyond the row. */
export interface RenderContext {
  /** "Now", ms since epoch (e.g. view.at). */
  now: number;
}

/**
 * A cell's colour meaning (the TUI maps each to a theme style; batch text
 * ignores it). The status classes plus a few semantic tones.
 */
export type Tone = 'plain' | 'dim' | 'good' | 'warn' | 'bad' | 'respawn' | 'mem' | StatusClass;

/** Per-row facts a colour rule may use beyond the row (computed by the caller from History etc.). */
export interface RowHints {
  /** Worker keys whose RSS is growing. */
  rssGrowing?: ReadonlySet<string>;
  /** Worker keys that (re)spawned recently. */
  recentSpawn?: ReadonlySet<string>;
}

/**
 * One column of a table of rows of type R (totals of type T): everything
 * about the column lives here — title, width, alignment, drop priority,
 * value, format, sort key and default direction, colour rule, totals cell,
 * visibility and help. Batch text, the TUI tables, `--sort`, `--help-columns`
 * and the README's column list all read these records.
 */
export interface Column<R, T = unknown> {
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
  /**
   * Default sort direction: true = biggest first (rates, memory, time: what
   * `-s ID`, P/M/T and the fleet's P/M start with); `-r` flips it. Default false.
   */
  descending?: boolean;
  /** Colour rule of a cell (default 'plain'). */
  tone?(r: R, hints: RowHints): Tone;
  /** The totals row's cell ('' or absent: no total for this column). */
  total?(t: T): string;
  /**
   * Shown by default (default true). A hidden column (the extra worker
   * columns) is still a sort key and is shown while the table is sorted by it.
   */
  visible?: boolean;
}

/** Width of the separator between two cells. */
export const SEPARATOR = ' ';

type Num<R> = (r: R) => number | undefined;

function numCol<R, T = Totals>(
  id: string,
  title: string,
  width: number,
  priority: number,
  help: string,
  value: Num<R>,
  fmt: (n: number | undefined, width?: number) => string,
  more: Partial<Column<R, T>> = {},
): Column<R, T> {
  return { id, title, width, align: 'right', priority, help, value, format: (r) => fmt(value(r), width), ...more };
}

const DESC = { descending: true } as const;
const recentSpawn = (r: WorkerView, h: RowHints): Tone => (r.respawned || h.recentSpawn?.has(r.key) ? 'respawn' : 'plain');

/**
 * uwsgitop's worker columns, in uwsgitop's order. Priorities (drop order, the
 * highest number goes first): LastSpwn 15, VSZ 14, SIG 13, HC 12, RunT 11,
 * ReSpwn 10, TX 9, RSS 8, EXC 7, AVG 6, PID 5, % 4, RPS 3, REQ 2, STATUS 1, WID 0.
 * Widths sum to 116 with separators: everything fits at 120; at 80 LastSpwn,
 * VSZ, SIG, HC and RunT are dropped (78 chars); at 40 WID % REQ RPS STATUS remain.
 */
export const WORKER_COLUMNS: readonly Column<WorkerView, Totals>[] = [
  {
    id: 'wid',
    title: 'WID',
    width: 4,
    align: 'right',
    priority: 0,
    help: 'Worker id (a never-spawned cheap slot, reported as id 0, shows its slot number)',
    value: (r) => workerNumber(r),
    format: (r) => formatId(workerNumber(r), 4),
    tone: recentSpawn,
    total: () => 'Σ',
  },
  numCol('share', '%', 5, 4, 'Share of all requests served by this worker', (r) => r.share, formatPercent, {
    ...DESC,
    total: (t) => (t.requests !== undefined && t.requests > 0 ? '100.0' : UNKNOWN),
  }),
  numCol('pid', 'PID', 7, 5, 'Worker pid', (r) => r.pid, formatId, { tone: recentSpawn, total: (t) => `${t.workers}w` }),
  numCol('req', 'REQ', 8, 2, 'Requests served by this worker slot (uWSGI keeps the count across respawns)', (r) => counter(r.raw.requests), formatCount, { ...DESC, total: (t) => formatCount(t.requests) }),
  numCol('rps', 'RPS', 6, 3, 'Requests per second between the last two reads', (r) => r.rps, formatRate, {
    ...DESC,
    tone: (r) => (r.rps !== undefined && r.rps > 0 ? 'good' : 'plain'),
    total: (t) => formatRate(t.rps),
  }),
  numCol('exc', 'EXC', 5, 7, 'Exceptions', (r) => counter(r.raw.exceptions), formatCount, {
    ...DESC,
    tone: (r) => (r.excRate !== undefined && r.excRate > 0 ? 'bad' : 'plain'),
    total: (t) => formatCount(t.exceptions),
  }),
  numCol('sig', 'SIG', 4, 13, 'Signals handled', (r) => counter(r.raw.signals), formatCount, DESC),
  {
    id: 'status',
    title: 'STATUS',
    width: 7,
    align: 'left',
    priority: 1,
    help: 'idle, busy (or a core in a request), cheap, pause, sig…; unknown values verbatim',
    value: (r) => (r.status === '' ? undefined : r.status),
    format: (r) => (r.status !== '' ? r.status : r.busy ? 'busy' : UNKNOWN),
    tone: (r) => r.statusClass,
    total: (t) => `busy:${t.busy}`,
  },
  numCol('avg', 'AVG', 6, 6, "uWSGI's moving value of the last requests' response time ((avg+last)/2 per request); the total is avg now, the interval mean", (r) => avgRt(r.raw.avg_rt, r.raw.requests), formatMs, { ...DESC, total: (t) => formatMs(t.avgNow) }),
  numCol('rss', 'RSS', 7, 8, 'Resident memory (needs --memory-report; - until uWSGI has measured it)', (r) => measuredBytes(r.raw.rss), formatBytes, {
    ...DESC,
    tone: (r, h) => (h.rssGrowing?.has(r.key) ? 'mem' : 'plain'),
    total: (t) => formatBytes(t.rss),
  }),
  numCol('vsz', 'VSZ', 7, 14, 'Virtual memory (needs --memory-report; - until uWSGI has measured it)', (r) => measuredBytes(r.raw.vsz), formatBytes, { ...DESC, total: (t) => formatBytes(t.vsz) }),
  numCol('tx', 'TX', 7, 9, 'Bytes sent', (r) => counter(r.raw.tx), formatBytes, { ...DESC, total: (t) => formatBytes(t.tx) }),
  // ReSpwn's total is the number of re-spawns that happened (Totals.respawns:
  // the sum of respawn_count − 1, as uWSGI counts the first spawn as 1), not
  // the column's sum; "respawns" means re-spawns everywhere (header, this
  // cell, the detail view, batch mode).
  numCol('respawn', 'ReSpwn', 6, 10, 'Re-spawns of this worker slot after its first spawn (respawn_count - 1; the header sums these)', (r) => respawnsAfterFirst(r.raw.respawn_count), formatCount, {
    ...DESC,
    tone: recentSpawn,
    total: (t) => formatCount(t.respawns),
  }),
  numCol('hc', 'HC', 4, 12, 'Harakiri count', (r) => counter(r.raw.harakiri_count), formatCount, {
    ...DESC,
    tone: (r) => ((r.raw.harakiri_count ?? 0) > 0 ? 'warn' : 'plain'),
    total: (t) => formatCount(t.harakiri),
  }),
  numCol('runt', 'RunT', 7, 11, 'Time spent serving requests', (r) => counter(r.raw.running_time), formatDuration, DESC),
  {
    id: 'lastspawn',
    title: 'LastSpwn',
    width: 11,
    align: 'right',
    priority: 15,
    help: 'Last (re)spawn: HH:MM:SS today, else MM-DD HH:MM',
    value: (r) => counter(r.raw.last_spawn),
    format: (r, ctx) => formatClock(counter(r.raw.last_spawn), ctx.now),
    descending: true,
    tone: recentSpawn,
  },
];

/**
 * Optional worker columns (not uwsgitop's): hidden unless the table is
 * sorted by one of them (`-s txrate`); they drop first.
 */
export const EXTRA_WORKER_COLUMNS: readonly Column<WorkerView, Totals>[] = [
  numCol('txrate', 'TX/s', 7, 20, 'Bytes sent per second', (r) => r.txRate, formatBytes, { ...DESC, visible: false, total: (t) => formatBytes(t.txRate) }),
  numCol('excrate', 'EXC/s', 6, 21, 'Exceptions per second', (r) => r.excRate, formatRate, {
    ...DESC,
    visible: false,
    tone: (r) => (r.excRate !== undefined && r.excRate > 0 ? 'bad' : 'plain'),
    total: (t) => formatRate(t.excRate),
  }),
];

/** Every worker column: uwsgitop's and the optional ones. */
export const ALL_WORKER_COLUMNS: readonly Column<WorkerView, Totals>[] = [...WORKER_COLUMNS, ...EXTRA_WORKER_COLUMNS];

/**
 * The columns a table shows: the visible ones, plus a hidden one while the
 * table is sorted by it (appended, so it is the first to drop).
 */
export function shownColumns<R, T>(cols: readonly Column<R, T>[], sortId: string | undefined): Column<R, T>[] {
  return cols.filter((c) => c.visible !== false || c.id === sortId);
}

const core = (r: CoreView, k: keyof CoreStats): number | undefined => counter(r.raw[k]);

/** Columns of core (thread/async core) rows, shown under their worker. */
export const CORE_COLUMNS: readonly Column<CoreView, Totals>[] = [
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
    total: () => 'Σ',
  },
  numCol('req', 'REQ', 8, 1, 'Requests served by this core', (r) => r.requests, formatCount, { ...DESC, total: (t) => formatCount(t.requests) }),
  numCol('rps', 'RPS', 6, 2, 'Requests per second', (r) => r.rps, formatRate, {
    ...DESC,
    tone: (r) => (r.rps !== undefined && r.rps > 0 ? 'good' : 'plain'),
    total: (t) => formatRate(t.rps),
  }),
  numCol('static', 'STATIC', 7, 5, 'Static file requests', (r) => core(r, 'static_requests'), formatCount, DESC),
  numCol('routed', 'ROUTED', 7, 6, 'Routed requests', (r) => core(r, 'routed_requests'), formatCount, DESC),
  numCol('offl', 'OFFL', 6, 7, 'Offloaded requests', (r) => core(r, 'offloaded_requests'), formatCount, DESC),
  numCol('rerr', 'RERR', 5, 4, 'Read errors', (r) => core(r, 'read_errors'), formatCount, { ...DESC, tone: (r) => positiveWarn(core(r, 'read_errors')) }),
  numCol('werr', 'WERR', 5, 3, 'Write errors', (r) => core(r, 'write_errors'), formatCount, { ...DESC, tone: (r) => positiveWarn(core(r, 'write_errors')) }),
  {
    id: 'inreq',
    title: 'IN-REQ',
    width: 6,
    align: 'left',
    priority: 1,
    help: 'Core is serving a request',
    value: (r) => (r.raw.in_request === undefined ? undefined : r.inRequest ? 1 : 0),
    format: (r) => (r.raw.in_request === undefined ? UNKNOWN : r.inRequest ? 'yes' : 'no'),
    descending: true,
  },
];

function positiveWarn(n: number | undefined): Tone {
  return n !== undefined && n > 0 ? 'warn' : 'plain';
}

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
  numCol('respawns', 'ReSpwn', 6, 2, 'Respawns', (r) => vnum(r, 'respawns'), formatCount, DESC),
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
export function fitColumns<R, T>(cols: readonly Column<R, T>[], width: number): Column<R, T>[] {
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
export function columnById<R = WorkerView, T = Totals>(
  id: string,
  cols: readonly Column<R, T>[] = ALL_WORKER_COLUMNS as unknown as readonly Column<R, T>[],
): Column<R, T> | undefined {
  const q = id.trim().toLowerCase();
  return cols.find((c) => c.id === q) ?? cols.find((c) => c.title.toLowerCase() === q);
}

/**
 * The one rule for a sort's direction: the column's default (`descending`),
 * flipped by `-r`/`--reverse`. Returns true for biggest first.
 */
export function sortDescending(col: { descending?: boolean } | undefined, reverse: boolean): boolean {
  return (col?.descending === true) !== reverse;
}

/** The tables `--help-columns` lists, in order. */
export interface ColumnTable {
  name: string;
  /** How a user gets this table. */
  note: string;
  columns: readonly Column<never, never>[];
}

/** `--help-columns`: every table's columns (id, title, default direction, meaning), from the records themselves. */
export function columnsHelp(tables: readonly ColumnTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`${t.name} (${t.note}):`);
    for (const c of t.columns) {
      const dir = c.descending ? '▼' : '▲';
      const extra = c.visible === false ? ' (shown when sorted by it)' : '';
      out.push(`  ${c.id.padEnd(10)} ${c.title.padEnd(9)} ${dir} ${c.help}${extra}`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** The column under x (0-based from the line's left edge) of cells laid out with SEPARATOR, for clicks on titles. */
export function columnAtX<C extends { width: number }>(cols: readonly C[], x: number): C | undefined {
  let pos = 0;
  for (const c of cols) {
    if (x >= pos && x < pos + c.width) return c;
    pos += c.width + SEPARATOR.length;
  }
  return undefined;
}
