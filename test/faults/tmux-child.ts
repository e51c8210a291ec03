/**
 * The real monitor on the real terminal (for the tmux terminal-safety
 * tests), with an error injected through MonitorOptions.hooks.beforeRender:
 *   node tmux-child.js render-throw SOCK  every frame after the first live one throws inside render
 *                                         (the monitor must stay up and say so; q then quits with 0)
 *   node tmux-child.js uncaught SOCK      once live, a render hook throws outside any guard
 *                                         (uncaught exception: restore the terminal, one line, exit 1)
 * Sets process.exitCode to runMonitor's code and never calls process.exit:
 * the process must end on its own.
 */
import { parseAddress } from '../../src/protocol/address.js';
import { fetchStats } from '../../src/protocol/reader.js';
import { runMonitor } from '../../src/tui/app.js';

const mode = process.argv[2] ?? 'render-throw';
const addr = parseAddress(process.argv[3] ?? '');
let frames = 0;
let live = false;
let thrown = false;

const code = await runMonitor({
  source: async (signal) => {
    const r = await fetchStats(addr, { timeoutMs: 2000, ...(signal ? { signal } : {}) });
    live = true;
    return { doc: r.doc, at: r.at };
  },
  addressLabel: addr.display,
  frequencyMs: 200,
  hooks: {
    beforeRender() {
      frames++;
      if (!live || frames < 3) return;
      if (mode === 'render-throw') throw new Error('injected render failure');
      if (mode === 'uncaught' && !thrown) {
        thrown = true;
        setTimeout(() => {
          throw new Error('injected uncaught failure');
        }, 300);
      }
    },
  },
});
process.exitCode = code;
