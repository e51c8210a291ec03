/**
 * The app side of the stats thread (`createStatsServer({ thread: true })`):
 * starts stats-thread.js with the counters' shared mirror, answers its
 * questions (bytes sent, listening, the app's address), and turns its
 * listen errors into the same EmitterError a listener on this thread throws.
 */
import { Worker } from 'node:worker_threads';
import type { RequestCounters } from './counters.js';
import { EmitterError } from './errors.js';
import type { ListenOptions } from './listener.js';
import type { AppSocket } from './sockets.js';

/** What the stats thread starts with (structured-cloned). */
export interface ThreadData {
  sab: SharedArrayBuffer;
  listen: ListenOptions[];
  sockets: AppSocket[];
  listening: boolean;
  lastSpawn: number;
  memory: boolean;
  queueSampleMs: number;
  answerMs: number;
}

/** Messages from the stats thread. */
export type ToApp =
  | { t: 'ready'; addresses: string[] }
  | { t: 'error'; code: string; message: string }
  | { t: 'ask'; id: number }
  | { t: 'build-error'; message: string };

/** Messages to the stats thread. */
export type ToThread = { t: 'state'; id: number; sockets: AppSocket[]; listening: boolean } | { t: 'close' };

export interface ThreadOptions {
  counters: RequestCounters;
  listen: ListenOptions[];
  sockets: () => AppSocket[];
  listening: () => boolean;
  lastSpawn: number;
  memory: boolean;
  queueSampleMs: number;
  answerMs: number;
  onError?: (err: unknown) => void;
}

export interface StatsThread {
  addresses: string[];
  close(): Promise<void>;
}

/** Start the stats thread; resolves once every listener is open (rejects with the listener's EmitterError). */
export function startStatsThread(o: ThreadOptions): Promise<StatsThread> {
  const data: ThreadData = {
    sab: o.counters.share(),
    listen: o.listen,
    sockets: o.sockets(),
    listening: o.listening(),
    lastSpawn: o.lastSpawn,
    memory: o.memory,
    queueSampleMs: o.queueSampleMs,
    answerMs: o.answerMs,
  };
  // No environment (the thread needs none), no inherited flags (a loader or --inspect of the app's), a small heap.
  const worker = new Worker(new URL('./stats-thread.js', import.meta.url), {
    workerData: data,
    env: {},
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
  });
  let reported = false;
  const report = (err: unknown): void => {
    if (reported) return;
    reported = true;
    try {
      o.onError?.(err);
    } catch {
      // a throwing error handler must not break the app
    }
  };
  let closing: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return new Promise<StatsThread>((resolve, reject) => {
    let started = false;
    worker.on('message', (m: ToApp) => {
      if (m.t === 'ask') {
        let sockets: AppSocket[] = [];
        let listening = true;
        try {
          void o.counters.tx; // bytes sent so far, into the shared mirror
          sockets = o.sockets();
          listening = o.listening();
        } catch (err) {
          report(err);
        }
        const reply: ToThread = { t: 'state', id: m.id, sockets, listening };
        worker.postMessage(reply);
      } else if (m.t === 'ready') {
        started = true;
        resolve({
          addresses: m.addresses,
          close(): Promise<void> {
            closing ??= (async () => {
              const msg: ToThread = { t: 'close' };
              worker.postMessage(msg);
              const timer = setTimeout(() => void worker.terminate(), 5000);
              await exited;
              clearTimeout(timer);
            })();
            return closing;
          },
        });
      } else if (m.t === 'error') {
        reject(new EmitterError(m.code, m.message));
      } else if (m.t === 'build-error') {
        report(new Error(m.message));
      }
    });
    worker.on('error', (err) => {
      // the thread itself failed (it could not load, or ran out of its heap): the stats stop, the app goes on
      if (!started) {
        const code = (err as NodeJS.ErrnoException).code;
        const missing = code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
        const hint = missing ? ' (thread: true runs the emitter\'s stats-thread.js: ship the package\'s files as installed, not bundled into one file)' : '';
        reject(new EmitterError(missing ? 'ENOENT' : 'EIO', `the stats thread failed: ${err.message}${hint}`));
      }
      else report(err);
    });
    worker.once('exit', (code) => {
      if (!started) reject(new EmitterError('EIO', `the stats thread exited (code ${code}) before listening`));
    });
  });
}
