/**
 * Resident (rss) and virtual (vsz) memory of this process, in bytes — what
 * uWSGI reports per worker with `--memory-report`.
 *
 * Linux: `/proc/self/statm` (two page counts; a ~30-byte file, read
 * synchronously in a few microseconds) × the page size. The page size is
 * learnt once by comparing statm's size with `/proc/self/status` VmSize
 * (kB). Elsewhere: `process.memoryUsage.rss()` and vsz 0 (unknown).
 */
import { readFileSync } from 'node:fs';

export interface MemoryUsage {
  /** Resident set size, bytes. */
  rss: number;
  /** Virtual size, bytes (0 when unknown). */
  vsz: number;
}

/**
 * Parse `/proc/<pid>/statm` text ("size resident shared text lib data dt", in pages).
 * @returns bytes, or undefined if the text is not statm
 */
export function parseStatm(text: string, pageSize: number): MemoryUsage | undefined {
  const m = /^\s*(\d+)\s+(\d+)/.exec(text);
  if (!m) return undefined;
  const size = Number(m[1]);
  const resident = Number(m[2]);
  if (!Number.isFinite(size) || !Number.isFinite(resident)) return undefined;
  return { rss: resident * pageSize, vsz: size * pageSize };
}

/** Page size implied by statm's size (pages) and status' VmSize (kB), rounded to a power of two; undefined if unusable. */
export function inferPageSize(statmText: string, statusText: string): number | undefined {
  const m = /^\s*(\d+)/.exec(statmText);
  const s = /^VmSize:\s*(\d+)\s*kB/m.exec(statusText);
  if (!m || !s) return undefined;
  const pages = Number(m[1]);
  const kb = Number(s[1]);
  if (!(pages > 0) || !(kb > 0)) return undefined;
  const raw = (kb * 1024) / pages;
  const p = 2 ** Math.round(Math.log2(raw));
  return p >= 1024 && p <= 1 << 22 ? p : undefined;
}

let pageSize: number | undefined;
let procOk: boolean | undefined;

function linuxPageSize(): number {
  if (pageSize !== undefined) return pageSize;
  pageSize = 4096;
  try {
    const p = inferPageSize(readFileSync('/proc/self/statm', 'latin1'), readFileSync('/proc/self/status', 'latin1'));
    if (p !== undefined) pageSize = p;
  } catch {
    // keep 4096
  }
  return pageSize;
}

/** Current rss/vsz of this process (never throws). */
export function readMemory(): MemoryUsage {
  if (procOk !== false && process.platform === 'linux') {
    try {
      const ps = linuxPageSize();
      const mem = parseStatm(readFileSync('/proc/self/statm', 'latin1'), ps);
      if (mem) {
        procOk = true;
        return mem;
      }
    } catch {
      // fall through
    }
    procOk = false;
  }
  try {
    return { rss: process.memoryUsage.rss(), vsz: 0 };
  } catch {
    return { rss: 0, vsz: 0 };
  }
}
