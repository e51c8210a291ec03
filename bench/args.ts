/** The benchmarks' command lines. */

/** The number after `--name` on the command line, else `def`. */
export function numArg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

/** The word after `--name` on the command line, else undefined (an error when `--name` is last). */
export function strArg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) {
    console.error(`bench: ${name} needs a value`);
    process.exit(2);
  }
  return v;
}
