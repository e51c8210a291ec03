/**
 * Writing to stdout when stdout may be gone.
 *
 * - A closed pipe (`tsgitop -b … | head -1`, `… | false`): EPIPE. Like other
 *   Unix tools tsgitop then ends quietly: exit code 0, nothing on stderr.
 * - A full disk (`> /dev/full`, ENOSPC) or any other write error: one line
 *   on stderr, exit code 1.
 *
 * {@link write} rejects with an {@link OutputError}; the CLI's top level
 * turns it into the exit code (see {@link outputExit}). The stream gets one
 * permanent 'error' listener, so an error Node emits after the write
 * callback (it always does, on the next tick) can never become an uncaught
 * exception with a stack trace.
 */
import { oneLine } from '../text/sanitize.js';

export class OutputError extends Error {
  override readonly name = 'OutputError';
  constructor(
    /** The errno code (EPIPE, ENOSPC, …). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** True for a reader that went away (EPIPE, ECONNRESET on a socket stdout, a destroyed stream). */
  get closed(): boolean {
    return this.code === 'EPIPE' || this.code === 'ECONNRESET' || this.code === 'ERR_STREAM_DESTROYED' || this.code === 'ERR_STREAM_WRITE_AFTER_END';
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EBADF: 'bad file descriptor',
  EAGAIN: 'resource temporarily unavailable',
};

function toOutputError(e: unknown): OutputError {
  if (e instanceof OutputError) return e;
  const code = typeof (e as { code?: unknown } | null)?.code === 'string' ? ((e as { code: string }).code) : 'EIO';
  const why = REASONS[code] ?? oneLine(e);
  return new OutputError(code, `cannot write to stdout: ${why} (${code})`);
}

const guarded = new WeakMap<NodeJS.WritableStream, { failed: OutputError | undefined }>();

function guard(out: NodeJS.WritableStream): { failed: OutputError | undefined } {
  let g = guarded.get(out);
  if (g === undefined) {
    const state: { failed: OutputError | undefined } = { failed: undefined };
    g = state;
    guarded.set(out, g);
    out.on('error', (e: unknown) => {
      state.failed ??= toOutputError(e);
    });
  }
  return g;
}

/**
 * Write and wait until the stream accepted it. Rejects with an OutputError
 * when stdout is closed or cannot be written (also for a synchronous throw
 * of a file stdout, e.g. /dev/full).
 */
export function write(out: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> {
  const g = guard(out);
  if (g.failed) return Promise.reject(g.failed);
  if ((out as { destroyed?: boolean }).destroyed || (out as { writableEnded?: boolean }).writableEnded) {
    return Promise.reject(new OutputError('ERR_STREAM_DESTROYED', 'cannot write to stdout: it is closed'));
  }
  return new Promise((resolve, reject) => {
    try {
      out.write(data, (err?: Error | null) => {
        if (err) {
          g.failed ??= toOutputError(err);
          reject(g.failed);
        } else resolve();
      });
    } catch (e) {
      g.failed ??= toOutputError(e);
      reject(g.failed);
    }
  });
}

/**
 * The exit code for an output failure, after reporting it: a closed reader
 * → 0 and nothing said; anything else → its one line on `stderr`, 1.
 * Returns undefined for an error that is not an output failure.
 */
export function outputExit(e: unknown, stderr: NodeJS.WritableStream): number | undefined {
  if (!(e instanceof OutputError)) return undefined;
  if (e.closed) return 0;
  try {
    stderr.write(`tsgitop: ${e.message}\n`);
  } catch {
    /* stderr is gone too: the exit code still says it */
  }
  return 1;
}
