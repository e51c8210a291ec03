/**
 * The contract between the shell (src/tui/shell.ts) and its views
 * (src/tui/views/): what a view supplies, and what it may ask of the shell.
 * Types only.
 */
import type blessed from 'blessed';
import type { Readable, Writable } from 'node:stream';
import type { Bound, TableInfo } from './actions.js';
import type { HeaderItem } from './header.js';
import type { Styled } from './fastbox.js';
import type { Layout, PaneWant } from './layout.js';
import type { Box } from './terminal.js';
import type { Theme } from './theme.js';

/** A frame the shell drew (tests wait on these). */
export interface RenderInfo {
  /** Which kind of view drew it. */
  screen: 'monitor' | 'fleet';
  frame: number;
  reason: string;
  /** The render error of this frame, if drawing threw. */
  error?: string;
}

/** The table of a view as the shell handles it: selection, scrolling, clicks. */
export interface ShellTable {
  info: TableInfo;
  /** The column id under x (0-based from the table's left edge), for clicks on titles. */
  columnAt(x: number): string | undefined;
}

/** What a view can ask of the shell. */
export interface ShellApi {
  readonly theme: Theme;
  readonly screen: blessed.Widgets.Screen;
  /** A one-line tagged box on the screen (a view's own widget). */
  box(extra?: Record<string, unknown>): Box;
  /** A transient status-line message. */
  say(text: string): void;
  /** The current message, if still shown. */
  message(): string | undefined;
  /** A render error of the last seconds, if any. */
  renderError(): string | undefined;
  /** Draw again (only when `view` is on top). */
  render(view: AnyView, reason: string): void;
  /**
   * A frame for `view` is on its way (a read started; only when `view` is on top): the shell's next tick can
   * wait. Best called from a timer's callback (src/tui/ticker.ts).
   */
  awake(view: AnyView): void;
  /** Run `fn`; an exception is shown in the status line instead of ending the program. */
  guard(where: string, fn: () => void): void;
  /** Record an error for the status line (a failed replay read…). */
  fail(where: string, e: unknown): void;
  /** Draw a table body with the shared selection and scrolling. */
  drawTable(view: AnyView, L: Layout, spec: TableSpec): void;
  /** The table's head box and body box (a view shows or hides them). */
  readonly tableHead: Box;
  readonly body: Box;
}

/** How a view's table is drawn by {@link ShellApi.drawTable}. */
export interface TableSpec {
  table: ShellTable | undefined;
  /** The title line (tagged, exactly `width` cells); called only when it may have changed (`headKey`, the width). */
  head(width: number): string;
  /** Everything the title line depends on. */
  headKey: string;
  /** One row of exactly `width` cells: tagged text, or styled runs (fastbox.ts; no tags to build or parse). */
  line(index: number, selected: boolean, width: number): string | Styled;
  /** What the body says with no table yet. */
  placeholder: string;
  /** What the body says when the table has no rows. */
  empty: string;
  /** Lines kept under the rows (the fleet's totals line). */
  trailer?: string[];
  /** Show `first-last/count` when the rows do not fit: in the last row's blank end, else at the end of the title line. */
  scrollMark?: boolean;
}

/** A view: a renderer plus its actions (one file in src/tui/views, one line in its registry). */
export interface View<S = unknown> {
  /** The kind reported in RenderInfo. */
  readonly screen: 'monitor' | 'fleet';
  /** Title of the help overlay. */
  readonly helpTitle: string;
  /** Key context of its bindings. */
  readonly context: 'main' | 'detail';
  /** Its state; actions replace it. */
  state: S;
  /** Its key map, with the actions. */
  readonly keys: readonly Bound<S>[];
  /** Its clock (a replay's in a replay). */
  now(): number;
  /** Pushed: create widgets, start its session. */
  mount(shell: ShellApi, bottom: boolean): void;
  /** On top again (or for the first time) / covered by another view / popped or the shell ends. */
  show(): void;
  hide(): void;
  unmount(): void;
  /** Header items and how many header lines it may take. */
  header(now: number, cols: number): { items: HeaderItem[]; maxLines: number };
  /** Panes it wants (the layout gives them room when the terminal has it). */
  panes(cols?: number): PaneWant;
  /** Its table at `width` (memoised by the view), for selection and clicks. */
  table(width: number): ShellTable | undefined;
  /** Draw the body (table, panes or its own text). */
  draw(L: Layout, now: number): void;
  /** Lines its status wants (default 1; 2 to wrap a long error), asked before the layout. */
  statusHeight?(cols: number, now: number): number;
  /** The status line, tagged, at most `cols` cells (a second line after a newline when statusHeight said 2). */
  status(cols: number, now: number): string;
  /** Footer hints. */
  footer(): { key: string; label: string }[];
  /** The 1 s ticker: true to draw a frame. */
  tick(): boolean;
  /** After an action changed the state (e.g. pause → keep the frame; fast → reschedule reads). */
  changed?(prev: S): void;
  /** The `refetch` reaction. */
  refetch?(): void;
}

/** A view of any state (the shell's stack holds views of different states). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyView = View<any>;

/** How a program's screen is set up: every option a runner (runMonitor, runFleetView) passes through. */
export interface TerminalOptions {
  /** Colours on (default true). Off: no SGR colour codes at all (bold/inverse only). */
  color?: boolean | undefined;
  /** Initial sort: a column id or title. */
  sortBy?: string | undefined;
  /** Initial sort direction: descending when true. */
  reverse?: boolean | undefined;
  /** Terminal input (default process.stdin). */
  input?: Readable | undefined;
  /** Terminal output (default process.stdout). */
  output?: Writable | undefined;
  /** terminfo name (default: $TERM; 'xterm-256color' when custom streams are given). */
  terminal?: string | undefined;
  /** Install SIGTERM/SIGHUP/SIGINT/SIGTSTP and uncaught-error handlers (default true). */
  processHandlers?: boolean | undefined;
  /** Where the one-line fatal error goes after the terminal is restored (default process.stderr). */
  stderr?: Writable | undefined;
  /** Environment (TSGITOP_DEBUG=1 adds a stack to a fatal error). Default process.env. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Called once with the exit code, after the terminal is restored. */
  onExit?: ((code: number) => void) | undefined;
}

export interface ShellOptions extends TerminalOptions {
  title: string;
  /** Called after every frame. */
  rendered?: ((info: RenderInfo) => void) | undefined;
  /** Called at the start of every frame; throwing here exercises the render-error path. */
  beforeRender?: ((reason: string) => void) | undefined;
  /** Called once the shell has finished (sessions closed), before `resolve`. */
  closing?: () => Promise<void>;
}
