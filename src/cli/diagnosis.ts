/**
 * The diagnosis thresholds on the command line (issue 12 point 6): one
 * option per rule (declared in the option table, options.ts), defaults from
 * the model's DEFAULT_DIAGNOSIS; parsed here.
 */
import { DEFAULT_DIAGNOSIS, type DiagnosisOptions } from '../model/diagnosis.js';
import { parseCount, parseSeconds, UsageError } from './values.js';

const D = DEFAULT_DIAGNOSIS;

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
    appsOptional: opts['appsOptional'] === true,
  };
}
