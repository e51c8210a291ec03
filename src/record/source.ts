/**
 * The live source of the monitor / batch mode, with recording: reads one
 * stats document (fetchStats) and, when a Recorder is given, appends the
 * document — or the failure — to the recording.
 */
import type { Sample } from '../model/types.js';
import type { Address } from '../protocol/address.js';
import { fetchStats, type FetchResult, type ReadOptions } from '../protocol/reader.js';
import type { StatsDocument } from '../protocol/types.js';
import { serializeStats } from '../protocol/parse.js';
import type { Recorder } from './recorder.js';

export interface RecordingSourceOptions {
  /** Per-read deadline (default fetchStats' 5000 ms). */
  timeoutMs?: number;
  /** Size cap (default fetchStats' 64 MiB). */
  maxBytes?: number;
  /** The `addr` written to the recording (default the address's display form). */
  label?: string;
  /** Clock for the time of a failed read (default Date.now). */
  now?: () => number;
  /** Told the size in bytes of every document read. */
  onRead?: (bytes: number) => void;
}

/** No bytes: the last read passed to fetchStats without its bytes (see recordingSource). */
const NO_BYTES = Buffer.alloc(0);

/**
 * A `(signal?) => Promise<Sample>` for MonitorOptions.source (or batch mode)
 * that records every read into `recorder` (if given). A read cancelled
 * through `signal` (the monitor quitting) is not recorded.
 */
export function recordingSource(
  addr: Address,
  recorder: Recorder | undefined,
  opts: RecordingSourceOptions = {},
): (signal?: AbortSignal) => Promise<Sample<StatsDocument>> {
  const label = opts.label ?? addr.display;
  const now = opts.now ?? Date.now;
  // The last good read's document: a worker whose text did not change since is not parsed again (fetchStats).
  let last: FetchResult | undefined;
  return async (signal?: AbortSignal) => {
    const ro: ReadOptions = { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, signal };
    try {
      const r = await fetchStats(addr, ro, last);
      // Its document only: the parser keeps what it compares with of the bytes (src/protocol/parse.ts), and bytes
      // held for a second outlive young-generation collections (resident memory until a full one).
      last = { raw: NO_BYTES, doc: r.doc, at: r.at };
      opts.onRead?.(r.raw.length);
      recorder?.record(label, r.at, serializeStats(r.doc)); // the reduced document: no request secrets on disk
      return { doc: r.doc, at: r.at };
    } catch (e) {
      if (!signal?.aborted) recorder?.recordError(label, now(), e);
      throw e;
    }
  };
}
