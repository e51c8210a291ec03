/**
 * V8's optimizing compiler in the live monitor: off while the documents are
 * small (issue 13).
 *
 * A monitor of one small document runs each of its functions once a second.
 * V8 then promotes them to TurboFan one by one for minutes, compiling on
 * background threads; measured beside the floor reader (bench/side.ts, real
 * uWSGI 64×2), that compiling cost about what the optimized code saved on the
 * main thread, and kept several MB more resident (the compiler's own memory
 * and code). So the monitor starts without TurboFan (V8's interpreter,
 * Sparkplug and, on Node 22, Maglev remain) and turns it on for good at the
 * first document of OPTIMIZE_FROM_BYTES or more: hundreds of workers, where a
 * tick costs milliseconds of parsing and model work that optimized code
 * makes several times cheaper.
 *
 * `--no-turbofan` / `--turbofan` are V8 flags changed at run time: Node 20
 * and 22 apply them to every later promotion; Node 24's V8 freezes its flags
 * at start-up, so there the monitor runs as V8 decides. TSGITOP_V8_OPT=1
 * keeps TurboFan on from the start (to compare).
 */
import { setFlagsFromString } from 'node:v8';

/** A document of at least this many bytes turns TurboFan back on. */
export const OPTIMIZE_FROM_BYTES = 256 * 1024;

export interface JitPolicy {
  /** Whether TurboFan is off now. */
  readonly limited: boolean;
  /** Tell the policy the size in bytes of a document read. */
  read(bytes: number): void;
}

/**
 * Turn TurboFan off now (unless TSGITOP_V8_OPT=1) and return the policy that
 * turns it back on at the first big document. `setFlags` and `env` are for tests.
 */
export function limitJit(setFlags: (flags: string) => void = setFlagsFromString, env: NodeJS.ProcessEnv = process.env): JitPolicy {
  let limited = env.TSGITOP_V8_OPT !== '1';
  if (limited) setFlags('--no-turbofan');
  return {
    get limited() {
      return limited;
    },
    read(bytes) {
      if (!limited || bytes < OPTIMIZE_FROM_BYTES) return;
      limited = false;
      setFlags('--turbofan');
    },
  };
}
