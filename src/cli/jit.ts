/**
 * V8 in the live monitor while the documents are small (issue 13): no
 * optimizing compiler, and a heap that grows in small steps.
 *
 * TurboFan. A monitor of one small document runs each of its functions once
 * a second. V8 then promotes them to TurboFan one by one for minutes,
 * compiling on background threads; measured beside the floor reader
 * (bench/side.ts, real uWSGI 64×2), that compiling cost about what the
 * optimized code saved on the main thread, and kept several MB more resident
 * (the compiler's own memory and code). So the monitor starts without
 * TurboFan (V8's interpreter, Sparkplug and, on Node 22, Maglev remain).
 *
 * Heap growth (`--optimize-for-size`). Every tick keeps the previous read's
 * model and the previous frame's lines until the next one, so part of each
 * tick's allocation outlives two scavenges and is promoted to the old
 * generation: ~0.1–0.2 MB a second at 64 workers, garbage a second later.
 * V8 lets the old generation grow by at least 8 MB past what the last full GC
 * left alive before it collects again (its minimum growing step): the
 * monitor's RSS sawed between ~live and live + 8 MB, a full GC every ~40 s.
 * `--optimize-for-size` makes V8 grow the heap conservatively (a step of
 * 2 MB, a factor ≤ 1.3): a full GC of this small heap (a few ms) every ~10 s
 * instead, and ~6–7 MB less resident (bench/results/side-uwsgi.md, side.md).
 * It also keeps a few of V8's caches small (the number-to-string cache).
 *
 * Both are V8 flags changed at run time, read by V8 when it next decides
 * (a promotion, a heap limit after a GC): Node 20 and 22 apply them; Node
 * 24's V8 freezes its flags at start-up, so there the monitor runs as V8
 * decides. The first document of OPTIMIZE_FROM_BYTES or more (hundreds of
 * workers, where a tick costs milliseconds of parsing and model work that
 * optimized code makes several times cheaper, and where a full GC of the
 * larger heap costs more) turns both back to V8's defaults for good.
 * TSGITOP_V8_OPT=1 keeps TurboFan on from the start, TSGITOP_V8_SIZE=0
 * V8's default heap growth (to compare).
 */
import { setFlagsFromString } from 'node:v8';

/** A document of at least this many bytes turns TurboFan back on (and V8's default heap growth). */
export const OPTIMIZE_FROM_BYTES = 256 * 1024;

export interface JitPolicy {
  /** Whether TurboFan is off now. */
  readonly limited: boolean;
  /** Whether the heap grows in small steps now (`--optimize-for-size`). */
  readonly compact: boolean;
  /** Tell the policy the size in bytes of a document read. */
  read(bytes: number): void;
}

/**
 * Turn TurboFan off (unless TSGITOP_V8_OPT=1) and V8's conservative heap
 * growth on (unless TSGITOP_V8_SIZE=0) now, and return the policy that turns
 * both back at the first big document. `setFlags` and `env` are for tests.
 */
export function limitJit(setFlags: (flags: string) => void = setFlagsFromString, env: NodeJS.ProcessEnv = process.env): JitPolicy {
  let limited = env.TSGITOP_V8_OPT !== '1';
  let compact = env.TSGITOP_V8_SIZE !== '0';
  if (limited) setFlags('--no-turbofan');
  if (compact) setFlags('--optimize-for-size');
  return {
    get limited() {
      return limited;
    },
    get compact() {
      return compact;
    },
    read(bytes) {
      if (bytes < OPTIMIZE_FROM_BYTES) return;
      if (limited) setFlags('--turbofan');
      if (compact) setFlags('--no-optimize-for-size');
      limited = false;
      compact = false;
    },
  };
}
