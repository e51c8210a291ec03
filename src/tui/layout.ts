/**
 * Screen layout as arithmetic on the terminal size (pure). Top to bottom:
 * header lines, status line, table title row, table rows, optional bottom
 * pane (event log and/or chart), footer of key hints.
 *
 * Every row is used: without a pane the table takes everything; with a pane
 * the pane takes a proportional share (`PANE_SHARE` of the rows between the
 * table title and the footer), the table keeps at least `TABLE_MIN_ROWS`
 * rows (fewer only when it holds fewer), and rows the table does not need
 * go to the pane. Chart and event log sit side by side from `SPLIT_MIN_COLS`
 * columns, one above the other below that (the chart alone only when the
 * terminal has no room for both).
 */

/** Rows of a pane at least (a title and four lines). */
export const PANE_MIN_HEIGHT = 5;
/** Rows the table keeps at least while a pane is shown (the selection scrolls within them). */
export const TABLE_MIN_ROWS = 3;
/** Share of the free rows a pane takes (more when the table needs fewer). */
export const PANE_SHARE = 0.4;
/** Rows of the chart and of the event log when stacked. */
export const STACK_CHART_MIN = 7;
export const STACK_EVENTS_MIN = 4;
/** Terminal rows from which a pane is shown (1 header line, status, table title, table, pane, footer). */
export const PANE_MIN_ROWS = 1 + 1 + 1 + TABLE_MIN_ROWS + PANE_MIN_HEIGHT + 1;
/** Width from which chart and event log sit side by side. */
export const SPLIT_MIN_COLS = 140;

export type PaneKind = 'none' | 'events' | 'chart' | 'both';

export interface Layout {
  cols: number;
  rows: number;
  headerTop: number;
  headerHeight: number;
  statusTop: number;
  /** 1, or up to 3 when the view's status line wraps (a long error). */
  statusHeight: number;
  tableHeadTop: number;
  tableTop: number;
  tableHeight: number;
  paneTop: number;
  paneHeight: number;
  pane: PaneKind;
  /** Width of the chart when `pane` is 'both' side by side (the event log takes the rest). */
  chartWidth: number;
  /** Rows of the chart (the whole pane unless chart and event log are stacked; the event log takes the rest below). */
  chartHeight: number;
  /** Chart and event log one above the other. */
  stacked: boolean;
  footerTop: number;
}

/** What a view wants below its table: the panes, and how many rows its table holds (so spare rows go to the pane). */
export interface PaneWant {
  chart: boolean;
  events: boolean;
  rows?: number | undefined;
}

export function computeLayout(cols: number, rows: number, headerLines: number, want: PaneWant, statusLines = 1): Layout {
  const c = Math.max(1, Math.floor(cols));
  const r = Math.max(1, Math.floor(rows));
  const headerHeight = Math.max(0, Math.min(headerLines, r - 4));
  const statusTop = headerHeight;
  // More status lines (a long error wrapped) only while the table keeps a few rows.
  const statusHeight = Math.max(1, Math.min(Math.floor(statusLines), 3, r - headerHeight - 3 - TABLE_MIN_ROWS));
  const tableHeadTop = statusTop + statusHeight;
  const tableTop = tableHeadTop + 1;
  const footerTop = r - 1;
  const avail = Math.max(0, footerTop - tableTop);
  const room = avail - TABLE_MIN_ROWS;
  let pane: PaneKind = 'none';
  let paneHeight = 0;
  let stacked = false;
  if ((want.chart || want.events) && room >= PANE_MIN_HEIGHT) {
    const both = want.chart && want.events;
    const side = both && c >= SPLIT_MIN_COLS;
    const stackMin = STACK_CHART_MIN + STACK_EVENTS_MIN;
    const min = both && !side && room >= stackMin ? stackMin : PANE_MIN_HEIGHT;
    paneHeight = Math.min(room, Math.max(min, Math.round(avail * PANE_SHARE)));
    // Rows the table does not need go to the pane (the table still keeps its minimum).
    if (want.rows !== undefined && want.rows >= 0) {
      const spare = avail - paneHeight - Math.max(1, Math.ceil(want.rows));
      if (spare > 0) paneHeight += spare;
    }
    if (!both) pane = want.chart ? 'chart' : 'events';
    else if (side) pane = 'both';
    else if (paneHeight >= stackMin) {
      pane = 'both';
      stacked = true;
    } else pane = 'chart';
  }
  const tableHeight = Math.max(0, avail - paneHeight);
  const chartHeight = stacked ? Math.max(STACK_CHART_MIN, paneHeight - Math.max(STACK_EVENTS_MIN, Math.floor(paneHeight * 0.4))) : paneHeight;
  return {
    cols: c,
    rows: r,
    headerTop: 0,
    headerHeight,
    statusTop,
    statusHeight,
    tableHeadTop,
    tableTop,
    tableHeight,
    paneTop: tableTop + tableHeight,
    paneHeight,
    pane,
    chartWidth: pane === 'both' && !stacked ? Math.floor(c / 2) : c,
    chartHeight,
    stacked,
    footerTop,
  };
}

/** Put a box at a row, with a height and a width (and a left edge); blessed's setters are not called for what did not move. */
export function place(el: { top: unknown; left: unknown; height: unknown; width: unknown; position?: unknown }, top: number, height: number, width: number, left = 0): void {
  const p = el.position as { top?: unknown; left?: unknown; height?: unknown; width?: unknown } | undefined;
  const h = Math.max(0, height);
  const w = Math.max(0, width);
  if (p && p.top === top && p.left === left && p.height === h && p.width === w) return;
  el.top = top;
  el.left = left;
  el.height = h;
  el.width = w;
}
