/**
 * The interactive fleet table as data and tagged text (pure). The columns
 * are src/fleet's FLEET_COLUMNS (the batch table's, fitted to the terminal
 * width by priority); rows are filtered and sorted here; the totals line is
 * a FleetRow built from the fleet totals and formatted by the same columns.
 * A target without data shows its error right after its STATE cell; one
 * with data and an error shows the error after the columns when there is
 * room (the status line always shows the selected target's error).
 */
import { columnAtX, fitColumns, lineWidth, sortRows, type Column } from '../../columns.js';
import { FLEET_VIEW_COLUMNS, fleetColumnById, fleetTotalsRow, withShortLabels } from '../../fleet/render.js';
import type { FleetRow, FleetTotals, FleetView, TargetState } from '../../fleet/view.js';
import { matchesFilter } from '../state.js';
import { clean, clip, pad, width as cellWidth } from '../text.js';
import { layCells, layTitles, type Cell } from '../table.js';
import type { Style, Theme } from '../theme.js';

/** The fleet table of one frame. */
export interface FleetTable {
  /** Visible columns (FLEET_COLUMNS fitted to the width). */
  columns: Column<FleetRow, FleetTotals>[];
  /** Ids of the visible columns, in order (s/S and 1-9 walk these). */
  sortIds: string[];
  /** The sort column applied (undefined: target order). */
  sortId: string | undefined;
  reverse: boolean;
  /** Rows after filter and sort. */
  rows: FleetRow[];
  /** Targets before filtering. */
  total: number;
}

export interface FleetTableInput {
  view: FleetView;
  width: number;
  /** A FLEET_COLUMNS id or title; undefined: target order. */
  sortId: string | undefined;
  reverse: boolean;
  /** Case-insensitive substring of the label, address or state. */
  filter: string;
}

/** A sort id as a FLEET_COLUMNS id (by id or title), or undefined. */
export function normaliseFleetSort(id: string | undefined): string | undefined {
  return id === undefined ? undefined : fleetColumnById(id)?.id;
}

/** Filter, sort and fit the fleet view to `width`. */
export function buildFleetTable(inp: FleetTableInput): FleetTable {
  const columns = fitColumns(FLEET_VIEW_COLUMNS, Math.max(1, inp.width));
  // Labels shortened over the whole set (not only the rows the filter keeps), so they read the same filtered or not.
  const kept = withShortLabels(inp.view.rows).filter((r) => matchesFilter(inp.filter, [r.label, r.address, r.state]));
  const col = inp.sortId === undefined ? undefined : fleetColumnById(inp.sortId);
  const rows = col ? sortRows(kept, col, inp.reverse) : inp.reverse ? kept.slice().reverse() : kept;
  return { columns, sortIds: columns.map((c) => c.id), sortId: col?.id, reverse: inp.reverse, rows, total: inp.view.rows.length };
}

/** The totals line as a FleetRow (see src/fleet/render.ts). */
export const totalsRow = fleetTotalsRow;

const STATE_STYLE: Record<TargetState, Style> = { up: 'good', stale: 'warn', down: 'bad' };


function rowCells(cols: readonly Column<FleetRow, FleetTotals>[], r: FleetRow, now: number): Cell[] {
  return cols.map((c) => ({ text: clean(c.format(r, { now })), style: c.tone ? c.tone(r, {}) : 'plain' }));
}

/** Minimum room after the columns for a trailing error text. */
const ERROR_ROOM = 12;

/**
 * One target as tagged text of exactly `width` visible characters. Without
 * data, its error fills the line after the STATE cell; with data, the error
 * follows the columns when at least ERROR_ROOM characters are left.
 * `selected` paints the line inverse.
 */
export function fleetRowLine(table: FleetTable, r: FleetRow, width: number, theme: Theme, now: number, selected: boolean): string {
  const cells = rowCells(table.columns, r, now);
  let body: string;
  let used: number;
  const err = r.error !== undefined ? clean(r.error) : undefined;
  const stateAt = table.columns.findIndex((c) => c.id === 'state');
  if (r.view === undefined && err !== undefined && stateAt >= 0) {
    const head = layCells(table.columns.slice(0, stateAt + 1), cells.slice(0, stateAt + 1), width, theme, 'plain');
    body = head.text;
    used = head.used;
    if (used + 1 < width) {
      // Cut with a marker, in cells (the whole error is in the status line).
      const t = clipText(' ' + err, width - used);
      body += theme.paint(t, STATE_STYLE[r.state]);
      used += cellWidth(t);
    }
  } else {
    const all = layCells(table.columns, cells, width, theme, 'plain');
    body = all.text;
    used = all.used;
    if (err !== undefined && width - used > ERROR_ROOM) {
      const t = clipText(' ' + err, width - used);
      body += theme.paint(t, STATE_STYLE[r.state] === 'good' ? 'warn' : STATE_STYLE[r.state]);
      used += cellWidth(t);
    }
  }
  if (used < width) body += ' '.repeat(width - used);
  return selected ? theme.open('selected') + body + theme.close('selected') : body;
}

/** Clipped to `w` cells with the cut marked (the one sanitizer's clip; cells, not UTF-16 units). */
function clipText(s: string, w: number): string {
  return clip(s, w);
}

/** The fleet totals line (bold), exactly `width` visible characters. */
export function fleetTotalsLine(table: FleetTable, t: FleetTotals, width: number, theme: Theme, now: number): string {
  void now;
  const cells = table.columns.map((c) => ({ text: c.total ? clean(c.total(t)) : '', style: 'totals' as Style }));
  const { text, used } = layCells(table.columns, cells, width, theme, 'totals');
  return used < width ? text + ' '.repeat(width - used) : text;
}

/** The column titles with the sort column marked ▲/▼, exactly `width` visible characters. */
export function fleetTitleLine(table: FleetTable, width: number, theme: Theme): string {
  const { text, used } = layTitles(table.columns, table.sortId, table.reverse, width, theme);
  let out = text;
  const rest = width - used;
  if (rest > 0) {
    const extra = rest > ERROR_ROOM ? pad(' ERROR', rest) : ' '.repeat(rest);
    out += theme.paint(extra, 'tableHead');
  }
  return out;
}

/** The column under screen x (0-based from the table's left edge), for clicks on titles. */
export function fleetColumnAt(table: FleetTable, x: number): Column<FleetRow, FleetTotals> | undefined {
  return columnAtX(table.columns, x);
}

/** Width of the visible columns. */
export function fleetColumnsWidth(table: FleetTable): number {
  return lineWidth(table.columns);
}
