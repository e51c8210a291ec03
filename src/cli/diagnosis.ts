/**
 * The diagnosis thresholds on the command line (issue 12 point 6): one
 * option per rule, defaults from the model's DEFAULT_DIAGNOSIS.
 */
import type { Command } from 'commander';
import { DEFAULT_DIAGNOSIS, type DiagnosisOptions } from '../model/diagnosis.js';
import { parseCount, parseSeconds, UsageError } from './values.js';

const D = DEFAULT_DIAGNOSIS;

/** Add the threshold options to the root command. */
export function addDiagnosisOptions(program: Command): Command {
  return program
    .option('--slow <seconds>', 'diagnosis: a request in flight longer than this is a slow request', String(D.slowSeconds))
    .option('--crash-loop <n>', `diagnosis: a worker or vassal respawned this many times within --crash-window is a crash loop`, String(D.crashRespawns))
    .option('--crash-window <seconds>', 'diagnosis: the crash-loop window', String(D.crashWindowSeconds))
    .option('--mem-growth <percent>', 'diagnosis: a worker whose RSS rose steadily by more than this over --mem-window', String(D.memGrowthPct))
    .option('--mem-window <seconds>', 'diagnosis: the memory-growth window', String(D.memWindowSeconds))
    .option('--error-rate <per-second>', 'diagnosis: more exceptions per second than this (all workers) is an error burst', String(D.errorRate))
    .option('--stale <seconds>', 'diagnosis: no fresh read for this long is stale', String(D.staleSeconds));
}

function parseNumber(flag: string, raw: string, min: number, max: number): number {
  const s = raw.trim();
  const v = Number(s);
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(s) || !Number.isFinite(v)) throw new UsageError(`${flag} expects a number, got '${raw}'`);
  if (v < min || v > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got '${raw}'`);
  return v;
}

/** The thresholds from parsed options (usage errors are one line). */
export function diagnosisOptions(opts: Record<string, unknown>): DiagnosisOptions {
  const v = (k: string, d: number): string => (opts[k] === undefined ? String(d) : String(opts[k]));
  return {
    slowSeconds: parseSeconds('--slow', v('slow', D.slowSeconds), 0, 86400 * 30),
    crashRespawns: parseCount('--crash-loop', v('crashLoop', D.crashRespawns), 1, 1_000_000),
    crashWindowSeconds: parseSeconds('--crash-window', v('crashWindow', D.crashWindowSeconds), 1, 86400),
    memGrowthPct: parseNumber('--mem-growth', v('memGrowth', D.memGrowthPct), 0, 1_000_000),
    memWindowSeconds: parseSeconds('--mem-window', v('memWindow', D.memWindowSeconds), 1, 86400 * 7),
    errorRate: parseNumber('--error-rate', v('errorRate', D.errorRate), 0, 1e9),
    staleSeconds: parseSeconds('--stale', v('stale', D.staleSeconds), 0.1, 86400),
  };
}
