/**
 * The key map of the interactive fleet view, in the monitor's style: the
 * same KeyBinding type and the same helpers of src/tui/keys.ts
 * (`bindingFor`, `footerHints`, `helpLines`, `helpBox` take a map), so key
 * handling, the `?` overlay and the footer hints come from this one table.
 * Keys mean what they mean in the monitor (q, ?, ↑↓/jk, s/S, 1-9, P, M,
 * r/I, /, p, Ctrl-L, Ctrl-Z); Enter opens the selected target's monitor.
 * Every binding lives in the `main` context (the fleet table) or `global`.
 * Replaying a fleet recording adds the replay section (FLEET_REPLAY_KEYMAP:
 * the monitor's replay keys, a step moving to the next/previous record of
 * any target), merged as in the monitor by `keyMapFor`.
 */
import { bindingFor, keyMapFor, REPLAY_KEYMAP, type KeyBinding, type KeyContext } from '../keys.js';

const M: readonly KeyContext[] = ['main'];
const G: readonly KeyContext[] = ['global'];

/** The fleet view's key map, in help-overlay order. */
export const FLEET_KEYMAP: readonly KeyBinding[] = [
  { keys: ['C-c'], name: 'Ctrl-C', help: 'Quit (from anywhere, also from an opened monitor)', action: 'quit', contexts: G, showInFooter: false },
  { keys: ['q'], name: 'q', help: 'Quit', hint: 'quit', action: 'quit', contexts: M, showInFooter: true },
  { keys: ['?', 'f1'], name: '?', help: 'Show/hide this help', hint: 'help', action: 'help', contexts: M, showInFooter: true },
  { keys: ['enter'], name: 'Enter', help: "Open the selected target's monitor (q/Esc there: back here; or click a selected row)", hint: 'monitor', action: 'open', contexts: M, showInFooter: true },
  { keys: ['up', 'k'], name: '↑/k', help: 'Select the previous target', action: 'up', contexts: M, showInFooter: false },
  { keys: ['down', 'j'], name: '↓/j', help: 'Select the next target', action: 'down', contexts: M, showInFooter: false },
  { keys: ['pageup', 'C-b'], name: 'PgUp', help: 'Page up', action: 'pageUp', contexts: M, showInFooter: false },
  { keys: ['pagedown', 'C-f', 'space'], name: 'PgDn', help: 'Page down', action: 'pageDown', contexts: M, showInFooter: false },
  { keys: ['home', 'g'], name: 'Home/g', help: 'Select the first target', action: 'home', contexts: M, showInFooter: false },
  { keys: ['end', 'G'], name: 'End/G', help: 'Select the last target', action: 'end', contexts: M, showInFooter: false },
  { keys: ['s', '>'], name: 's/>', help: 'Sort by the next column', hint: 'sort', action: 'sortNext', contexts: M, showInFooter: true },
  { keys: ['S', '<'], name: 'S/<', help: 'Sort by the previous column', action: 'sortPrev', contexts: M, showInFooter: false },
  { keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], name: '1-9', help: 'Sort by the n-th column (twice: reverse; or click a title)', action: 'sortPick', contexts: M, showInFooter: false },
  { keys: ['P'], name: 'P', help: 'Sort by RPS', action: 'sortRps', contexts: M, showInFooter: false },
  { keys: ['M'], name: 'M', help: 'Sort by RSS (memory)', action: 'sortRss', contexts: M, showInFooter: false },
  { keys: ['r', 'I'], name: 'r/I', help: 'Reverse the sort order', hint: 'reverse', action: 'reverse', contexts: M, showInFooter: true },
  { keys: ['/'], name: '/', help: 'Filter by label, address or state (Enter keeps, Esc clears)', hint: 'filter', action: 'filter', contexts: M, showInFooter: true },
  { keys: ['escape'], name: 'Esc', help: 'Clear the filter', action: 'back', contexts: M, showInFooter: false },
  { keys: ['p'], name: 'p', help: 'Pause/resume the display (reads continue)', hint: 'pause', action: 'pause', contexts: M, showInFooter: true },
  { keys: ['C-l'], name: 'Ctrl-L', help: 'Redraw the screen', action: 'redraw', contexts: G, showInFooter: false },
  { keys: ['C-z'], name: 'Ctrl-Z', help: 'Suspend to the shell (fg resumes)', action: 'suspend', contexts: G, showInFooter: false },
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
