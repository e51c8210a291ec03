/**
 * V8's code cache for the running Node, made by the monitor itself (issue 13: the first minute's CPU).
 *
 * `npm run build` makes a code cache of the monitor's bundle (scripts/code-cache.mjs) and bin/tsgitop hands it
 * to V8. V8 uses a cache only on the V8 that made it: a published package carries the cache of the Node that
 * packed it, and every user of another Node (another major, another patch level) compiled the monitor's
 * functions as they first ran — 35–75 ms more CPU in the first 20 s (bench/results/side-uwsgi.md, stop 26).
 *
 * So when bin/tsgitop had no usable cache, it offers this module a way to make one (`offerCodeCache`: the
 * script's createCachedData, the file, the stamp of the bundle it is for), and the monitor, once it has drawn
 * CACHE_AFTER_FRAMES frames (the functions a frame runs are compiled by then), writes it: the user's cache
 * directory (`$XDG_CACHE_HOME/tsgitop`, else `~/.cache/tsgitop`, made 0700), one file per V8 version, 0600,
 * written to a temporary name and renamed into place (a concurrent monitor or reader sees a whole file or
 * none). The next monitor on that Node starts with it. Its first line is the bundle's stamp (length and
 * mtime): bin/tsgitop uses the file only for the very bundle it was made of (V8's own check compares lengths
 * only). Writing never fails the monitor: any error and there is simply no cache.
 */
import { closeSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The monitor writes the offered cache after this many frames (scripts/code-cache.mjs runs as many). */
export const CACHE_AFTER_FRAMES = 25;

export interface CodeCacheOffer {
  /** V8's code for the script's functions compiled so far (vm.Script#createCachedData). */
  create(): Uint8Array;
  /** Where to write it. */
  file: string;
  /** The bundle it is for: the file's first line. */
  stamp: string;
}

let offered: CodeCacheOffer | undefined;

/** From bin/tsgitop: no usable code cache was found for this Node; make one when the monitor has run a while. */
export function offerCodeCache(offer: CodeCacheOffer): void {
  offered = offer;
}

/**
 * Write the offered cache, once (later calls do nothing): true when written. `atStartFlags` runs the cache's
 * making under V8's flags of start-up (see JitPolicy#atStartFlags: a cache made under other flags is refused).
 */
export function saveCodeCache(atStartFlags: <T>(f: () => T) => T = (f) => f()): boolean {
  const o = offered;
  offered = undefined;
  if (o === undefined) return false;
  const tmp = `${o.file}.${process.pid}.tmp`;
  const t0 = performance.now();
  try {
    const data = atStartFlags(() => o.create());
    mkdirSync(dirname(o.file), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeAll(fd, Buffer.from(`${o.stamp}\n`, 'latin1'));
      writeAll(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, o.file);
    if (process.env.TSGITOP_CODE_CACHE_TRACE === '1') process.stderr.write(`tsgitop: code cache written (${data.length} bytes, ${(performance.now() - t0).toFixed(1)} ms)\n`);
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // not made
    }
    return false;
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
}
