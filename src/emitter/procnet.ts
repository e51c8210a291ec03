/**
 * Listen (accept) queue of TCP listening sockets, from Linux's
 * `/proc/net/tcp` and `/proc/net/tcp6`.
 *
 * For a socket in state LISTEN (`st` = `0A`) the kernel prints
 * `tx_queue:rx_queue` where rx_queue = connections waiting in the accept
 * queue (sk_ack_backlog) — the number uWSGI reads with TCP_INFO
 * (tcpi_unacked) for `listen_queue` and a socket's `queue`.
 *
 * The accept queue's maximum is NOT in /proc/net/tcp: for a LISTEN socket
 * tx_queue is `write_seq - snd_una`, i.e. 0 (verified on this project's
 * kernel: a listen(5) socket with 3 pending connections prints
 * `00000000:00000003`; only inet_diag — `ss -lnt` Send-Q — shows the 5).
 * So `max_queue` is derived from configuration instead, see
 * {@link effectiveBacklog}.
 */
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';

export interface ListenEntry {
  /** Local address, e.g. `127.0.0.1`, `0.0.0.0`, `::1`, `::`. */
  address: string;
  port: number;
  /** Connections waiting to be accepted (rx_queue). */
  queue: number;
  /** tx_queue as printed (0 for LISTEN sockets on Linux; kept for completeness). */
  txQueue: number;
}

// sl: local rem st tx:rx — only LISTEN (0A) lines match.
const LISTEN_RE = /^\s*\d+:\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+[0-9A-Fa-f]+:[0-9A-Fa-f]{4}\s+0A\s+([0-9A-Fa-f]+):([0-9A-Fa-f]+)/gm;

/** Decode /proc's hex address: 32-bit words in host byte order. */
export function decodeProcAddress(hex: string, littleEndian = endianness() === 'LE'): string {
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    const b = [0, 2, 4, 6].map((i) => parseInt(word.slice(i, i + 2), 16));
    if (littleEndian) b.reverse();
    bytes.push(...b);
  }
  if (bytes.length === 4) return bytes.join('.');
  // IPv6: v4-mapped → dotted form; else compressed hex groups
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // longest run of zero groups → '::'
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexg = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexg.join(':');
  return `${hexg.slice(0, bestStart).join(':')}::${hexg.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Parse `/proc/net/tcp` or `/proc/net/tcp6` text; returns the LISTEN sockets only.
 * @param littleEndian byte order of the host that produced the text (default: this host's)
 */
export function parseProcNetTcp(text: string, littleEndian = endianness() === 'LE'): ListenEntry[] {
  const out: ListenEntry[] = [];
  LISTEN_RE.lastIndex = 0;
  for (let m = LISTEN_RE.exec(text); m !== null; m = LISTEN_RE.exec(text)) {
    out.push({
      address: decodeProcAddress(m[1]!, littleEndian),
      port: parseInt(m[2]!, 16),
      txQueue: parseInt(m[3]!, 16),
      queue: parseInt(m[4]!, 16),
    });
  }
  return out;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '::0']);

/**
 * Accept-queue length of a listening port (undefined: no such LISTEN
 * socket). When `address` is a specific address only entries bound to it
 * count; a wildcard (or undefined) address matches every entry on the port.
 * Several matching entries (SO_REUSEPORT, v4 + v6) are summed.
 */
export function queueForPort(entries: readonly ListenEntry[], port: number, address?: string): number | undefined {
  let found = false;
  let queue = 0;
  const wild = address === undefined || WILDCARDS.has(address);
  for (const e of entries) {
    if (e.port !== port) continue;
    if (!wild && e.address !== address && e.address !== `::ffff:${address}`) continue;
    found = true;
    queue += e.queue;
  }
  return found ? queue : undefined;
}

/** Node's default `listen()` backlog. */
export const NODE_DEFAULT_BACKLOG = 511;

let somaxconn: number | undefined;

/** /proc/sys/net/core/somaxconn (read once; undefined when unreadable). */
export function readSomaxconn(): number | undefined {
  if (somaxconn !== undefined) return somaxconn;
  if (process.platform !== 'linux') return undefined;
  try {
    const n = parseInt(readFileSync('/proc/sys/net/core/somaxconn', 'latin1'), 10);
    if (n > 0) somaxconn = n;
  } catch {
    // unknown
  }
  return somaxconn;
}

/**
 * The accept queue's maximum: the backlog passed to listen() (Node's
 * default 511 unless the app passed another) capped by the kernel's
 * somaxconn, as the kernel does.
 */
export function effectiveBacklog(backlog = NODE_DEFAULT_BACKLOG, max = readSomaxconn()): number {
  return max !== undefined && max < backlog ? max : backlog;
}

// A socket line whose state is not LISTEN.
const NON_LISTEN_RE = /^\s*\d+:\s+[0-9A-Fa-f]+:[0-9A-Fa-f]{4}\s+[0-9A-Fa-f]+:[0-9A-Fa-f]{4}\s+(?!0A)[0-9A-Fa-f]{2}\s/m;

/**
 * Read the leading LISTEN section of a /proc/net/tcp{,6} file.
 *
 * The kernel prints the listening hash table before the established one
 * (tcp_seq_start: listening, then established — TIME_WAIT included), so
 * every LISTEN socket comes first. A busy host can have tens of thousands
 * of connections (several MB of text, ~10 ms of regex work per read);
 * reading in 64 KiB chunks and stopping at the first non-LISTEN line keeps
 * both the kernel's and our work proportional to the number of listeners.
 */
export async function readListenSection(path: string, chunkSize = 64 * 1024): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkSize);
    let text = '';
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) return text;
      const from = Math.max(0, text.lastIndexOf('\n') + 1);
      text += buf.toString('latin1', 0, bytesRead);
      const rest = text.slice(from);
      const m = NON_LISTEN_RE.exec(rest);
      if (m) return text.slice(0, from + m.index);
      if (text.length > 16 * 1024 * 1024) return text; // a pathological file: give up growing
    }
  } finally {
    await fh.close();
  }
}

/** Read both /proc/net/tcp files (asynchronously, LISTEN section only). Empty on non-Linux or on error. */
export async function readListenEntries(): Promise<ListenEntry[]> {
  if (process.platform !== 'linux') return [];
  const texts = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((p) => readListenSection(p).catch(() => '')));
  return texts.flatMap((t) => parseProcNetTcp(t));
}

/**
 * Connections a node:cluster primary accepted and holds until a worker is free to take them (round-robin
 * scheduling, Linux's default): one entry (`queue` 1) per connection, by its local address and port. With every
 * worker busy or blocked this is where requests wait — the kernel's accept queue stays empty, as the primary keeps
 * accepting. They are the primary's raw TCP handles with a peer (its own sockets are net.Socket objects; listening
 * handles have no peer), found through `process._getActiveHandles()` (undocumented, present in Node 20–24); empty
 * when that is missing or fails.
 */
export function pendingHandoffs(): ListenEntry[] {
  const list = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  if (typeof list !== 'function') return [];
  const out: ListenEntry[] = [];
  try {
    for (const h of list.call(process)) {
      if (h === null || typeof h !== 'object' || (h as { constructor?: { name?: string } }).constructor?.name !== 'TCP') continue;
      const t = h as { getsockname?: (o: object) => number; getpeername?: (o: object) => number };
      if (typeof t.getsockname !== 'function' || typeof t.getpeername !== 'function') continue;
      const local: { address?: string; port?: number } = {};
      if (t.getsockname(local) !== 0 || typeof local.port !== 'number') continue;
      if (t.getpeername({}) !== 0) continue;
      out.push({ address: local.address ?? '', port: local.port, queue: 1, txQueue: 0 });
    }
  } catch {
    return [];
  }
  return out;
}
