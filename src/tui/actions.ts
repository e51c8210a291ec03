/**
 * Key actions as data (htop's Action.c, k9s's key actions): each action is a
 * pure function `(state, context) → { state, reaction }` living in the key
 * map next to its keys and description ({@link Bound}); the shell alone
 * decides what a reaction costs — redraw, rebuild the table, read again,
 * push or pop a view, quit. No action touches blessed, the clock or a
 * session, so every one is unit-testable on plain objects.
 *
 * The actions every table view shares (selection, sort, filter, help,
 * pause, quit/back, redraw, suspend) are written once here
 * ({@link tableActions}); a view adds its own ({@link bind}).
 */
import { bindingFor, type ActionId, type KeyBinding } from './keys.js';
import { moveSelection, navigationMove, pickSort, stepSort, type FilterState, type SelectionState } from './state.js';

/**
 * What the shell does after an action (htop's reaction flags):
 * - `none`: nothing changed;
 * - `redraw`: draw the screen again;
 * - `rebuild`: the table's inputs changed (the memo rebuilds it), then redraw;
 * - `refetch`: read now (the session), then redraw;
 * - `push` / `pop`: open `push`'s view on top / close the top view;
 * - `quit`: end the program (exit 0);
 * - `help`: open or close the help overlay;
 * - `suspend`: Ctrl-Z; `realloc`: Ctrl-L (repaint every cell).
 */
export type Reaction = 'none' | 'redraw' | 'rebuild' | 'refetch' | 'push' | 'pop' | 'quit' | 'help' | 'suspend' | 'realloc';

/** A view to open: its registered name (src/tui/views/registry.ts) and its argument. */
export interface PushRequest {
  view: string;
  arg?: unknown;
}

export interface Outcome<S> {
  /** The new state (absent: unchanged). */
  state?: S;
  reaction: Reaction;
  /** A transient message for the status line. */
  message?: string;
  push?: PushRequest;
}

/** The table an action sees (read-only): its row keys in display order, its columns and sort. */
export interface TableInfo {
  kind?: string;
  keys: readonly string[];
  /**
   * When the selected row's key is gone (the table changed form: cores merged or listed), the row to select
   * instead: the first row whose key is related to the selected one (the same worker's row or core).
   */
  related?: (selected: string, key: string) => boolean;
  /** The direction this table is sorted in (a view whose tables keep their own; default: the state's `reverse`). */
  reverse?: boolean;
  sortIds: readonly string[];
  sortId: string | undefined;
  columns: readonly { id: string; title: string; descending?: boolean }[];
}

/** What the shell knows when a key is pressed. */
export interface ActionContext {
  /** The key name (`q`, `enter`, `3`…); undefined for a mouse action. */
  key: string | undefined;
  /** Repeat count (a wheel notch moves 3 rows). */
  count: number;
  /** Rows in a page (PgUp/PgDn). */
  page: number;
  /** The table on screen (undefined: none yet). */
  table: TableInfo | undefined;
  /** Terminal rows (some toggles explain what a small terminal cannot show). */
  rows: number;
  /** The view is the bottom of the stack (q quits) or sits on another (q goes back). */
  bottom: boolean;
}

export type Action<S> = (st: S, ctx: ActionContext) => Outcome<S>;

/** A key map entry with its action: keys, description, contexts and handler in one record. */
export interface Bound<S> extends KeyBinding {
  run: Action<S>;
}

/**
 * A key map with its actions: every entry of `map` whose action id has a
 * handler in `actions` (entries without one are neither bound nor listed).
 */
export function bind<S>(map: readonly KeyBinding[], actions: Partial<Record<ActionId, Action<S>>>): Bound<S>[] {
  const out: Bound<S>[] = [];
  for (const b of map) {
    const run = actions[b.action];
    if (run) out.push({ ...b, run });
  }
  return out;
}

/** The one dispatcher: the binding of `name` in `context` runs on `st`; undefined when the key means nothing there. */
export function dispatch<S>(map: readonly Bound<S>[], name: string | undefined, context: 'main' | 'detail', st: S, ctx: ActionContext): Outcome<S> | undefined {
  const b = bindingFor(name, context, map) as Bound<S> | undefined;
  return b ? b.run(st, { ...ctx, key: name }) : undefined;
}

/** The state every table view has: sort, filter, selection, scroll, pause. */
export interface TableState extends FilterState, SelectionState {
  reverse: boolean;
  top: number;
  paused: boolean;
}

/** How a view's state stores its sort (the monitor keeps one per table kind). */
export interface SortLens<S> {
  get(st: S, table: TableInfo): string | undefined;
  set(st: S, table: TableInfo, id: string | undefined, reverse: boolean): S;
}

const none = <S>(): Outcome<S> => ({ reaction: 'none' });

/** A sort change: the new state, the table rebuilt, the message the monitor has always shown. */
export function sortOutcome<S extends TableState>(lens: SortLens<S>, st: S, table: TableInfo, id: string | undefined, reverse: boolean, fallback = 'target order'): Outcome<S> {
  const title = table.columns.find((c) => c.id === id)?.title ?? id ?? fallback;
  return { state: lens.set(st, table, id, reverse), reaction: 'rebuild', message: `sort by ${title} ${reverse ? '▼' : '▲'}` };
}

/** Picking a column (1-9, a click on its title): the same column again flips the direction. */
export function pickColumn<S extends TableState>(lens: SortLens<S>, st: S, table: TableInfo, id: string): Outcome<S> {
  const p = pickSort(lens.get(st, table) ?? '', table.reverse ?? st.reverse, id, table.columns.find((c) => c.id === id)?.descending === true);
  return sortOutcome(lens, st, table, p.id, p.reverse);
}

/** A column's own default direction (P/M/T: rates, memory, time biggest first). */
export function sortDefault<S extends TableState>(lens: SortLens<S>, st: S, table: TableInfo, id: string): Outcome<S> {
  const col = table.columns.find((c) => c.id === id);
  return sortOutcome(lens, st, table, id, col?.descending === true);
}

/**
 * The actions every table view shares. `quit` quits at the bottom of the
 * stack and goes back (pop) above it; Esc clears the filter, else goes back
 * above the bottom (the monitor opened from the fleet).
 */
export function tableActions<S extends TableState>(lens: SortLens<S>): Partial<Record<ActionId, Action<S>>> {
  const nav = (id: ActionId): Action<S> => (st, ctx) => {
    const m = navigationMove(id, ctx.count, ctx.page);
    if (m === undefined || !ctx.table) return none();
    return { state: { ...st, selected: moveSelection(ctx.table.keys, st.selected, m) }, reaction: 'redraw' };
  };
  return {
    quit: (_st, ctx) => ({ reaction: ctx.bottom ? 'quit' : 'pop' }),
    help: () => ({ reaction: 'help' }),
    up: nav('up'),
    down: nav('down'),
    pageUp: nav('pageUp'),
    pageDown: nav('pageDown'),
    home: nav('home'),
    end: nav('end'),
    back: (st, ctx) => {
      if (st.filter !== '') return { state: { ...st, filter: '' }, reaction: 'rebuild' };
      // Like htop, Esc never drops the selection: a row stays selected.
      return { reaction: ctx.bottom ? 'redraw' : 'pop' };
    },
    // s/S: the next (previous) column, in its own default direction (sortDefault).
    sortNext: (st, ctx) => (ctx.table ? sortDefault(lens, st, ctx.table, stepSort(ctx.table.sortIds, ctx.table.sortId ?? lens.get(st, ctx.table) ?? '', 1)) : none()),
    sortPrev: (st, ctx) => (ctx.table ? sortDefault(lens, st, ctx.table, stepSort(ctx.table.sortIds, ctx.table.sortId ?? lens.get(st, ctx.table) ?? '', -1)) : none()),
    sortPick: (st, ctx) => {
      const id = ctx.table && ctx.key !== undefined ? ctx.table.sortIds[Number(ctx.key) - 1] : undefined;
      return id === undefined || !ctx.table ? none() : pickColumn(lens, st, ctx.table, id);
    },
    sortRps: (st, ctx) => (ctx.table ? sortDefault(lens, st, ctx.table, 'rps') : none()),
    sortRss: (st, ctx) => (ctx.table ? sortDefault(lens, st, ctx.table, 'rss') : none()),
    reverse: (st, ctx) => {
      const cur = ctx.table?.reverse ?? st.reverse;
      // Through the lens when the table says its own direction (the monitor's cores table keeps one of its own).
      const state = ctx.table?.reverse !== undefined ? lens.set(st, ctx.table, lens.get(st, ctx.table), !cur) : { ...st, reverse: !cur };
      return { state, reaction: 'rebuild', message: `sort ${cur ? 'ascending' : 'descending'}` };
    },
    filter: (st) => ({ state: { ...st, filterEditing: true }, reaction: 'redraw' }),
    pause: (st) => ({ state: { ...st, paused: !st.paused }, reaction: 'redraw' }),
    redraw: () => ({ reaction: 'realloc' }),
    suspend: () => ({ reaction: 'suspend' }),
  };
}
