/**
 * The main table as data: which columns fit, which rows exist in which
 * order (filtered, sorted, cores merged or listed), and how one row becomes
 * one line of text. Rows are light references; cells are formatted only for
 * the rows on screen, so a 2048-worker server costs one sort per read, not
 * 2048 × columns format calls per frame.
 */
import {
  ALL_WORKER_COLUMNS,
  CORE_COLUMNS,
  SEPARATOR,
  VASSAL_COLUMNS,
  columnAtX,
  columnById,
  fitColumns,
  shownColumns,
  sortRows,
  type Column,
  type RenderContext,
  type RowHints,
} from '../columns.js';
import type { VassalStats } from '../protocol/types.js';
import type { CoreView, Totals, WorkerView } from '../model/types.js';
import { statusClass } from '../model/status.js';
import { matchesFilter, type CoresMode } from './state.js';
import { clean, cut, pad } from './text.js';
import { pushRun, type Style, type Theme } from './theme.js';
import { styledToTagged, type Styled } from './fastbox.js';

/** A core shown as a table row, with its worker for context. */
export interface CoreRow {
  worker: WorkerView;
  core: CoreView;
}

export type RowRef =
  | { kind: 'worker'; key: string; worker: WorkerView }
  | { kind: 'core'; key: string; worker: WorkerView; core: CoreView; sub: boolean }
  | { kind: 'totals'; key: string }
  | { kind: 'vassal'; key: string; vassal: VassalStats; index: number };

export type TableKind = 'workers' | 'cores' | 'vassals';

/** Any column of the three tables, type-erased for layout. */
export type AnyColumn = Column<WorkerView, Totals> | Column<CoreRow, Totals> | Column<VassalStats>;

export type { RowHints };

export interface TableModel {
  kind: TableKind;
  columns: AnyColumn[];
  /** All row ids of the current sort column set, in display order (visible columns only). */
  sortIds: string[];
  /** The sort column actually applied (undefined: document order). */
  sortId: string | undefined;
  reverse: boolean;
  rows: RowRef[];
  /** Rows before filtering (for "3 of 8"). */
  total: number;
  /** Rows after filtering (totals row excluded). */
  matched: number;
}

/** Status of one core: busy only where the core is in a request; else its worker's status. */
export function coreStatus(r: CoreRow): string {
  if (r.core.inRequest) return 'busy';
  const ws = r.worker.status;
  if (r.core.raw.in_request === undefined) return ws;
  return r.worker.statusClass === 'busy' ? 'idle' : ws;
}

function adapt(c: Column<CoreView, Totals>): Column<CoreRow, Totals> {
  const { value, format, sortKey, tone, ...rest } = c;
  const out: Column<CoreRow, Totals> = {
    ...rest,
    value: (r) => value(r.core),
    format: (r, ctx) => format(r.core, ctx),
  };
  if (sortKey) out.sortKey = (r) => sortKey(r.core);
  if (tone) out.tone = (r, h) => tone(r.core, h);
  return out;
}

const CORE_STATUS: Column<CoreRow, Totals> = {
  id: 'status',
  title: 'STATUS',
  width: 7,
  align: 'left',
  priority: 1,
  help: 'busy when this core is in a request, else the worker status',
  value: (r) => coreStatus(r) || undefined,
  format: (r) => clean(coreStatus(r)) || '-',
  tone: (r) => statusClass(coreStatus(r) || undefined),
  total: (t) => `busy:${t.busy}`,
};

/** Columns of the merged cores table: CORE_COLUMNS with a per-core STATUS after RPS. */
export const MERGED_CORE_COLUMNS: readonly Column<CoreRow, Totals>[] = (() => {
  const cols = CORE_COLUMNS.map(adapt);
  const at = cols.findIndex((c) => c.id === 'rps');
  cols.splice(at < 0 ? cols.length : at + 1, 0, CORE_STATUS);
  // The merged table's CORE cell sorts by worker id first, then core id.
  const first = cols.find((c) => c.id === 'core');
  if (first) first.sortKey = (r) => (r.worker.id ?? 0) * 1e6 + (r.core.id ?? 0);
  return cols;
})();

/** Is a core "unused" (0 requests and not in a request)? Unknown counts are shown. */
function unusedCore(c: CoreView): boolean {
  return c.requests === 0 && !c.inRequest;
}

function workerMatches(filter: string, w: WorkerView): boolean {
  return matchesFilter(filter, [w.id, w.pid, w.status]);
}

export interface TableInput {
  workers?: readonly WorkerView[];
  vassals?: readonly VassalStats[];
  width: number;
  cores: CoresMode;
  unused: boolean;
  totals: boolean;
  filter: string;
  sortId: string;
  coreSortId: string;
  /** The merged cores table's direction (default: `reverse`). */
  coreReverse?: boolean;
  reverse: boolean;
}

/** Build the table model of a server view (workers or merged cores) or of an Emperor's vassals. */
export function buildTable(inp: TableInput): TableModel {
  if (inp.vassals) {
    const columns = fitColumns(VASSAL_COLUMNS, inp.width);
    const all = inp.vassals.map((v, index) => ({ v, index }));
    const kept = all.filter(({ v }) => matchesFilter(inp.filter, [v.id, v.pid]));
    const col = columns.find((c) => c.id === inp.sortId);
    const sorted = col ? sortRowsBy(kept, (x) => x.v, col, inp.reverse) : inp.reverse ? kept.slice().reverse() : kept;
    return {
      kind: 'vassals',
      columns,
      sortIds: columns.map((c) => c.id),
      sortId: col?.id,
      reverse: inp.reverse,
      rows: sorted.map(({ v, index }) => ({ kind: 'vassal', key: `v:${index}:${typeof v.id === 'string' ? v.id : ''}`, vassal: v, index })),
      total: all.length,
      matched: kept.length,
    };
  }
  const workers = inp.workers ?? [];
  // No filter (the usual case): every worker, without a field list made per worker per read.
  const matched = inp.filter.trim() === '' ? workers : workers.filter((w) => workerMatches(inp.filter, w));
  if (inp.cores === 'merged') {
    const columns = fitColumns(MERGED_CORE_COLUMNS, inp.width);
    const coreRows: CoreRow[] = [];
    let total = 0;
    for (const w of workers) {
      for (const c of w.cores) {
        if (!inp.unused && unusedCore(c)) continue;
        total++;
        if (matchesFilter(inp.filter, [w.id, w.pid, coreStatus({ worker: w, core: c })]) || matchesCore(inp.filter, w, c)) {
          coreRows.push({ worker: w, core: c });
        }
      }
    }
    const col = columns.find((c) => c.id === inp.coreSortId) ?? MERGED_CORE_COLUMNS.find((c) => c.id === inp.coreSortId);
    const reverse = inp.coreReverse ?? inp.reverse;
    const sorted = col ? sortRows(coreRows, col, reverse) : coreRows;
    const rows: RowRef[] = sorted.map((r) => ({ kind: 'core', key: `c:${r.worker.key}:${coreKey(r.core)}`, worker: r.worker, core: r.core, sub: false }));
    if (inp.totals) rows.push({ kind: 'totals', key: 'totals' });
    return { kind: 'cores', columns, sortIds: columns.map((c) => c.id), sortId: col?.id, reverse, rows, total, matched: coreRows.length };
  }
  const col = columnById(inp.sortId, ALL_WORKER_COLUMNS);
  const columns = fitColumns(shownColumns(ALL_WORKER_COLUMNS, col?.id), inp.width);
  const sorted = col ? sortRows(matched, col, inp.reverse) : matched;
  const rows: RowRef[] = [];
  for (const w of sorted) {
    rows.push({ kind: 'worker', key: `w:${w.key}`, worker: w });
    if (inp.cores === 'listed') {
      for (const c of w.cores) {
        if (!inp.unused && unusedCore(c)) continue;
        rows.push({ kind: 'core', key: `c:${w.key}:${coreKey(c)}`, worker: w, core: c, sub: true });
      }
    }
  }
  if (inp.totals) rows.push({ kind: 'totals', key: 'totals' });
  return { kind: 'workers', columns, sortIds: columns.map((c) => c.id), sortId: col?.id, reverse: inp.reverse, rows, total: workers.length, matched: matched.length };
}

function matchesCore(filter: string, w: WorkerView, c: CoreView): boolean {
  const q = filter.trim();
  return q !== '' && `${w.id ?? ''}:${c.id ?? ''}` === q;
}

function coreKey(c: CoreView): string {
  return c.id === undefined ? '?' : String(c.id);
}

function sortRowsBy<T, R>(rows: readonly T[], get: (t: T) => R, col: Column<R>, reverse: boolean): T[] {
  const wrapped: Column<T> = {
    ...col,
    value: (t) => col.value(get(t)),
    format: (t, ctx) => col.format(get(t), ctx),
  } as Column<T>;
  const sk = col.sortKey;
  if (sk) wrapped.sortKey = (t) => sk(get(t));
  else delete wrapped.sortKey;
  return sortRows(rows, wrapped, reverse);
}

/** One cell ready to print. */
export interface Cell {
  text: string;
  style: Style;
}

/** Cells of one row: each column's format and colour rule. */
function toneCells<R>(r: R, cols: readonly Column<R, Totals>[], ctx: RenderContext, hints: RowHints): Cell[] {
  return cols.map((c) => toneCell(r, c, ctx, hints));
}

/** One cell of a row: its column's text (cleaned) and tone. */
export function toneCell<R>(r: R, c: Column<R, Totals>, ctx: RenderContext, hints: RowHints): Cell {
  return { text: clean(c.format(r, ctx)), style: c.tone ? c.tone(r, hints) : 'plain' };
}

const CORE_BY_ID = new Map(CORE_COLUMNS.map((c) => [c.id, c]));

/** Cells of a core listed under its worker, aligned with the worker columns. */
function subCoreCells(r: CoreRow, cols: readonly Column<WorkerView, Totals>[], ctx: RenderContext): Cell[] {
  return cols.map((c) => {
    switch (c.id) {
      case 'wid':
        return { text: `└${r.core.id ?? '?'}`, style: 'dim' };
      case 'req':
      case 'rps': {
        const cc = CORE_BY_ID.get(c.id);
        return { text: cc ? cc.format(r.core, ctx) : '', style: 'dim' };
      }
      case 'status': {
        const s = coreStatus(r);
        return { text: clean(s) || '-', style: statusClass(s || undefined) };
      }
      default:
        return { text: '', style: 'plain' };
    }
  });
}

/** The totals row's cell for a column id (worker or merged-core table), '' when it has no total. */
export function totalsCell(id: string, t: Totals): string {
  const c = ALL_WORKER_COLUMNS.find((x) => x.id === id) ?? MERGED_CORE_COLUMNS.find((x) => x.id === id);
  return c?.total ? c.total(t) : '';
}

/** Cells of a row. */
export function rowCells(model: TableModel, row: RowRef, ctx: RenderContext, totals: Totals | undefined, hints: RowHints): Cell[] {
  switch (row.kind) {
    case 'worker':
      return toneCells(row.worker, model.columns as Column<WorkerView, Totals>[], ctx, hints);
    case 'core':
      return row.sub ? subCoreCells(row, model.columns as Column<WorkerView, Totals>[], ctx) : toneCells<CoreRow>(row, model.columns as Column<CoreRow, Totals>[], ctx, hints);
    case 'vassal':
      return toneCells(row.vassal, model.columns as Column<VassalStats, Totals>[], ctx, hints);
    case 'totals':
      return (model.columns as Column<unknown, Totals>[]).map((c) => ({ text: totals && c.total ? c.total(totals) : '', style: 'totals' as Style }));
  }
}

/** Plain text of a row (no tags), exactly `width` characters. */
export function plainLine(model: TableModel, cells: readonly Cell[], width: number): string {
  const parts = model.columns.map((c, i) => pad(cells[i]?.text ?? '', c.width, c.align));
  return pad(parts.join(SEPARATOR), width);
}

/**
 * A row as tagged text of exactly `width` visible characters. Cells that
 * overflow the line are clipped; `selected` paints the whole line inverse.
 */
export function taggedLine(model: TableModel, cells: readonly Cell[], width: number, theme: Theme, selected: boolean, base: Style = 'plain'): string {
  const laid = layCells(model.columns, cells, width, theme, base);
  let out = laid.text;
  const used = laid.used;
  if (used < width) out += ' '.repeat(width - used);
  return selected ? theme.open('selected') + out + theme.close('selected') : out;
}

/**
 * A row as styled runs (no tags built or parsed: fastbox.ts draws them), of
 * exactly `width` cells; the cells and colours of {@link taggedLine}'s text,
 * except that a selected row stays inverse across every cell (the tagged
 * text loses it after a bold cell, a blessed tag-stack quirk).
 */
export function styledLine(model: TableModel, cells: readonly Cell[], width: number, theme: Theme, selected: boolean, base: Style = 'plain'): Styled {
  const laid = layRuns(model.columns, cells, width, theme, base);
  const line = laid.line;
  if (laid.used < width) pushRun(line, ' '.repeat(width - laid.used), 'plain', theme);
  if (selected) {
    const open = theme.open('selected');
    const close = theme.close('selected');
    for (let k = 0; k < line.texts.length; k++) {
      line.opens[k] = open + line.opens[k]!;
      line.closes[k] = line.closes[k]! + close;
    }
  }
  return line;
}

/**
 * A row with the scroll position in its blank end (a space, then the position dimmed), or undefined when the row
 * does not end in that many blank cells: no cell of it is cut. A new line: the row's own may be kept and drawn again
 * as it is (LineMemo).
 */
export function withMark(line: Styled, more: string, theme: Theme): Styled | undefined {
  let cut = more.length + 1;
  const texts = line.texts.slice();
  const opens = line.opens.slice();
  const closes = line.closes.slice();
  for (let k = texts.length - 1; cut > 0; k--) {
    if (k < 0) return undefined;
    const t = texts[k]!;
    let blank = 0;
    while (blank < t.length && t.charCodeAt(t.length - 1 - blank) === 0x20) blank++;
    if (blank >= cut) {
      texts[k] = t.slice(0, t.length - cut);
      cut = 0;
    } else if (blank === t.length) {
      texts.pop();
      opens.pop();
      closes.pop();
      cut -= blank;
    } else {
      return undefined;
    }
  }
  const marked: Styled = { texts, opens, closes };
  pushRun(marked, ' ', 'plain', theme);
  pushRun(marked, more, 'dim', theme);
  return marked;
}

/**
 * Each row's styled line from the previous frame, handed back while the
 * row's cells (text and style), width, selection and base style are the
 * same: no line is laid out again for a row that did not change, and
 * fastbox.ts, given the very line object it drew last time, compiles
 * nothing for it either. A row can also be handed back before its cells are
 * made ({@link LineMemo.kept}): when what the cells are made of — its
 * `source` — is the same as last time's, by the caller's own test.
 * `frame(columnsKey)` starts a frame: lines not asked for in the previous
 * frame are dropped, and all of them when the columns changed (another
 * layout of the same cells).
 */
export class LineMemo<S = unknown> {
  #prev = new Map<string, MemoLine<S>>();
  #next = new Map<string, MemoLine<S>>();
  #columns: string | undefined;

  frame(columnsKey: string): void {
    this.#prev = columnsKey === this.#columns ? this.#next : new Map();
    this.#next = new Map();
    this.#columns = columnsKey;
  }

  /** The row's line of the last frame when `same(its source, source)`; it then keeps `source` (the newer). */
  kept(key: string, width: number, selected: boolean, base: Style, source: S, same: (was: S, now: S) => boolean): Styled | undefined {
    const hit = this.#match(key, width, selected, base, source, same);
    if (!hit) return undefined;
    hit.source = source;
    this.#next.set(key, hit);
    return hit.line;
  }

  /**
   * The cells of the row's line last frame when `same(its source, source)` holds, as {@link kept} decides,
   * but nothing is kept: the caller makes this frame's cells from them (a row of which only one cell changed)
   * and hands them to {@link line}.
   */
  cellsIf(key: string, width: number, selected: boolean, base: Style, source: S, same: (was: S, now: S) => boolean): readonly Cell[] | undefined {
    return this.#match(key, width, selected, base, source, same)?.cells;
  }

  #match(key: string, width: number, selected: boolean, base: Style, source: S, same: (was: S, now: S) => boolean): MemoLine<S> | undefined {
    const hit = this.#prev.get(key) ?? this.#next.get(key);
    if (!hit || hit.source === undefined || hit.width !== width || hit.selected !== selected || hit.base !== base || !same(hit.source, source)) return undefined;
    return hit;
  }

  /** The row's line for these cells: the last frame's when they are the same, else `build()`'s. `source`: see {@link kept}. */
  line(key: string, cells: readonly Cell[], width: number, selected: boolean, base: Style, build: () => Styled, source?: S): Styled {
    const hit = this.#prev.get(key) ?? this.#next.get(key);
    if (hit && hit.width === width && hit.selected === selected && hit.base === base && sameCells(hit.cells, cells)) {
      hit.source = source;
      this.#next.set(key, hit);
      return hit.line;
    }
    const line = build();
    this.#next.set(key, { cells, width, selected, base, line, source });
    return line;
  }
}

interface MemoLine<S> {
  cells: readonly Cell[];
  /** The width the line was laid out at: a row key holds one line, of the width it was last drawn at. */
  width: number;
  selected: boolean;
  base: Style;
  line: Styled;
  /** What the cells were made of (undefined: the row cannot be kept before its cells are made). */
  source: S | undefined;
}

function sameCells(a: readonly Cell[], b: readonly Cell[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.text !== b[i]!.text || a[i]!.style !== b[i]!.style) return false;
  return true;
}

/** The header line of the table, with the sort column marked ▲/▼ (and highlighted). */
export function headerLine(model: TableModel, width: number, theme: Theme): string {
  const { text, used } = layTitles(model.columns, model.sortId, model.reverse, width, theme);
  return used < width ? text + theme.paint(' '.repeat(width - used), 'tableHead') : text;
}

/**
 * Column titles laid out like the cells (padded, aligned, separated, clipped
 * at `width`), the sort column marked ▲/▼ and highlighted: tagged text and
 * the cells used. Shared by the worker table and the fleet table.
 */
export function layTitles(
  cols: readonly { id: string; title: string; width: number; align: 'left' | 'right' }[],
  sortId: string | undefined,
  reverse: boolean,
  width: number,
  theme: Theme,
): { text: string; used: number } {
  const cells = cols.map((c): Cell => {
    if (c.id !== sortId) return { text: c.title, style: 'tableHead' };
    const mark = reverse ? '▼' : '▲';
    const title = c.title.length < c.width ? (c.align === 'right' ? mark + c.title : c.title + mark) : c.title.slice(0, c.width - 1) + mark;
    return { text: title, style: 'sortHead' };
  });
  return layCells(cols, cells, width, theme, 'tableHead', 'tableHead');
}

/** The column under screen x (0-based, relative to the table's left edge), for clicks on titles. */
export function columnAt(model: TableModel, x: number): AnyColumn | undefined {
  return columnAtX(model.columns, x);
}

/** Text with blessed's tag braces escaped (fastbox.ts's escBraces). */
export { escBraces as escText } from './fastbox.js';

/** Printable ASCII without a backslash: one cell per character, no escape to keep whole. */
const SIMPLE = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * A cell's text padded to its column width and cut to the `w` cells left on
 * the line: `cut(pad(text, cw, align), w)`, without the sanitizer's passes
 * for the common case (short printable ASCII: ~720 cells a frame).
 */
export function padCut(text: string, cw: number, align: 'left' | 'right', w: number): string {
  if (w <= 0 || cw <= 0 || text.length > cw || !SIMPLE.test(text)) return cut(pad(text, cw, align), w);
  const fill = cw - text.length;
  const padded = fill === 0 ? text : align === 'right' ? ' '.repeat(fill) + text : text + ' '.repeat(fill);
  return w >= cw ? padded : padded.slice(0, w);
}

/** Columns as the layout of a line reads them. */
type LaidColumns = readonly { width: number; align: 'left' | 'right' }[];

/**
 * Cells laid out over columns (each padded to its width and alignment,
 * separated by SEPARATOR, clipped at `width`): tagged text of at most
 * `width` visible characters, and that number. A cell's own style wins over
 * `base`; plain text has its tag braces escaped. Shared by the worker table
 * and the fleet table.
 */
export function layCells(cols: LaidColumns, cells: readonly Cell[], width: number, theme: Theme, base: Style, separator?: Style): { text: string; used: number } {
  const laid = layRuns(cols, cells, width, theme, base, separator);
  return { text: styledToTagged(laid.line), used: laid.used };
}

/** {@link layCells} as styled runs (one per cell and per separator): the same cells, no tags to parse. */
export function layRuns(cols: LaidColumns, cells: readonly Cell[], width: number, theme: Theme, base: Style, separator?: Style): { line: Styled; used: number } {
  const line: Styled = { texts: [], opens: [], closes: [] };
  const run = (text: string, style: Style): void => pushRun(line, text, style, theme);
  let used = 0;
  for (let i = 0; i < cols.length && used < width; i++) {
    const c = cols[i]!;
    if (i > 0) {
      run(SEPARATOR, separator ?? 'plain');
      used += SEPARATOR.length;
      if (used >= width) break;
    }
    const w = Math.min(c.width, width - used);
    const cell = cells[i];
    run(padCut(cell?.text ?? '', c.width, c.align, w), cell && cell.style !== 'plain' ? cell.style : base);
    used += w;
  }
  return { line, used };
}
