/** CLI entry (placeholder until the CLI lands). Returns the exit code. */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('tsgitop: CLI not implemented yet\n');
  return 1;
}
