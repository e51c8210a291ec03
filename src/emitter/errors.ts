/**
 * The one error type the emitter throws at its consumer: a stable `code`
 * to branch on and a one-line message that says what to do.
 *
 * Codes: `EADDRINUSE`, `EEXIST`, `EACCES`, `ENOENT`, `ENOTDIR`, `EREMOTE`,
 * `EINVAL`, `ENAMETOOLONG` (listeners); `EALREADY` (a server instrumented
 * twice); `ENOTSUP` (an HTTP/2 server).
 */
export class EmitterError extends Error {
  override readonly name = 'EmitterError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
