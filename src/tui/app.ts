/**
 * The live monitor: a blessed screen fed by a read loop.
 *
 * `runMonitor` reads the stats source every `frequencyMs` (never two reads at
 * once), turns each read into a View with the model, and draws it. It
 * resolves with the exit code when the user quits (q / Ctrl-C → 0), on
 * SIGTERM (143), SIGHUP (129), SIGINT (130), or on an internal error (1,
 * printed as one line after the terminal is restored). A failed read never
 * exits: the last good data stays on screen marked STALE with its age and
 * the error, and reads are retried with backoff until the server is back.
 *
 * Widgets only draw what the model and the pure modules of src/tui hand
 * them; the terminal is restored on every exit path (`restoreTerminal`).
 */
import blessed from 'blessed';
import type { Readable, Writable } from 'node:stream';
import { buildView } from '../model/view.js';
import { connectionEvent } from '../model/events.js';
import { History } from '../model/history.js';
import { Ring } from '../model/ring.js';
import type { ModelEvent, Sample, View, WorkerView } from '../model/types.js';
import { columnById } from '../columns.js';
import type { StatsDocument } from '../protocol/types.js';
import { detailLines } from './detail.js';
import { emperorHeaderItems, headerText, packHeader, serverHeaderItems, type HeaderItem } from './header.js';
import { rowHints } from './hints.js';
import { bindingFor, footerHints, keyMapFor, keyName, replayDirection, type ActionId, type KeyBinding } from './keys.js';
import { REPLAY_SEEK_MS, replayReadIntervalMs, type ReplayControls } from './replay.js';
import { helpBox, helpPage, statusLine, type StatusInput } from './status.js';
import { PANE_MIN_ROWS, computeLayout, type Layout } from './layout.js';
import { ThroughputChart } from './chart.js';
import { eventLines, footerLine } from './panes.js';
import { Poller } from './poller.js';
import { editFilter, helpScroll, navigationMove, initialState, moveSelection, nextCoresMode, pickSort, resolveSelection, scrollTop, stepSort, tickRenders, type UiState } from './state.js';
import { buildTable, columnAt, headerLine, rowCells, taggedLine, type RowHints, type RowRef, type TableModel } from './table.js';
import { clean, clip, formatAge, formatEvery, oneLine, pad } from './text.js';
import { makeTheme, type Theme } from './theme.js';
import {
  dropOutputErrorListener,
  helpOverlay,
  installProcessHandlers,
  lineBox,
  openScreen,
  releaseInput,
  removeProcessHandlers,
  suspendToShell,
  writeFatal,
  type Box as BlessedBox,
  type Handlers,
} from './terminal.js';

/** What a frame was drawn for (tests wait on these). */
export interface RenderInfo {
  frame: number;
  reason: string;
  /** The render error of this frame, if drawing threw. */
  error?: string;
}

/** Observation points for tests and embedders. */
export interface MonitorHooks {
  /** Called after every frame has been written to the output stream. */
  rendered?(info: RenderInfo): void;
  /** Called at the start of every frame; throwing here exercises the render-error path. */
  beforeRender?(reason: string): void;
}

export interface MonitorOptions {
  /** One read of the stats server; rejects (with a StatsError) on failure. Gets an AbortSignal that fires on exit. */
  source: (signal?: AbortSignal) => Promise<Sample<StatsDocument>>;
  /** The address as the user wrote it (shown in the header). */
  addressLabel: string;
  /** Node name shown in the header (e.g. the server's hostname); defaults to the address. */
  node?: string;
  /** Refresh interval, ms (default 1000; fractional seconds from the CLI are fine). */
  frequencyMs?: number;
  /** Colours on (default true). Off: no SGR colour codes at all (bold/inverse only). */
  color?: boolean;
  /** Initial sort column id (WORKER_COLUMNS id or title, e.g. 'rps'). */
  sortBy?: string;
  /** Initial sort direction: descending when true. */
  reverse?: boolean;
  /** Terminal input (default process.stdin). */
  input?: Readable;
  /** Terminal output (default process.stdout). */
  output?: Writable;
  /** terminfo name (default: $TERM; 'xterm-256color' when custom streams are given). */
  terminal?: string;
  /** Clock for ages and the header time, ms since epoch (default Date.now). */
  now?: () => number;
  /** Called once with the exit code, after the terminal is restored. */
  onExit?: (code: number) => void;
  /** Fast-refresh interval, ms (default 100). */
  fastMs?: number;
  /** Retry backoff after a failed read (default 500 ms doubling up to 10 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Install process handlers for SIGTERM/SIGHUP/SIGINT and uncaught errors (default true). */
  processHandlers?: boolean;
  /**
   * Replaying a recording (`tsgitop --replay`): the replay keys (play/pause,
   * step, speed, seek) are bound and listed, the status line leads with the
   * REPLAY marker, and reads follow the replay clock. `now` should be the
   * replay clock too.
   */
  replay?: ReplayControls;
  /** Where the one-line fatal error goes after the terminal is restored (default process.stderr). */
  stderr?: Writable;
  /** Environment (TSGITOP_DEBUG=1 adds a stack to a fatal error). Default process.env. */
  env?: NodeJS.ProcessEnv;
  hooks?: MonitorHooks;
  /**
   * Opened from another view (the interactive fleet view): `q`, and Esc on
   * the worker table with no filter, resolve runMonitor with MONITOR_BACK
   * instead of quitting, and the footer's quit hint reads `q <label>`.
   * Ctrl-C still quits (0).
   */
  back?: { label: string };
}

/** What runMonitor resolves with when the user went back (MonitorOptions.back); never an exit code. */
export const MONITOR_BACK = -1;

/** Restorers of the monitors currently on screen. */
const active = new Set<() => void>();

/**
 * Emergency exit path: put the terminal back (normal screen, cursor on,
 * mouse off, cooked mode) and stop every running monitor, whose
 * `runMonitor` promise then resolves with 1. Idempotent; safe to call from
 * any exit or crash handler.
 */
export function restoreTerminal(): void {
  for (const r of [...active]) r();
}

/** Run the monitor until the user quits; resolves with the exit code. */
export function runMonitor(opts: MonitorOptions): Promise<number> {
  return new Promise<number>((resolve) => {
    let m: Monitor | undefined;
    try {
      m = new Monitor(opts, resolve);
      m.start();
    } catch (e) {
      // Could not even set up the screen: restore whatever was done, one line, exit 1.
      m?.fail(e);
      if (!m) {
        restoreTerminal();
        writeFatal(opts.stderr ?? process.stderr, opts.env ?? process.env, e);
        try {
          opts.onExit?.(1);
        } catch {
          /* ignore */
        }
        resolve(1);
      }
    }
  });
}


/** Period of the clock ticker (ages, header time), ms. */
const TICK_MS = 1000;
const EVENT_CAP = 500;
const MESSAGE_MS = 3000;
const RENDER_ERROR_MS = 10_000;

interface SeqEvent {
  seq: number;
  ev: ModelEvent;
}


class Monitor {
  readonly #o: MonitorOptions;
  readonly #resolve: (code: number) => void;
  readonly #now: () => number;
  readonly #theme: Theme;
  readonly #freq: number;
  readonly #fast: number;
  /** The key map in force (with the replay section when replaying). */
  readonly #keys: readonly KeyBinding[];
  #state: UiState;

  #screen!: blessed.Widgets.Screen;
  #header!: BlessedBox;
  #status!: BlessedBox;
  #tableHead!: BlessedBox;
  #body!: BlessedBox;
  /** The event log pane. */
  #pane!: BlessedBox;
  #chart!: ThroughputChart;
  #detail!: BlessedBox;
  #footer!: BlessedBox;
  #help!: BlessedBox;
  #helpTop = 0;

  #poller: Poller<Sample<StatsDocument>>;
  #ticker: NodeJS.Timeout | undefined;
  #history = new History({ capacity: 240 });
  /** Local clock (ms) of each History update, for the chart's time axis. */
  #readTimes = new Ring<number>(this.#history.capacity);
  /** Bumped whenever the History changes (the chart redraws its lines only then). */
  #historyVersion = 0;
  #prev: Sample<StatsDocument> | undefined;
  #latest: View | undefined;
  #shown: View | undefined;
  /** Local clock at the read of the displayed view. */
  #shownAt: number | undefined;
  #shownHints: RowHints = {};
  #pausedTicks = 0;
  #pausedSeq = 0;
  #lastGoodAt: number | undefined;
  #lastError: { message: string; since: number; retryAt: number } | undefined;
  #events: SeqEvent[] = [];
  #seq = 0;
  #message: { text: string; until: number } | undefined;
  #renderError: { text: string; at: number } | undefined;
  #frame = 0;
  #table: TableModel | undefined;
  #tableKey: unknown[] = [];
  #detailWorker: WorkerView | undefined;
  #layout: Layout | undefined;
  /** What the footer and the table titles were last built for (rebuilt only on a change). */
  #footerKey = '';
  #headKey = '';

  #finished = false;
  #restored = false;
  #handlers: Handlers = [];
  #outErr: (() => void) | undefined;
  readonly #restore = (): void => this.#finish(1);

  constructor(o: MonitorOptions, resolve: (code: number) => void) {
    this.#o = o;
    this.#resolve = resolve;
    this.#now = o.now ?? Date.now;
    this.#theme = makeTheme(o.color !== false);
    this.#freq = positive(o.frequencyMs, 1000);
    this.#fast = positive(o.fastMs, 100);
    this.#keys = keyMapFor({ replay: o.replay !== undefined });
    this.#state = initialState({ sortId: normaliseSort(o.sortBy), reverse: o.reverse === true });
    this.#poller = new Poller<Sample<StatsDocument>>({
      read: (signal) => o.source(signal),
      intervalMs: () => {
        const every = this.#state.fast ? Math.min(this.#fast, this.#freq) : this.#freq;
        // A replay's reads wait for the replay clock: read every `every` of recorded time.
        return o.replay ? replayReadIntervalMs(every, o.replay.status().speed) : every;
      },
      onSuccess: (s) => this.#guard('read', () => this.#onSample(s)),
      onFailure: (e, retry) => this.#guard('read', () => this.#onFailure(e, retry)),
      backoffInitialMs: o.backoff?.initialMs ?? 500,
      backoffMaxMs: o.backoff?.maxMs ?? 10_000,
    });
  }

  start(): void {
    this.#createScreen();
    if (this.#o.processHandlers !== false) this.#installHandlers();
    this.#render('start');
    this.#poller.start();
    this.#ticker = setInterval(() => this.#guard('tick', () => this.#tick()), TICK_MS);
  }

  /** Stop with an internal error (terminal restored first, then one line). */
  fail(e: unknown): void {
    this.#finish(1, e);
  }

  // ---------------------------------------------------------------- screen

  #createScreen(): void {
    active.add(this.#restore);
    this.#screen = openScreen({ input: this.#o.input, output: this.#o.output, terminal: this.#o.terminal, title: 'tsgitop' });
    const box = (extra: Record<string, unknown> = {}): BlessedBox => lineBox(this.#screen, extra);
    this.#header = box();
    this.#status = box();
    this.#tableHead = box();
    this.#body = box();
    this.#pane = box({ hidden: true });
    this.#chart = new ThroughputChart(this.#screen, this.#theme);
    this.#detail = box({ hidden: true });
    this.#footer = box();
    this.#help = helpOverlay(this.#screen, 'tsgitop keys');

    this.#screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) =>
      this.#guard('key', () => this.#onKey(ch, key)),
    );
    this.#screen.on('resize', () => this.#guard('resize', () => this.#render('resize')));
    this.#body.on('click', (d: blessed.Widgets.Events.IMouseEventArg) => this.#guard('mouse', () => this.#onBodyClick(d)));
    this.#body.on('wheeldown', () => this.#guard('mouse', () => this.#act('down', undefined, 3)));
    this.#body.on('wheelup', () => this.#guard('mouse', () => this.#act('up', undefined, 3)));
    this.#tableHead.on('click', (d: blessed.Widgets.Events.IMouseEventArg) => this.#guard('mouse', () => this.#onHeadClick(d)));
    this.#outErr = (): void => this.#finish(129);
    (this.#o.output ?? process.stdout).on('error', this.#outErr);
  }

  #installHandlers(): void {
    installProcessHandlers(this.#handlers, (code, fatal) => this.#finish(code, fatal), () => this.#suspend());
  }

  #removeHandlers(): void {
    removeProcessHandlers(this.#handlers);
    if (this.#outErr) dropOutputErrorListener(this.#o.output ?? process.stdout, this.#outErr);
    this.#outErr = undefined;
  }

  #restoreScreen(): void {
    if (this.#restored) return;
    this.#restored = true;
    active.delete(this.#restore);
    try {
      this.#screen?.destroy();
    } catch {
      /* the terminal may be gone (SIGHUP) */
    }
    releaseInput(this.#o.input);
  }

  #finish(code: number, fatal?: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#poller.stop();
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.#restoreScreen();
    this.#removeHandlers();
    if (fatal !== undefined) writeFatal(this.#o.stderr ?? process.stderr, this.#o.env ?? process.env, fatal);
    try {
      this.#o.onExit?.(code);
    } catch {
      /* ignore */
    }
    this.#resolve(code);
  }

  /** Run `fn`; an exception is shown in the status line instead of killing the monitor. */
  #guard(where: string, fn: () => void): void {
    if (this.#finished) return;
    try {
      fn();
    } catch (e) {
      this.#renderError = { text: `${where}: ${oneLine(e)}`, at: this.#now() };
      this.#render('error');
    }
  }

  // ------------------------------------------------------------------ data

  #onSample(s: Sample<StatsDocument>): void {
    const now = this.#now();
    const wasDown = this.#lastError !== undefined && this.#lastGoodAt !== undefined;
    const downFor = this.#lastError ? now - this.#lastError.since : 0;
    if (this.#o.replay) {
      const base = this.#o.replay.baseline?.(s);
      if (this.#prev && s.at < this.#prev.at) {
        // The replay moved back in time: rates against the record before this one, history anew.
        this.#prev = base;
        this.#history.clear();
        this.#readTimes.clear();
        this.#historyVersion++;
      } else if (base) {
        this.#prev = base;
      }
    }
    let view: View;
    try {
      view = buildView(s, this.#prev, { node: this.#o.node ?? this.#o.addressLabel, address: this.#o.addressLabel });
    } catch (e) {
      // A document the model cannot use counts as a failed read.
      this.#onFailure(e, 0);
      return;
    }
    if (this.#prev && this.#prev.doc.kind !== s.doc.kind) {
      this.#history.clear();
      this.#readTimes.clear();
      this.#historyVersion++;
    }
    this.#prev = s;
    this.#lastGoodAt = now;
    this.#lastError = undefined;
    if (wasDown) this.#pushEvent(connectionEvent('connection_restored', now, `connection restored after ${formatAge(downFor)}`));
    if (view.kind === 'server') {
      this.#history.update(view);
      this.#readTimes.push(now);
      this.#historyVersion++;
      for (const e of view.events) this.#pushEvent(e);
    }
    this.#latest = view;
    if (!this.#state.paused) this.#show(view);
    this.#render('sample');
  }

  #onFailure(e: unknown, retryMs: number): void {
    const now = this.#now();
    const message = oneLine(e);
    if (this.#lastError === undefined) {
      this.#lastError = { message, since: now, retryAt: now + retryMs };
      if (this.#lastGoodAt !== undefined) this.#pushEvent(connectionEvent('connection_lost', now, `connection lost: ${message}`));
    } else {
      this.#lastError = { message, since: this.#lastError.since, retryAt: now + retryMs };
    }
    this.#render('failure');
  }

  #show(view: View): void {
    this.#shown = view;
    this.#shownAt = this.#lastGoodAt;
    this.#shownHints = view.kind === 'server' ? rowHints(view, this.#history, this.#now()) : {};
    this.#table = undefined;
  }

  #pushEvent(ev: ModelEvent): void {
    this.#events.push({ seq: ++this.#seq, ev });
    if (this.#events.length > EVENT_CAP) this.#events.splice(0, this.#events.length - EVENT_CAP);
  }

  #tick(): void {
    // Keep ages and the clock moving when reads are slow, failing or paused.
    const render = tickRenders({
      paused: this.#state.paused,
      failing: this.#lastError !== undefined,
      noData: this.#latest === undefined,
      busyMs: this.#poller.busyMs,
      freqMs: this.#freq,
      tickMs: TICK_MS,
    });
    // A playing replay's clock moves (the header time, the REPLAY marker): keep it current.
    if (render || (this.#o.replay !== undefined && !this.#o.replay.status().paused)) this.#render('tick');
  }

  // ------------------------------------------------------------------ keys

  #onKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined): void {
    const name = keyName(ch, key);
    if (name === 'C-c') return this.#finish(0);
    if (this.#state.help) return this.#helpKey(name);
    if (this.#state.filterEditing) return this.#filterKey(ch, name);
    const b = bindingFor(name, this.#state.screen, this.#keys);
    if (!b) return;
    this.#act(b.action, name);
  }

  #helpKey(name: string | undefined): void {
    const next = helpScroll(name, this.#helpTop, helpPage(Number(this.#screen.height) || 24, this.#keys));
    if (next === undefined) return;
    if (next === 'close') this.#state = { ...this.#state, help: false };
    else this.#helpTop = next;
    this.#render('key');
  }

  #filterKey(ch: string | undefined, name: string | undefined): void {
    const next = editFilter(this.#state, ch, name);
    if (!next) return;
    this.#state = { ...this.#state, ...next };
    this.#table = undefined;
    this.#render('key');
  }

  #say(text: string): void {
    this.#message = { text, until: this.#now() + MESSAGE_MS };
  }

  #act(action: ActionId, key: string | undefined, count = 1): void {
    const st = this.#state;
    const table = this.#currentTable();
    if (table && st.screen === 'main') this.#resolveSelection(table);
    const sel = this.#state.selected;
    const keys = table ? table.rows.map((r) => r.key) : [];
    const page = Math.max(1, (this.#layout?.tableHeight ?? 10) - 1);
    const set = (p: Partial<UiState>, reason = 'key'): void => {
      this.#state = { ...this.#state, ...p };
      this.#render(reason);
    };
    const move = navigationMove(action, count, page);
    if (move !== undefined) return set({ selected: moveSelection(keys, sel, move) });
    switch (action) {
      case 'quit':
        return this.#finish(this.#o.back ? MONITOR_BACK : 0);
      case 'help':
        this.#helpTop = 0;
        return set({ help: !st.help });
      case 'open': {
        const row = table?.rows.find((r) => r.key === sel);
        if (row && (row.kind === 'worker' || row.kind === 'core')) {
          this.#detailWorker = row.worker;
          return set({ screen: 'detail', detailKey: row.worker.key });
        }
        this.#say(table?.kind === 'vassals' ? 'no detail view for vassals' : row?.kind === 'totals' ? 'no detail view for the totals row' : 'no worker to show');
        return set({});
      }
      case 'back':
        if (st.screen === 'detail') return set({ screen: 'main' });
        if (st.filter !== '') {
          this.#table = undefined;
          return set({ filter: '' });
        }
        if (this.#o.back) return this.#finish(MONITOR_BACK);
        // Like htop, Esc never drops the selection: a row stays selected.
        return set({});
      case 'sortNext':
      case 'sortPrev': {
        if (!table) return;
        const step = action === 'sortNext' ? 1 : -1;
        const cur = table.kind === 'cores' ? st.coreSortId : st.sortId;
        return this.#setSort(table, stepSort(table.sortIds, table.sortId ?? cur, step), st.reverse);
      }
      case 'sortPick': {
        if (!table || key === undefined) return;
        const id = table.sortIds[Number(key) - 1];
        if (id === undefined) return;
        const cur = table.sortId ?? '';
        const p = pickSort(cur, st.reverse, id);
        return this.#setSort(table, p.id, p.reverse);
      }
      case 'sortRps':
      case 'sortRss':
      case 'sortTime': {
        if (!table) return;
        const id = action === 'sortRps' ? 'rps' : action === 'sortRss' ? 'rss' : 'runt';
        if (table.kind === 'vassals' || (table.kind === 'cores' && id !== 'rps')) {
          this.#say(`no ${id} column in this table`);
          return set({});
        }
        // Like htop's P/M/T: biggest first.
        return this.#setSort(table, id, true);
      }
      case 'reverse':
        this.#table = undefined;
        this.#say(`sort ${st.reverse ? 'ascending' : 'descending'}`);
        return set({ reverse: !st.reverse });
      case 'cores': {
        const cores = nextCoresMode(st.cores);
        this.#table = undefined;
        this.#say(`cores: ${cores}${cores !== 'hidden' ? (st.unused ? ' (unused shown)' : ' (unused hidden; u shows)') : ''}`);
        return set({ cores });
      }
      case 'unused':
        this.#table = undefined;
        this.#say(`unused cores ${st.unused ? 'hidden' : 'shown'}`);
        return set({ unused: !st.unused });
      case 'totals':
        this.#table = undefined;
        if (!st.totals && table?.kind === 'workers') this.#say('totals row: ReSpwn Σ = respawns since start (respawn_count − 1 per worker)');
        return set({ totals: !st.totals });
      case 'fast':
        this.#state = { ...st, fast: !st.fast };
        this.#poller.reschedule();
        this.#say(this.#state.fast ? `fast refresh: every ${formatEvery(Math.min(this.#fast, this.#freq))}` : `refresh every ${formatEvery(this.#freq)}`);
        return set({});
      case 'pause':
        if (!st.paused) {
          this.#pausedTicks = this.#history.ticks;
          this.#pausedSeq = this.#seq;
          return set({ paused: true });
        }
        this.#state = { ...st, paused: false };
        if (this.#latest) this.#show(this.#latest);
        return set({});
      case 'filter':
        return set({ filterEditing: true });
      case 'chart':
      case 'events': {
        const p = action === 'chart' ? { chart: !st.chart } : { events: !st.events };
        const rows = this.#layout?.rows ?? 0;
        const what = action === 'chart' ? 'chart' : 'event log';
        if (rows < PANE_MIN_ROWS) this.#say((p.chart ?? p.events) ? `${what} on: shown on terminals of ${PANE_MIN_ROWS}+ rows (this one has ${rows})` : `${what} off`);
        return set(p);
      }
      case 'redraw':
        this.#screen.realloc();
        return set({}, 'redraw');
      case 'suspend':
        return this.#suspend();
      case 'replayPause':
      case 'replayStep':
      case 'replaySpeed':
      case 'replaySeek':
      case 'replayJump':
        return this.#replayKey(action, key);
    }
  }

  /** A replay key: act on the replay, read at once (the read waits for nothing new), redraw. */
  #replayKey(action: ActionId, key: string | undefined): void {
    const r = this.#o.replay;
    if (!r) return;
    const dir = replayDirection(key) === -1 ? -1 : 1;
    if (action === 'replayPause') r.togglePause();
    else if (action === 'replayStep') r.step(dir);
    else if (action === 'replaySpeed') r.changeSpeed(dir);
    else if (action === 'replaySeek') r.seek(dir * REPLAY_SEEK_MS);
    else if (action === 'replayJump') r.jump(dir);
    this.#poller.now();
    this.#render('key');
  }

  /** Ctrl-Z: give the terminal back, stop the process (SIGTSTP); SIGCONT redraws. */
  #suspend(): void {
    if (this.#o.processHandlers === false || process.platform === 'win32') {
      this.#say('suspend is not available here');
      return this.#render('key');
    }
    suspendToShell(this.#screen, this.#handlers, () => !this.#finished, (restore) =>
      this.#guard('resume', () => {
        restore();
        this.#render('resume');
      }),
    );
  }

  #setSort(table: TableModel, id: string, reverse: boolean): void {
    this.#table = undefined;
    const title = table.columns.find((c) => c.id === id)?.title ?? id;
    this.#say(`sort by ${title} ${reverse ? '▼' : '▲'}`);
    this.#state = table.kind === 'cores' ? { ...this.#state, coreSortId: id, reverse } : { ...this.#state, sortId: id, reverse };
    this.#render('key');
  }

  #onBodyClick(d: blessed.Widgets.Events.IMouseEventArg): void {
    if (this.#state.screen !== 'main' || this.#state.help || !this.#layout) return;
    const table = this.#currentTable();
    if (!table) return;
    const idx = d.y - this.#layout.tableTop + this.#state.top;
    const row = table.rows[idx];
    if (!row) return;
    if (row.key === this.#state.selected) return this.#act('open', undefined);
    this.#state = { ...this.#state, selected: row.key };
    this.#render('mouse');
  }

  #onHeadClick(d: blessed.Widgets.Events.IMouseEventArg): void {
    if (this.#state.screen !== 'main' || this.#state.help) return;
    const table = this.#currentTable();
    if (!table) return;
    const c = columnAt(table, d.x);
    if (!c) return;
    const p = pickSort(table.sortId ?? '', this.#state.reverse, c.id);
    this.#setSort(table, p.id, p.reverse);
  }

  // ---------------------------------------------------------------- render

  #currentTable(): TableModel | undefined {
    const v = this.#shown;
    if (!v) return undefined;
    const st = this.#state;
    const width = this.#layout?.cols ?? this.#screen.width;
    const key = [v, width, st.cores, st.unused, st.totals, st.filter, st.sortId, st.coreSortId, st.reverse];
    if (this.#table && key.every((k, i) => k === this.#tableKey[i])) return this.#table;
    this.#tableKey = key;
    this.#table =
      v.kind === 'server'
        ? buildTable({ workers: v.workers, width: Number(width), cores: st.cores, unused: st.unused, totals: st.totals, filter: st.filter, sortId: st.sortId, coreSortId: st.coreSortId, reverse: st.reverse })
        : buildTable({ vassals: v.doc.vassals, width: Number(width), cores: 'hidden', unused: st.unused, totals: false, filter: st.filter, sortId: st.sortId, coreSortId: st.coreSortId, reverse: st.reverse });
    return this.#table;
  }

  /**
   * Keep a row selected (htop style): the selected key where it is now (it
   * follows its worker across reads and re-sorts), else the row at the last
   * selection's index, clamped (its row vanished, or nothing was selected
   * yet: the first row). Updates the state; returns the display index, -1
   * for an empty table.
   */
  #resolveSelection(table: TableModel): number {
    const r = resolveSelection(table.rows.map((row) => row.key), this.#state);
    if (r.update) this.#state = { ...this.#state, ...r.update };
    return r.index;
  }

  #render(reason: string): void {
    if (this.#finished || this.#restored) return;
    let error: string | undefined;
    try {
      this.#o.hooks?.beforeRender?.(reason);
      this.#draw();
    } catch (e) {
      error = oneLine(e);
      this.#renderError = { text: error, at: this.#now() };
      try {
        this.#status.setContent(this.#theme.paint(clip(`render error: ${error}`, Number(this.#screen.width)), 'bad'));
      } catch {
        /* keep going */
      }
    }
    try {
      this.#screen.render();
      this.#screen.program.flush();
    } catch (e) {
      error = oneLine(e);
      this.#renderError = { text: error, at: this.#now() };
    }
    this.#frame++;
    try {
      this.#o.hooks?.rendered?.(error === undefined ? { frame: this.#frame, reason } : { frame: this.#frame, reason, error });
    } catch {
      /* a hook must not break the monitor */
    }
  }

  #draw(): void {
    const cols = Math.max(1, Number(this.#screen.width) || 80);
    const rows = Math.max(1, Number(this.#screen.height) || 24);
    const now = this.#now();
    const st = this.#state;
    const v = this.#shown;
    const wide = cols >= 100;

    // Header.
    let items: HeaderItem[];
    if (v?.kind === 'server') items = serverHeaderItems(v, now, wide, this.#o.addressLabel);
    else if (v?.kind === 'emperor') items = emperorHeaderItems(v, now, wide, this.#o.addressLabel);
    else items = [{ label: 'tsgitop', value: clean(this.#o.addressLabel), clippable: 'left' }];
    const maxHeader = rows >= 16 ? 3 : 1;
    const hl = headerText(packHeader(items, cols, maxHeader), this.#theme);
    const L = computeLayout(cols, rows, Math.max(1, hl.length), { chart: st.chart, events: st.events && st.screen === 'main' });
    this.#layout = L;
    place(this.#header, L.headerTop, L.headerHeight, cols);
    this.#header.setContent(hl.slice(0, L.headerHeight).join('\n'));

    // The table model first: the status line reports its filter counts.
    this.#currentTable();

    // Status line and footer.
    place(this.#status, L.statusTop, 1, cols);
    this.#status.setContent(this.#statusLine(cols, now));
    place(this.#footer, L.footerTop, 1, cols);
    if (this.#footerKey !== `${st.screen}:${cols}`) {
      // The footer only changes with the screen and the width: build and parse it only then.
      this.#footerKey = `${st.screen}:${cols}`;
      this.#footer.setContent(footerLine(backHints(footerHints(st.screen, this.#keys), this.#o.back), cols, this.#theme));
    }

    if (st.screen === 'detail') {
      this.#tableHead.hide();
      this.#body.hide();
      this.#pane.hide();
      this.#chart.hide();
      this.#detail.show();
      const top = L.tableHeadTop;
      const height = Math.max(1, L.footerTop - top);
      place(this.#detail, top, height, cols);
      const w = v?.kind === 'server' ? v.workers.find((x) => x.key === st.detailKey) : undefined;
      if (w) this.#detailWorker = w;
      this.#detail.setContent(
        detailLines({
          worker: w ?? this.#detailWorker,
          gone: w === undefined,
          series: st.detailKey !== undefined ? this.#history.worker(st.detailKey) : undefined,
          width: cols,
          height,
          now,
          unused: st.unused,
          theme: this.#theme,
          cut: (xs) => this.#series(xs),
        }).join('\n'),
      );
    } else {
      this.#detail.hide();
      this.#drawTable(L, now);
      this.#drawPanes(L, now);
    }

    // Help overlay.
    if (st.help) this.#drawHelp(cols, rows);
    else this.#help.hide();
    if (this.#renderError && now - this.#renderError.at > RENDER_ERROR_MS) this.#renderError = undefined;
  }

  #drawTable(L: Layout, now: number): void {
    const st = this.#state;
    this.#tableHead.show();
    this.#body.show();
    place(this.#tableHead, L.tableHeadTop, 1, L.cols);
    place(this.#body, L.tableTop, Math.max(1, L.tableHeight), L.cols);
    const table = this.#currentTable();
    if (!table) {
      this.#headKey = '';
      this.#tableHead.setContent(this.#theme.paint(pad('', L.cols), 'tableHead'));
      this.#body.setContent(this.#theme.paint(this.#lastError ? `no data yet: ${this.#lastError.message}` : `reading ${clean(this.#o.addressLabel)} …`, 'dim'));
      return;
    }
    const headKey = titlesKey(table, L.cols);
    if (this.#headKey !== headKey) {
      // Titles only change with the columns, the sort and the width (not with each read).
      this.#headKey = headKey;
      this.#tableHead.setContent(headerLine(table, L.cols, this.#theme));
    }
    const count = table.rows.length;
    const idx = this.#resolveSelection(table);
    const top = scrollTop(idx, this.#state.top, L.tableHeight, count);
    if (top !== st.top) this.#state = { ...this.#state, top };
    const ctx = { now };
    const totals = this.#shown?.kind === 'server' ? this.#shown.totals : undefined;
    const lines: string[] = [];
    for (let i = top; i < Math.min(count, top + L.tableHeight); i++) {
      const row = table.rows[i]!;
      const cells = rowCells(table, row, ctx, totals, this.#shownHints);
      lines.push(taggedLine(table, cells, L.cols, this.#theme, i === idx, baseStyle(row)));
    }
    if (count === 0) {
      lines.push(this.#theme.paint(st.filter !== '' ? `no rows match "${clean(st.filter)}" (Esc clears)` : table.kind === 'vassals' ? 'no vassals' : table.kind === 'cores' ? 'no cores (none reported, or all unused: u shows unused)' : 'no workers', 'dim'));
    } else if (count > L.tableHeight && L.tableHeight > 0) {
      // Scroll position in the last visible line's right edge.
      const more = `${top + 1}-${Math.min(count, top + L.tableHeight)}/${count}`;
      const last = lines.length - 1;
      if (last >= 0 && L.cols > more.length + 10) {
        const rowIdx = top + last;
        const row = table.rows[rowIdx]!;
        const cells = rowCells(table, row, ctx, totals, this.#shownHints);
        lines[last] = taggedLine(table, cells, L.cols - more.length - 1, this.#theme, rowIdx === idx, baseStyle(row)) + ' ' + this.#theme.paint(more, 'dim');
      }
    }
    this.#body.setContent(lines.join('\n'));
  }

  #drawPanes(L: Layout, now: number): void {
    const chart = L.pane === 'chart' || L.pane === 'both';
    const events = L.pane === 'events' || L.pane === 'both';
    if (chart) {
      const st = this.#state;
      this.#chart.draw(
        { top: L.paneTop, left: 0, width: L.chartWidth, height: L.paneHeight },
        {
          rps: this.#series(this.#history.totals.rps.toArray()),
          listenQueue: this.#series(this.#history.totals.listenQueue.toArray()),
          times: this.#series(this.#readTimes.toArray()),
          version: `${this.#historyVersion}:${st.paused ? this.#pausedTicks : 'live'}`,
        },
      );
    } else {
      this.#chart.hide();
    }
    if (events) {
      const left = L.pane === 'both' ? L.chartWidth + 1 : 0;
      const width = L.cols - left;
      this.#pane.show();
      place(this.#pane, L.paneTop, L.paneHeight, width, left);
      this.#pane.setContent(eventLines(this.#visibleEvents(), width, L.paneHeight, now, this.#theme).join('\n'));
    } else {
      this.#pane.hide();
    }
  }

  /** A history series as of the display (paused: without the reads that came after the pause). */
  #series<T>(values: T[]): T[] {
    if (!this.#state.paused) return values;
    const extra = this.#history.ticks - this.#pausedTicks;
    return extra > 0 ? values.slice(0, Math.max(0, values.length - extra)) : values;
  }

  #visibleEvents(): ModelEvent[] {
    const limit = this.#state.paused ? this.#pausedSeq : Infinity;
    const out: ModelEvent[] = [];
    for (const e of this.#events) if (e.seq <= limit) out.push(e.ev);
    return out;
  }

  #statusLine(cols: number, now: number): string {
    const st = this.#state;
    const input: StatusInput = {
      cols,
      now,
      theme: this.#theme,
      addressLabel: this.#o.addressLabel,
      paused: st.paused,
      every: formatEvery(st.fast ? Math.min(this.#fast, this.#freq) : this.#freq),
      fast: st.fast,
      filter: st.filter,
      filterEditing: st.filterEditing,
    };
    if (this.#renderError) input.renderError = this.#renderError.text;
    if (this.#lastError) input.lastError = this.#lastError;
    if (this.#lastGoodAt !== undefined) input.lastGoodAt = this.#lastGoodAt;
    if (this.#shownAt !== undefined) input.shownAt = this.#shownAt;
    if (this.#table) input.matched = { matched: this.#table.matched, total: this.#table.total };
    if (this.#o.replay) input.replay = this.#o.replay.status();
    if (this.#message && now < this.#message.until) input.message = this.#message.text;
    const last = this.#visibleEvents().at(-1);
    if (last) input.lastEvent = last;
    return statusLine(input);
  }

  #drawHelp(cols: number, rows: number): void {
    const box = helpBox(cols, rows, this.#helpTop, this.#theme, this.#keys);
    this.#helpTop = box.top;
    this.#help.width = box.width;
    this.#help.height = box.height;
    this.#help.setContent(box.content);
    this.#help.show();
    this.#help.setFront();
  }
}

/** Footer hints with the quit hint relabelled when the monitor was opened from another view. */
function backHints(hints: { key: string; label: string }[], back: { label: string } | undefined): { key: string; label: string }[] {
  return back ? hints.map((h) => (h.label === 'quit' ? { key: h.key, label: back.label } : h)) : hints;
}

/** Everything the table's title line depends on. */
function titlesKey(t: TableModel, cols: number): string {
  let k = `${cols}|${t.kind}|${t.sortId ?? ''}|${t.reverse}`;
  for (const c of t.columns) k += `|${c.id}:${c.title}:${c.width}:${c.align}`;
  return k;
}

function baseStyle(row: RowRef): 'plain' | 'totals' {
  return row.kind === 'totals' ? 'totals' : 'plain';
}

function place(el: BlessedBox, top: number, height: number, width: number, left = 0): void {
  el.top = top;
  el.left = left;
  el.height = Math.max(0, height);
  el.width = Math.max(0, width);
}

function positive(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : dflt;
}

function normaliseSort(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  return columnById(s)?.id ?? s.trim().toLowerCase();
}

