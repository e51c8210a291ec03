/**
 * The one error type the protocol layer throws. Every failure to get a
 * stats document — bad address, network, HTTP, size, JSON, shape — is a
 * StatsError with a stable `code` and a one-line human `message`.
 */
export type StatsErrorCode =
  | 'BAD_ADDRESS' // the address string cannot be understood
  | 'NO_SOCKET' // unix socket file does not exist
  | 'PERMISSION' // EACCES / EPERM on connect
  | 'REFUSED' // ECONNREFUSED (nothing listening)
  | 'TIMEOUT' // connect+read exceeded the timeout
  | 'TRUNCATED' // connection ended before a complete document
  | 'NOT_JSON' // body is not valid JSON (or not valid UTF-8)
  | 'BAD_SHAPE' // JSON, but not a stats document (wrong type at a path)
  | 'TOO_LARGE' // more bytes than the size cap
  | 'HTTP_STATUS' // HTTP response other than 200
  | 'HTTP_PROTOCOL' // malformed HTTP response
  | 'NETWORK'; // any other socket error (EHOSTUNREACH, ECONNRESET, ...)

export class StatsError extends Error {
  override readonly name = 'StatsError';
  readonly code: StatsErrorCode;
  /** JSON path for BAD_SHAPE, e.g. `$.workers[3].requests`. */
  readonly path: string | undefined;
  /** TIMEOUT only: the server took the connection and sent nothing by the deadline (hung, stopped, or its loop blocked). */
  readonly silent: boolean;

  constructor(code: StatsErrorCode, message: string, options?: { path?: string; cause?: unknown; silent?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options?.path;
    this.silent = options?.silent === true;
  }
}

export function isStatsError(e: unknown): e is StatsError {
  return e instanceof StatsError;
}
