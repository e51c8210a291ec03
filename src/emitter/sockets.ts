/**
 * The app's listening sockets as uWSGI's `sockets` list, with the real
 * accept-queue figures sampled from /proc/net/tcp{,6} (Linux).
 *
 * Like uWSGI's master (which checks its sockets once per cycle, ~1 s), the
 * sampler reads /proc every `intervalMs` (default 1000) — asynchronously,
 * never on the stats request path — and counts `listen_queue_errors` the
 * uWSGI way: one per sample that finds a queue full (queue ≥ max_queue).
 * A stats read also asks for a refresh when the last sample is older than
 * 250 ms, so the next read is fresher without the current one waiting.
 * `max_queue` is the configured backlog capped by somaxconn (the kernel
 * does not print a LISTEN socket's maximum in /proc/net/tcp; see procnet.ts).
 * On other platforms, and for unix-socket app servers, `queue` is 0.
 * A node:cluster primary (round-robin scheduling) accepts every connection
 * itself and holds it until a worker is free: those it holds are waiting
 * too, and count in `queue` (see procnet.ts pendingHandoffs).
 */
import type { AddressInfo } from 'node:net';
import type { EmitterSocket } from './doc.js';
import { effectiveBacklog, queueForPort, readListenEntries, type ListenEntry } from './procnet.js';

/** The kernel's accept queue of a TCP app socket, plus connections its process holds for a worker (pendingHandoffs). */
function waiting(entries: readonly ListenEntry[], held: readonly ListenEntry[], s: AppSocket): number | undefined {
  if (s.port === undefined) return undefined;
  const kernel = queueForPort(entries, s.port, s.host);
  const mine = held.length > 0 ? queueForPort(held, s.port, s.host) : undefined;
  return kernel === undefined && mine === undefined ? undefined : (kernel ?? 0) + (mine ?? 0);
}

/** One listening socket of the app server. */
export interface AppSocket {
  /** TCP: host/address as bound (`127.0.0.1`, `::`, …); unix: undefined. */
  host?: string;
  /** TCP port; unix: undefined. */
  port?: number;
  /** Unix socket path (unix only). */
  path?: string;
  /** uWSGI `proto` (default `http`). */
  proto?: string;
  /** The backlog the app passed to listen() (default Node's 511); `max_queue` = min(backlog, somaxconn). */
  backlog?: number;
}

/** uWSGI-style socket name: `127.0.0.1:8080`, `[::1]:8080`, or the unix path. */
export function socketName(s: AppSocket): string {
  if (s.path !== undefined) return s.path;
  const host = s.host ?? '';
  return host.includes(':') ? `[${host}]:${s.port ?? 0}` : `${host}:${s.port ?? 0}`;
}

/** An AppSocket from `server.address()` (undefined when not listening). */
export function appSocketFromAddress(addr: AddressInfo | string | null, proto = 'http'): AppSocket | undefined {
  if (addr === null) return undefined;
  if (typeof addr === 'string') return { path: addr, proto };
  return { host: addr.address, port: addr.port, proto };
}

export interface QueueFigures {
  sockets: EmitterSocket[];
  /** Sum of the sockets' accept queues. */
  listenQueue: number;
  listenQueueErrors: number;
}

export class ListenQueueSampler {
  private entries: ListenEntry[] = [];
  private held: ListenEntry[] = [];
  private sampledAt = 0;
  private errors = 0;
  private inflight: Promise<void> | undefined;
  /** A refresh is scheduled for the next turn. */
  private kicked = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * @param getSockets the app sockets to report (called per sample and per document)
   * @param intervalMs sampling period (≤ 0: no periodic sampling)
   * @param read the /proc reader (injectable for tests)
   * @param pending connections this process accepted and holds for a worker (a node:cluster primary), counted as waiting
   */
  constructor(
    private readonly getSockets: () => AppSocket[],
    intervalMs = 1000,
    private readonly read: () => Promise<ListenEntry[]> = readListenEntries,
    private readonly pending?: () => ListenEntry[],
  ) {
    if (intervalMs > 0) {
      this.timer = setInterval(() => void this.refresh(), intervalMs);
      this.timer.unref();
    }
  }

  /** Sample now (coalesced: concurrent callers share one read). Never rejects. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.inflight ??= this.read()
      .then((entries) => {
        this.entries = entries;
        this.held = this.pending?.() ?? [];
        this.sampledAt = Date.now();
        for (const s of this.getSockets()) {
          const q = waiting(entries, this.held, s);
          if (q !== undefined && q >= effectiveBacklog(s.backlog)) this.errors++;
        }
      })
      .catch(() => undefined)
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /**
   * Current figures from the last sample; schedules a refresh (after this
   * turn: starting the /proc reads is not the caller's cost) if the sample is
   * older than `maxAgeMs`.
   */
  figures(maxAgeMs = 250): QueueFigures {
    if (Date.now() - this.sampledAt > maxAgeMs && this.inflight === undefined && !this.kicked) {
      this.kicked = true;
      setImmediate(() => {
        this.kicked = false;
        void this.refresh();
      }).unref();
    }
    const sockets: EmitterSocket[] = [];
    let total = 0;
    for (const s of this.getSockets()) {
      const queue = waiting(this.entries, this.held, s) ?? 0;
      total += queue;
      const maxQueue = s.port === undefined ? 0 : effectiveBacklog(s.backlog);
      sockets.push({ name: socketName(s), proto: s.proto ?? 'http', queue, max_queue: maxQueue, shared: 0, can_offload: 0 });
    }
    return { sockets, listenQueue: total, listenQueueErrors: this.errors };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
