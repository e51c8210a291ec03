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
import type { Sample, Totals, WorkerView } from '../model/types.js';
import { buildView, Diagnoser, type DiagnosisOptions } from '../model/index.js';
import { ALL_WORKER_COLUMNS, CORE_COLUMNS, VASSAL_COLUMNS, columnById, columnsHelp, type Column } from '../columns.js';
import { renderText, viewToJson } from '../render/text.js';
import { UsageError } from './values.js';
import { write } from './output.js';
import { jsonVisible, oneLine } from '../text/sanitize.js';
import { isStatsError } from '../protocol/errors.js';
import { formatTimestamp } from '../format.js';
import { asciify, utf8Locale } from '../tui/caps.js';
import type { CliIo, CommonOptions } from './io.js';
import type { FrontReader } from './front.js';

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
  /** --front: nginx's stub_status, read beside every read (a line above the table, `front` in --json). */
  front?: FrontReader | undefined;
}

export async function runBatch(addr: Address, opts: BatchOptions, io: CliIo): Promise<number> {
  const read: () => Promise<Sample<StatsDocument>> = recordingSource(addr, opts.recorder, { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes });
  let [prev] = await Promise.all([read(), opts.front?.poll()]);
  const diagnoser = new Diagnoser(opts.diagnosis);
  diagnoser.update(buildView(prev, undefined, { node: opts.node }));
  const periodMs = opts.intervalMs;
  // After the baseline a read that fails is told in its place and the run goes on — a batch logger keeps logging
  // through the restart it is there to record — and the exit code says some failed (the first read failing is fatal).
  let failed = 0;
  let last = prev.at;
  for (let i = 0; i < opts.iterations; i++) {
    const more = i + 1 < opts.iterations;
    await delay(Math.max(0, last + periodMs - Date.now()));
    let cur: Sample<StatsDocument>;
    try {
      [cur] = await Promise.all([read(), opts.front?.poll()]);
    } catch (e) {
      if (!isStatsError(e)) throw e;
      failed++;
      last = Date.now();
      const message = oneLine(e, 1000);
      const text = opts.json
        ? jsonVisible(JSON.stringify({ kind: 'error', at: last, time: new Date(last).toISOString(), message })) + '\n'
        : `read failed ${formatTimestamp(last)}: ${message}\n` + (more ? '\n' : '');
      await write(io.stdout, opts.json || utf8Locale(io.env) ? text : asciify(text));
      continue;
    }
    last = cur.at;
    const view = buildView(cur, prev, { node: opts.node });
    diagnoser.update(view);
    const front = opts.front?.apply(view);
    const text = opts.json
      ? jsonVisible(JSON.stringify(front ? { ...viewToJson(view), front: front.json } : viewToJson(view))) + '\n'
      : (front ? front.line + '\n' : '') +
        renderText(view, { width: opts.width, showCores: opts.cores, now: cur.at, sortBy: opts.sort, reverse: opts.reverse }) + (more ? '\n' : '');
    // Tables follow the locale: ASCII only when it is not UTF-8 (LANG=C); JSON is UTF-8 by definition.
    await write(io.stdout, opts.json || utf8Locale(io.env) ? text : asciify(text));
    prev = cur;
  }
  if (failed > 0) {
    io.stderr.write(`tsgitop: ${failed} of ${opts.iterations} reads failed (each told in its place)\n`);
    return 1;
  }
  return 0;
}

/** The worker column `id` names (by id or title), or a usage error listing them. */
export function checkSortColumn(id: string): Column<WorkerView, Totals> {
  const col = columnById(id);
  if (!col) throw new UsageError(`unknown sort column '${id}'; one of: ${ALL_WORKER_COLUMNS.map((c) => c.id).join(', ')}`);
  return col;
}

/** `--help-columns`: every table's columns, generated from the same records the screen and batch use. */
export async function printColumns(): Promise<string> {
  const { FLEET_COLUMNS } = await import('../fleet/render.js');
  return (
    'Columns of every table: id, title, default sort direction (▼ biggest first, ▲ smallest first; -r flips it), meaning.\n' +
    'Sort with -s ID (or s/S, 1-9, a click on a title in the monitor).\n\n' +
    columnsHelp([
      { name: 'Workers', note: 'the monitor and -b', columns: ALL_WORKER_COLUMNS },
      { name: 'Cores', note: 'a in the monitor, --cores with -b', columns: CORE_COLUMNS },
      { name: 'Vassals', note: 'an Emperor started with --emperor-stats', columns: VASSAL_COLUMNS },
      { name: 'Fleet', note: 'several addresses or --targets', columns: FLEET_COLUMNS },
    ])
  );
}
