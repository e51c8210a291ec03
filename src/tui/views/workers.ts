/**
 * The worker table view (the monitor's main page): one row per worker —
 * or per core, or the Emperor's vassals — with the chart and the event log
 * panes. It renders frames of a MonitorSession (src/session/monitor.ts) and
 * offers the monitor's own actions (cores, unused, totals, fast refresh,
 * chart, events, P/M/T, the replay keys, Enter → the worker detail view);
 * everything else a table does is the shell's (src/tui/shell.ts).
 *
 * The session and the UI state live in a {@link MonitorPage}, which the
 * detail view shares: pausing there pauses here, and back here the table is
 * where it was.
 */
import { PANE_MIN_ROWS, place, type Layout, type PaneWant } from '../layout.js';
import type { View as ModelView, Totals, Verdict, WorkerView } from '../../model/types.js';
import { sameWorkerFields } from '../../model/workers.js';
import { CORES_NOT_REPORTED, coresNotReported } from '../../model/view.js';
import type { MonitorFeed, MonitorFrame } from '../../session/monitor.js';
import { MonitorSession } from '../../session/monitor.js';
import { REPLAY_SEEK_MS, type ReplayControls } from '../../session/replay-controls.js';
import { bind, sortDefault, tableActions, type Action, type Bound, type SortLens, type TableInfo } from '../actions.js';
import { ThroughputChart } from '../chart.js';
import { emperorHeaderItems, packHeader, serverHeaderItems, type HeaderItem } from '../header.js';
import { footerHints, keyMapFor, replayDirection, type ActionId, type KeyBinding } from '../keys.js';
import { eventLines } from '../panes.js';
import { initialState, nextCoresMode, tickRenders, type UiState } from '../state.js';
import { statusLine, type StatusInput } from '../status.js';
import { LineMemo, buildTable, columnAt, headerLine, rowCells, styledLine, toneCell, type Cell, type RowRef, type TableModel } from '../table.js';
import { clean, formatEvery } from '../text.js';
import type { Box } from '../terminal.js';
import type { ShellApi, ShellTable, View } from '../view.js';
import { Memo } from '../memo.js';
import { columnById, type RenderContext, type RowHints } from '../../columns.js';
import { localDay } from '../../format.js';
import type { DiagnosisOptions } from '../../model/diagnosis.js';
import { diagnosisItem } from '../diagnosis.js';

/** Period of the shell's clock ticker, ms (ages and the header time move between reads). */
const TICK_MS = 1000;

export interface MonitorPageOptions {
  feed: MonitorFeed;
  /** The address as shown in the header. */
  addressLabel: string;
  /** Node name shown in the header. */
  node: string;
  intervalMs: number;
  fastMs: number;
  sortBy?: string | undefined;
  /** Initial direction: descending when true. */
  reverse?: boolean | undefined;
  /** Replaying: the replay keys are bound and listed. */
  replay?: ReplayControls | undefined;
  /** Footer label of q when the monitor sits on another view (the fleet). */
  backLabel?: string | undefined;
  /** Diagnosis thresholds (--slow, …). */
  diagnosis?: DiagnosisOptions | undefined;
}

/** One monitored target: its session, its UI state and the frame on display (shared by the worker table and the detail view). */
export class MonitorPage {
  readonly o: MonitorPageOptions;
  readonly session: MonitorSession;
  readonly now: () => number;
  /** The key map in force (with the replay section when replaying). */
  readonly keyMap: readonly KeyBinding[];
  state: UiState;
  /** The row of the worker table with this key (the open action looks its worker up). */
  rowOf: (key: string | undefined) => RowRef | undefined = () => undefined;
  /** The frame on display (paused: the one of the pause). */
  shown: MonitorFrame;
  #views = new Set<View<UiState>>();
  #started = false;

  constructor(o: MonitorPageOptions) {
    this.o = o;
    this.now = o.feed.now ?? Date.now;
    this.keyMap = keyMapFor({ replay: o.replay !== undefined });
    this.state = initialState({ sortId: normaliseSort(o.sortBy), reverse: o.reverse === true });
    this.session = new MonitorSession({
      source: o.feed.source,
      node: o.node,
      addressLabel: o.addressLabel,
      intervalMs: o.intervalMs,
      fastMs: o.fastMs,
      backoff: o.feed.backoff,
      replay: o.replay,
      now: this.now,
      diagnosis: o.diagnosis,
    });
    this.shown = this.session.frame;
  }

  /** A view of this page went on screen: start reading (once). */
  attach(view: View<UiState>, shell: ShellApi): void {
    this.#views.add(view);
    if (this.#started) return;
    this.#started = true;
    this.session.start(
      (frame, reason) => {
        if (!this.state.paused) this.shown = frame;
        for (const v of this.#views) shell.render(v, reason);
      },
      (where, e) => {
        shell.fail(where, e);
        for (const v of this.#views) shell.render(v, 'error');
      },
      () => {
        for (const v of this.#views) shell.awake(v);
      },
    );
  }

  detach(view: View<UiState>): void {
    this.#views.delete(view);
    if (this.#views.size === 0) {
      this.session.stop();
      void this.o.feed.close?.().catch(() => {});
    }
  }

  /** After a state change: pause keeps the frame, resume shows the newest; fast refresh reschedules. */
  changed(prev: UiState): void {
    const st = this.state;
    if (prev.paused && !st.paused) this.shown = this.session.frame;
    if (prev.fast !== st.fast) this.session.setFast(st.fast);
  }

  /** The monitor's status line input, shared by both views. */
  statusInput(cols: number, now: number, shell: ShellApi): StatusInput {
    const st = this.state;
    const f = this.shown;
    const latest = this.session.frame;
    const input: StatusInput = {
      cols,
      now,
      theme: shell.theme,
      addressLabel: this.o.addressLabel,
      paused: st.paused,
      every: formatEvery(this.session.intervalMs),
      fast: st.fast,
      filter: st.filter,
      filterEditing: st.filterEditing,
    };
    const err = shell.renderError();
    if (err !== undefined) input.renderError = err;
    if (latest.failure) input.lastError = latest.failure;
    if (latest.lastGoodAt !== undefined) input.lastGoodAt = latest.lastGoodAt;
    if (f.readAt !== undefined) input.shownAt = f.readAt;
    if (this.o.replay) input.replay = this.o.replay.status();
    const msg = shell.message();
    if (msg !== undefined) input.message = msg;
    const last = this.session.lastEventOf(f);
    if (last) input.lastEvent = last;
    return input;
  }

  /** Header items of the frame on display; the feed's front line (--front) first, on a line of its own. */
  headerItems(now: number, wide: boolean): HeaderItem[] {
    const items = this.#headerItems(now, wide);
    const front = this.o.feed.frontLine?.(this.shown.view);
    if (front === undefined || items.length === 0) return items;
    return [{ label: '', value: clean(front), style: 'title', clippable: 'right' }, { ...items[0]!, breakBefore: true }, ...items.slice(1)];
  }

  #headerItems(now: number, wide: boolean): HeaderItem[] {
    const v = this.shown.view;
    if (v?.kind === 'server') return serverHeaderItems(v, now, wide, this.o.addressLabel);
    if (v?.kind === 'emperor') return emperorHeaderItems(v, now, wide, this.o.addressLabel);
    return [{ label: 'tsgitop', value: clean(this.o.addressLabel), clippable: 'left' }];
  }

  /**
   * The view's header: the frame's items in 3 lines, and — when a rule fires — the
   * diagnosis as a 4th line of its own (most severe verdict; `!` lists all).
   */
  header(now: number, cols: number): { items: HeaderItem[]; maxLines: number } {
    const items = this.headerItems(now, cols >= 100);
    const d = diagnosisItem(this.shown.view?.diagnosis, this.staleVerdict(now));
    const base = this.o.feed.frontLine ? 4 : 3; // --front's nginx line takes one
    if (!d) return { items, maxLines: base };
    return { items: [...packHeader(items, cols, base).map((line, i) => (i === 0 ? line : line.map((it, k) => (k === 0 ? { ...it, breakBefore: true } : { ...it, breakBefore: false })))).flat(), d], maxLines: base + 1 };
  }

  /**
   * The `stale` verdict when no fresh read arrived for --stale seconds — reads that hang or fail (the server
   * stopped): it then comes before the last read's verdicts, which are no longer current. None while paused or
   * replaying (an old frame on purpose) or before the first read.
   */
  staleVerdict(now: number): Verdict | undefined {
    if (this.state.paused || this.o.replay || this.shown.view === undefined) return undefined;
    // the age on the monitor's own clock (`now`): when the last good read arrived, not the server's time in it
    return this.session.diagnoser.stale(now, this.session.frame.lastGoodAt, this.session.frame.failure?.silent === true);
  }

  /** Footer hints, with q relabelled when the monitor sits on another view. */
  footer(context: 'main' | 'detail'): { key: string; label: string }[] {
    const hints = footerHints(context, this.keyMap);
    const back = this.o.backLabel;
    return back ? hints.map((h) => (h.label === 'quit' ? { key: h.key, label: back } : h)) : hints;
  }

  /** The 1 s ticker: draw only when nothing else will within a tick. */
  tick(): boolean {
    const f = this.session.frame;
    const render = tickRenders({
      paused: this.state.paused,
      failing: f.failure !== undefined,
      noData: f.view === undefined,
      busyMs: this.session.busyMs,
      freqMs: this.o.intervalMs,
      tickMs: TICK_MS,
    });
    // A playing replay's clock moves (the header time, the REPLAY marker): keep it current.
    return render || (this.o.replay !== undefined && !this.o.replay.status().paused);
  }
}

/** The sort of the monitor's tables: one column for workers (and vassals), one for the merged cores. */
const lens: SortLens<UiState> = {
  get: (st, t) => (t.kind === 'cores' ? st.coreSortId : st.sortId),
  set: (st, t, id, reverse) => (t.kind === 'cores' ? { ...st, coreSortId: id ?? st.coreSortId, coreReverse: reverse } : { ...st, sortId: id ?? st.sortId, reverse }),
};

/** The replay keys: act on the replay, read at once (the read waits for nothing new). */
function replayAction(replay: ReplayControls | undefined, act: (r: ReplayControls, dir: 1 | -1) => void): Action<UiState> {
  return (_st, ctx) => {
    if (!replay) return { reaction: 'none' };
    act(replay, replayDirection(ctx.key) === -1 ? -1 : 1);
    return { reaction: 'refetch' };
  };
}

/** The monitor's own actions (besides the shared table actions). */
export function monitorActions(page: MonitorPage): Partial<Record<ActionId, Action<UiState>>> {
  const toggle = (p: Partial<UiState>, message: string): ReturnType<Action<UiState>> => ({ state: { ...page.state, ...p }, reaction: 'rebuild', message });
  const replay = page.o.replay;
  return {
    ...tableActions(lens),
    open: (st, ctx) => {
      const key = st.selected;
      const table = ctx.table;
      const row = page.rowOf(key);
      if (row && (row.kind === 'worker' || row.kind === 'core')) return { reaction: 'push', push: { view: 'detail', arg: { page, key: row.worker.key } } };
      return { reaction: 'redraw', message: table?.kind === 'vassals' ? 'no detail view for vassals' : row?.kind === 'totals' ? 'no detail view for the totals row' : 'no worker to show' };
    },
    sortRps: (st, ctx) => sortBiggest(st, ctx.table, 'rps'),
    sortRss: (st, ctx) => sortBiggest(st, ctx.table, 'rss'),
    sortTime: (st, ctx) => sortBiggest(st, ctx.table, 'runt'),
    cores: (st) => {
      const cores = nextCoresMode(st.cores);
      return toggle({ cores }, `cores: ${cores}${cores !== 'hidden' ? (st.unused ? ' (unused shown)' : ' (unused hidden; u shows)') : ''}`);
    },
    unused: (st) => toggle({ unused: !st.unused }, `unused cores ${st.unused ? 'hidden' : 'shown'}`),
    totals: (st, ctx) => {
      const out: ReturnType<Action<UiState>> = { state: { ...st, totals: !st.totals }, reaction: 'rebuild' };
      if (!st.totals && ctx.table?.kind === 'workers') out.message = 'totals row: ReSpwn Σ = respawns since start (respawn_count − 1 per worker)';
      return out;
    },
    fast: (st) => {
      const fast = !st.fast;
      const every = fast ? Math.min(page.o.fastMs, page.o.intervalMs) : page.o.intervalMs;
      return { state: { ...st, fast }, reaction: 'redraw', message: fast ? `fast refresh: every ${formatEvery(every)}` : `refresh every ${formatEvery(every)}` };
    },
    chart: (st, ctx) => (page.shown.view?.kind === 'emperor' ? { reaction: 'redraw', message: 'no throughput chart for vassals' } : paneToggle(st, ctx.rows, 'chart')),
    events: (st, ctx) => paneToggle(st, ctx.rows, 'events'),
    replayPause: replayAction(replay, (r) => r.togglePause()),
    replayStep: replayAction(replay, (r, d) => r.step(d)),
    replaySpeed: replayAction(replay, (r, d) => r.changeSpeed(d)),
    replaySeek: replayAction(replay, (r, d) => r.seek(d * REPLAY_SEEK_MS)),
    replayJump: replayAction(replay, (r, d) => r.jump(d)),
    diagnosis: () => ({ reaction: 'push', push: { view: 'list', arg: { page, kind: 'diagnosis' } } }),
    inflight: () => ({ reaction: 'push', push: { view: 'list', arg: { page, kind: 'inflight' } } }),
    sockets: () => ({ reaction: 'push', push: { view: 'list', arg: { page, kind: 'sockets' } } }),
    // 1-9 in the diagnosis list (bound here so the help overlay lists it; in the table 1-9 sort)
    jump: () => ({ reaction: 'none' }),
  };
}

/** Like htop's P/M/T: biggest first (the column's default direction); said when the table has no such column. */
function sortBiggest(st: UiState, table: TableInfo | undefined, id: string): ReturnType<Action<UiState>> {
  if (!table) return { reaction: 'none' };
  if (table.kind === 'vassals' || (table.kind === 'cores' && id !== 'rps')) return { reaction: 'redraw', message: `no ${id} column in this table` };
  const withCol = table.columns.some((c) => c.id === id) ? table : { ...table, columns: [...table.columns, { id, title: columnById(id)?.title ?? id, descending: columnById(id)?.descending === true }] };
  return sortDefault(lens, st, withCol, id);
}

function paneToggle(st: UiState, rows: number, which: 'chart' | 'events'): ReturnType<Action<UiState>> {
  const on = which === 'chart' ? !st.chart : !st.events;
  const what = which === 'chart' ? 'chart' : 'event log';
  const out: ReturnType<Action<UiState>> = { state: { ...st, [which]: on }, reaction: 'redraw' };
  if (rows < PANE_MIN_ROWS) out.message = on ? `${what} on: shown on terminals of ${PANE_MIN_ROWS}+ rows (this one has ${rows})` : `${what} off (it was not shown: ${PANE_MIN_ROWS}+ rows needed)`;
  return out;
}

/**
 * What the two views of a monitored target share: the page's state, clock,
 * session, header and footer (the worker table and the detail view differ
 * only in their body and their keys).
 */
export abstract class PageView {
  readonly screen = 'monitor' as const;
  readonly helpTitle = 'tsgitop keys';
  readonly page: MonitorPage;
  protected shell!: ShellApi;

  constructor(page: MonitorPage) {
    this.page = page;
  }

  get state(): UiState {
    return this.page.state;
  }

  set state(s: UiState) {
    this.page.state = s;
  }

  now(): number {
    return this.page.now();
  }

  changed(prev: UiState): void {
    this.page.changed(prev);
  }

  refetch(): void {
    this.page.session.refetch();
  }

  header(now: number, cols: number): { items: HeaderItem[]; maxLines: number } {
    return this.page.header(now, cols);
  }

  tick(): boolean {
    return this.page.tick();
  }
}

export class WorkersView extends PageView implements View<UiState> {
  readonly context = 'main' as const;
  readonly keys: readonly Bound<UiState>[];
  #pane: Box | undefined;
  #chart: ThroughputChart | undefined;
  #memo = new Memo<TableModel | undefined>();
  #footer = new Memo<{ key: string; label: string }[]>();
  #width = 80;
  /** Each row's line from the last frame, reused while its cells are the same. */
  #lines = new LineMemo<WorkerRowSource>();

  constructor(page: MonitorPage) {
    super(page);
    this.keys = bind(page.keyMap, monitorActions(page));
    page.rowOf = (key) => this.#model(this.#width)?.rows.find((r) => r.key === key);
  }

  mount(shell: ShellApi): void {
    this.shell = shell;
    this.#pane = shell.box({ hidden: true });
    this.#chart = new ThroughputChart(shell.screen, shell.theme);
    this.page.attach(this, shell);
  }

  show(): void {}

  hide(): void {
    this.#pane?.hide();
    this.#chart?.hide();
  }

  unmount(): void {
    this.hide();
    this.page.detach(this);
  }

  panes(cols?: number): PaneWant {
    // The rows the table holds, so the rows it does not need go to the panes.
    const rows = cols === undefined ? undefined : this.#model(cols)?.rows.length;
    return { chart: this.state.chart, events: this.state.events, rows };
  }

  /** The table of the frame on display, derived from its inputs through one memo. */
  #model(width: number): TableModel | undefined {
    const v: ModelView | undefined = this.page.shown.view;
    const st = this.state;
    return this.#memo.get([v, width, st.cores, st.unused, st.totals, st.filter, st.sortId, st.coreSortId, st.reverse, st.coreReverse], () => {
      if (!v) return undefined;
      const common = { width, unused: st.unused, filter: st.filter, sortId: st.sortId, coreSortId: st.coreSortId, reverse: st.reverse, coreReverse: st.coreReverse };
      return v.kind === 'server'
        ? buildTable({ ...common, workers: v.workers, cores: st.cores, totals: st.totals })
        : buildTable({ ...common, vassals: v.doc.vassals, cores: 'hidden', totals: false });
    });
  }

  table(width: number): ShellTable | undefined {
    this.#width = width;
    const t = this.#model(width);
    if (!t) return undefined;
    return {
      info: { kind: t.kind, keys: t.rows.map((r) => r.key), related: sameWorkerKey, reverse: t.reverse, sortIds: t.sortIds, sortId: t.sortId, columns: t.columns },
      columnAt: (x) => columnAt(t, x)?.id,
    };
  }

  draw(L: Layout, now: number): void {
    const shell = this.shell;
    const t = this.#model(L.cols);
    const v = this.page.shown.view;
    const f = this.page.shown;
    const failure = this.page.session.frame.failure;
    const totals = v?.kind === 'server' ? v.totals : undefined;
    const ctx = { now };
    const st = this.state;
    const headKey = t ? titlesKey(t) : '';
    const memo = this.#lines;
    memo.frame(`${headKey}|${shell.theme.color}`);
    const day = localDay(now);
    const hints = f.hints;
    shell.drawTable(this, L, {
      table: this.table(L.cols),
      headKey,
      head: (width) => headerLine(t!, width, shell.theme),
      line: (i, selected, width) => {
        const row = t!.rows[i]!;
        const base = baseStyle(row);
        let source: WorkerRowSource | undefined;
        let cells: readonly Cell[] | undefined;
        if (row.kind === 'worker') {
          source = { view: row.worker, share: SHARE.format(row.worker, ctx), day, spawn: hints.recentSpawn?.has(row.key) === true, rssGrowing: hints.rssGrowing?.has(row.key) === true };
          // A worker row whose view, day and hints are those of its line last frame (its fields compared once)…
          const was = memo.cellsIf(row.key, width, selected, base, source, sameWorkerRowButShare);
          if (was) {
            // …and whose share shows the same keeps that line: no cell is made (the same entry, just matched).
            const kept = memo.kept(row.key, width, selected, base, source, sameShare);
            if (kept) return kept;
            // Only its share shows another value (it moves with every other worker's requests): the share's cell is
            // made again.
            cells = withShare(t!, was, row.worker, ctx, hints);
          }
        }
        cells ??= rowCells(t!, row, ctx, totals, hints);
        const made = cells;
        return memo.line(row.key, made, width, selected, base, () => styledLine(t!, made, width, shell.theme, selected, base), source);
      },
      placeholder: failure ? `no data yet: ${failure.message}` : `reading ${clean(this.page.o.addressLabel)} …`,
      empty: st.filter !== '' ? `no rows match "${clean(st.filter)}" (Esc clears)` : t?.kind === 'vassals' ? 'no vassals' : t?.kind === 'cores' ? (v?.kind === 'server' && coresNotReported(v.workers) ? CORES_NOT_REPORTED : 'no cores (all unused: u shows unused)') : 'no workers',
      scrollMark: true,
    });
    this.#drawPanes(L, now);
  }

  #drawPanes(L: Layout, now: number): void {
    const chart = L.pane === 'chart' || L.pane === 'both';
    const events = L.pane === 'events' || L.pane === 'both';
    const s = this.page.session;
    const f = this.page.shown;
    if (chart) {
      this.#chart!.draw(
        { top: L.paneTop, left: 0, width: L.chartWidth, height: L.chartHeight },
        {
          rps: s.seriesOf(f, s.history.totals.rps.toArray()),
          listenQueue: s.seriesOf(f, s.history.totals.listenQueue.toArray()),
          times: s.seriesOf(f, s.readTimes.toArray()),
          version: `${f.historyVersion}:${f.historyTicks}`,
        },
      );
    } else {
      this.#chart!.hide();
    }
    const pane = this.#pane!;
    if (events) {
      const left = L.pane === 'both' && !L.stacked ? L.chartWidth + 1 : 0;
      const width = L.cols - left;
      const top = L.stacked ? L.paneTop + L.chartHeight : L.paneTop;
      const height = L.stacked ? L.paneHeight - L.chartHeight : L.paneHeight;
      pane.show();
      place(pane, top, height, width, left);
      pane.setContent(eventLines(s.eventsOf(f), width, height, now, this.shell.theme).join('\n'));
    } else {
      pane.hide();
    }
  }

  status(cols: number, now: number): string {
    const input = this.page.statusInput(cols, now, this.shell);
    const t = this.#model(cols);
    if (t) input.matched = { matched: t.matched, total: t.total };
    return statusLine(input);
  }

  footer(): { key: string; label: string }[] {
    const emperor = this.page.shown.view?.kind === 'emperor';
    // Keys that mean nothing for a vassal table (no worker detail, no cores, no throughput chart) are not offered there.
    return this.#footer.get([emperor], () => (emperor ? this.page.footer('main').filter((h) => !VASSAL_UNOFFERED.has(h.label)) : this.page.footer('main')));
  }

}

/** Footer hints not offered on a vassal table. */
const VASSAL_UNOFFERED = new Set(['detail', 'chart', 'cores', 'totals']);

/** Everything the table's title line depends on. */
function titlesKey(t: TableModel): string {
  let k = `${t.kind}|${t.sortId ?? ''}|${t.reverse}`;
  for (const c of t.columns) k += `|${c.id}:${c.title}:${c.width}:${c.align}`;
  return k;
}

/**
 * What a worker row's cells are made of: its view, the local day of the
 * frame's time (the clock columns show HH:MM:SS for today, else the date;
 * no worker column reads the time otherwise) and its row hints.
 */
export interface WorkerRowSource {
  view: WorkerView;
  /** The share as its column shows it (the view's share moves with every other worker's requests). */
  share: string;
  day: number;
  spawn: boolean;
  rssGrowing: boolean;
}

/** The share column (its cell is part of a worker row's source). */
const SHARE = columnById<WorkerView, Totals>('share')!;

/** Every row hint, as WorkerRowSource holds it (a hint added to RowHints stops the build here until it is added there). */
const ROW_HINTS_HELD: Record<keyof RowHints, keyof WorkerRowSource> = { recentSpawn: 'spawn', rssGrowing: 'rssGrowing' };
void ROW_HINTS_HELD;

/**
 * Row keys of the same worker (table.ts: `w:KEY` for a worker, `c:KEY:CORE` for one of its cores): a worker
 * selected before `a` merged the cores is found again as its first core, and a core as its worker.
 */
export function sameWorkerKey(selected: string, key: string): boolean {
  if (selected.startsWith('w:')) return key.startsWith(`c:${selected.slice(2)}:`);
  if (selected.startsWith('c:')) return (key.startsWith('w:') && selected.startsWith(`c:${key.slice(2)}:`)) || (key.startsWith('c:') && coreOwner(selected) === coreOwner(key));
  return false;
}

/** `c:KEY:CORE` → KEY (a core's key ends at its last colon). */
function coreOwner(k: string): string {
  return k.slice(2, k.lastIndexOf(':'));
}

/** The share as shown is the same (the rest of the source compared already, by {@link sameWorkerRowButShare}). */
function sameShare(a: WorkerRowSource, b: WorkerRowSource): boolean {
  return a.share === b.share;
}

/** A worker row's source is the same but (maybe) for its share: every cell of the row but the share's is the same. */
export function sameWorkerRowButShare(a: WorkerRowSource, b: WorkerRowSource): boolean {
  return a.day === b.day && a.spawn === b.spawn && a.rssGrowing === b.rssGrowing && sameWorkerFields(a.view, b.view);
}

/** `cells` (a worker row's, made from the same source but for its share) with the share's cell made again for `w`. */
export function withShare(t: TableModel, cells: readonly Cell[], w: WorkerView, ctx: RenderContext, hints: RowHints): readonly Cell[] {
  const at = t.columns.findIndex((c) => c.id === SHARE.id);
  if (at < 0) return cells;
  const out = cells.slice();
  out[at] = toneCell(w, t.columns[at] as typeof SHARE, ctx, hints);
  return out;
}

function baseStyle(row: RowRef): 'plain' | 'totals' {
  return row.kind === 'totals' ? 'totals' : 'plain';
}

function normaliseSort(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  return columnById(s)?.id ?? s.trim().toLowerCase();
}
