/**
 * The one-shot fast path: `tsgitop --connect-and-read ADDR [--pretty]` runs
 * without the full command line (no commander, no model, no TUI) so it
 * starts about as fast as Node itself (bench/oneshot.ts). bin/tsgitop asks
 * {@link oneShotArgs} first; anything else — another option, a value that
 * starts with '-', a second address — goes to the full CLI (main.ts), which
 * handles these same arguments identically (test/package/oneshot.test.ts
 * compares both on every outcome). Same defaults (defaults.ts; a test checks they parse to what main.ts uses), same dump
 * (dump.ts), same exit codes and error lines (exit.ts).
 *
 * This module imports nothing at load time: bin/tsgitop loads it on every run.
 */
import type { CliIo } from './io.js';

export interface OneShot {
  address: string;
  pretty: boolean;
}

/**
 * The one-shot request when `args` (argv without node and the script) is
 * exactly `--connect-and-read ADDR` or `--connect-and-read=ADDR`, with an
 * optional `--pretty` before or after; otherwise undefined.
 * `TSGITOP_NO_FAST=1` always answers undefined (tests compare both paths).
 */
export function oneShotArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): OneShot | undefined {
  if (env.TSGITOP_NO_FAST === '1') return undefined;
  let rest = args;
  let pretty = false;
  if (rest[0] === '--pretty') {
    pretty = true;
    rest = rest.slice(1);
  } else if (rest.at(-1) === '--pretty') {
    pretty = true;
    rest = rest.slice(0, -1);
  }
  let address: string | undefined;
  if (rest.length === 2 && rest[0] === '--connect-and-read') address = rest[1];
  else if (rest.length === 1 && rest[0]!.startsWith('--connect-and-read=')) address = rest[0]!.slice('--connect-and-read='.length);
  if (address === undefined || address === '' || address.startsWith('-')) return undefined;
  return { address, pretty };
}

/** Run the one-shot; resolves to the exit code (an internal error rejects, as main() does). */
export async function runOneShot(req: OneShot, io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  // Only what a successful dump needs loads up front; exit.js only on an error.
  const [{ parseAddress }, { connectAndRead }, { ONE_SHOT_DEFAULTS }] = await Promise.all([
    import('../protocol/address.js'),
    import('./dump.js'),
    import('./defaults.js'),
  ]);
  try {
    return await connectAndRead(parseAddress(req.address), { intervalMs: 1000, ...ONE_SHOT_DEFAULTS, pretty: req.pretty }, io);
  } catch (e) {
    const { actionExit } = await import('./exit.js');
    const code = actionExit(e, io.stderr);
    if (code !== undefined) return code;
    throw e;
  }
}
