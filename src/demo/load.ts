/**
 * A gentle loopback load generator for the demo: `concurrency` loops, each
 * requesting a random route (weighted) over a keep-alive agent, pausing a
 * little between requests. Errors (a crashed worker, a reset) are counted
 * and ignored.
 *
 * Each connection serves a bounded number of requests (`requestsPerConnection`,
 * a random count in the range; the last one says `Connection: close`), as a
 * real client population or a proxy recycles them: new connections are
 * spread over all workers (node:cluster's round robin), so a worker
 * respawned after a crash gets its share within a second or two, instead of
 * the old workers keeping every keep-alive connection for the rest of the run.
 */
import http from 'node:http';
import type { DemoRoute } from './app.js';

export interface LoadOptions {
  host?: string;
  port: number;
  /** Parallel request loops (default 6). */
  concurrency?: number;
  /** Pause between requests of one loop, ms range (default [5, 60]). */
  pauseMs?: [number, number];
  /** Route weights. */
  weights?: Partial<Record<DemoRoute, number>>;
  /** Requests per connection before it is closed, range (default [5, 15]). */
  requestsPerConnection?: [number, number];
}

export interface LoadStats {
  sent: number;
  ok: number;
  errors: number;
}

const DEFAULT_WEIGHTS: Record<DemoRoute, number> = {
  '/fast': 60,
  '/medium': 15,
  '/slow': 6,
  '/fail': 6,
  '/throw': 3,
  '/large': 10,
};

export class LoadGenerator {
  readonly stats: LoadStats = { sent: 0, ok: 0, errors: 0 };
  private running = false;
  private readonly agent: http.Agent;
  private readonly table: DemoRoute[] = [];
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private loops: Promise<void>[] = [];

  constructor(private readonly opts: LoadOptions) {
    const concurrency = opts.concurrency ?? 6;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const w = { ...DEFAULT_WEIGHTS, ...opts.weights };
    for (const [route, n] of Object.entries(w) as [DemoRoute, number][]) {
      for (let i = 0; i < n; i++) this.table.push(route);
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const n = this.opts.concurrency ?? 6;
    for (let i = 0; i < n; i++) this.loops.push(this.loop());
  }

  private pause(): Promise<void> {
    const [lo, hi] = this.opts.pauseMs ?? [5, 60];
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, lo + Math.random() * (hi - lo));
      this.timers.set(t, resolve);
    });
  }

  /** A fresh per-connection budget of requests. */
  private budget(): number {
    const [lo, hi] = this.opts.requestsPerConnection ?? [5, 15];
    return Math.max(1, Math.round(lo + Math.random() * (hi - lo)));
  }

  private one(path: string, last: boolean): Promise<void> {
    return new Promise((resolve) => {
      this.stats.sent++;
      // Settle exactly once, whatever ends the exchange: a response that is
      // cut after its head (agent.destroy() at stop, a worker crash) may emit
      // only 'close', and a loop waiting on it forever would keep stop() — and
      // the demo process — from ever finishing.
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        if (ok) this.stats.ok++;
        else this.stats.errors++;
        resolve();
      };
      const headers = last ? { connection: 'close' } : undefined;
      let response: http.IncomingMessage | undefined;
      const req = http.get({ host: this.opts.host ?? '127.0.0.1', port: this.opts.port, path, agent: this.agent, headers }, (res) => {
        response = res;
        res.resume();
        res.on('end', () => settle(true));
        res.on('error', () => settle(false));
        res.on('close', () => settle(res.complete));
      });
      req.setTimeout(10_000, () => req.destroy());
      req.on('error', () => settle(false));
      req.on('close', () => settle(response?.complete === true));
    });
  }

  private async loop(): Promise<void> {
    let left = this.budget();
    while (this.running) {
      const route = this.table[Math.floor(Math.random() * this.table.length)] ?? '/fast';
      const last = --left <= 0;
      await this.one(route, last);
      if (last) left = this.budget();
      if (this.running) await this.pause();
    }
  }

  /** Stop issuing requests and drop the connections. */
  async stop(): Promise<void> {
    this.running = false;
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
    this.agent.destroy();
    await Promise.all(this.loops.splice(0));
  }
}
