/**
 * The stats thread (single process, `thread: true`): serves the stats from a
 * worker thread of the app's process, so they answer while the app's event
 * loop is blocked — the incident they are most needed in. The counters come
 * from their shared mirror (RequestCounters.share), which the app's thread
 * writes on every request start and end: a request that blocks the loop is
 * in the mirror before its handler runs, so the document shows the worker
 * busy, that core in a request since it started (and its method and path,
 * request paths on). The listen queue is sampled here; memory is read here.
 *
 * Before each answer the thread asks the app's thread for what only it
 * knows (bytes sent so far, whether the server listens, its address) and
 * waits at most `answerMs`. No answer in time: the app's event loop is
 * blocked or too busy to take a connection, and the worker is shown not
 * accepting (`accepting: 0`) until the app's thread answers again.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { singleDocument } from './builder.js';
import { readShared } from './counters.js';
import type { EmitterDocument } from './doc.js';
import { EmitterError } from './errors.js';
import { listenAll, type StatsListener } from './listener.js';
import { readMemory } from './memory.js';
import { ListenQueueSampler, type AppSocket } from './sockets.js';
import { DocumentSource } from './source.js';
import type { ThreadData, ToApp, ToThread } from './thread.js';

const port = parentPort!;
const data = workerData as ThreadData;
let sockets: AppSocket[] = data.sockets;
let listening = data.listening;
/** The app's thread answered the last question in time (or answered since). */
let answering = true;
let asked = 0;
let waiter: { id: number; resolve: () => void } | undefined;
let pending: Promise<void> | undefined;

const post = (m: ToApp): void => port.postMessage(m);

const sampler = new ListenQueueSampler(() => sockets, data.queueSampleMs);
void sampler.refresh();
const views = {};
const build = (): EmitterDocument => {
  const mem = data.memory ? readMemory() : { rss: 0, vsz: 0 };
  const q = sampler.figures();
  return singleDocument({ snap: readShared(data.sab, views), rss: mem.rss, vsz: mem.vsz, ...q, accepting: listening && answering, lastSpawn: data.lastSpawn });
};
// (DocumentSource reports a build failure once)
const onError = (err: unknown): void => post({ t: 'build-error', message: err instanceof Error ? err.message : String(err) });

class ThreadSource extends DocumentSource {
  fresh(): Promise<void> {
    pending ??= new Promise<void>((resolve) => {
      const id = ++asked;
      const done = (): void => {
        clearTimeout(timer);
        if (waiter?.id === id) waiter = undefined;
        pending = undefined;
        resolve();
      };
      const timer = setTimeout(() => {
        answering = false;
        done();
      }, data.answerMs);
      waiter = { id, resolve: done };
      post({ t: 'ask', id });
    });
    return pending;
  }
}
const source = new ThreadSource(build, onError);

let listeners: StatsListener[] = [];
port.on('message', (m: ToThread) => {
  if (m.t === 'state') {
    sockets = m.sockets;
    listening = m.listening;
    answering = true;
    if (waiter?.id === m.id) waiter.resolve();
  } else if (m.t === 'close') {
    sampler.close();
    // the thread ends with its last handle: the app's side waits for its exit
    void Promise.all(listeners.map((l) => l.close())).then(() => port.close());
  }
});

listenAll(source, data.listen).then(
  (ls) => {
    listeners = ls;
    post({ t: 'ready', addresses: ls.map((l) => l.address) });
  },
  (e: unknown) => {
    sampler.close();
    const code = e instanceof EmitterError ? e.code : ((e as NodeJS.ErrnoException).code ?? 'EIO');
    post({ t: 'error', code, message: e instanceof Error ? e.message : String(e) });
    port.close();
  },
);
