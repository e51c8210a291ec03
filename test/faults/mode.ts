/**
 * Budgets of the reliability suite and the figure recorder.
 *
 * Two modes, chosen by `TSGITOP_FAULTS`:
 * - bounded (default; `npm test`, CI): the whole test/faults suite stays
 *   under 3 minutes on 2 cores;
 * - `long`: a 10-minute soak, 100k+ fuzz cases, longer attacks
 *   (`node scripts/faults/report.mjs` runs it and writes RELIABILITY.md).
 *
 * Every test records what it tried and measured with {@link figure}; when
 * `TSGITOP_FAULTS_FIGURES` names a file, each figure is appended to it as
 * one JSON line (scripts/faults/report.mjs collects them). The figures are
 * also printed as test diagnostics.
 */
import { appendFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

/** True when `TSGITOP_FAULTS=long`. */
export const LONG = process.env.TSGITOP_FAULTS === 'long';

/** The mode name, as recorded with the figures. */
export const MODE = LONG ? 'long' : 'bounded';

/** Budgets per area, by mode. */
export const BUDGET = LONG
  ? {
      /** fast-check runs, per property (see fuzz.test.ts for how they add up). */
      fuzzScale: 10,
      soakMs: 600_000,
      soakSampleMs: 10_000,
      attackClients: 1000,
      attackMs: 20_000,
      probeRequests: 4000,
      faultHoldMs: 3000,
    }
  : {
      fuzzScale: 1,
      soakMs: 45_000,
      soakSampleMs: 3_000,
      attackClients: 1000,
      attackMs: 4_000,
      probeRequests: 1500,
      faultHoldMs: 700,
    };

export interface Figure {
  area: string;
  name: string;
  value: unknown;
  mode: string;
  at: string;
}

/** Record one figure (see the module comment). */
export function figure(area: string, name: string, value: unknown): void {
  const file = process.env.TSGITOP_FAULTS_FIGURES;
  if (!file) return;
  const f: Figure = { area, name, value, mode: MODE, at: new Date().toISOString() };
  appendFileSync(file, JSON.stringify(f) + '\n');
}

let gcFn: (() => void) | undefined;

/** A full garbage collection (exposes `gc` on the fly when node runs without --expose-gc). */
export function fullGc(): void {
  if (!gcFn) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') gcFn = g;
    else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFn();
  gcFn();
}

export const MiB = 1024 * 1024;

/** Bytes → MiB with one decimal. */
export function mib(n: number): number {
  return Math.round((n / MiB) * 10) / 10;
}

export interface MemPoint {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** process.memoryUsage() after a full GC. */
export function settledMemory(): MemPoint {
  fullGc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/**
 * Samples process.memoryUsage() every `everyMs` while running and keeps the
 * peaks (no GC forced: the peaks are what the process really held).
 */
export class MemSampler {
  readonly peak: MemPoint = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  samples = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(everyMs = 25) {
    this.#take();
    this.#timer = setInterval(() => this.#take(), everyMs);
  }

  #take(): void {
    const m = process.memoryUsage();
    this.samples++;
    this.peak.rss = Math.max(this.peak.rss, m.rss);
    this.peak.heapUsed = Math.max(this.peak.heapUsed, m.heapUsed);
    this.peak.external = Math.max(this.peak.external, m.external);
    this.peak.arrayBuffers = Math.max(this.peak.arrayBuffers, m.arrayBuffers);
  }

  stop(): MemPoint {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#take();
    return this.peak;
  }
}

/** Poll `cond` every `everyMs` until it holds; throws `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Percentile (0..100) of a list of numbers (nearest rank). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}
