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
 * `--optimize-for-size` makes V8 grow the heap conservatively (a minimum
 * step of 2 MB instead of 8) and `--heap-growing-percent=50` sets the step to
 * half of what the last full GC left alive (~4 MB here): a full GC of this
 * small heap every ~20 s instead of ~40 s, and ~4–5 MB less resident. Each
 * full GC costs a few ms: with V8's conservative factor of 1.3 (a step of
 * ~2.5 MB, a full GC every ~10 s) the monitor was ~6 MB lighter still but
 * took 11–26 % more CPU; at 50 % it was 5–7 % (bench/results/side-uwsgi.md,
 * rss.md). `--optimize-for-size` also keeps a few of V8's caches small (the
 * number-to-string cache).
 *
 * Both are V8 flags changed at run time, read by V8 when it next decides
 * (a promotion, a heap limit after a GC): Node 20 and 22 apply them; Node
 * 24's V8 freezes its flags at start-up, so there the monitor runs as V8
 * decides. The first document of OPTIMIZE_FROM_BYTES or more (hundreds of
 * workers, where a tick costs milliseconds of parsing and model work that
 * optimized code makes several times cheaper, and where a full GC of the
 * larger heap costs more) turns both back to V8's defaults for good.
 * TSGITOP_V8_OPT=1 keeps TurboFan on from the start, TSGITOP_V8_SIZE=0
 * V8's default heap growth (to compare: bench/side.ts --with-default-heap).
 */
import { setFlagsFromString } from 'node:v8';

/** A document of at least this many bytes turns TurboFan back on (and V8's default heap growth). */
export const OPTIMIZE_FROM_BYTES = 256 * 1024;

/** While documents are small: V8's conservative heap growth, each step at least half the heap that the last full GC left alive. */
export const SMALL_HEAP_FLAGS = '--optimize-for-size --heap-growing-percent=50';
/** V8's defaults again (a growing percent of 0 is V8's "not set"). */
export const DEFAULT_HEAP_FLAGS = '--no-optimize-for-size --heap-growing-percent=0';

export interface JitPolicy {
  /** Whether TurboFan is off now. */
  readonly limited: boolean;
  /** Whether the heap grows in small steps now (SMALL_HEAP_FLAGS). */
  readonly compact: boolean;
  /** Tell the policy the size in bytes of a document read. */
  read(bytes: number): void;
  /**
   * Run `f` under V8's flags as they were at start-up, then put the policy's back: V8 stamps a code cache with a
   * hash of its flags, and uses a cache only under the flags it was made with (src/cli/codecache.ts).
   */
  atStartFlags<T>(f: () => T): T;
}

/**
 * Turn TurboFan off (unless TSGITOP_V8_OPT=1) and V8's conservative heap
 * growth on (unless TSGITOP_V8_SIZE=0) now, and return the policy that turns
 * both back at the first big document. `setFlags` and `env` are for tests.
 */
export function limitJit(
  setFlags: (flags: string) => void = setFlagsFromString,
  env: NodeJS.ProcessEnv = process.env,
  v8: string = process.versions.v8,
): JitPolicy {
  // What --turbofan does not undo of --no-turbofan: V8 12 (Node 22) also turns off --osr-from-maglev (on by default),
  // a flag V8 11 (Node 20) does not know (and says so on stderr when it is set).
  const turbofanBack = Number.parseInt(v8, 10) >= 12 ? '--turbofan --osr-from-maglev' : '--turbofan';
  let limited = env.TSGITOP_V8_OPT !== '1';
  let compact = env.TSGITOP_V8_SIZE !== '0';
  if (limited) setFlags('--no-turbofan');
  if (compact) setFlags(SMALL_HEAP_FLAGS);
  return {
    get limited() {
      return limited;
    },
    get compact() {
      return compact;
    },
    read(bytes) {
      if (bytes < OPTIMIZE_FROM_BYTES) return;
      if (limited) setFlags(turbofanBack);
      if (compact) setFlags(DEFAULT_HEAP_FLAGS);
      limited = false;
      compact = false;
    },
    atStartFlags(f) {
      const off = limited;
      const small = compact;
      if (off) setFlags(turbofanBack);
      // (--optimize-for-size also set V8's max semi-space size to 1 MB: its default is 0, "not set")
      if (small) setFlags(`${DEFAULT_HEAP_FLAGS} --max-semi-space-size=0`);
      try {
        return f();
      } finally {
        if (off) setFlags('--no-turbofan');
        if (small) setFlags(SMALL_HEAP_FLAGS);
      }
    },
  };
}
