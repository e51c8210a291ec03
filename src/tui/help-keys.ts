/**
 * The text of `tsgitop --help-keys`, pasted verbatim into the README's keys
 * section (a test keeps them equal): the monitor's keys, the replay keys,
 * and the interactive fleet view's keys — every line generated from the
 * key maps that also drive the key handling, the `?` overlays and footers.
 */
import { FLEET_KEYMAP, FLEET_REPLAY_KEYMAP, helpKeysSection, helpKeysText as monitorKeysText } from './keys.js';

export function helpKeysText(): string {
  return (
    monitorKeysText() +
    `\nFleet view (several addresses or --targets FILE; Enter opens a target's monitor, whose q/Esc\n` +
    `come back here):\n${helpKeysSection(FLEET_KEYMAP)}\n` +
    `\nFleet replay (tsgitop --replay FILE of a fleet recording): the replay keys, on one clock for every\n` +
    `target (a monitor opened with Enter shares it):\n${helpKeysSection(FLEET_REPLAY_KEYMAP.filter((b) => b.action === 'replayStep'))}\n` +
    `  (the other replay keys as above)\n`
  );
}
