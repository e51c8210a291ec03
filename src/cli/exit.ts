/**
 * The exit code (and the one line on stderr) for an error a command's action
 * threw — shared by the full command line (main.ts) and the one-shot fast
 * path (fast.ts):
 *   0/1  stdout closed (quietly) / not writable (one line), see output.ts;
 *   2    a usage error or a bad address;
 *   1    the stats server could not be read.
 * Anything else is an internal error: undefined, the caller rethrows it.
 */
import { isStatsError } from '../protocol/errors.js';
import { oneLine } from '../text/sanitize.js';
import { outputExit } from './output.js';
import { UsageError } from './values.js';

export function actionExit(e: unknown, stderr: NodeJS.WritableStream): number | undefined {
  const output = outputExit(e, stderr);
  if (output !== undefined) return output;
  // Messages can quote server bytes: the one sanitizer, on one line.
  if (e instanceof UsageError || (isStatsError(e) && e.code === 'BAD_ADDRESS')) {
    stderr.write(`tsgitop: ${oneLine(e, 1000)}\n`);
    return 2;
  }
  if (isStatsError(e)) {
    stderr.write(`tsgitop: ${oneLine(e, 1000)}\n`);
    return 1;
  }
  return undefined;
}
