/**
 * Batch renderers: plain text like `top -b` and one JSON object per tick.
 * Pure functions of a View (and the options); no I/O, no clock.
 */
import {
  ALL_WORKER_COLUMNS,
  CORE_COLUMNS,
  columnById,
  shownColumns,
  fitColumns,
  sortRows,
  VASSAL_COLUMNS,
  WORKER_COLUMNS,
  type Column,
  type RenderContext,
} from '../columns.js';
import { formatBytes, formatCount, formatId, formatRate, formatTimestamp, UNKNOWN } from '../format.js';
import { counter, finite } from '../model/sanitize.js';
import { CORES_NOT_REPORTED, coresNotReported } from '../model/view.js';
import { clean, clip, pad, width as cellWidth } from '../text/sanitize.js';
import type { EmperorView, ServerView, Totals, View, WorkerView } from '../model/types.js';
import { avgFacts, diagnosisJson, diagnosisLine, emperorFacts, emperorJson, emperorLines, lqFact, socketsJson } from './diagnosis.js';
import { inflightJson, inflightLines } from './inflight.js';

/** Options of renderText. */
export interface TextOptions {
  /** Line width; columns are fitted and every line is clipped to it (default 200). */
  width?: number;
  /** Print each worker's core rows under it (default false). */
  showCores?: boolean;
  /** "Now" for clock cells, ms since epoch (default view.at). */
  now?: number;
  /** Column id or title to sort by (default: WID for workers, document order for vassals). */
  sortBy?: string;
  /** Descending order (default false = ascending). Unknown values stay last either way. */
  reverse?: boolean;
  /** Worker columns to choose from (default ALL_WORKER_COLUMNS: the hidden ones show while sorted by). */
  columns?: readonly Column<WorkerView, Totals>[];
}

/** Default batch width when stdout is not a terminal. */
export const DEFAULT_TEXT_WIDTH = 200;

/** A cell: the text cleaned (the one sanitizer), clipped and padded to exactly `width` terminal cells. */
function cell(s: string, width: number, align: 'left' | 'right'): string {
  return pad(s, width, align);
}

/**
 * One table line: cells sanitized and padded to their widths (in terminal
 * cells, so a CJK or emoji status never shifts the columns after it),
 * joined by one space, trailing spaces trimmed.
 */
export function formatLine<R>(cols: readonly Column<R>[], row: R, ctx: RenderContext): string {
  return cols.map((c) => cell(c.format(row, ctx), c.width, c.align)).join(' ').trimEnd();
}

/** The totals line of `cols` (each column's own totals cell; '' where it has none). */
export function totalsLine<R, T>(cols: readonly Column<R, T>[], totals: T): string {
  return cols.map((c) => cell(c.total ? c.total(totals) : '', c.width, c.align)).join(' ').trimEnd();
}

/** The title line of `cols`. */
export function titleLine<R>(cols: readonly Column<R>[]): string {
  return cols.map((c) => cell(c.title, c.width, c.align)).join(' ').trimEnd();
}

function str(v: string | undefined): string {
  return v === undefined || v === '' ? UNKNOWN : v;
}

/**
 * The header facts of a server view (the same facts the TUI header shows),
 * in three groups: [version, time, req, RPS, lq, tx], [node, cwd, uid, gid,
 * masterpid], [workers/busy, exc, avg, lq errors, load, respawns, harakiri].
 */
export function headerFacts(view: ServerView): string[][] {
  const h = view.header;
  const t = view.totals;
  return [
    [
      `uwsgi-${str(h.version)}`,
      formatTimestamp(view.at),
      `req: ${formatCount(t.requests)}`,
      `RPS: ${formatRate(t.rps)}`,
      lqFact(view),
      `tx: ${formatBytes(t.tx)}`,
    ],
    [
      `node: ${str(h.node)}`,
      `cwd: ${str(h.cwd)}`,
      `uid: ${formatId(h.uid)}`,
      `gid: ${formatId(h.gid)}`,
      `masterpid: ${formatId(h.pid)}`,
    ],
    [
      `workers: ${t.workers} (busy ${t.busy}${t.cheap > 0 ? `, cheap ${t.cheap}` : ''})`,
      `exc: ${formatCount(t.exceptions)}`,
      ...avgFacts(view),
      `lq errors: ${formatCount(h.listenQueueErrors)}`,
      `load: ${formatCount(h.load)}`,
      `respawns: ${formatCount(t.respawns)}`,
      `harakiri: ${formatCount(t.harakiri)}`,
    ],
  ];
}

/**
 * Lay out fact groups as lines of at most `width` terminal cells: each group
 * starts a new line, facts are sanitized, joined by ' - ' and wrap onto the
 * next line instead of being cut (a single fact longer than the width is
 * clipped later).
 */
export function packFacts(groups: readonly (readonly string[])[], width: number): string[] {
  const out: string[] = [];
  for (const g of groups) {
    let line = '';
    for (const raw of g) {
      const f = clean(raw);
      if (line === '') line = f;
      else if (cellWidth(line) + 3 + cellWidth(f) <= width) line += ` - ${f}`;
      else {
        out.push(line);
        line = f;
      }
    }
    if (line !== '') out.push(line);
  }
  return out;
}

/** The header block of a server view packed into `width` columns. */
export function headerLines(view: ServerView, width = DEFAULT_TEXT_WIDTH): string[] {
  return packFacts(headerFacts(view), width);
}

/** The lines, each sanitized and clipped to `width` terminal cells, as one text ending in a newline. */
export function clipLines(lines: readonly string[], width: number): string {
  return lines.map((l) => clip(l, width)).join('\n') + '\n';
}

function renderServer(view: ServerView, o: TextOptions, width: number, ctx: RenderContext): string[] {
  const table = o.columns ?? ALL_WORKER_COLUMNS;
  const sortCol = columnById(o.sortBy ?? 'wid', table) ?? columnById('wid', WORKER_COLUMNS)!;
  const cols = fitColumns(shownColumns(table, sortCol.id), width);
  const rows = sortRows(view.workers, sortCol, o.reverse ?? false);
  const lines = headerLines(view, width);
  lines.push(clean(diagnosisLine(view.diagnosis)));
  for (const e of view.events) lines.push(clean(`event: ${e.kind}: ${e.message}`));
  lines.push('');
  lines.push(titleLine(cols));
  const coreCols = o.showCores ? fitColumns(CORE_COLUMNS, width - 2) : [];
  if (o.showCores) lines.push(coresNotReported(view.workers) ? `  ${CORES_NOT_REPORTED}` : '  ' + titleLine(coreCols));
  for (const w of rows) {
    lines.push(formatLine(cols, w, ctx));
    if (o.showCores) for (const c of w.cores) lines.push('  ' + formatLine(coreCols, c, ctx));
  }
  lines.push(totalsLine(cols, view.totals));
  lines.push(...inflightLines(view).map((l) => clean(l)));
  return lines;
}

function renderEmperor(view: EmperorView, o: TextOptions, width: number, ctx: RenderContext): string[] {
  const d = view.doc;
  const vassals = Array.isArray(d.vassals) ? d.vassals : [];
  const scan = Array.isArray(d.emperor) ? d.emperor.filter((s) => typeof s === 'string').join(', ') : '';
  const lines = packFacts(
    [
      [
        `uwsgi-emperor-${str(d.version)}`,
        formatTimestamp(view.at),
        `vassals: ${vassals.length}`,
        ...(d.emperor_tyrant === undefined ? [] : [`tyrant: ${d.emperor_tyrant ? 'yes' : 'no'}`]),
      ],
      [
        `node: ${str(view.node)}`,
        `cwd: ${str(d.cwd)}`,
        `uid: ${formatId(finite(d.uid))}`,
        `gid: ${formatId(finite(d.gid))}`,
        `emperor pid: ${formatId(finite(d.pid))}`,
        `scanning: ${str(scan)}`,
        ...emperorFacts(view),
      ],
    ],
    width,
  );
  if (view.diagnosis) lines.push(clean(diagnosisLine(view.diagnosis)));
  lines.push(...emperorLines(view).map((l) => clean(l)));
  lines.push('');
  const cols = fitColumns(VASSAL_COLUMNS, width);
  const sortCol = o.sortBy ? columnById(o.sortBy, VASSAL_COLUMNS) : undefined;
  const rows = sortCol ? sortRows(vassals, sortCol, o.reverse ?? false) : vassals;
  lines.push(titleLine(cols));
  for (const v of rows) lines.push(formatLine(cols, v, ctx));
  return lines;
}

/**
 * Plain-text rendering of one view for batch mode (like `top -b`): a header
 * block, a blank line, the column titles, one line per worker (cores
 * indented under it with `showCores`). Ends with a newline. An Emperor view
 * renders its vassal table.
 */
export function renderText(view: View, opts: TextOptions = {}): string {
  const width = Math.max(1, Math.floor(opts.width ?? DEFAULT_TEXT_WIDTH));
  const ctx: RenderContext = { now: opts.now ?? view.at };
  const lines = view.kind === 'server' ? renderServer(view, opts, width, ctx) : renderEmperor(view, opts, width, ctx);
  return clipLines(lines, width);
}

/** A JSON-safe number: finite, else null. */
function n(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A JSON-safe counter: finite and ≥ 0, else null. */
function c(v: unknown): number | null {
  return counter(v) ?? null;
}

function s(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function jsonSafe(v: unknown, depth = 0): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (depth > 32) return null;
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x, depth + 1));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = jsonSafe(x, depth + 1);
    return out;
  }
  return null;
}

/**
 * One JSON object per tick (`--json`). Unknown values are `null`, never
 * absent; no NaN/Infinity. Stable keys:
 *
 * Server: `{ kind:'server', at (ms), time (ISO-8601 UTC), interval (s|null),
 *   header: { node, version, pid, uid, gid, cwd, listen_queue, listen_queue_errors, load },
 *   totals: { workers, busy, cheap, requests, rps, exceptions, exc_rate, tx, tx_rate, rss, vsz,
 *             avg_rt (µs, request-weighted uWSGI avg_rt), avg_now (µs, Σ Δrunning_time / Σ Δrequests),
 *             avg_mean (µs, Σ running_time / Σ requests), in_flight, oldest_request_age (s),
 *             respawns, harakiri },
 *   workers: [{ key, id, pid, status, status_class, busy, accepting, share, requests, rps,
 *               exceptions, exc_rate, tx, tx_rate, avg_rt (µs), rss, vsz, signals,
 *               harakiri_count, respawn_count, running_time (µs), last_spawn (unix s),
 *               respawned, respawn_reason (pid | respawn_count | counter | master | reload), spawned (cheaper scale-up), reset (counters went down:
 *               rates null this tick), avg_now (µs, Δrunning_time/Δrequests),
 *               cores: [{ id, requests, rps, in_request, static_requests, routed_requests,
 *                         offloaded_requests, read_errors, write_errors }] (null: not reported,
 *                         uWSGI's --stats-no-cores) }],
 *   events: [{ at, kind, worker_id, message }],
 *   sockets: [{ name, proto, queue, max_queue, shared, can_offload, full, fill_pct, measured (false: a uWSGI unix
 *             socket, whose queue uWSGI 2.0 does not measure — queue and max_queue null) }],
 *   inflight: [{ worker_key, worker_id, core_id, pid, method, path, request_start, age }] (oldest first;
 *             only method and path without query exist),
 *   diagnosis: [{ rule, severity, message, worker_key, worker_id, socket, vassal }] (most severe first) }`
 *
 * Emperor: `{ kind:'emperor', at, time, node, version, pid, uid, gid, cwd, emperor: string[],
 *   emperor_tyrant, vassals: [{ id, pid, extra: {…peer fields…} }], throttle_level,
 *   blacklist: [{ vassal, throttle_level, attempts, first_attempt, last_attempt }], events, diagnosis }`
 */
export function viewToJson(view: View): Record<string, unknown> {
  const time = Number.isFinite(view.at) && Math.abs(view.at) <= 8.64e15 ? new Date(view.at).toISOString() : null;
  if (view.kind === 'emperor') {
    const d = view.doc;
    return {
      kind: 'emperor',
      at: n(view.at),
      time,
      node: view.node ?? '',
      version: s(d.version),
      pid: n(d.pid),
      uid: n(d.uid),
      gid: n(d.gid),
      cwd: s(d.cwd),
      emperor: Array.isArray(d.emperor) ? d.emperor.filter((x) => typeof x === 'string') : [],
      emperor_tyrant: typeof d.emperor_tyrant === 'boolean' ? d.emperor_tyrant : null,
      vassals: (Array.isArray(d.vassals) ? d.vassals : []).map((v) => ({
        id: s(v.id),
        pid: n(v.pid),
        extra: jsonSafe(v.extra ?? {}),
      })),
      ...emperorJson(view),
    };
  }
  const h = view.header;
  const t = view.totals;
  return {
    kind: 'server',
    at: n(view.at),
    time,
    interval: n(view.interval),
    header: {
      node: h.node,
      version: s(h.version),
      pid: n(h.pid),
      uid: n(h.uid),
      gid: n(h.gid),
      cwd: s(h.cwd),
      listen_queue: c(h.listenQueue),
      listen_queue_errors: c(h.listenQueueErrors),
      load: c(h.load),
    },
    totals: {
      workers: t.workers,
      busy: t.busy,
      cheap: t.cheap,
      requests: c(t.requests),
      rps: c(t.rps),
      exceptions: c(t.exceptions),
      exc_rate: c(t.excRate),
      tx: c(t.tx),
      tx_rate: c(t.txRate),
      rss: c(t.rss),
      vsz: c(t.vsz),
      avg_rt: c(t.avgRt),
      avg_now: c(t.avgNow),
      avg_mean: c(t.avgMean),
      in_flight: t.inFlight,
      oldest_request_age: c(t.oldestRequestAge),
      respawns: c(t.respawns),
      harakiri: c(t.harakiri),
    },
    workers: view.workers.map((w) => ({
      key: w.key,
      id: n(w.id),
      pid: n(w.pid),
      status: w.status === '' ? null : w.status,
      status_class: w.statusClass,
      busy: w.busy,
      accepting: n(w.raw.accepting),
      share: c(w.share),
      requests: c(w.raw.requests),
      rps: c(w.rps),
      exceptions: c(w.raw.exceptions),
      exc_rate: c(w.excRate),
      tx: c(w.raw.tx),
      tx_rate: c(w.txRate),
      avg_rt: c(w.raw.avg_rt),
      rss: c(w.raw.rss),
      vsz: c(w.raw.vsz),
      signals: c(w.raw.signals),
      harakiri_count: c(w.raw.harakiri_count),
      respawn_count: c(w.raw.respawn_count),
      running_time: c(w.raw.running_time),
      last_spawn: c(w.raw.last_spawn),
      respawned: w.respawned,
      respawn_reason: w.respawnReason ?? null,
      spawned: w.spawned,
      reset: w.reset,
      avg_now: c(w.avgNow),
      cores: w.raw.cores === undefined ? null : w.cores.map((k) => ({
        id: n(k.id),
        requests: c(k.requests),
        rps: c(k.rps),
        in_request: typeof k.raw.in_request === 'boolean' ? k.raw.in_request : null,
        static_requests: c(k.raw.static_requests),
        routed_requests: c(k.raw.routed_requests),
        offloaded_requests: c(k.raw.offloaded_requests),
        read_errors: c(k.raw.read_errors),
        write_errors: c(k.raw.write_errors),
      })),
    })),
    events: view.events.map((e) => ({ at: n(e.at), kind: e.kind, worker_id: n(e.workerId), message: e.message })),
    sockets: socketsJson(view),
    inflight: inflightJson(view),
    diagnosis: diagnosisJson(view),
  };
}
