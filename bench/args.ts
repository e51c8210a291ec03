/** The benchmarks' command lines. */

/** The number after `--name` on the command line, else `def`. */
export function numArg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
