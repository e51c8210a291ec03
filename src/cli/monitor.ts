/** The interactive monitor: wires the protocol reader into the TUI. */
import type { Address } from '../protocol/address.js';
import { recordingSource } from '../record/source.js';
import { limitJit } from './jit.js';
import { CACHE_AFTER_FRAMES, saveCodeCache } from './codecache.js';
import type { Recorder } from '../record/recorder.js';
import type { CommonOptions } from './io.js';
import type { DiagnosisOptions } from '../model/diagnosis.js';
import type { FrontReader } from './front.js';

export interface MonitorCliOptions extends CommonOptions {
  color: boolean;
  sort: string | undefined;
  reverse: boolean;
  node: string;
  /** --record: every read (and every failed read) is appended to the recording. */
  recorder?: Recorder | undefined;
  /** Diagnosis thresholds (--slow, …). */
  diagnosis?: DiagnosisOptions | undefined;
  /** --front: nginx's stub_status, read beside every stats read, shown above the header facts. */
  front?: FrontReader | undefined;
}

export async function runMonitorCli(addr: Address, opts: MonitorCliOptions): Promise<number> {
  const jit = limitJit();
  const { runMonitor } = await import('../tui/app.js');
  const read = recordingSource(addr, opts.recorder, { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, onRead: (bytes) => jit.read(bytes) });
  const front = opts.front;
  let frames = 0;
  return runMonitor({
    // A code cache for this Node, when bin/tsgitop found none it could use (src/cli/codecache.ts).
    hooks: {
      rendered: () => {
        if (++frames === CACHE_AFTER_FRAMES) saveCodeCache((f) => jit.atStartFlags(f));
      },
    },
    // The monitor passes an abort signal: the read in flight stops when it exits.
    source: front
      ? (signal) => {
          front.pollInBackground();
          return read(signal);
        }
      : read,
    ...(front ? { frontLine: (v) => (v ? front.apply(v).line : undefined) } : {}),
    addressLabel: addr.display,
    node: opts.node,
    frequencyMs: opts.intervalMs,
    color: opts.color,
    sortBy: opts.sort,
    reverse: opts.reverse,
    diagnosis: opts.diagnosis,
  });
}
