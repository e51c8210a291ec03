/** Helpers for the record/replay tests: temp dirs, raw documents, a hand-driven clock. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { ReplayScheduler } from '../../src/record/replay.js';

/** A private temp dir removed after the test. */
export function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'tsgitop-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/uwsgi/', import.meta.url));

/** A fixture's bytes as captured from real uWSGI. */
export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

/**
 * A uWSGI-shaped document, tab-indented like uWSGI writes it, whose workers
 * have served `requests` requests each (so rates are predictable).
 */
export function rawDoc(requests: number, opts: { workers?: number; pid?: number; pad?: number } = {}): string {
  const workers = [];
  for (let i = 1; i <= (opts.workers ?? 2); i++) {
    workers.push({
      id: i,
      pid: (opts.pid ?? 1000) + i,
      accepting: 1,
      requests,
      delta_requests: requests,
      exceptions: 0,
      harakiri_count: 0,
      signals: 0,
      signal_queue: 0,
      status: 'idle',
      rss: 1024 * 1024,
      vsz: 0,
      running_time: requests * 100,
      last_spawn: 1_700_000_000,
      respawn_count: 1,
      tx: requests * 10,
      avg_rt: 1000,
      apps: [],
      cores: [{ id: 0, requests, static_requests: 0, routed_requests: 0, offloaded_requests: 0, write_errors: 0, read_errors: 0, in_request: 0, vars: [], req_info: {} }],
    });
  }
  const doc: Record<string, unknown> = {
    version: '2.0.21-test',
    listen_queue: 0,
    listen_queue_errors: 0,
    signal_queue: 0,
    load: 0,
    pid: opts.pid ?? 1000,
    uid: 0,
    gid: 0,
    cwd: '/srv',
    locks: [],
    sockets: [],
    workers,
  };
  if (opts.pad) doc['padding'] = 'x'.repeat(opts.pad);
  return JSON.stringify(doc, null, '\t');
}

/**
 * A scheduler whose time moves only when the test says so. `advance(ms)`
 * moves the clock and fires the timers that fall due, in time order.
 */
export class FakeScheduler implements ReplayScheduler {
  time = 0;
  #timers = new Map<number, { due: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { due: this.time + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.#timers.delete(h as number);
  }
  get pending(): number {
    return this.#timers.size;
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let best: [number, { due: number; fn: () => void }] | undefined;
      for (const e of this.#timers) if (e[1].due <= end && (!best || e[1].due < best[1].due)) best = e;
      if (!best) break;
      this.#timers.delete(best[0]);
      this.time = Math.max(this.time, best[1].due);
      best[1].fn();
    }
    this.time = end;
  }
}

/**
 * Whether a promise has settled, checked after the pending file I/O had time
 * to finish: a few thread-pool round trips on `file` (the replay's own reads
 * go through the same pool) and microtask turns.
 */
export async function settledState<T>(p: Promise<T>, file: string): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  p.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  for (let i = 0; i < 8 && state === 'pending'; i++) {
    await readFile(file).catch(() => undefined);
    await new Promise((r) => setImmediate(r));
  }
  return state;
}
