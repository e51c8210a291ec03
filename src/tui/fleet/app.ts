/**
 * The interactive fleet view: one blessed screen with one row per target
 * (state, workers busy/total, RPS, listen queue, exceptions/s, average
 * response time, memory…), a fleet totals line and a header with the
 * target counts and the time.
 *
 * Targets are read by src/fleet's FleetPoller (concurrent, one read in
 * flight per target, per-target deadlines), so a hanging target never
 * delays the others' refresh. Enter opens the selected target's full
 * monitor (runMonitor with `back`): the fleet screen is torn down, the
 * monitor takes the terminal, and its q/Esc brings the fleet screen back;
 * Ctrl-C there quits everything. The fleet keeps polling (and recording)
 * while the monitor is open, so the table is current on return.
 *
 * Replaying a fleet recording (`replay`, a FleetReplayFeed): the rows come
 * from the recording at the replay clock instead of reads, the header time
 * and ages are recorded time, the status line leads with the REPLAY marker
 * (src/tui/replay.ts), and the replay keys (FLEET_REPLAY_KEYMAP) drive the
 * one clock of every target. Enter opens the target's monitor replaying on
 * that same clock (pausing there pauses the fleet; back here, the fleet goes
 * on from where the monitor left the clock).
 *
 * The terminal is restored on every exit path: q / Ctrl-C, SIGTERM (143),
 * SIGHUP (129), SIGINT (130), an output error, an uncaught error (1, one
 * line after the restore) and `restoreFleetTerminal()`.
 */
import blessed from 'blessed';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { FleetPoller, type TargetReader } from '../../fleet/poller.js';
import type { Target } from '../../fleet/targets.js';
import { buildFleetView, type FleetRow, type FleetView } from '../../fleet/view.js';
import { formatBytes, formatCount, formatMs, formatRate, formatTimestamp } from '../../format.js';
import type { ActionId, KeyBinding } from '../keys.js';
import { footerHints, keyName, replayDirection } from '../keys.js';
import { REPLAY_SEEK_MS, replayReadIntervalMs, replayStatusText } from '../replay.js';
import { fetchStats } from '../../protocol/reader.js';
import type { Recorder } from '../../record/recorder.js';
import {
  dropOutputErrorListener,
  helpOverlay,
  installProcessHandlers,
  lineBox,
  openScreen,
  reclaimInput,
  releaseInput,
  removeProcessHandlers,
  suspendToShell,
  writeFatal,
  type Box,
  type Handlers,
} from '../terminal.js';
import { MONITOR_BACK, restoreTerminal, runMonitor, type MonitorOptions } from '../app.js';
import { headerText, packHeader, type HeaderItem } from '../header.js';
import { computeLayout, type Layout } from '../layout.js';
import { footerLine } from '../panes.js';
import { editFilter, helpScroll, navigationMove, moveSelection, pickSort, resolveSelection, scrollTop, stepSort } from '../state.js';
import { helpBox, helpPage } from '../status.js';
import { clean, clip, formatAge, formatEvery, oneLine, pad } from '../text.js';
import { makeTheme, type Style, type Theme } from '../theme.js';
import { FLEET_REPLAY_KEYMAP, fleetBindingFor, fleetKeyMap } from './keys.js';
import type { FleetReplayFeed, FleetReplayMonitor } from './replay.js';
import { buildFleetTable, fleetColumnAt, fleetRowLine, fleetTitleLine, fleetTotalsLine, normaliseFleetSort, type FleetTable } from './table.js';

/** A frame drawn by the fleet view or by a monitor opened from it. */
export interface FleetRenderInfo {
  /** Which screen drew it. */
  screen: 'fleet' | 'monitor';
  frame: number;
  reason: string;
  error?: string;
}

export interface FleetViewOptions {
  targets: readonly Target[];
  /** Refresh interval, ms (default 1000). */
  intervalMs?: number;
  /** Per-target read deadline, ms (default 5000). */
  timeoutMs?: number;
  maxBytes?: number;
  staleAfterMs?: number;
  downAfterMs?: number;
  /** Record every read of every target (under its label). */
  recorder?: Recorder;
  /** Injectable reader (tests); default fetchStats. Also reads the target of an opened monitor. */
  read?: TargetReader;
  /** Colours on (default true). */
  color?: boolean;
  /** Initial sort: a FLEET_COLUMNS id or title (default: target order). */
  sortBy?: string;
  reverse?: boolean;
  input?: Readable;
  output?: Writable;
  terminal?: string;
  /** Install SIGTERM/SIGHUP/SIGINT and uncaught-error handlers (default true; passed on to an opened monitor). */
  processHandlers?: boolean;
  stderr?: Writable;
  env?: NodeJS.ProcessEnv;
  /** Extra options of the monitor opened with Enter (e.g. its node label). */
  monitor?: (target: Target) => Partial<MonitorOptions>;
  /** Called after every frame of the fleet view and of an opened monitor. */
  rendered?: (info: FleetRenderInfo) => void;
  /** Called once with the exit code, after the terminal is restored. */
  onExit?: (code: number) => void;
  /** Replay a fleet recording instead of reading the targets (see the module comment). */
  replay?: FleetReplayFeed;
}

const TICK_MS = 1000;
const MESSAGE_MS = 3000;
/** The footer's label of the monitor's q when opened from here. */
export const BACK_LABEL = 'back to fleet';

const active = new Set<() => void>();

/**
 * Emergency exit: restore the terminal and stop every fleet view (and any
 * monitor opened from one); their promises resolve with 1. Idempotent.
 */
export function restoreFleetTerminal(): void {
  restoreTerminal();
  for (const r of [...active]) r();
}

/** Run the interactive fleet view until the user quits; resolves with the exit code. */
export function runFleetView(opts: FleetViewOptions): Promise<number> {
  return new Promise<number>((resolve) => {
    const app = new FleetApp(opts, resolve);
    try {
      app.start();
    } catch (e) {
      app.fail(e);
    }
  });
}

interface UiState {
  help: boolean;
  sortId: string | undefined;
  reverse: boolean;
  filter: string;
  filterEditing: boolean;
  paused: boolean;
  selected: string | undefined;
  selectedIndex: number;
  top: number;
}


const neverAborted = new AbortController().signal;

const defaultReader: TargetReader = async (target, o) => {
  const r = await fetchStats(target.address, { timeoutMs: o.timeoutMs, maxBytes: o.maxBytes, signal: o.signal });
  return { doc: r.doc, at: r.at, raw: r.raw };
};

class FleetApp {
  readonly #o: FleetViewOptions;
  readonly #resolve: (code: number) => void;
  readonly #theme: Theme;
  readonly #interval: number;
  readonly #poller: FleetPoller | undefined;
  readonly #read: TargetReader;
  readonly #replay: FleetReplayFeed | undefined;
  /** The key map in force (with the replay section in a replay). */
  readonly #keys: readonly KeyBinding[];
  readonly #stop = new AbortController();
  /** Replay: a key or the return from a monitor wants a fresh picture now. */
  #kicked = false;
  #kick: (() => void) | undefined;
  #state: UiState;
  #mode: 'fleet' | 'monitor' = 'fleet';

  #screen: blessed.Widgets.Screen | undefined;
  #header!: Box;
  #status!: Box;
  #head!: Box;
  #body!: Box;
  #footer!: Box;
  #help!: Box;
  #helpTop = 0;
  #layout: Layout | undefined;
  #table: FleetTable | undefined;

  #latest: FleetView | undefined;
  #shown: FleetView | undefined;
  #message: { text: string; until: number } | undefined;
  #renderError: string | undefined;
  #frame = 0;
  #ticker: NodeJS.Timeout | undefined;
  #finished = false;
  #handlers: Handlers = [];
  #outErr: (() => void) | undefined;
  readonly #restore = (): void => this.#finish(1);

  constructor(o: FleetViewOptions, resolve: (code: number) => void) {
    this.#o = o;
    this.#resolve = resolve;
    this.#theme = makeTheme(o.color !== false);
    this.#interval = o.intervalMs !== undefined && Number.isFinite(o.intervalMs) && o.intervalMs > 0 ? o.intervalMs : 1000;
    this.#read = o.read ?? defaultReader;
    this.#replay = o.replay;
    this.#keys = fleetKeyMap(o.replay !== undefined);
    this.#state = {
      help: false,
      sortId: normaliseFleetSort(o.sortBy),
      reverse: o.reverse === true,
      filter: '',
      filterEditing: false,
      paused: false,
      selected: undefined,
      selectedIndex: 0,
      top: 0,
    };
    this.#poller = o.replay ? undefined : new FleetPoller({
      targets: o.targets,
      intervalMs: this.#interval,
      timeoutMs: o.timeoutMs,
      maxBytes: o.maxBytes,
      staleAfterMs: o.staleAfterMs,
      downAfterMs: o.downAfterMs,
      recorder: o.recorder,
      read: this.#read,
    });
  }

  start(): void {
    active.add(this.#restore);
    this.#openScreen();
    this.#render('start');
    this.#ticker = setInterval(() => this.#guard('tick', () => this.#clock()), TICK_MS);
    if (this.#replay) void this.#replayLoop(this.#replay);
    else void this.#loop();
  }

  fail(e: unknown): void {
    this.#finish(1, e);
  }

  // ------------------------------------------------------------ polling

  async #loop(): Promise<void> {
    const poller = this.#poller!;
    while (!this.#finished) {
      const t0 = performance.now();
      const snap = await poller.tick();
      if (this.#finished) return;
      this.#guard('read', () => {
        this.#latest = buildFleetView(snap);
        if (!this.#state.paused) this.#show(this.#latest);
        this.#render('tick');
      });
      try {
        await delay(Math.max(0, t0 + this.#interval - performance.now()), undefined, { signal: this.#stop.signal });
      } catch {
        return; // stopped
      }
    }
  }

  /**
   * A replay: a picture of the fleet at the replay clock whenever the clock
   * reaches the next record of any target (at most one per refresh interval
   * of recorded time, and at most 20 a second), or at once after a replay
   * key or the return from a monitor. Nothing is drawn while a monitor has
   * the screen.
   */
  async #replayLoop(feed: FleetReplayFeed): Promise<void> {
    const signal = this.#stop.signal;
    while (!this.#finished) {
      let shownPos = Number.NaN;
      if (this.#mode === 'fleet') {
        this.#kicked = false;
        shownPos = feed.controls.status().position;
        let snap: Awaited<ReturnType<FleetReplayFeed['snapshot']>> | undefined;
        try {
          snap = await feed.snapshot();
        } catch (e) {
          this.#renderError = `replay: ${oneLine(e)}`;
        }
        if (this.#finished) return;
        this.#guard('read', () => {
          if (snap) {
            this.#latest = buildFleetView(snap);
            this.#show(this.#latest);
          }
          this.#render('tick');
        });
      }
      if (this.#kicked) continue;
      // Wait for a kick, or (playing, in the fleet screen) the pacing delay then the clock.
      const ac = new AbortController();
      const onStop = (): void => ac.abort();
      signal.addEventListener('abort', onStop, { once: true });
      const kicked = new Promise<void>((resolve) => (this.#kick = resolve));
      const paced = (async (): Promise<void> => {
        const st = feed.controls.status();
        if (this.#mode !== 'fleet') return abortedBy(ac.signal);
        if (!st.paused) await delay(replayReadIntervalMs(this.#interval, st.speed), undefined, { signal: ac.signal });
        // Records fell due during the pause between frames: draw them now, else wait for the next one.
        if (feed.controls.status().position === shownPos) await feed.wait(ac.signal);
      })();
      paced.catch(noop);
      try {
        await Promise.race([kicked, paced]);
      } catch {
        /* stopped, or the wait was cut short */
      } finally {
        ac.abort();
        signal.removeEventListener('abort', onStop);
        this.#kick = undefined;
      }
    }
  }

  /** Replay: draw a fresh picture now (after a key, or back from a monitor). */
  #kickReplay(): void {
    this.#kicked = true;
    this.#kick?.();
  }

  /** Between refreshes longer than the clock tick: ages and states move on (the data does not). */
  #clock(): void {
    if (this.#mode !== 'fleet' || this.#state.paused || !this.#poller) return;
    if (this.#interval <= TICK_MS) return;
    this.#latest = buildFleetView(this.#poller.snapshot());
    this.#show(this.#latest);
    this.#render('clock');
  }

  #show(v: FleetView): void {
    this.#shown = v;
    this.#table = undefined;
  }

  // ------------------------------------------------------------ screen

  #openScreen(): void {
    const screen = openScreen({ input: this.#o.input, output: this.#o.output, terminal: this.#o.terminal, title: 'tsgitop fleet' });
    this.#screen = screen;
    const box = (extra: Record<string, unknown> = {}): Box => lineBox(screen, extra);
    this.#header = box();
    this.#status = box();
    this.#head = box();
    this.#body = box();
    this.#footer = box();
    this.#help = helpOverlay(screen, 'tsgitop fleet keys');
    screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => this.#guard('key', () => this.#onKey(ch, key)));
    screen.on('resize', () => this.#guard('resize', () => this.#render('resize')));
    this.#body.on('click', (d: blessed.Widgets.Events.IMouseEventArg) => this.#guard('mouse', () => this.#onBodyClick(d)));
    this.#body.on('wheeldown', () => this.#guard('mouse', () => this.#act('down', undefined, 3)));
    this.#body.on('wheelup', () => this.#guard('mouse', () => this.#act('up', undefined, 3)));
    this.#head.on('click', (d: blessed.Widgets.Events.IMouseEventArg) => this.#guard('mouse', () => this.#onHeadClick(d)));
    const out = this.#o.output ?? process.stdout;
    if (!this.#outErr) {
      this.#outErr = (): void => this.#finish(129);
      out.on('error', this.#outErr);
    }
    if (this.#o.processHandlers !== false) this.#installHandlers();
    // Back from a monitor, which paused (and, for a pipe, unref'ed) the input: take it again.
    reclaimInput(this.#o.input);
  }

  /** Give the terminal back (the screen is gone; a monitor or the shell takes over). */
  #closeScreen(): void {
    const screen = this.#screen;
    if (!screen) return;
    this.#screen = undefined;
    this.#layout = undefined;
    this.#removeProcessHandlers();
    try {
      screen.destroy();
    } catch {
      /* the terminal may be gone */
    }
    if (!this.#finished) return; // a monitor takes the input over
    releaseInput(this.#o.input);
  }

  #installHandlers(): void {
    installProcessHandlers(this.#handlers, (code, fatal) => this.#finish(code, fatal), () => this.#suspend());
  }

  #removeProcessHandlers(): void {
    removeProcessHandlers(this.#handlers);
  }

  #finish(code: number, fatal?: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    active.delete(this.#restore);
    this.#stop.abort();
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = undefined;
    if (this.#mode === 'monitor') restoreTerminal();
    this.#closeScreen();
    this.#removeProcessHandlers();
    const out = this.#o.output ?? process.stdout;
    if (this.#outErr) dropOutputErrorListener(out, this.#outErr);
    if (fatal !== undefined) writeFatal(this.#o.stderr ?? process.stderr, this.#o.env ?? process.env, fatal);
    void (this.#poller?.close() ?? Promise.resolve()).then(() => {
      try {
        this.#o.onExit?.(code);
      } catch {
        /* ignore */
      }
      this.#resolve(code);
    });
  }

  #guard(where: string, fn: () => void): void {
    if (this.#finished) return;
    try {
      fn();
    } catch (e) {
      this.#renderError = `${where}: ${oneLine(e)}`;
      this.#render('error');
    }
  }

  // ------------------------------------------------------------ monitor

  #openMonitor(row: FleetRow): void {
    const target = this.#o.targets.find((t) => t.label === row.label);
    if (!target) return;
    this.#mode = 'monitor';
    this.#closeScreen();
    const o = this.#o;
    const read = this.#read;
    let frame = 0;
    const mo: MonitorOptions = {
      // The fleet poller keeps reading (and recording) this target too; the monitor's own reads are not recorded twice.
      source: async (signal) => {
        const r = await read(target, { timeoutMs: o.timeoutMs ?? 5000, maxBytes: o.maxBytes, signal: signal ?? neverAborted });
        return { doc: r.doc, at: r.at };
      },
      addressLabel: target.address.display,
      node: target.label,
      frequencyMs: this.#interval,
      color: o.color !== false,
      back: { label: BACK_LABEL },
      processHandlers: o.processHandlers,
      hooks: {
        rendered: (info) => {
          frame = info.frame;
          o.rendered?.({ screen: 'monitor', frame, reason: info.reason, ...(info.error !== undefined ? { error: info.error } : {}) });
        },
      },
      ...(o.monitor?.(target) ?? {}),
    };
    if (o.input) mo.input = o.input;
    if (o.output) mo.output = o.output;
    if (o.terminal) mo.terminal = o.terminal;
    if (o.stderr) mo.stderr = o.stderr;
    if (o.env) mo.env = o.env;
    let replayed: FleetReplayMonitor | undefined;
    if (this.#replay) {
      // The monitor replays this target on the fleet's clock.
      replayed = this.#replay.monitor(target);
      Object.assign(mo, replayed.options);
    }
    void runMonitor(mo).then(async (code) => {
      await replayed?.close().catch(() => {});
      if (this.#finished) return;
      if (code !== MONITOR_BACK) return this.#finish(code);
      this.#mode = 'fleet';
      this.#guard('back', () => {
        this.#openScreen();
        // A replay draws once it has the fleet at the clock the monitor left (the kick below).
        if (!this.#poller) return;
        this.#latest = buildFleetView(this.#poller.snapshot());
        if (!this.#state.paused) this.#show(this.#latest);
        this.#render('back');
      });
      this.#kickReplay();
    });
  }

  // ------------------------------------------------------------ keys

  #onKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined): void {
    if (this.#mode !== 'fleet') return;
    const name = keyName(ch, key);
    if (name === 'C-c') return this.#finish(0);
    if (this.#state.help) return this.#helpKey(name);
    if (this.#state.filterEditing) return this.#filterKey(ch, name);
    const b = fleetBindingFor(name, this.#keys);
    if (b) this.#act(b.action, name);
  }

  #helpKey(name: string | undefined): void {
    const next = helpScroll(name, this.#helpTop, helpPage(Number(this.#screen?.height) || 24, this.#keys));
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
    this.#message = { text, until: Date.now() + MESSAGE_MS };
  }

  #setSort(id: string | undefined, reverse: boolean): void {
    this.#table = undefined;
    const col = this.#currentTable()?.columns.find((c) => c.id === id);
    this.#say(`sort by ${col?.title ?? id ?? 'target order'} ${reverse ? '▼' : '▲'}`);
    this.#state = { ...this.#state, sortId: id, reverse };
    this.#table = undefined;
    this.#render('key');
  }

  #act(action: ActionId, key: string | undefined, count = 1): void {
    const st = this.#state;
    const table = this.#currentTable();
    if (table) this.#resolveSelection(table);
    const sel = this.#state.selected;
    const keys = table ? table.rows.map((r) => r.label) : [];
    const page = Math.max(1, (this.#layout?.tableHeight ?? 10) - 2);
    const set = (p: Partial<UiState>, reason = 'key'): void => {
      this.#state = { ...this.#state, ...p };
      this.#render(reason);
    };
    const move = navigationMove(action, count, page);
    if (move !== undefined) return set({ selected: moveSelection(keys, sel, move) });
    switch (action) {
      case 'quit':
        return this.#finish(0);
      case 'help':
        this.#helpTop = 0;
        return set({ help: !st.help });
      case 'open': {
        const row = table?.rows.find((r) => r.label === sel);
        if (!row) {
          this.#say('no target selected');
          return set({});
        }
        // After the key has been dispatched: the monitor's screen must not see this Enter.
        setImmediate(() => this.#guard('open', () => this.#openMonitor(row)));
        return;
      }
      case 'back':
        if (st.filter !== '') {
          this.#table = undefined;
          return set({ filter: '' });
        }
        return set({});
      case 'sortNext':
      case 'sortPrev':
        if (!table) return;
        return this.#setSort(stepSort(table.sortIds, table.sortId ?? '', action === 'sortNext' ? 1 : -1), st.reverse);
      case 'sortPick': {
        if (!table || key === undefined) return;
        const id = table.sortIds[Number(key) - 1];
        if (id === undefined) return;
        const p = pickSort(table.sortId ?? '', st.reverse, id);
        return this.#setSort(p.id, p.reverse);
      }
      case 'sortRps':
        return this.#setSort('rps', true);
      case 'sortRss':
        return this.#setSort('rss', true);
      case 'reverse':
        this.#table = undefined;
        this.#say(`sort ${st.reverse ? 'ascending' : 'descending'}`);
        return set({ reverse: !st.reverse });
      case 'filter':
        return set({ filterEditing: true });
      case 'pause':
        if (!st.paused) return set({ paused: true });
        this.#state = { ...st, paused: false };
        if (this.#latest) this.#show(this.#latest);
        return set({});
      case 'redraw':
        this.#screen?.realloc();
        return set({}, 'redraw');
      case 'suspend':
        return this.#suspend();
      case 'replayPause':
      case 'replayStep':
      case 'replaySpeed':
      case 'replaySeek':
      case 'replayJump':
        return this.#replayKey(action, key);
      default:
        return;
    }
  }

  /** A replay key: act on the shared clock, then a fresh picture at once (drawn by the replay loop). */
  #replayKey(action: ActionId, key: string | undefined): void {
    const r = this.#replay?.controls;
    if (!r) return;
    const dir = replayDirection(key, FLEET_REPLAY_KEYMAP) === -1 ? -1 : 1;
    if (action === 'replayPause') r.togglePause();
    else if (action === 'replayStep') r.step(dir);
    else if (action === 'replaySpeed') r.changeSpeed(dir);
    else if (action === 'replaySeek') r.seek(dir * REPLAY_SEEK_MS);
    else if (action === 'replayJump') r.jump(dir);
    // One frame, once the fleet at the new clock is read: the REPLAY marker and the rows always agree.
    this.#kickReplay();
  }

  /** Ctrl-Z: give the terminal back and stop (SIGTSTP); SIGCONT redraws. */
  #suspend(): void {
    const screen = this.#screen;
    if (!screen || this.#o.processHandlers === false || process.platform === 'win32') {
      this.#say('suspend is not available here');
      return this.#render('key');
    }
    suspendToShell(screen, this.#handlers, () => !this.#finished && this.#screen === screen, (restore) =>
      this.#guard('resume', () => {
        restore();
        this.#render('resume');
      }),
    );
  }

  #onBodyClick(d: blessed.Widgets.Events.IMouseEventArg): void {
    if (this.#state.help || !this.#layout) return;
    const table = this.#currentTable();
    if (!table) return;
    const row = table.rows[d.y - this.#layout.tableTop + this.#state.top];
    if (!row) return;
    if (row.label === this.#state.selected) return this.#act('open', undefined);
    this.#state = { ...this.#state, selected: row.label };
    this.#render('mouse');
  }

  #onHeadClick(d: blessed.Widgets.Events.IMouseEventArg): void {
    if (this.#state.help) return;
    const table = this.#currentTable();
    const c = table ? fleetColumnAt(table, d.x) : undefined;
    if (!table || !c) return;
    const p = pickSort(table.sortId ?? '', this.#state.reverse, c.id);
    this.#setSort(p.id, p.reverse);
  }

  // ------------------------------------------------------------ render

  #currentTable(): FleetTable | undefined {
    if (!this.#shown) return undefined;
    if (this.#table) return this.#table;
    const st = this.#state;
    this.#table = buildFleetTable({ view: this.#shown, width: this.#layout?.cols ?? (Number(this.#screen?.width) || 80), sortId: st.sortId, reverse: st.reverse, filter: st.filter });
    return this.#table;
  }

  #resolveSelection(table: FleetTable): number {
    const r = resolveSelection(table.rows.map((row) => row.label), this.#state);
    if (r.update) this.#state = { ...this.#state, ...r.update };
    return r.index;
  }

  #render(reason: string): void {
    const screen = this.#screen;
    if (this.#finished || this.#mode !== 'fleet' || !screen) return;
    let error: string | undefined;
    try {
      this.#draw(screen);
    } catch (e) {
      error = oneLine(e);
      this.#renderError = error;
      try {
        this.#status.setContent(this.#theme.paint(clip(`render error: ${error}`, Number(screen.width) || 80), 'bad'));
      } catch {
        /* keep going */
      }
    }
    try {
      screen.render();
      screen.program.flush();
    } catch (e) {
      error = oneLine(e);
    }
    this.#frame++;
    try {
      this.#o.rendered?.({ screen: 'fleet', frame: this.#frame, reason, ...(error !== undefined ? { error } : {}) });
    } catch {
      /* a hook must not break the view */
    }
  }

  #draw(screen: blessed.Widgets.Screen): void {
    const cols = Math.max(1, Number(screen.width) || 80);
    const rows = Math.max(1, Number(screen.height) || 24);
    const now = this.#replay ? this.#replay.now() : Date.now();
    const v = this.#shown;
    const hl = headerText(packHeader(headerItems(v, now, cols >= 100, this.#o.targets.length), cols, rows >= 16 ? 2 : 1), this.#theme);
    const L = computeLayout(cols, rows, Math.max(1, hl.length), { chart: false, events: false });
    if (this.#layout?.cols !== L.cols) this.#table = undefined;
    this.#layout = L;
    place(this.#header, L.headerTop, L.headerHeight, cols);
    this.#header.setContent(hl.slice(0, L.headerHeight).join('\n'));

    const table = this.#currentTable();
    place(this.#head, L.tableHeadTop, 1, cols);
    place(this.#body, L.tableTop, Math.max(1, L.tableHeight), cols);
    let idx = -1;
    if (!table || !v) {
      this.#head.setContent(this.#theme.paint(pad('', cols), 'tableHead'));
      this.#body.setContent(this.#theme.paint(`reading ${this.#o.targets.length} targets …`, 'dim'));
    } else {
      this.#head.setContent(fleetTitleLine(table, cols, this.#theme));
      idx = this.#resolveSelection(table);
      // One line for the totals below the rows.
      const room = Math.max(1, L.tableHeight - 1);
      const top = scrollTop(idx, this.#state.top, room, table.rows.length);
      if (top !== this.#state.top) this.#state = { ...this.#state, top };
      const lines: string[] = [];
      for (let i = top; i < Math.min(table.rows.length, top + room); i++) lines.push(fleetRowLine(table, table.rows[i]!, cols, this.#theme, now, i === idx));
      if (table.rows.length === 0) lines.push(this.#theme.paint(clip(`no target matches "${clean(this.#state.filter)}" (Esc clears)`, cols), 'dim'));
      if (L.tableHeight >= 2) lines.push(fleetTotalsLine(table, v.totals, cols, this.#theme, now));
      this.#body.setContent(lines.join('\n'));
    }
    place(this.#status, L.statusTop, 1, cols);
    this.#status.setContent(this.#statusLine(cols, now, table, idx));
    place(this.#footer, L.footerTop, 1, cols);
    this.#footer.setContent(footerLine(footerHints('main', this.#keys), cols, this.#theme));
    if (this.#state.help) {
      const box = helpBox(cols, rows, this.#helpTop, this.#theme, this.#keys);
      this.#helpTop = box.top;
      this.#help.width = box.width;
      this.#help.height = box.height;
      this.#help.setContent(box.content);
      this.#help.show();
      this.#help.setFront();
    } else {
      this.#help.hide();
    }
  }

  #statusLine(cols: number, now: number, table: FleetTable | undefined, idx: number): string {
    const th = this.#theme;
    const st = this.#state;
    let used = 0;
    let out = '';
    const add = (text: string, style: Style): void => {
      const sep = used > 0 ? 2 : 0;
      const room = cols - used - sep;
      if (room <= 0) return;
      const t = clip(text, room);
      out += (sep ? '  ' : '') + th.paint(t, style);
      used += sep + t.length;
    };
    if (this.#replay) {
      // First, as in the monitor: a replay is never mistaken for live data.
      add(' REPLAY ', 'paused');
      add(replayStatusText(this.#replay.controls.status()), 'title');
    }
    if (this.#renderError !== undefined) add(`render error: ${this.#renderError}`, 'bad');
    if (this.#replay) {
      if (!this.#shown) add(`reading the recording of ${this.#o.targets.length} targets …`, 'dim');
    } else if (st.paused) add(` PAUSED · showing ${this.#shown ? formatAge(now - this.#shown.at) : '-'} old data · p resumes `, 'paused');
    else if (this.#shown) add(`● live · every ${formatEvery(this.#interval)}`, 'live');
    else add(`connecting to ${this.#o.targets.length} targets …`, 'dim');
    if (st.filterEditing) add(`filter: ${clean(st.filter)}▏ (Enter keeps, Esc clears)`, 'key');
    else if (st.filter !== '') add(`filter "${clean(st.filter)}" ${table?.rows.length ?? 0}/${table?.total ?? 0}`, 'key');
    if (this.#message && Date.now() < this.#message.until) add(this.#message.text, 'title');
    const row = table && idx >= 0 ? table.rows[idx] : undefined;
    if (row) {
      add(`${clean(row.label)}${row.label !== row.address ? ` ${clean(row.address)}` : ''}`, 'label');
      if (row.error !== undefined) add(clean(row.error), row.state === 'up' ? 'warn' : 'bad');
    }
    return out;
  }
}

function headerItems(v: FleetView | undefined, now: number, wide: boolean, count: number): HeaderItem[] {
  const ts = formatTimestamp(v?.at ?? now);
  const items: HeaderItem[] = [
    { label: '', value: 'tsgitop fleet', style: 'title' },
    { label: '', value: wide ? ts : ts.slice(11) },
  ];
  if (!v) return [...items, { label: 'targets', value: String(count) }];
  const t = v.totals;
  items.push(
    { label: 'targets', value: String(t.targets) },
    { label: 'up', value: String(t.up), style: t.up > 0 ? 'good' : 'plain' },
    { label: 'stale', value: String(t.stale), style: t.stale > 0 ? 'warn' : 'plain' },
    { label: 'down', value: String(t.down), style: t.down > 0 ? 'bad' : 'plain' },
    { label: 'workers', value: String(t.workers), breakBefore: true },
    { label: 'busy', value: String(t.busy), style: t.busy > 0 ? 'busy' : 'plain' },
    { label: 'RPS', value: formatRate(t.rps), style: 'title' },
    { label: 'exc/s', value: formatRate(t.excRate), style: (t.excRate ?? 0) > 0 ? 'bad' : 'plain' },
    { label: 'avg', value: formatMs(t.avgRt) },
    { label: 'lq', value: formatCount(t.listenQueue), style: (t.listenQueue ?? 0) > 0 ? 'warn' : 'plain' },
    { label: 'rss', value: formatBytes(t.rss) },
  );
  return items;
}

function place(el: Box, top: number, height: number, width: number): void {
  el.top = top;
  el.left = 0;
  el.height = Math.max(0, height);
  el.width = Math.max(0, width);
}

function noop(): void {}

/** Settles (rejects) only when `signal` aborts. */
function abortedBy(signal: AbortSignal): Promise<void> {
  return new Promise<void>((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
