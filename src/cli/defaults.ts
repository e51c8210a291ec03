/**
 * Option defaults shared by the full command line (main.ts, commander) and
 * the one-shot fast path (fast.ts), so both read with the same deadline and
 * size cap. The strings are what commander shows and values.ts parses; the
 * fast path uses the parsed numbers (test/package/oneshot.test.ts checks
 * they agree).
 */
export const DEFAULT_TIMEOUT = '5';
export const DEFAULT_MAX_BYTES = '16M';

/** DEFAULT_TIMEOUT and DEFAULT_MAX_BYTES as parseSeconds / parseBytes read them. */
export const ONE_SHOT_DEFAULTS = { timeoutMs: 5000, maxBytes: 16 * 1024 * 1024 } as const;
