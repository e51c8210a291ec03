/**
 * The tsgitop demo: a node:cluster app server (this process is the
 * primary) with the stats emitter on a unix socket in a private temp dir,
 * synthetic loopback load, and an occasional simulated worker crash that
 * the primary respawns — so a monitor has something lively to show.
 */
import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClusterStats, type ClusterStats, type ListenOptions } from '../emitter/index.js';
import { LoadGenerator, type LoadOptions } from './load.js';

export interface DemoOptions {
  /** Worker processes (default 4). */
  workers?: number;
  /** Run the synthetic load (default true). */
  load?: boolean;
  /** Load generator tuning. */
  loadOptions?: Omit<LoadOptions, 'port' | 'host'>;
  /**
   * Crash a random worker every [min, max] ms (default [30000, 60000]);
   * `false` disables crashes.
   */
  crashEveryMs?: [number, number] | false;
  /** Also serve the stats over HTTP (+ Prometheus /metrics) on this loopback port (0 = any). */
  httpPort?: number;
  /** Let workers write to this process's stderr (default false: a monitor owns the terminal). */
  workerStderr?: boolean;
  /** The app's TCP port on 127.0.0.1 (default 0 = any free port). */
  appPort?: number;
}

export interface DemoHandle {
  /** The stats socket path (give it to tsgitop / uwsgitop / `uwsgi --connect-and-read`). */
  readonly statsAddress: string;
  /** The HTTP stats address, when `httpPort` was given. */
  readonly statsHttpAddress: string | undefined;
  /** The app server's port on 127.0.0.1. */
  readonly appPort: number;
  /** The private temp dir holding the socket. */
  readonly dir: string;
  /** The aggregator (for tests). */
  readonly stats: ClusterStats;
  /** Requests sent by the load generator so far. */
  loadStats(): { sent: number; ok: number; errors: number };
  /** Stop load, kill every worker, close the stats server, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

function waitExit(w: Worker, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (w.isDead()) return resolve();
    const t = setTimeout(() => {
      try {
        w.process.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, ms);
    w.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * Start the demo in this process (which becomes the cluster primary).
 * Must be called from a cluster primary. Resolves once every worker listens.
 */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoHandle> {
  if (!cluster.isPrimary) throw new Error('runDemo() must run in a cluster primary');
  const nWorkers = Math.max(1, Math.min(64, opts.workers ?? 4));
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-demo-'));
  const statsPath = join(dir, 'stats.sock');
  const listen: ListenOptions[] = [
    { path: statsPath },
    ...(opts.httpPort !== undefined ? [{ host: '127.0.0.1', port: opts.httpPort, http: true, prometheus: true }] : []),
  ];
  let stats: ClusterStats;
  try {
    stats = await createClusterStats({ workers: nWorkers, listen });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./worker.js', import.meta.url)),
    args: [],
    stdio: ['ignore', 'ignore', opts.workerStderr ? 'inherit' : 'ignore', 'ipc'],
  });
  const env = { TSGITOP_DEMO_HOST: '127.0.0.1', TSGITOP_DEMO_PORT: String(opts.appPort ?? 0) };

  let stopping = false;
  let crashTimer: NodeJS.Timeout | undefined;
  let load: LoadGenerator | undefined;
  const recentExits: number[] = [];

  const fork = (): Worker => cluster.fork(env);
  const onExit = (): void => {
    if (stopping) return;
    // guard against a crash loop: at most 10 respawns per 10 s
    const now = Date.now();
    while (recentExits.length > 0 && now - recentExits[0]! > 10_000) recentExits.shift();
    recentExits.push(now);
    if (recentExits.length <= 10) fork();
  };
  cluster.on('exit', onExit);

  const firstListen = new Promise<number>((resolve, reject) => {
    let listening = 0;
    let port = 0;
    const t = setTimeout(() => {
      cluster.off('listening', onListening);
      reject(new Error('demo workers did not start listening within 20 s'));
    }, 20_000);
    const onListening = (_w: Worker, addr: { port: number }): void => {
      port = addr.port;
      if (++listening >= nWorkers) {
        clearTimeout(t);
        cluster.off('listening', onListening);
        resolve(port);
      }
    };
    cluster.on('listening', onListening);
  });
  for (let i = 0; i < nWorkers; i++) fork();

  const stop = async (): Promise<void> => {
    stopping = true;
    if (crashTimer) clearTimeout(crashTimer);
    cluster.off('exit', onExit);
    await load?.stop();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    for (const w of workers) {
      try {
        w.process.kill('SIGTERM');
      } catch {
        // gone
      }
    }
    await Promise.all(workers.map((w) => waitExit(w, 3000)));
    await stats.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let stopping$: Promise<void> | undefined;
  const stopOnce = (): Promise<void> => (stopping$ ??= stop());

  let appPort: number;
  try {
    appPort = await firstListen;
  } catch (e) {
    await stopOnce();
    throw e;
  }

  if (opts.load !== false) {
    load = new LoadGenerator({ ...opts.loadOptions, host: '127.0.0.1', port: appPort });
    load.start();
  }

  const crash = opts.crashEveryMs === undefined ? ([30_000, 60_000] as [number, number]) : opts.crashEveryMs;
  if (crash !== false) {
    const schedule = (): void => {
      const [lo, hi] = crash;
      crashTimer = setTimeout(
        () => {
          const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
          const victim = live[Math.floor(Math.random() * live.length)];
          try {
            victim?.send({ demo: 'crash' }, undefined, () => undefined);
          } catch {
            // it died on its own
          }
          if (!stopping) schedule();
        },
        lo + Math.random() * Math.max(0, hi - lo),
      );
      crashTimer.unref();
    };
    schedule();
  }

  return {
    statsAddress: statsPath,
    statsHttpAddress: stats.addresses[1],
    appPort,
    dir,
    stats,
    loadStats: () => ({ ...(load?.stats ?? { sent: 0, ok: 0, errors: 0 }) }),
    stop: stopOnce,
  };
}
