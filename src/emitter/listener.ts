/**
 * The stats transports, as uWSGI's `--stats` server:
 * - raw: a client connects, the document is written, the connection is
 *   closed (unix socket, Linux abstract socket, or TCP host:port);
 * - HTTP (`http: true`, uWSGI `--stats-http`): the client's request head is
 *   read, then `HTTP/1.0 200 OK` + `Content-Type: application/json` +
 *   `Content-Length`, the body, close. With `prometheus: true`, `GET /metrics`
 *   answers the Prometheus text exposition instead;
 * - `minified: true` drops all whitespace (uWSGI `--stats-minified`).
 *
 * Safety:
 * - TCP binds loopback only unless `allowRemote: true`;
 * - a unix socket is created with mode 0600 without relying on the umask:
 *   it is bound inside a fresh private (0700) directory next to the target,
 *   chmod-ed, then renamed into place; a stale socket file is removed only
 *   when nothing accepts on it (connect → ECONNREFUSED); a live one is an
 *   EADDRINUSE error; anything that is not a socket is never removed;
 * - at most `maxClients` (64) clients at once, more are closed at once;
 * - each client is destroyed after `clientTimeoutMs` (5 s) whatever it does,
 *   so a client that never reads cannot hold the server's memory;
 * - whatever a raw client sends is discarded as it arrives; an HTTP head
 *   larger than 8 KiB gets a 431 and is closed;
 * - `close()` closes the server and every client, and removes the socket
 *   file if it is still ours (same inode). It is idempotent.
 */
import { createConnection, createServer, isIP, type Server, type Socket } from 'node:net';
import { chmodSync, lstatSync, mkdtempSync, renameSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { StatsSource } from './source.js';
import { EmitterError } from './errors.js';

export interface ListenOptions {
  /** Unix socket path; `@name` is a Linux abstract socket (no file, no permissions: any local user can connect). */
  path?: string;
  /** TCP host (default `127.0.0.1`). Non-loopback needs `allowRemote`. */
  host?: string;
  /** TCP port (0 = any free port). */
  port?: number;
  /** Answer HTTP like uWSGI `--stats-http`. */
  http?: boolean;
  /** No whitespace (uWSGI `--stats-minified`). */
  minified?: boolean;
  /** Serve Prometheus text at `/metrics` (HTTP only). */
  prometheus?: boolean;
  /** Permit binding a non-loopback address. */
  allowRemote?: boolean;
  /**
   * HTTP clients that may be sending their request head at once (default
   * 64). One more arriving drops the oldest waiting client of the peer
   * holding the most of them. Raw clients are answered at once and take no
   * slot; at most this many answers may wait for a reader slower than the
   * socket buffer (the oldest is dropped).
   */
  maxClients?: number;
  /** A client is disconnected this long after connecting, whatever it does (default 5000 ms). */
  clientTimeoutMs?: number;
  /** An HTTP client that has not sent a complete request head this long after connecting is dropped (default 1000 ms). */
  headTimeoutMs?: number;
  /**
   * Host names (besides loopback names and addresses, and the address the
   * listener binds) an HTTP client may name in its `Host` header; any other
   * name gets `421` (DNS rebinding protection). E.g. `['stats.internal']`
   * with `allowRemote`.
   */
  allowedHosts?: string[];
  /** Unix socket file mode (default 0o600). */
  mode?: number;
}

export interface StatsListener {
  /**
   * Where to read the stats, as tsgitop / uwsgitop accept it: the socket
   * path, `@name`, `host:port` (`[::1]:port`), or `http://host:port/`.
   */
  readonly address: string;
  /** Actual TCP port (TCP only). */
  readonly port: number | undefined;
  /** Stop listening, drop clients, remove the socket file. Idempotent. */
  close(): Promise<void>;
}

export { EmitterError };

const MAX_HEAD = 8192;
/** listen() backlog of a stats listener. */
const STATS_BACKLOG = 4096;
const MAX_DISCARD = 1 << 20;
/** After the answer is sent: how long the client may take to close before the socket is destroyed (see send()). */
const FINISH_GRACE_MS = 250;

/** A Host header value or a host name without port, brackets, case or a trailing dot. */
function normalizeHostName(h: string): string {
  let v = h.trim().toLowerCase();
  if (v.startsWith('[')) {
    const i = v.indexOf(']');
    v = i > 0 ? v.slice(1, i) : v.slice(1);
  } else if (v.indexOf(':') === v.lastIndexOf(':')) {
    const i = v.indexOf(':');
    if (i >= 0) v = v.slice(0, i);
  }
  return v.endsWith('.') ? v.slice(0, -1) : v;
}

/** The normalized Host header of a request head's lines, if there is one. */
function hostHeader(lines: string[]): string | undefined {
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.length > 5 && l.charCodeAt(4) === 58 /* : */ && l.slice(0, 4).toLowerCase() === 'host') return normalizeHostName(l.slice(5));
  }
  return undefined;
}

/** Is `host` a loopback name or address? */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return isIP(h.slice(7)) === 4 && h.slice(7).startsWith('127.');
  return false;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Probe a unix socket path: 'live' if something accepts, 'stale' on ECONNREFUSED, 'gone' on ENOENT. */
function probeUnix(path: string): Promise<'live' | 'stale' | 'gone' | 'error'> {
  return new Promise((done) => {
    const c = createConnection({ path });
    const t = setTimeout(() => {
      c.destroy();
      done('live'); // something holds it (a full backlog still means a live listener)
    }, 1000);
    c.once('connect', () => {
      clearTimeout(t);
      c.destroy();
      done('live');
    });
    c.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      done(e.code === 'ECONNREFUSED' ? 'stale' : e.code === 'ENOENT' ? 'gone' : 'error');
    });
  });
}

function listenOn(server: Server, opts: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((ok, fail) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      fail(e);
    };
    const onListening = (): void => {
      server.off('error', onError);
      ok();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // a deep accept queue (the kernel caps it at net.core.somaxconn): a burst of hostile connects
    // must not fill it before the next accept loop, or a legitimate client is refused (EAGAIN on unix sockets)
    server.listen({ ...opts, exclusive: true, backlog: STATS_BACKLOG });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((ok) => {
    if (!server.listening) return ok();
    server.close(() => ok());
  });
}

/** Make the unix socket file: private dir → bind → chmod → rename into place. Returns the inode identity. */
async function bindUnix(server: Server, target: string, mode: number): Promise<{ dev: number; ino: number }> {
  if (Buffer.byteLength(target) > 103) {
    throw new EmitterError('ENAMETOOLONG', `stats socket path is too long for a unix socket (${Buffer.byteLength(target)} bytes, max 103): ${target}`);
  }
  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new EmitterError('ENOTDIR', `cannot use stats socket path ${target}: a parent of it is not a directory`);
    if (code !== 'ENOENT') throw new EmitterError(code ?? 'EACCES', `cannot use stats socket path ${target}: ${errMessage(e)}`);
  }
  if (st) {
    if (!st.isSocket()) throw new EmitterError('EEXIST', `${target} exists and is not a socket; refusing to replace it`);
    const probe = await probeUnix(target);
    if (probe === 'live') throw new EmitterError('EADDRINUSE', `stats socket ${target} is in use by another process`);
    if (probe === 'error') throw new EmitterError('EACCES', `cannot check stats socket ${target}; refusing to replace it`);
    if (probe === 'stale') {
      try {
        unlinkSync(target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new EmitterError('EACCES', `cannot remove stale stats socket ${target}: ${errMessage(e)}`);
      }
    }
  }
  let dir: string;
  try {
    dir = mkdtempSync(join(dirname(target), `.${basename(target).slice(0, 20)}-`));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const dir = dirname(target);
    if (code === 'ENOENT') throw new EmitterError('ENOENT', `cannot create stats socket ${target}: directory ${dir} does not exist (create it first)`);
    if (code === 'ENOTDIR') throw new EmitterError('ENOTDIR', `cannot create stats socket ${target}: ${dir} is not a directory`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new EmitterError(code, `cannot create stats socket ${target}: no permission to create files in ${dir} (${code})`);
    }
    throw new EmitterError(code ?? 'EIO', `cannot create stats socket in ${dir}: ${errMessage(e)}`);
  }
  const tmp = join(dir, 's');
  try {
    await listenOn(server, { path: tmp });
    chmodSync(tmp, mode);
    renameSync(tmp, target);
    const s = statSync(target);
    return { dev: s.dev, ino: s.ino };
  } catch (e) {
    await closeServer(server);
    try {
      unlinkSync(tmp);
    } catch {
      // not created or already moved
    }
    if (e instanceof EmitterError) throw e;
    throw new EmitterError((e as NodeJS.ErrnoException).code ?? 'EIO', `cannot listen on stats socket ${target}: ${errMessage(e)}`);
  } finally {
    try {
      rmdirSync(dir);
    } catch {
      // best effort
    }
  }
}

/** The source's JSON as bytes when it keeps them (no encoding per read), else as text. */
function jsonOf(source: StatsSource, minified: boolean): string | Buffer {
  return source.jsonBytes !== undefined ? source.jsonBytes(minified) : source.json(minified);
}

function httpHead(status: string, type: string, length: number): string {
  return `HTTP/1.0 ${status}\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;
}

/**
 * Serve a stats source on a unix socket or a TCP address.
 * @throws EmitterError (code EADDRINUSE, EEXIST, EACCES, EREMOTE, EINVAL, …) with a one-line message
 */
export async function listenStats(source: StatsSource, opts: ListenOptions): Promise<StatsListener> {
  const maxClients = opts.maxClients ?? 64;
  const timeoutMs = opts.clientTimeoutMs ?? 5000;
  const headTimeoutMs = opts.headTimeoutMs ?? 1000;
  const minified = opts.minified === true;
  const http = opts.http === true;
  const prometheus = opts.prometheus === true;
  if (opts.path === undefined && opts.port === undefined) throw new EmitterError('EINVAL', 'stats listener needs a unix socket path or a TCP port');
  if (opts.path !== undefined && opts.port !== undefined) throw new EmitterError('EINVAL', 'stats listener takes a unix socket path or a TCP port, not both');
  const host = opts.host ?? '127.0.0.1';
  if (opts.path === undefined && !isLoopbackHost(host) && opts.allowRemote !== true) {
    throw new EmitterError('EREMOTE', `refusing to serve stats on non-loopback address ${host} (set allowRemote: true to allow it)`);
  }
  if (prometheus && !http) {
    throw new EmitterError('EINVAL', 'prometheus: true needs http: true on the same listener (Prometheus scrapes /metrics over HTTP)');
  }
  if (!Number.isInteger(maxClients) || maxClients < 1) throw new EmitterError('EINVAL', `bad maxClients ${String(opts.maxClients)} (an integer ≥ 1)`);
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) {
    throw new EmitterError('EINVAL', `bad stats port ${String(opts.port)}`);
  }

  const allowed = new Set((opts.allowedHosts ?? []).map(normalizeHostName));
  allowed.add(normalizeHostName(host));
  const checkHost = opts.path === undefined; // a browser cannot reach a unix socket: no DNS rebinding there

  const clients = new Set<Socket>();
  /** HTTP clients still sending their request head, in arrival order (the slots), with their peer address. */
  const waiting = new Map<Socket, string>();
  /** Slots held per peer address (unix sockets: one peer, ''). */
  const perPeer = new Map<string, number>();
  /** Clients whose answer is not yet handed to the kernel (a reader slower than the socket buffer), in order. */
  const pending = new Set<Socket>();
  const releaseSlot = (sock: Socket): void => {
    const p = waiting.get(sock);
    if (p === undefined) return;
    waiting.delete(sock);
    const n = (perPeer.get(p) ?? 1) - 1;
    if (n > 0) perPeer.set(p, n);
    else perPeer.delete(p);
  };
  /**
   * Make room for one more waiting client: drop the oldest waiting client
   * of the peer holding the most slots (so no peer keeps more than a fair
   * share, and a flood of idle connections cannot lock out a client that
   * sends its request at once).
   */
  const takeSlot = (sock: Socket): void => {
    while (waiting.size >= maxClients) {
      let worst = '';
      let most = -1;
      for (const [p, n] of perPeer) {
        if (n > most) {
          most = n;
          worst = p;
        }
      }
      let victim: Socket | undefined;
      for (const [w, p] of waiting) {
        if (p === worst) {
          victim = w;
          break;
        }
      }
      victim ??= waiting.keys().next().value as Socket;
      releaseSlot(victim);
      victim.destroy();
    }
    const p = sock.remoteAddress ?? ''; // read while connected (unix sockets: '')
    waiting.set(sock, p);
    perPeer.set(p, (perPeer.get(p) ?? 0) + 1);
  };

  /** Send the answer and let go: close as soon as the kernel has it; a reader slower than that is bounded by `pending`. */
  const send = (sock: Socket, data: string | Buffer): void => {
    releaseSlot(sock);
    sock.once('finish', () => {
      pending.delete(sock);
      // Bytes the client sent may still wait, unread, in the kernel: closing now would reset the
      // connection (ECONNRESET at the client before it read the answer; Node 22+ gets here sooner).
      // Close when the client closes after reading, or after a short grace.
      if (sock.readableEnded) return void sock.destroy();
      const grace = setTimeout(() => sock.destroy(), FINISH_GRACE_MS);
      grace.unref();
      sock.once('end', () => {
        clearTimeout(grace);
        sock.destroy();
      });
      sock.once('close', () => clearTimeout(grace));
    });
    sock.end(data);
    // writableLength: bytes the kernel did not take yet (the write is tried at once)
    if (sock.writableLength > 0 && !sock.destroyed) {
      pending.add(sock);
      if (pending.size > maxClients) {
        const oldest = pending.values().next().value as Socket;
        pending.delete(oldest);
        oldest.destroy();
      }
    }
  };

  /** Clients waiting for the source to be fresh. */
  let waitingFresh = 0;
  /**
   * Answer now, or once the source is fresh (a source that asks another thread first); a client gone meanwhile gets
   * nothing. With maxClients already waiting, answer at once from what the source has (a flood of connections
   * then holds no socket for the wait).
   */
  const whenFresh = (sock: Socket, go: () => void): void => {
    const p = waitingFresh >= maxClients ? undefined : source.fresh?.();
    if (p === undefined) return go();
    waitingFresh++;
    void p.then(() => {
      waitingFresh--;
      if (sock.destroyed) return;
      try {
        go();
      } catch {
        sock.destroy();
      }
    });
  };

  const discard = (sock: Socket): void => {
    let seen = 0;
    sock.on('data', (chunk: Buffer | string) => {
      seen += chunk.length;
      if (seen > MAX_DISCARD) sock.destroy();
    });
  };

  const serveRaw = (sock: Socket): void => {
    // answered at once: a raw client never waits for anything, so it never holds a slot
    discard(sock);
    source.onRead?.();
    whenFresh(sock, () => send(sock, jsonOf(source, minified)));
  };
  const serveHttp = (sock: Socket): void => {
    let head = '';
    const answer = (status: string, type: string, body: string | Buffer, withBody: boolean): void => {
      const head = httpHead(status, type, typeof body === 'string' ? Buffer.byteLength(body) : body.length);
      sock.removeListener('data', onHead);
      discard(sock);
      if (!withBody) send(sock, head);
      else if (typeof body === 'string') send(sock, head + body); // one string: encoded once, as it is written
      else send(sock, Buffer.concat([Buffer.from(head, 'latin1'), body]));
    };
    takeSlot(sock);
    const headTimer = setTimeout(() => {
      if (waiting.has(sock)) sock.destroy();
    }, headTimeoutMs);
    headTimer.unref();
    sock.once('close', () => clearTimeout(headTimer));
    sock.setEncoding('latin1');
    const onHead = (chunk: string): void => {
      head += chunk;
      let end = head.indexOf('\r\n\r\n');
      if (end < 0) end = head.indexOf('\n\n');
      if (end < 0 ? head.length > MAX_HEAD : end > MAX_HEAD) {
        clearTimeout(headTimer);
        answer('431 Request Header Fields Too Large', 'text/plain', 'request header too large\n', true);
        return;
      }
      if (end < 0) return;
      clearTimeout(headTimer);
      const lines = head.slice(0, end).split('\n');
      head = '';
      const [method = '', target = '/'] = (lines[0] ?? '').trim().split(' ');
      const withBody = method !== 'HEAD';
      if (checkHost) {
        const h = hostHeader(lines);
        if (h !== undefined && !isLoopbackHost(h) && !allowed.has(h)) {
          answer('421 Misdirected Request', 'text/plain', 'this stats server answers only to loopback host names (and the names in its allowedHosts option)\n', withBody);
          return;
        }
      }
      const path = target.split('?')[0];
      source.onRead?.();
      sock.removeListener('data', onHead);
      whenFresh(sock, () => {
        if (prometheus && path === '/metrics') {
          answer('200 OK', 'text/plain; version=0.0.4; charset=utf-8', source.prometheus(), withBody);
        } else {
          answer('200 OK', 'application/json', jsonOf(source, minified), withBody);
        }
      });
    };
    sock.on('data', onHead);
  };

  const server = createServer({ allowHalfOpen: false }, (sock) => {
    clients.add(sock);
    const kill = setTimeout(() => sock.destroy(), timeoutMs);
    kill.unref();
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(kill);
      clients.delete(sock);
      releaseSlot(sock);
      pending.delete(sock);
    });
    try {
      if (http) serveHttp(sock);
      else serveRaw(sock);
    } catch {
      sock.destroy();
    }
  });
  server.on('error', () => undefined); // after listening, errors must not crash the app

  let address: string;
  let port: number | undefined;
  let inode: { dev: number; ino: number } | undefined;
  let filePath: string | undefined;
  if (opts.path !== undefined) {
    if (opts.path.startsWith('@')) {
      if (process.platform !== 'linux') throw new EmitterError('EINVAL', 'abstract unix sockets (@name) exist only on Linux');
      try {
        await listenOn(server, { path: `\0${opts.path.slice(1)}` });
      } catch (e) {
        throw new EmitterError((e as NodeJS.ErrnoException).code ?? 'EIO', `cannot listen on stats socket ${opts.path}: ${errMessage(e)}`);
      }
      address = opts.path;
    } else {
      filePath = resolve(opts.path);
      inode = await bindUnix(server, filePath, opts.mode ?? 0o600);
      address = filePath;
    }
  } else {
    try {
      await listenOn(server, { host, port: opts.port ?? 0 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      const why = code === 'EADDRINUSE' ? 'address already in use' : errMessage(e);
      throw new EmitterError(code, `cannot listen for stats on ${host}:${opts.port ?? 0}: ${why}`);
    }
    const a = server.address();
    port = typeof a === 'object' && a !== null ? a.port : opts.port;
    const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    address = http ? `http://${shown}:${port ?? 0}/` : `${shown}:${port ?? 0}`;
  }

  let closing: Promise<void> | undefined;
  return {
    address,
    port,
    close(): Promise<void> {
      closing ??= (async () => {
        const done = closeServer(server);
        for (const c of clients) c.destroy();
        clients.clear();
        await done;
        if (filePath !== undefined && inode !== undefined) {
          try {
            const s = statSync(filePath);
            if (s.dev === inode.dev && s.ino === inode.ino) unlinkSync(filePath);
          } catch {
            // already gone
          }
        }
      })();
      return closing;
    },
  };
}

/**
 * Open every transport in `listen` (one, a list, or none) for `source`. If
 * one fails, those already open are closed and the error is rethrown, so a
 * caller never holds half a set of listeners.
 */
export async function listenAll(source: StatsSource, listen: ListenOptions | ListenOptions[] | undefined): Promise<StatsListener[]> {
  const list = listen === undefined ? [] : Array.isArray(listen) ? listen : [listen];
  const opened: StatsListener[] = [];
  try {
    for (const l of list) opened.push(await listenStats(source, l));
  } catch (e) {
    await Promise.all(opened.map((l) => l.close()));
    throw e;
  }
  return opened;
}
