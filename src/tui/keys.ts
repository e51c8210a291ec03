/**
 * The one key map of the monitor. It drives three things, so they can never
 * disagree: key handling (`bindingFor`), the help overlay (`?`, every entry)
 * and the footer hints (entries with `showInFooter`, k9s style).
 */

/** Every action the monitor knows. */
export type ActionId =
  | 'quit'
  | 'help'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'open'
  | 'back'
  | 'sortNext'
  | 'sortPrev'
  | 'sortPick'
  | 'sortRps'
  | 'sortRss'
  | 'sortTime'
  | 'reverse'
  | 'cores'
  | 'unused'
  | 'totals'
  | 'fast'
  | 'pause'
  | 'filter'
  | 'chart'
  | 'events'
  | 'redraw'
  | 'suspend'
  | 'replayPause'
  | 'replayStep'
  | 'replaySpeed'
  | 'replaySeek'
  | 'replayJump'
  | 'diagnosis'
  | 'inflight'
  | 'sockets'
  | 'jump';

/**
 * Where a binding applies. `main`: the worker/vassal table; `detail`: the
 * worker detail view; `global`: everywhere (including the help overlay and
 * the filter prompt, which otherwise swallow keys); `replay`: the table and
 * the detail view, only while a recording is replayed (`tsgitop --replay`),
 * where it wins over the table's and the detail's own bindings.
 */
export type KeyContext = 'main' | 'detail' | 'global' | 'replay';

export interface KeyBinding {
  /**
   * Key names as blessed reports them: a printable character (`q`, `S`,
   * `<`, `?`), or a named key (`up`, `enter`, `escape`, `pageup`, `f1`),
   * or a chord (`C-c`, `C-l`).
   */
  keys: readonly string[];
  /** How the key is written in the help overlay and the footer. */
  name: string;
  /** One line for the help overlay. */
  help: string;
  /** Footer label (short); defaults to `help`. */
  hint?: string;
  action: ActionId;
  contexts: readonly KeyContext[];
  showInFooter: boolean;
}

const M: readonly KeyContext[] = ['main'];
const D: readonly KeyContext[] = ['detail'];
const MD: readonly KeyContext[] = ['main', 'detail'];
const G: readonly KeyContext[] = ['global'];

/** The key map, in help-overlay order. */
export const KEYMAP: readonly KeyBinding[] = [
  { keys: ['C-c'], name: 'Ctrl-C', help: 'Quit (from anywhere)', action: 'quit', contexts: G, showInFooter: false },
  { keys: ['q'], name: 'q', help: 'Quit', hint: 'quit', action: 'quit', contexts: M, showInFooter: true },
  { keys: ['?', 'f1'], name: '?', help: 'Show/hide this help', hint: 'help', action: 'help', contexts: MD, showInFooter: true },
  { keys: ['up', 'k'], name: '↑/k', help: 'Select the previous row', action: 'up', contexts: M, showInFooter: false },
  { keys: ['down', 'j'], name: '↓/j', help: 'Select the next row', action: 'down', contexts: M, showInFooter: false },
  { keys: ['pageup', 'C-b'], name: 'PgUp', help: 'Page up', action: 'pageUp', contexts: M, showInFooter: false },
  { keys: ['pagedown', 'C-f', 'space'], name: 'PgDn', help: 'Page down', action: 'pageDown', contexts: M, showInFooter: false },
  { keys: ['home', 'g'], name: 'Home/g', help: 'Select the first row', action: 'home', contexts: M, showInFooter: false },
  { keys: ['end', 'G'], name: 'End/G', help: 'Select the last row', action: 'end', contexts: M, showInFooter: false },
  { keys: ['enter'], name: 'Enter', help: "Worker detail (or click a selected row)", hint: 'detail', action: 'open', contexts: M, showInFooter: true },
  { keys: ['escape', 'q', 'backspace'], name: 'Esc/q', help: 'Back to the worker table', hint: 'back', action: 'back', contexts: D, showInFooter: true },
  { keys: ['escape'], name: 'Esc', help: 'Clear the filter', action: 'back', contexts: M, showInFooter: false },
  { keys: ['s', '>'], name: 's/>', help: 'Sort by the next column', hint: 'sort', action: 'sortNext', contexts: M, showInFooter: true },
  { keys: ['S', '<'], name: 'S/<', help: 'Sort by the previous column', action: 'sortPrev', contexts: M, showInFooter: false },
  { keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], name: '1-9', help: 'Sort by the n-th column (twice: reverse; or click a title)', action: 'sortPick', contexts: M, showInFooter: false },
  { keys: ['P'], name: 'P', help: 'Sort by RPS', action: 'sortRps', contexts: M, showInFooter: false },
  { keys: ['M'], name: 'M', help: 'Sort by RSS (memory)', action: 'sortRss', contexts: M, showInFooter: false },
  { keys: ['T'], name: 'T', help: 'Sort by running time', action: 'sortTime', contexts: M, showInFooter: false },
  { keys: ['r', 'I'], name: 'r/I', help: 'Reverse the sort order', hint: 'reverse', action: 'reverse', contexts: M, showInFooter: true },
  { keys: ['/'], name: '/', help: 'Filter by id, pid or status (Enter keeps, Esc clears)', hint: 'filter', action: 'filter', contexts: M, showInFooter: true },
  { keys: ['a'], name: 'a', help: 'Cores: hidden → one row per worker:core → under each worker', hint: 'cores', action: 'cores', contexts: M, showInFooter: true },
  { keys: ['u'], name: 'u', help: 'Show/hide unused cores (0 requests)', action: 'unused', contexts: MD, showInFooter: false },
  { keys: ['t'], name: 't', help: 'Show/hide the totals row', hint: 'totals', action: 'totals', contexts: M, showInFooter: true },
  { keys: ['f'], name: 'f', help: 'Fast refresh (every 0.1 s) on/off', hint: 'fast', action: 'fast', contexts: MD, showInFooter: true },
  { keys: ['p'], name: 'p', help: 'Pause/resume the display (reads continue)', hint: 'pause', action: 'pause', contexts: MD, showInFooter: true },
  { keys: ['c'], name: 'c', help: 'Chart of total RPS and listen queue under the table (on/off)', hint: 'chart', action: 'chart', contexts: M, showInFooter: true },
  { keys: ['e'], name: 'e', help: 'Event log pane under the table (on/off)', action: 'events', contexts: M, showInFooter: false },
  { keys: ['!'], name: '!', help: 'Diagnosis: every verdict, most severe first (1-9 there: the worker behind it)', hint: 'diagnosis', action: 'diagnosis', contexts: MD, showInFooter: false },
  { keys: ['i'], name: 'i', help: 'Requests in flight: worker, core, pid, method, path, age (oldest first)', hint: 'in flight', action: 'inflight', contexts: MD, showInFooter: false },
  { keys: ['o'], name: 'o', help: 'Listening sockets: name, proto, queue/max (FULL), shared, offload', action: 'sockets', contexts: MD, showInFooter: false },
  { keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], name: '1-9', help: "In the diagnosis list: open the n-th verdict's worker", action: 'jump', contexts: D, showInFooter: false },
  { keys: ['C-l'], name: 'Ctrl-L', help: 'Redraw the screen', action: 'redraw', contexts: G, showInFooter: false },
  { keys: ['C-z'], name: 'Ctrl-Z', help: 'Suspend to the shell (fg resumes)', action: 'suspend', contexts: G, showInFooter: false },
];

const R: readonly KeyContext[] = ['replay'];

/**
 * The replay section of the key map: active (and listed in the help
 * overlay, the footer and `--help-keys`) only while replaying. In a replay
 * `p` and space pause the replay clock itself, so they replace the live
 * monitor's display pause (`p`) and page down (space; PgDn and Ctrl-F still
 * page). Entries act in two directions: the first half of their keys
 * forward (or faster), the second half back (or slower), see
 * {@link replayDirection}; their names list the back key first (`,/.`).
 */
export const REPLAY_KEYMAP: readonly KeyBinding[] = [
  { keys: ['space', 'p'], name: 'space/p', help: 'Replay: play/pause the replay clock', hint: 'play/pause', action: 'replayPause', contexts: R, showInFooter: true },
  { keys: ['.', ','], name: ',/.', help: 'Replay: step one record back/forward (pauses the clock)', hint: 'step', action: 'replayStep', contexts: R, showInFooter: true },
  { keys: ['+', '=', '-', '_'], name: '-/+', help: 'Replay: speed ÷2 / ×2 (×0.25 … ×16)', hint: 'speed', action: 'replaySpeed', contexts: R, showInFooter: true },
  { keys: [']', '['], name: '[/]', help: 'Replay: seek 1 min back/forward (recorded time)', hint: 'seek', action: 'replaySeek', contexts: R, showInFooter: false },
  { keys: ['}', '{'], name: '{/}', help: 'Replay: jump to the first/last record', action: 'replayJump', contexts: R, showInFooter: false },
];

/**
 * Direction of a two-way replay key: +1 for the first half of its entry's
 * keys (forward, faster), -1 for the second half (back, slower); 0 when the
 * key is not one of a replay entry's.
 */
export function replayDirection(name: string | undefined, map: readonly KeyBinding[] = REPLAY_KEYMAP): 1 | -1 | 0 {
  if (name === undefined) return 0;
  for (const b of map) {
    if (!b.contexts.includes('replay')) continue;
    const i = b.keys.indexOf(name);
    if (i < 0) continue;
    return i < Math.ceil(b.keys.length / 2) ? 1 : -1;
  }
  return 0;
}

/**
 * The key map in force: KEYMAP for the live monitor; while replaying, the
 * replay entries right after `?` and the live entries without the keys the
 * replay entries take (an entry left with no key is dropped, so `p`'s
 * display pause is neither bound nor listed).
 */
export function keyMapFor(mode: { replay: boolean }, live: readonly KeyBinding[] = KEYMAP, replay: readonly KeyBinding[] = REPLAY_KEYMAP): readonly KeyBinding[] {
  if (!mode.replay) return live;
  const taken = new Set(replay.flatMap((b) => b.keys));
  const out: KeyBinding[] = [];
  let inserted = false;
  for (const b of live) {
    const keys = b.keys.filter((k) => !taken.has(k));
    if (keys.length > 0) out.push(keys.length === b.keys.length ? b : { ...b, keys });
    if (!inserted && b.action === 'help') {
      out.push(...replay);
      inserted = true;
    }
  }
  if (!inserted) out.push(...replay);
  return out;
}

/** Normalise what blessed reports for one key press into the names used in KEYMAP. */
export function keyName(ch: string | undefined, key: { name?: string; full?: string; ctrl?: boolean; meta?: boolean } | undefined): string | undefined {
  const full = key?.full;
  const name = key?.name;
  // blessed reports '\r' twice: as 'return', then again as 'enter'. Act on 'enter' only.
  if (name === 'return') return undefined;
  if (name === 'enter' || name === 'linefeed') return 'enter';
  if (key?.ctrl || key?.meta) return full ?? name;
  if (name === 'space' || ch === ' ') return 'space';
  if (ch !== undefined && ch.length === 1 && ch >= '!' && ch <= '~') return ch;
  return name ?? full;
}

/**
 * The binding a key press triggers in `context`, or undefined. Global
 * bindings win; then replay bindings (present only in a replay's map, see
 * {@link keyMapFor}); then the first entry of the context that lists the key.
 */
export function bindingFor(name: string | undefined, context: 'main' | 'detail', map: readonly KeyBinding[] = KEYMAP): KeyBinding | undefined {
  if (name === undefined) return undefined;
  return (
    map.find((b) => b.contexts.includes('global') && b.keys.includes(name)) ??
    map.find((b) => b.contexts.includes('replay') && b.keys.includes(name)) ??
    map.find((b) => b.contexts.includes(context) && b.keys.includes(name))
  );
}

/** Footer hints for a context: `name label` pairs from the entries marked showInFooter. */
export function footerHints(context: 'main' | 'detail', map: readonly KeyBinding[] = KEYMAP): { key: string; label: string }[] {
  return map
    .filter((b) => b.showInFooter && (b.contexts.includes(context) || b.contexts.includes('global') || b.contexts.includes('replay')))
    .map((b) => ({ key: b.name, label: b.hint ?? b.help }));
}

/** Lines of the help overlay: one per KEYMAP entry, `name  help  where` (where: any, replay, table, detail, both). */
export function helpLines(map: readonly KeyBinding[] = KEYMAP): { key: string; help: string; where: string }[] {
  return map.map((b) => ({
    key: b.name,
    help: b.help,
    where: b.contexts.includes('global')
      ? 'any'
      : b.contexts.includes('replay')
        ? 'replay'
        : b.contexts.includes('main') && b.contexts.includes('detail')
        ? 'both'
        : b.contexts.includes('main')
          ? 'table'
          : 'detail',
  }));
}

/** One key map as `--help-keys` lists it: `  KEY  help  [where]`, keys aligned. */
export function helpKeysSection(map: readonly KeyBinding[]): string {
  const rows = helpLines(map);
  const w = Math.max(...rows.map((r) => r.key.length));
  return rows.map((r) => `  ${r.key.padEnd(w)}  ${r.help}  [${r.where}]`).join('\n');
}

/**
 * The monitor's part of `tsgitop --help-keys` (and of the README's keys
 * section): the live monitor's keys, then the replay section. The whole
 * text, with the fleet view's keys, is src/tui/help-keys.ts.
 */
export function helpKeysText(live: readonly KeyBinding[] = KEYMAP, replay: readonly KeyBinding[] = REPLAY_KEYMAP): string {
  const section = helpKeysSection;
  return (
    `Keys of the live monitor (the same map drives the ? overlay and the footer):\n${section(live)}\n` +
    `\nReplay (tsgitop --replay FILE): these keys too, listed and bound only then; p and space\n` +
    `pause the replay clock in place of the display pause and page down:\n${section(replay)}\n`
  );
}

/**
 * The key map of the interactive fleet view, in the monitor's style: its
 * entries are the monitor's (same keys, same names), with the fleet's words
 * where they differ; Enter opens the selected target's monitor. Every
 * binding lives in the `main` context (the fleet table) or `global`.
 * Replaying a fleet recording adds the replay section (FLEET_REPLAY_KEYMAP:
 * the monitor's replay keys, a step moving to the next/previous record of
 * any target), merged as in the monitor by `keyMapFor`.
 */
function monitorKey(name: string, over: Partial<KeyBinding> = {}): KeyBinding {
  const b = KEYMAP.find((x) => x.name === name);
  if (!b) throw new Error(`no monitor key ${name}`);
  return { ...b, ...over };
}

/** The fleet view's key map, in help-overlay order. */
export const FLEET_KEYMAP: readonly KeyBinding[] = [
  monitorKey('Ctrl-C', { help: 'Quit (from anywhere, also from an opened monitor)' }),
  monitorKey('q'),
  monitorKey('?', { contexts: M }),
  { keys: ['enter'], name: 'Enter', help: "Open the selected target's monitor (q/Esc there: back here; or click a selected row)", hint: 'monitor', action: 'open', contexts: M, showInFooter: true },
  monitorKey('↑/k', { help: 'Select the previous target' }),
  monitorKey('↓/j', { help: 'Select the next target' }),
  monitorKey('PgUp'),
  monitorKey('PgDn'),
  monitorKey('Home/g', { help: 'Select the first target' }),
  monitorKey('End/G', { help: 'Select the last target' }),
  ...['s/>', 'S/<', '1-9', 'P', 'M', 'r/I'].map((n) => monitorKey(n)),
  monitorKey('/', { help: 'Filter by label, address or state (Enter keeps, Esc clears)' }),
  monitorKey('Esc'),
  monitorKey('p', { contexts: M }),
  monitorKey('Ctrl-L'),
  monitorKey('Ctrl-Z'),
];

/**
 * The replay keys of the fleet view (`tsgitop --replay FILE` of a fleet
 * recording): the monitor's REPLAY_KEYMAP, except that a step moves the one
 * replay clock to the next/previous record time of any target.
 */
export const FLEET_REPLAY_KEYMAP: readonly KeyBinding[] = REPLAY_KEYMAP.map((b) =>
  b.action === 'replayStep' ? { ...b, help: 'Replay: step to the previous/next record of any target (pauses the clock)' } : b,
);

/** The fleet view's key map in force: with the replay section while replaying a fleet recording. */
export function fleetKeyMap(replay: boolean): readonly KeyBinding[] {
  return keyMapFor({ replay }, FLEET_KEYMAP, FLEET_REPLAY_KEYMAP);
}

/** The fleet binding a key press triggers, or undefined. */
export function fleetBindingFor(name: string | undefined, map: readonly KeyBinding[] = FLEET_KEYMAP): KeyBinding | undefined {
  return bindingFor(name, 'main', map);
}
