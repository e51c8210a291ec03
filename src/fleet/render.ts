/**
 * Fleet renderers for batch mode: a plain-text table (one line per target,
 * like `top -b`) and one JSON object per tick. Pure functions of a FleetView.
 */
import { columnById, fitColumns, lineWidth, sortRows, type Column, type Tone } from '../columns.js';
import { formatBytes, formatCount, formatDuration, formatMs, formatRate, formatTimestamp, UNKNOWN } from '../format.js';
import { clipLines, DEFAULT_TEXT_WIDTH, formatLine, packFacts, titleLine, totalsLine } from '../render/text.js';
import { clean, pad } from '../text/sanitize.js';
import { shortLabel, shortLabels } from '../text/labels.js';
import { fleetVerdictLines } from '../render/diagnosis.js';
import type { FleetRow, FleetTotals, FleetView, TargetState } from './view.js';

/** Cells of the TARGET column. */
export const TARGET_WIDTH = 16;

/**
 * The rows with their TARGET text: each label shortened to `w` cells
 * against the whole set (siblings stay distinct, middle ellipsis).
 */
export function withShortLabels(rows: readonly FleetRow[], w = TARGET_WIDTH): FleetRow[] {
  const short = fleetShortLabels(rows.map((r) => r.label), w);
  return rows.map((r, i) => ({ ...r, shown: short[i] }));
}

/** The last few shortLabels results (any width): the labels of a fleet do not change from frame to frame. */
const shortCache: { w: number; labels: readonly string[]; short: string[] }[] = [];
const SHORT_CACHE_SIZE = 8;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * shortLabels (src/text/labels.ts), remembered: comparing each
 * label against every other is quadratic (≈ 45 ms for 1,000 long paths),
 * and a fleet frame asks it again with the same labels.
 */
export function fleetShortLabels(labels: readonly string[], w: number): string[] {
  const hit = shortCache.find((c) => c.w === w && sameList(c.labels, labels));
  if (hit) return hit.short;
  const short = shortLabels(labels, w);
  if (shortCache.length >= SHORT_CACHE_SIZE) shortCache.shift();
  shortCache.push({ w, labels: [...labels], short });
  return short;
}

/** One label of the fleet shortened against all of them (fleetShortLabels; see src/text/labels.ts shortLabel). */
export function fleetShortLabel(label: string, all: readonly string[], w: number): string {
  const i = all.indexOf(label);
  return i < 0 ? shortLabel(label, all, w) : fleetShortLabels(all, w)[i]!;
}

const STATE_TEXT: Record<TargetState, string> = { up: 'up', stale: 'STALE', down: 'DOWN' };
const STATE_ORDER: Record<TargetState, number> = { up: 0, stale: 1, down: 2 };

/** A fleet column: its totals cell is its own format of the totals row (fleetTotalsRow), unless `total` says otherwise. */
type FleetColumn = Column<FleetRow, FleetTotals>;

function num(id: string, title: string, width: number, priority: number, help: string, value: (r: FleetRow) => number | undefined, fmt: (n: number | undefined, width?: number) => string, more: Partial<FleetColumn> = {}): FleetColumn {
  return { id, title, width, align: 'right', priority, help, value, format: (r) => fmt(value(r), width), descending: true, ...more };
}

function text(id: string, title: string, width: number, priority: number, help: string, value: (r: FleetRow) => string | undefined, more: Partial<FleetColumn> = {}): FleetColumn {
  return { id, title, width, align: 'left', priority, help, value, format: (r) => value(r) ?? UNKNOWN, ...more };
}

const STATE_TONE: Record<TargetState, Tone> = { up: 'good', stale: 'warn', down: 'bad' };
const when = (cond: (r: FleetRow) => boolean, tone: Tone) => (r: FleetRow): Tone => (cond(r) ? tone : 'plain');
const noTotal = { total: () => '' };

/**
 * The fleet table's columns (ids for --sort). Drop order (highest first):
 * ADDRESS 8, VERSION 7, RSS 6, EXC/s 5, AGE 4, AVG 3, LQ 2, RPS 1, BUSY 1,
 * TARGET / STATE 0. The ERROR text is not a column: when any target has
 * one, it takes the rest of the line after the columns (which then leave it
 * at least ERROR_MIN_WIDTH characters).
 */
const FLEET_COLUMN_RECORDS: readonly FleetColumn[] = [
  text('target', 'TARGET', TARGET_WIDTH, 0, 'Target label (LABEL = in the targets file, else the address; long ones keep the part that tells them apart: /tmp/…-rCRaG7/stats.sock)', (r) => r.label, {
    format: (r) => r.shown ?? r.label,
  }),
  text('state', 'STATE', 5, 0, 'up; STALE: last good data older than 2 intervals; DOWN: none, or too old', (r) => STATE_TEXT[r.state], {
    sortKey: (r) => STATE_ORDER[r.state],
    tone: (r) => STATE_TONE[r.state],
    ...noTotal,
  }),
  {
    descending: true,
    tone: when((r) => (r.busy ?? 0) > 0, 'busy'),
    id: 'busy',
    title: 'BUSY',
    width: 9,
    align: 'right',
    priority: 1,
    help: 'Busy workers / workers (Emperor: vassals; nginx front: active connections)',
    value: (r) => r.busy,
    format: (r) => (r.kind === 'nginx' ? `conns ${formatCount(r.conns, 3)}` : r.kind === 'emperor' ? `${formatCount(r.vassals, 5)} vsl` : r.workers === undefined ? UNKNOWN : `${formatCount(r.busy, 4)}/${formatCount(r.workers, 4)}`),
  },
  num('rps', 'RPS', 7, 1, 'Requests per second (last two good reads)', (r) => r.rps, formatRate, { tone: when((r) => (r.rps ?? 0) > 0, 'good') }),
  num('lq', 'LQ', 5, 2, 'Listen queue', (r) => r.listenQueue, formatCount, { tone: when((r) => (r.listenQueue ?? 0) > 0, 'warn') }),
  num('avg', 'AVG', 7, 3, 'Average response time, request-weighted over workers', (r) => r.avgRt, formatMs),
  num('age', 'AGE', 6, 4, 'Age of the data shown', (r) => r.ageMs, (ms, w) => (ms === undefined ? UNKNOWN : formatDuration(Math.floor(ms / 1000) * 1e6, w)), {
    tone: when((r) => r.state !== 'up', 'warn'),
    ...noTotal,
  }),
  num('exc', 'EXC/s', 6, 5, 'Exceptions per second', (r) => r.excRate, formatRate, { tone: when((r) => (r.excRate ?? 0) > 0, 'bad') }),
  num('rss', 'RSS', 7, 6, 'Resident memory, sum over workers', (r) => r.rss, formatBytes),
  text('version', 'VERSION', 20, 7, 'uWSGI (or emitter) version', (r) => r.version, noTotal),
  text('address', 'ADDRESS', 28, 8, 'Stats address', (r) => r.address, noTotal),
];

/**
 * The totals line as a FleetRow (sums over the `up` targets), so that the
 * columns format their own totals cell.
 */
export function fleetTotalsRow(t: FleetTotals): FleetRow {
  return {
    label: `Σ ${t.up} up of ${t.targets}`,
    address: '',
    state: 'up',
    error: undefined,
    kind: 'server',
    workers: t.workers,
    busy: t.busy,
    rps: t.rps,
    listenQueue: t.listenQueue,
    excRate: t.excRate,
    avgRt: t.avgRt,
    rss: t.rss,
    requests: undefined,
    version: undefined,
    vassals: undefined,
    ageMs: undefined,
    view: undefined,
    oldestRequest: undefined,
    verdict: undefined,
  };
}

/** FLEET_COLUMNS: a column's totals cell is, unless it says otherwise, its own format of the totals row. */
export const FLEET_COLUMNS: readonly FleetColumn[] = FLEET_COLUMN_RECORDS.map((c) =>
  c.total ? c : { ...c, total: (t: FleetTotals) => c.format(fleetTotalsRow(t), { now: 0 }) },
);

/**
 * The interactive fleet view's columns: FLEET_COLUMNS and, last (first to drop), each target's worst
 * diagnosis verdict. (Batch text lists the verdicts under its table, where the ERROR tail keeps its room.)
 */
export const FLEET_VIEW_COLUMNS: readonly FleetColumn[] = [
  ...FLEET_COLUMNS,
  text('verdict', 'VERDICT', 40, 9, "The target's worst diagnosis verdict (saturated, queue full, crash loop, no app loaded, slow request, harakiri, memory growth, respawning, error burst, stale); empty when healthy", (r) => (r.verdict ? clean(r.verdict.message) : ''), {
    tone: (r) => (r.verdict ? (r.verdict.severity === 'critical' ? 'bad' : 'warn') : 'plain'),
    ...noTotal,
  }),
];

/** Room the columns leave for the trailing ERROR text when a target has an error. */
export const ERROR_MIN_WIDTH = 30;

/** Options of renderFleetText. */
export interface FleetTextOptions {
  /** Line width (default 200); columns drop by priority to fit, lines are clipped. */
  width?: number;
  /** Sort by this column id or title (default: target order). */
  sortBy?: string;
  /** Descending. */
  reverse?: boolean;
}

/** The header facts of a fleet view, in two groups. */
export function fleetHeaderFacts(view: FleetView): string[][] {
  const t = view.totals;
  const states = [`up ${t.up}`, ...(t.stale ? [`stale ${t.stale}`] : []), ...(t.down ? [`down ${t.down}`] : [])].join(', ');
  return [
    ['tsgitop fleet', formatTimestamp(view.at), `targets: ${t.targets} (${states})`],
    [
      `workers: ${t.workers} (busy ${t.busy})`,
      `RPS: ${formatRate(t.rps)}`,
      `exc/s: ${formatRate(t.excRate)}`,
      `avg: ${formatMs(t.avgRt)}`,
      `lq: ${formatCount(t.listenQueue)}`,
      `rss: ${formatBytes(t.rss)}`,
    ],
  ];
}

/**
 * Plain text of one fleet tick: header lines, a blank line, the column
 * titles, one line per target. Ends with a newline; no line is longer than
 * `width`.
 */
export function renderFleetText(view: FleetView, opts: FleetTextOptions = {}): string {
  const width = Math.max(1, Math.floor(opts.width ?? DEFAULT_TEXT_WIDTH));
  const ctx = { now: view.at };
  const errors = view.rows.some((r) => r.error !== undefined);
  // The error text gets up to ERROR_MIN_WIDTH, but never squeezes out TARGET and STATE.
  const essential = lineWidth(FLEET_COLUMNS.slice(0, 2));
  const reserve = errors ? Math.max(0, Math.min(ERROR_MIN_WIDTH + 1, width - essential)) : 0;
  const cols = fitColumns(FLEET_COLUMNS, Math.max(1, width - reserve));
  const colsWidth = lineWidth(cols);
  const withError = (line: string, err: string | undefined): string => (errors && err ? `${pad(line, colsWidth)} ${clean(err)}` : line);
  const sortCol = opts.sortBy ? columnById(opts.sortBy, FLEET_COLUMNS) : undefined;
  const all = withShortLabels(view.rows);
  const rows = sortCol ? sortRows(all, sortCol, opts.reverse ?? false) : opts.reverse ? [...all].reverse() : all;
  const lines = packFacts(fleetHeaderFacts(view), width);
  lines.push('', withError(titleLine(cols), 'ERROR'));
  for (const r of rows) lines.push(withError(formatLine(cols, r, ctx), r.error));
  lines.push(totalsLine(cols, view.totals));
  lines.push(...fleetVerdictLines(rows).map((l) => clean(l)));
  return clipLines(lines, width);
}

/** A fleet column by id or title (for validating --sort in fleet mode). */
export function fleetColumnById(id: string): FleetColumn | undefined {
  return columnById(id, FLEET_COLUMNS);
}

function n(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/**
 * One JSON object per fleet tick (`--json` with several targets). Unknown
 * values are `null`. Stable keys:
 * `{ kind:'fleet', at (ms), time (ISO-8601), interval (s),
 *    totals: { targets, up, stale, down, workers, busy, rps, exc_rate, listen_queue, rss, avg_rt (µs) },
 *    targets: [{ label, address, state, error, kind ('server', 'emperor', 'nginx'), workers, busy, vassals, conns (nginx rows only), rps, exc_rate,
 *                listen_queue, avg_rt (µs), rss, requests, version, age_ms }] }`
 */
export function fleetToJson(view: FleetView): Record<string, unknown> {
  const t = view.totals;
  const time = Number.isFinite(view.at) && Math.abs(view.at) <= 8.64e15 ? new Date(view.at).toISOString() : null;
  return {
    kind: 'fleet',
    at: n(view.at),
    time,
    interval: n(view.intervalMs / 1000),
    totals: {
      targets: t.targets,
      up: t.up,
      stale: t.stale,
      down: t.down,
      workers: t.workers,
      busy: t.busy,
      rps: n(t.rps),
      exc_rate: n(t.excRate),
      listen_queue: n(t.listenQueue),
      rss: n(t.rss),
      avg_rt: n(t.avgRt),
    },
    targets: view.rows.map((r) => ({
      label: r.label,
      address: r.address,
      state: r.state,
      error: r.error ?? null,
      kind: r.kind ?? null,
      workers: n(r.workers),
      busy: n(r.busy),
      vassals: n(r.vassals),
      ...(r.kind === 'nginx' ? { conns: n(r.conns) } : {}),
      rps: n(r.rps),
      exc_rate: n(r.excRate),
      listen_queue: n(r.listenQueue),
      avg_rt: n(r.avgRt),
      rss: n(r.rss),
      requests: n(r.requests),
      version: r.version ?? null,
      age_ms: n(r.ageMs),
      oldest_request: r.oldestRequest ? { method: r.oldestRequest.method ?? null, path: r.oldestRequest.path ?? null, age: n(r.oldestRequest.age) } : null,
      verdict: r.verdict ? { rule: r.verdict.rule, severity: r.verdict.severity, message: r.verdict.message } : null,
    })),
  };
}
