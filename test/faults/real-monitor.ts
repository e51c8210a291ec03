/**
 * The monitor under test, wired as the CLI wires it: `runMonitor` (through
 * the TUI's headless harness, test/tui/harness.ts) with a `source` that is
 * the real `fetchStats` on a real address, the real clock, and counters of
 * what the reads did.
 */
import type { TestContext } from 'node:test';
import { startHarness, type Harness, type HarnessOptions } from '../tui/harness.js';
import { parseAddress } from '../../src/protocol/address.js';
import { fetchStats } from '../../src/protocol/reader.js';
import { isStatsError } from '../../src/protocol/errors.js';
import type { StatsDocument } from '../../src/protocol/types.js';

export interface ReadStats {
  reads: number;
  ok: number;
  failed: number;
  /** Failures by StatsError code (others: the error name). */
  codes: Record<string, number>;
  lastError: string | undefined;
}

export interface RealMonitor {
  h: Harness;
  stats: ReadStats;
  /** Wait until `n` more reads (ok or failed) than now have completed. */
  moreReads(n: number, what?: string, timeoutMs?: number): Promise<void>;
  /** Wait until `n` more failed reads than now. */
  moreFailures(n: number, what?: string, timeoutMs?: number): Promise<void>;
}

export interface RealMonitorOptions extends HarnessOptions {
  /** Read deadline (ms) of each fetchStats (default 500). */
  timeoutMs?: number;
  /** Size cap (default: the CLI's 16 MiB). */
  maxBytes?: number;
  /** Sees every document read. */
  observe?: (doc: StatsDocument) => void;
}

/** Words that must never reach the screen. */
export const JUNK = /NaN|Infinity|undefined|\[object /;

/** Start the monitor on `address`; it is quit (Ctrl-C) in `t.after` if the test did not. */
export function startRealMonitor(t: TestContext | undefined, address: string, o: RealMonitorOptions = {}): RealMonitor {
  const addr = parseAddress(address);
  const stats: ReadStats = { reads: 0, ok: 0, failed: 0, codes: {}, lastError: undefined };
  const { timeoutMs = 500, maxBytes, observe, ...rest } = o;
  const h = startHarness({
    cols: 120,
    rows: 30,
    frequencyMs: 50,
    now: Date.now,
    backoff: { initialMs: 20, maxMs: 100 },
    addressLabel: addr.display,
    node: 'faults',
    ...rest,
    source: async (signal) => {
      try {
        const r = await fetchStats(addr, { timeoutMs, ...(maxBytes !== undefined ? { maxBytes } : {}), ...(signal ? { signal } : {}) });
        stats.ok++;
        observe?.(r.doc);
        return { doc: r.doc, at: r.at };
      } catch (e) {
        stats.failed++;
        const code = isStatsError(e) ? e.code : e instanceof Error ? e.name : 'unknown';
        stats.codes[code] = (stats.codes[code] ?? 0) + 1;
        stats.lastError = e instanceof Error ? e.message : String(e);
        throw e;
      } finally {
        stats.reads++;
      }
    },
  });
  t?.after(async () => {
    if (h.exitCode === undefined) await h.quit();
  });
  const waitCount = async (get: () => number, n: number, what: string, timeoutMs: number): Promise<void> => {
    const target = get() + n;
    const end = Date.now() + timeoutMs;
    while (get() < target) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${get()}/${target}); screen:\n${h.text()}`);
      if (h.exitCode !== undefined) throw new Error(`the monitor exited (${h.exitCode}) while waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    h,
    stats,
    moreReads: (n, what = `${n} more reads`, ms = 15_000) => waitCount(() => stats.reads, n, what, ms),
    moreFailures: (n, what = `${n} more failed reads`, ms = 15_000) => waitCount(() => stats.failed, n, what, ms),
  };
}

/** The screen shows live data (status line) and no STALE marker. */
export function isLive(h: Harness): boolean {
  const s = h.text();
  return s.includes('● live') && !s.includes('STALE') && !s.includes('NO DATA');
}
