/**
 * The one shell of every screen (k9s's application with a page stack). The
 * shell owns the blessed screen and its lifecycle, the one terminal-restore
 * registry, process signals and suspend (Ctrl-Z), the help overlay, the
 * filter prompt, row selection and scrolling, sorting by a click, the mouse,
 * the header/status/footer lines and a stack of views. A view (src/tui/views)
 * supplies only its header facts, its table or body, its status parts and
 * its own key actions; an action returns a reaction and the shell alone
 * decides what to redraw, rebuild, read again, push or pop.
 *
 * It resolves with the exit code when the user quits (q / Ctrl-C → 0), on
 * SIGTERM (143), SIGHUP (129), SIGINT (130), an output error (129), or an
 * internal error (1, one line printed after the terminal is restored).
 */
import type blessed from 'blessed';
import { dispatch, type ActionContext, type Outcome, type PushRequest, type Reaction } from './actions.js';
import { keyName } from './keys.js';
import { computeLayout, place, type Layout } from './layout.js';
import { footerLine } from './panes.js';
import { editFilter, helpScroll, resolveSelection, scrollTop } from './state.js';
import { helpBox, helpPage } from './status.js';
import { clip, oneLine, pad } from './text.js';
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
  type Box,
  type Handlers,
} from './terminal.js';
import { headerStyled, packHeader, type HeaderItem } from './header.js';
import { openView } from './views/registry.js';
import { setLines, type Styled } from './fastbox.js';
import { withMark } from './table.js';
import type { AnyView, ShellApi, ShellOptions, ShellTable, TableSpec, View } from './view.js';
import { Ticker } from './ticker.js';

export type { AnyView, RenderInfo, ShellApi, ShellOptions, ShellTable, TableSpec, TerminalOptions, View } from './view.js';

/** Restorers of every shell on screen. */
const active = new Set<() => void>();

/**
 * Emergency exit: put the terminal back (normal screen, cursor on, mouse
 * off, cooked mode) and stop every shell, whose promise then resolves with
 * 1. Idempotent; safe from any exit or crash handler.
 */
export function restoreTerminal(): void {
  for (const r of [...active]) r();
}

const TICK_MS = 1000;
/** How long after a drawn frame the first tick comes (src/tui/ticker.ts): more than a read's jitter at the 1 s cadence. */
const TICK_SLACK_MS = 250;
const MESSAGE_MS = 3000;
const RENDER_ERROR_MS = 10_000;

/** Run views in one shell until the user quits; resolves with the exit code. */
export function runShell(o: ShellOptions, first: () => AnyView): Promise<number> {
  return new Promise<number>((resolve) => {
    const shell = new Shell(o, resolve);
    try {
      shell.start(first());
    } catch (e) {
      shell.finish(1, e);
    }
  });
}

class Shell implements ShellApi {
  readonly #o: ShellOptions;
  readonly #resolve: (code: number) => void;
  readonly theme: Theme;
  screen!: blessed.Widgets.Screen;
  #header!: Box;
  #status!: Box;
  tableHead!: Box;
  body!: Box;
  #footer!: Box;
  #help!: Box;
  #helpOpen = false;
  #helpTop = 0;
  #stack: AnyView[] = [];
  #layout: Layout | undefined;
  #message: { text: string; until: number } | undefined;
  #renderError: { text: string; at: number } | undefined;
  #frame = 0;
  #ticker: Ticker | undefined;
  #finished = false;
  #restored = false;
  #handlers: Handlers = [];
  #outErr: (() => void) | undefined;
  #footerHints: readonly { key: string; label: string }[] | undefined;
  #footerCols = 0;
  #headKey = '';
  readonly #restore = (): void => this.finish(1);

  constructor(o: ShellOptions, resolve: (code: number) => void) {
    this.#o = o;
    this.#resolve = resolve;
    this.theme = makeTheme(o.color !== false);
  }

  get #top(): AnyView | undefined {
    return this.#stack.at(-1);
  }

  start(first: AnyView): void {
    active.add(this.#restore);
    this.screen = openScreen({ input: this.#o.input, output: this.#o.output, terminal: this.#o.terminal, title: this.#o.title });
    this.#header = this.box();
    this.#status = this.box();
    this.tableHead = this.box();
    this.body = this.box();
    this.#footer = this.box();
    this.#help = helpOverlay(this.screen, first.helpTitle);
    this.screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => this.guard('key', () => this.#onKey(ch, key)));
    this.screen.on('resize', () => this.guard('resize', () => this.#draw('resize')));
    this.body.on('click', (d: blessed.Widgets.Events.IMouseEventArg) => this.guard('mouse', () => this.#onBodyClick(d)));
    this.body.on('wheeldown', () => this.guard('mouse', () => this.#act('down', 3)));
    this.body.on('wheelup', () => this.guard('mouse', () => this.#act('up', 3)));
    this.tableHead.on('click', (d: blessed.Widgets.Events.IMouseEventArg) => this.guard('mouse', () => this.#onHeadClick(d)));
    this.#outErr = (): void => this.finish(129);
    (this.#o.output ?? process.stdout).on('error', this.#outErr);
    if (this.#o.processHandlers !== false) installProcessHandlers(this.#handlers, (code, fatal) => this.finish(code, fatal), () => this.#suspend());
    this.#push(first);
    this.#ticker = new Ticker(() => this.guard('tick', () => this.#tick()), { tickMs: TICK_MS, slackMs: TICK_SLACK_MS });
    this.#ticker.start();
  }

  // ------------------------------------------------------------ ShellApi

  box(extra: Record<string, unknown> = {}): Box {
    return lineBox(this.screen, extra);
  }

  /** The clock of messages and render errors: the top view's (a replay's clock in a replay, a test's fake one). */
  #now(): number {
    return this.#top?.now() ?? Date.now();
  }

  say(text: string): void {
    this.#message = { text, until: this.#now() + MESSAGE_MS };
  }

  message(): string | undefined {
    return this.#message && this.#now() < this.#message.until ? this.#message.text : undefined;
  }

  renderError(): string | undefined {
    return this.#renderError?.text;
  }

  render(view: AnyView, reason: string): void {
    if (view === this.#top) this.#draw(reason);
  }

  awake(view: AnyView): void {
    if (view === this.#top) this.#ticker?.awake();
  }

  guard(where: string, fn: () => void): void {
    if (this.#finished) return;
    try {
      fn();
    } catch (e) {
      this.fail(where, e);
      this.#draw('error');
    }
  }

  fail(where: string, e: unknown): void {
    this.#renderError = { text: `${where}: ${oneLine(e)}`, at: this.#now() };
  }

  // ------------------------------------------------------------ lifecycle

  finish(code: number, fatal?: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    active.delete(this.#restore);
    this.#ticker?.stop();
    this.#ticker = undefined;
    for (const v of [...this.#stack].reverse()) {
      try {
        v.unmount();
      } catch {
        /* keep restoring */
      }
    }
    this.#stack = [];
    if (!this.#restored) {
      this.#restored = true;
      try {
        this.screen?.destroy();
      } catch {
        /* the terminal may be gone (SIGHUP) */
      }
      releaseInput(this.#o.input);
    }
    removeProcessHandlers(this.#handlers);
    if (this.#outErr) dropOutputErrorListener(this.#o.output ?? process.stdout, this.#outErr);
    this.#outErr = undefined;
    if (fatal !== undefined) writeFatal(this.#o.stderr ?? process.stderr, this.#o.env ?? process.env, fatal);
    const done = (): void => {
      try {
        this.#o.onExit?.(code);
      } catch {
        /* ignore */
      }
      this.#resolve(code);
    };
    const closing = this.#o.closing;
    if (closing) void closing().then(done, done);
    else done();
  }

  #push(view: AnyView): void {
    this.#top?.hide();
    this.#stack.push(view);
    this.#helpOpen = false;
    this.#footerHints = undefined;
    this.#headKey = '';
    view.mount(this, this.#stack.length === 1);
    view.show();
    this.#draw('open');
  }

  #pop(): void {
    if (this.#stack.length <= 1) return this.finish(0);
    const v = this.#stack.pop()!;
    v.hide();
    v.unmount();
    this.#helpOpen = false;
    this.#footerHints = undefined;
    this.#headKey = '';
    this.#top!.show();
    this.#draw('back');
  }

  #tick(): void {
    const v = this.#top;
    if (v?.tick()) this.#draw('tick', true);
  }

  /** Ctrl-Z: give the terminal back, stop the process (SIGTSTP); SIGCONT redraws. */
  #suspend(): void {
    if (this.#o.processHandlers === false || process.platform === 'win32') {
      this.say('suspend is not available here');
      return this.#draw('key');
    }
    suspendToShell(this.screen, this.#handlers, () => !this.#finished, (restore) =>
      this.guard('resume', () => {
        restore();
        this.#draw('resume');
      }),
    );
  }

  // ------------------------------------------------------------ keys and mouse

  #onKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined): void {
    const v = this.#top as AnyView | undefined;
    if (!v) return;
    const name = keyName(ch, key);
    if (name === 'C-c') return this.finish(0);
    if (this.#helpOpen) {
      const next = helpScroll(name, this.#helpTop, helpPage(Number(this.screen.height) || 24, v.keys));
      if (next === undefined) return;
      if (next === 'close') this.#helpOpen = false;
      else this.#helpTop = next;
      return this.#draw('key');
    }
    if (v.state.filterEditing) {
      const next = editFilter(v.state, ch, name);
      if (!next) return;
      return this.#apply(v, { state: { ...v.state, ...next }, reaction: 'rebuild' });
    }
    const out = dispatch(v.keys, name, v.context, v.state, this.#context(v, 1));
    if (out) this.#apply(v, out);
  }

  /** A navigation action by id (the mouse wheel). */
  #act(action: 'up' | 'down', count: number): void {
    const v = this.#top as AnyView | undefined;
    if (!v || this.#helpOpen) return;
    const b = v.keys.find((k) => k.action === action && k.contexts.includes(v.context));
    if (b) this.#apply(v, b.run(v.state, { ...this.#context(v, count), key: undefined }));
  }

  #context(v: AnyView, count: number): ActionContext {
    const t = this.#resolvedTable(v);
    return { key: undefined, count, page: Math.max(1, (this.#layout?.tableHeight ?? 10) - 1), table: t?.info, rows: this.#layout?.rows ?? Number(this.screen.height) ?? 0, bottom: this.#stack.length === 1 };
  }

  /** The top view's table with its selection resolved (a row is always selected while there are rows). */
  #resolvedTable(v: AnyView): ShellTable | undefined {
    const t = v.table(this.#layout?.cols ?? Number(this.screen.width) ?? 80);
    if (t && v.context === 'main') {
      const r = resolveSelection(t.info.keys, v.state, t.info.related);
      if (r.update) v.state = { ...v.state, ...r.update };
    }
    return t;
  }

  #apply<S>(v: View<S>, out: Outcome<S>): void {
    const view = v as AnyView;
    if (out.message !== undefined) this.say(out.message);
    if (out.state !== undefined) {
      const prev = v.state;
      v.state = out.state;
      v.changed?.(prev);
    }
    this.#react(view, out.reaction, out.push);
  }

  #react(v: AnyView, r: Reaction, push: PushRequest | undefined): void {
    switch (r) {
      case 'none':
        return;
      case 'quit':
        return this.finish(0);
      case 'pop':
        return this.#pop();
      case 'push': {
        const next = push ? openView(push) : undefined;
        if (next) this.#push(next);
        else this.#draw('key');
        return;
      }
      case 'help':
        this.#helpOpen = !this.#helpOpen;
        this.#helpTop = 0;
        return this.#draw('key');
      case 'suspend':
        return this.#suspend();
      case 'realloc':
        this.screen.realloc();
        return this.#draw('redraw');
      case 'refetch':
        v.refetch?.();
        return this.#draw('key');
      case 'redraw':
      case 'rebuild':
        return this.#draw('key');
    }
  }

  #onBodyClick(d: blessed.Widgets.Events.IMouseEventArg): void {
    const v = this.#top as AnyView | undefined;
    if (!v || this.#helpOpen || !this.#layout || v.context !== 'main') return;
    const t = this.#resolvedTable(v);
    if (!t) return;
    const key = t.info.keys[d.y - this.#layout.tableTop + v.state.top];
    if (key === undefined) return;
    if (key === v.state.selected) {
      const open = v.keys.find((k) => k.action === 'open' && k.contexts.includes(v.context));
      if (open) this.#apply(v, open.run(v.state, this.#context(v, 1)));
      return;
    }
    v.state = { ...v.state, selected: key };
    this.#draw('mouse');
  }

  #onHeadClick(d: blessed.Widgets.Events.IMouseEventArg): void {
    const v = this.#top as AnyView | undefined;
    if (!v || this.#helpOpen || v.context !== 'main') return;
    const t = this.#resolvedTable(v);
    const id = t?.columnAt(d.x);
    const pick = v.keys.find((k) => k.action === 'sortPick');
    const i = id === undefined || !t ? -1 : t.info.sortIds.indexOf(id);
    // A click on a title is the same action as its 1-9 key (any column, not only the first nine).
    if (pick && i >= 0) this.#apply(v, pick.run(v.state, { ...this.#context(v, 1), key: String(i + 1) }));
  }

  // ------------------------------------------------------------ drawing

  /** Draw the top view; `byTicker`: the shell's ticker asked (any other frame pushes the next tick back). */
  #draw(reason: string, byTicker = false): void {
    const v = this.#top;
    if (this.#finished || this.#restored || !v) return;
    let error: string | undefined;
    try {
      this.#o.beforeRender?.(reason);
      this.#drawView(v);
    } catch (e) {
      error = oneLine(e);
      this.#renderError = { text: error, at: this.#now() };
      try {
        this.#status.setContent(this.theme.paint(clip(`render error: ${error}`, Number(this.screen.width)), 'bad'));
      } catch {
        /* keep going */
      }
    }
    try {
      this.screen.render();
      this.screen.program.flush();
    } catch (e) {
      error = oneLine(e);
      this.#renderError = { text: error, at: this.#now() };
    }
    this.#frame++;
    // A frame drawn: no tick is due before a second (and its slack) has passed without another (noted, no timer set).
    if (!byTicker) this.#ticker?.drew();
    try {
      this.#o.rendered?.(error === undefined ? { screen: v.screen, frame: this.#frame, reason } : { screen: v.screen, frame: this.#frame, reason, error });
    } catch {
      /* a hook must not break the shell */
    }
  }

  #drawView(v: AnyView): void {
    const cols = Math.max(1, Number(this.screen.width) || 80);
    const rows = Math.max(1, Number(this.screen.height) || 24);
    const now = v.now();
    const h = v.header(now, cols);
    const hl = headerLines(h.items, cols, rows >= 16 ? h.maxLines : 1, this.theme);
    const L = computeLayout(cols, rows, Math.max(1, hl.length), v.panes(cols), v.statusHeight?.(cols, now) ?? 1);
    this.#layout = L;
    place(this.#header, L.headerTop, L.headerHeight, cols);
    setLines(this.#header, hl.slice(0, L.headerHeight));
    // The body first: the status line reports what the table holds.
    v.draw(L, now);
    place(this.#status, L.statusTop, L.statusHeight, cols);
    this.#status.setContent(v.status(cols, now));
    place(this.#footer, L.footerTop, 1, cols);
    const hints = v.footer();
    if (this.#footerHints !== hints || this.#footerCols !== cols) {
      // The footer only changes with the view's hints (views keep them) and the width: build and parse it only then.
      this.#footerHints = hints;
      this.#footerCols = cols;
      this.#footer.setContent(footerLine(hints, cols, this.theme));
    }
    if (this.#helpOpen) {
      const box = helpBox(cols, rows, this.#helpTop, this.theme, v.keys);
      this.#helpTop = box.top;
      this.#help.setLabel(` ${v.helpTitle} `);
      this.#help.width = box.width;
      this.#help.height = box.height;
      this.#help.setContent(box.content);
      this.#help.show();
      this.#help.setFront();
    } else {
      this.#help.hide();
    }
    if (this.#renderError && now - this.#renderError.at > RENDER_ERROR_MS) this.#renderError = undefined;
  }

  drawTable(v: AnyView, L: Layout, spec: TableSpec): void {
    this.tableHead.show();
    this.body.show();
    place(this.tableHead, L.tableHeadTop, 1, L.cols);
    place(this.body, L.tableTop, Math.max(1, L.tableHeight), L.cols);
    const t = spec.table;
    if (!t) {
      this.#headKey = '';
      this.tableHead.setContent(this.theme.paint(pad('', L.cols), 'tableHead'));
      this.body.setContent(this.theme.paint(clip(spec.placeholder, L.cols), 'dim'));
      return;
    }
    const r = resolveSelection(t.info.keys, v.state, t.info.related);
    if (r.update) v.state = { ...v.state, ...r.update };
    const idx = r.index;
    const trailer = spec.trailer ?? [];
    const room = Math.max(1, L.tableHeight - trailer.length);
    const count = t.info.keys.length;
    const top = scrollTop(idx, v.state.top, room, count);
    if (top !== v.state.top) v.state = { ...v.state, top };
    const lines: (string | Styled)[] = [];
    for (let i = top; i < Math.min(count, top + room); i++) lines.push(spec.line(i, i === idx, L.cols));
    // The scroll position goes in the blank end of the last visible row; where that row has no room for it, at the
    // end of the title line (a title clipped, never a value: a row cut to make room showed "n" for "no", and would show "07:38:3" for "07:38:38").
    let headMark = '';
    if (count === 0) {
      lines.push(this.theme.paint(clip(spec.empty, L.cols), 'dim'));
    } else if (spec.scrollMark && count > room && room > 0) {
      const more = `${top + 1}-${Math.min(count, top + room)}/${count}`;
      const last = lines.length - 1;
      const row = lines[last];
      if (L.cols > more.length + 10 && row !== undefined) {
        const marked = typeof row === 'string' ? undefined : withMark(row, more, this.theme);
        if (marked !== undefined) lines[last] = marked;
        else headMark = more;
      }
    }
    const headKey = `${L.cols}|${spec.headKey}|${headMark}`;
    if (this.#headKey !== headKey) {
      // Titles only change with the columns, the sort, the width and a scroll position shown there (not with each read).
      this.#headKey = headKey;
      this.tableHead.setContent(headMark === '' ? spec.head(L.cols) : spec.head(L.cols - headMark.length - 1) + ' ' + this.theme.paint(headMark, 'tableHead'));
    }
    if (L.tableHeight >= 2) lines.push(...trailer);
    setLines(this.body, lines);
  }
}

/** Header items packed into at most `maxLines` lines of `cols` cells, as styled runs. */
function headerLines(items: HeaderItem[], cols: number, maxLines: number, theme: Theme): Styled[] {
  return headerStyled(packHeader(items, cols, maxLines), theme);
}
