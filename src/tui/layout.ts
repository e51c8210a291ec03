/**
 * Screen layout as arithmetic on the terminal size (pure). Top to bottom:
 * header lines, status line, table title row, table rows, optional bottom
 * pane (event log and/or chart), footer of key hints. The table always
 * wins: the bottom pane exists only on terminals of at least
 * `PANE_MIN_ROWS` rows and never leaves the table fewer than
 * `TABLE_MIN_ROWS` rows.
 */

export const PANE_MIN_ROWS = 30;
export const TABLE_MIN_ROWS = 8;
/** Width from which chart and event log sit side by side. */
export const SPLIT_MIN_COLS = 140;

export type PaneKind = 'none' | 'events' | 'chart' | 'both';

export interface Layout {
  cols: number;
  rows: number;
  headerTop: number;
  headerHeight: number;
  statusTop: number;
  tableHeadTop: number;
  tableTop: number;
  tableHeight: number;
  paneTop: number;
  paneHeight: number;
  pane: PaneKind;
  /** Width of the chart when `pane` is 'both' (the event log takes the rest). */
  chartWidth: number;
  footerTop: number;
}

export function computeLayout(cols: number, rows: number, headerLines: number, want: { chart: boolean; events: boolean }): Layout {
  const c = Math.max(1, Math.floor(cols));
  const r = Math.max(1, Math.floor(rows));
  const headerHeight = Math.max(0, Math.min(headerLines, r - 4));
  const statusTop = headerHeight;
  const tableHeadTop = statusTop + 1;
  const tableTop = tableHeadTop + 1;
  const footerTop = r - 1;
  const avail = Math.max(0, footerTop - tableTop);
  let pane: PaneKind = 'none';
  let paneHeight = 0;
  if (r >= PANE_MIN_ROWS && (want.chart || want.events)) {
    paneHeight = Math.max(7, Math.min(16, Math.round(r * 0.28)));
    if (avail - paneHeight < TABLE_MIN_ROWS) paneHeight = Math.max(0, avail - TABLE_MIN_ROWS);
    if (paneHeight >= 5) pane = want.chart && want.events ? (c >= SPLIT_MIN_COLS ? 'both' : 'chart') : want.chart ? 'chart' : 'events';
    else paneHeight = 0;
  }
  const tableHeight = Math.max(0, avail - paneHeight);
  return {
    cols: c,
    rows: r,
    headerTop: 0,
    headerHeight,
    statusTop,
    tableHeadTop,
    tableTop,
    tableHeight,
    paneTop: tableTop + tableHeight,
    paneHeight,
    pane,
    chartWidth: pane === 'both' ? Math.floor(c / 2) : c,
    footerTop,
  };
}

/** Put a box at a row, with a height and a width (and a left edge). */
export function place(el: { top: unknown; left: unknown; height: unknown; width: unknown }, top: number, height: number, width: number, left = 0): void {
  el.top = top;
  el.left = left;
  el.height = Math.max(0, height);
  el.width = Math.max(0, width);
}
