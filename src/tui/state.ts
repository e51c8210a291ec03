/**
 * The monitor's UI state and the pure transitions on it. Nothing here reads
 * the clock, touches blessed or does arithmetic on stats counters.
 */

/** How cores are shown: not at all; one table row per worker:core; listed under each worker. */
export type CoresMode = 'hidden' | 'merged' | 'listed';

export const CORES_MODES: readonly CoresMode[] = ['hidden', 'merged', 'listed'];

export interface UiState {
  screen: 'main' | 'detail';
  help: boolean;
  /** Sort column id of the worker table (WORKER_COLUMNS id). */
  sortId: string;
  /** Sort column id of the merged cores table. */
  coreSortId: string;
  /** Descending when true (the worker and vassal tables). */
  reverse: boolean;
  /** Descending when true: the merged cores table's own direction (a with P then 1 did not turn it). */
  coreReverse: boolean;
  cores: CoresMode;
  /** Show cores with 0 requests. */
  unused: boolean;
  totals: boolean;
  fast: boolean;
  paused: boolean;
  filter: string;
  filterEditing: boolean;
  chart: boolean;
  events: boolean;
  /**
   * Key of the selected table row. Like htop, a row is always selected when
   * the table has rows (the first one initially); undefined only before the
   * first table is drawn or while the table is empty.
   */
  selected: string | undefined;
  /** Display index of the selection when last drawn (where it clamps to when its row vanishes). */
  selectedIndex: number;
  /** Index of the first visible table row. */
  top: number;
  /** WorkerView.key shown by the detail screen. */
  detailKey: string | undefined;
}

export function initialState(p: { sortId?: string; reverse?: boolean } = {}): UiState {
  return {
    screen: 'main',
    help: false,
    sortId: p.sortId ?? 'wid',
    coreSortId: 'core',
    reverse: p.reverse ?? false,
    coreReverse: false,
    cores: 'hidden',
    unused: false,
    totals: false,
    fast: false,
    paused: false,
    filter: '',
    filterEditing: false,
    chart: false,
    events: true,
    selected: undefined,
    selectedIndex: 0,
    top: 0,
    detailKey: undefined,
  };
}

/** hidden → merged → listed → hidden. */
export function nextCoresMode(m: CoresMode): CoresMode {
  const i = CORES_MODES.indexOf(m);
  return CORES_MODES[(i + 1) % CORES_MODES.length]!;
}

/**
 * The sort id after moving `step` (±1) through `ids` (the visible columns, in
 * order) from `current`; a current id that is not visible starts from the
 * first column.
 */
export function stepSort(ids: readonly string[], current: string, step: 1 | -1): string {
  if (ids.length === 0) return current;
  const i = ids.indexOf(current);
  if (i < 0) return step === 1 ? ids[0]! : ids[ids.length - 1]!;
  return ids[(i + step + ids.length) % ids.length]!;
}

/**
 * Picking a column: the same column again flips the direction; another one starts in its own default direction
 * (`descending`: rates, counts, memory and time biggest first), as htop does — not in the last column's.
 */
export function pickSort(current: string, reverse: boolean, picked: string, descending = false): { id: string; reverse: boolean } {
  return picked === current ? { id: current, reverse: !reverse } : { id: picked, reverse: descending };
}

/**
 * The selected key after a move over `keys` (the table's rows in display
 * order). No selection yet: any move selects the first (or, for 'end', the
 * last) row. A selection that vanished (filtered out, worker gone) restarts
 * from the top.
 */
export function moveSelection(
  keys: readonly string[],
  selected: string | undefined,
  move: number | 'home' | 'end',
): string | undefined {
  if (keys.length === 0) return undefined;
  if (move === 'home') return keys[0];
  if (move === 'end') return keys[keys.length - 1];
  const i = selected === undefined ? -1 : keys.indexOf(selected);
  if (i < 0) return move < 0 ? keys[keys.length - 1] : keys[0];
  const j = Math.max(0, Math.min(keys.length - 1, i + move));
  return keys[j];
}

/**
 * The display index of the selection over `count` rows: `found` (the index
 * of the selected key, -1 when it is not among the rows) if present, else
 * the last known index clamped to the rows (a vanished row passes the
 * selection to its neighbour; no selection yet means the first row). -1
 * only when there are no rows.
 */
export function selectionIndex(found: number, lastIndex: number, count: number): number {
  if (count <= 0) return -1;
  if (found >= 0 && found < count) return found;
  return Math.max(0, Math.min(count - 1, Number.isFinite(lastIndex) ? Math.floor(lastIndex) : 0));
}

/**
 * The first visible row so that row `index` is on screen in a window of
 * `height` rows over `count` rows, moving `top` as little as possible.
 */
export function scrollTop(index: number, top: number, height: number, count: number): number {
  const h = Math.max(1, height);
  const maxTop = Math.max(0, count - h);
  let t = Math.max(0, Math.min(top, maxTop));
  if (index < 0) return t;
  if (index < t) t = index;
  else if (index >= t + h) t = index - h + 1;
  return Math.max(0, Math.min(t, maxTop));
}

/** Text the filter matches: case-insensitive substring of the id, pid or status. */
export function matchesFilter(filter: string, fields: readonly (string | number | undefined)[]): boolean {
  const q = filter.trim().toLowerCase();
  if (q === '') return true;
  return fields.some((f) => f !== undefined && String(f).toLowerCase().includes(q));
}

/** What the 1 s clock ticker knows when it fires. */
export interface TickInput {
  paused: boolean;
  /** Reads are failing (the status line counts STALE age and retry time). */
  failing: boolean;
  /** No data has arrived yet. */
  noData: boolean;
  /** How long the read in flight has been running, ms (0: none in flight). */
  busyMs: number;
  /** Refresh interval, ms. */
  freqMs: number;
  /** The ticker's period, ms. */
  tickMs: number;
}

/**
 * Should the clock ticker draw a frame? Only when nothing else will redraw
 * within a tick: paused, failing, nothing read yet, a refresh interval
 * longer than the tick, or a read that has been in flight for a whole tick
 * (a slow server). A read that is merely in flight when the ticker fires
 * (the two run at the same 1 s cadence, so they can stay in phase for
 * minutes) redraws itself a few ms later: drawing then too would double the
 * monitor's CPU use for nothing.
 */
export function tickRenders(t: TickInput): boolean {
  return t.paused || t.failing || t.noData || t.freqMs > t.tickMs || t.busyMs >= t.tickMs;
}

/** The filter prompt's part of a UI state (the monitor's and the fleet view's). */
export interface FilterState {
  filter: string;
  filterEditing: boolean;
}

/** Longest filter text the prompt accepts. */
export const FILTER_MAX = 64;

/**
 * One key typed into the filter prompt: Enter keeps the filter, Esc clears
 * it, Backspace deletes, a printable character is appended. Returns the new
 * filter fields, or undefined when the key means nothing to the prompt.
 */
export function editFilter(st: FilterState, ch: string | undefined, name: string | undefined): FilterState | undefined {
  if (name === 'enter') return { filter: st.filter, filterEditing: false };
  if (name === 'escape') return { filter: '', filterEditing: false };
  if (name === 'backspace') return { filter: st.filter.slice(0, -1), filterEditing: st.filterEditing };
  if (ch !== undefined && ch.length === 1 && ch >= ' ' && ch !== '\x7f' && st.filter.length < FILTER_MAX) {
    return { filter: st.filter + ch, filterEditing: st.filterEditing };
  }
  return undefined;
}

/**
 * One key on the help overlay: ↑/k ↓/j PgUp PgDn/space scroll (the new top
 * line; the overlay clamps it), Esc/q/?/F1/Enter close it ('close'); any
 * other key: undefined (ignored).
 */
export function helpScroll(name: string | undefined, top: number, page: number): number | 'close' | undefined {
  switch (name) {
    case 'up':
    case 'k':
      return Math.max(0, top - 1);
    case 'down':
    case 'j':
      return top + 1;
    case 'pageup':
      return Math.max(0, top - page);
    case 'pagedown':
    case 'space':
      return top + page;
    case 'escape':
    case 'q':
    case '?':
    case 'f1':
    case 'enter':
      return 'close';
    default:
      return undefined;
  }
}

/**
 * The selection move a navigation action means (`count` rows for ↑/↓,
 * `page` rows for PgUp/PgDn), for moveSelection; undefined for any other
 * action. The monitor and the fleet view share it.
 */
export function navigationMove(action: string, count: number, page: number): number | 'home' | 'end' | undefined {
  switch (action) {
    case 'up':
      return -count;
    case 'down':
      return count;
    case 'pageUp':
      return -page;
    case 'pageDown':
      return page;
    case 'home':
      return 'home';
    case 'end':
      return 'end';
    default:
      return undefined;
  }
}

/** The selection part of a UI state (the monitor's and the fleet view's). */
export interface SelectionState {
  /** Key of the selected row. */
  selected: string | undefined;
  /** Its index when last seen, so a row that vanishes hands the selection to its neighbour. */
  selectedIndex: number;
}

/**
 * The selected row among `keys` (row keys in display order): the row with
 * the selected key, else the one now at its last index (clamped), so a row
 * is always selected while there are rows. Returns its index (-1 for none)
 * and the selection fields to store, or undefined when they are unchanged.
 */
export function resolveSelection(
  keys: readonly string[],
  st: SelectionState,
  related?: (selected: string, key: string) => boolean,
): { index: number; update: SelectionState | undefined } {
  const sel = st.selected;
  let found = sel === undefined ? -1 : keys.indexOf(sel);
  // The same thing in another form (a worker's row, now its cores), before the neighbour by index.
  if (found < 0 && sel !== undefined && related) found = keys.findIndex((k) => related(sel, k));
  const index = selectionIndex(found, st.selectedIndex, keys.length);
  const key = index >= 0 ? keys[index] : undefined;
  const changed = key !== st.selected || (index >= 0 && index !== st.selectedIndex);
  return { index, update: changed ? { selected: key, selectedIndex: index >= 0 ? index : st.selectedIndex } : undefined };
}
