/** The interactive monitor: wires the protocol reader into the TUI. */
import type { Address } from '../protocol/address.js';
import { fetchStats } from '../protocol/reader.js';
import type { CommonOptions } from './main.js';

export interface MonitorCliOptions extends CommonOptions {
  color: boolean;
  sort: string | undefined;
  reverse: boolean;
  node: string;
}

export async function runMonitorCli(addr: Address, opts: MonitorCliOptions): Promise<number> {
  const { runMonitor } = await import('../tui/app.js');
  return runMonitor({
    // The monitor aborts the read in flight when it exits (q, a signal, an error).
    source: async (signal) => {
      const r = await fetchStats(addr, { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, signal });
      return { doc: r.doc, at: r.at };
    },
    addressLabel: addr.display,
    node: opts.node,
    frequencyMs: opts.frequency * 1000,
    color: opts.color,
    sortBy: opts.sort,
    reverse: opts.reverse,
  });
}
