/**
 * Batch mode (`tsgitop -b`, automatic when stdout is not a terminal): like
 * `top -b`. A first read is the baseline; then every --frequency seconds a
 * read is rendered, so every printed table has real RPS from two reads.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Address } from '../protocol/address.js';
import { recordingSource } from '../record/source.js';
import type { Recorder } from '../record/recorder.js';
import type { StatsDocument } from '../protocol/types.js';
import type { Sample } from '../model/types.js';
import { buildView, Diagnoser, type DiagnosisOptions } from '../model/index.js';
import { WORKER_COLUMNS, columnById } from '../columns.js';
import { renderText, viewToJson } from '../render/text.js';
import { UsageError } from './values.js';
import { write } from './output.js';
import { jsonVisible } from '../text/sanitize.js';
import type { CliIo, CommonOptions } from './main.js';

export interface BatchOptions extends CommonOptions {
  iterations: number;
  json: boolean;
  cores: boolean;
  width: number;
  sort: string | undefined;
  reverse: boolean;
  node: string;
  /** Diagnosis thresholds (--slow, …). */
  diagnosis?: DiagnosisOptions | undefined;
  /** --record: every read is appended to the recording. */
  recorder?: Recorder | undefined;
}

export async function runBatch(addr: Address, opts: BatchOptions, io: CliIo): Promise<number> {
  const read: () => Promise<Sample<StatsDocument>> = recordingSource(addr, opts.recorder, { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes });
  let prev = await read();
  const diagnoser = new Diagnoser(opts.diagnosis);
  diagnoser.update(buildView(prev, undefined, { node: opts.node }));
  const periodMs = opts.frequency * 1000;
  for (let i = 0; i < opts.iterations; i++) {
    await delay(Math.max(0, prev.at + periodMs - Date.now()));
    const cur = await read();
    const view = buildView(cur, prev, { node: opts.node });
    diagnoser.update(view);
    const text = opts.json
      ? jsonVisible(JSON.stringify(viewToJson(view))) + '\n'
      : renderText(view, { width: opts.width, showCores: opts.cores, now: cur.at, sortBy: opts.sort, reverse: opts.reverse }) + (i + 1 < opts.iterations ? '\n' : '');
    await write(io.stdout, text);
    prev = cur;
  }
  return 0;
}

export function checkSortColumn(id: string): void {
  if (!columnById(id)) {
    throw new UsageError(`unknown sort column '${id}'; one of: ${WORKER_COLUMNS.map((c) => c.id).join(', ')}`);
  }
}

/** `--help-columns`: the column table, generated from the same data the screen uses. */
export function printColumns(): string {
  const rows = WORKER_COLUMNS.map((c) => `  ${c.id.padEnd(10)} ${c.title.padEnd(9)} ${c.help}`);
  return `Worker table columns (id, title, meaning); sort with -s ID:\n${rows.join('\n')}\n`;
}
