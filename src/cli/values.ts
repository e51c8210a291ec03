/**
 * Parsing of CLI option values. Every function throws UsageError with a
 * one-line message; the CLI turns that into exit code 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A recording given to --replay that cannot be played (missing, unreadable, not a recording): exit 3. */
export class RecordingFileError extends Error {
  override readonly name = 'RecordingFileError';
}

/** The exit code of a recording that cannot be played. */
export const EXIT_BAD_RECORDING = 3;

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

/** What {@link checkOptionValues} needs to know of an option (commander's Option has these fields). */
export interface OptionShape {
  long?: string | undefined;
  short?: string | undefined;
  /** Takes a value (`<value>` or `[value]`). */
  required?: boolean;
  optional?: boolean;
}

/**
 * An option that takes a value, followed by a known option instead of a
 * value (`--connect-and-read --pretty ADDR`, `-f -b`) is a usage error —
 * commander would silently take the option as the value. `--` ends the
 * options; the first positional `stopAt` (a subcommand) ends the check (its
 * options are its own). `--opt=--pretty` stays possible for a value that
 * really starts with dashes.
 */
export function checkOptionValues(args: readonly string[], options: readonly OptionShape[], stopAt: readonly string[] = []): void {
  const known = new Map<string, OptionShape>();
  for (const o of options) {
    if (o.long) known.set(o.long, o);
    if (o.short) known.set(o.short, o);
  }
  const isKnown = (a: string): boolean => known.has(a.startsWith('--') ? a.split('=')[0]! : a) || known.has(a.replace(/^--no-/, '--'));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return;
    if (!a.startsWith('-')) {
      if (stopAt.includes(a)) return;
      continue;
    }
    const o = known.get(a);
    if (o === undefined || !(o.required || o.optional)) continue;
    const next = args[i + 1];
    if (next !== undefined && next.startsWith('-') && next !== '-' && isKnown(next)) {
      if (o.required) throw new UsageError(`option '${a}' needs a value, but '${next}' follows it (write ${o.long ?? a}=VALUE)`);
      continue; // an optional value: the next option is just the next option
    }
    i++; // skip the value
  }
}
