/**
 * Parsing of CLI option values. Every function throws UsageError with a
 * one-line message; the CLI turns that into exit code 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Seconds (fractional allowed) within [min, max], e.g. "1", "0.25". */
export function parseSeconds(flag: string, raw: string, min: number, max: number): number {
  const s = raw.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(s)) {
    throw new UsageError(`${flag} expects a number of seconds, got '${raw}'`);
  }
  const v = Number(s);
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new UsageError(`${flag} must be between ${min} and ${max} seconds, got '${raw}'`);
  }
  return v;
}

/** A whole number within [min, max]. */
export function parseCount(flag: string, raw: string, min: number, max: number): number {
  const s = raw.trim();
  if (!/^\d+$/.test(s)) throw new UsageError(`${flag} expects a whole number, got '${raw}'`);
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`${flag} must be between ${min} and ${max}, got '${raw}'`);
  }
  return v;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** A byte size: "65536", "64M", "64MiB", "1g" (1024-based). */
export function parseBytes(flag: string, raw: string, min: number, max: number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new UsageError(`${flag} expects a size like 65536, 512K or 64M, got '${raw}'`);
  }
  const v = Math.floor(Number(m[1]) * unit);
  if (v < min || v > max) throw new UsageError(`${flag} must be between ${min} and ${max} bytes, got '${raw}'`);
  return v;
}
