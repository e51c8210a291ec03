/**
 * Reading a stats document from a uWSGI stats server (or anything speaking
 * the same protocol: the tsgitop emitter, an Emperor's `--emperor-stats`).
 *
 * The raw protocol has no request: connect, the server writes one JSON
 * document, the server closes; the client reads to EOF. Over HTTP
 * (`--stats-http`, proxies) see http.ts.
 *
 * Guarantees of every read, whatever happens:
 * - one overall deadline for connect + read (`timeoutMs`, default 5000 ms);
 * - a size cap (`maxBytes`, default 16 MiB): the connection is destroyed as
 *   soon as the cap would be exceeded, so at most the cap is ever held;
 * - bounded memory: the bytes go into one buffer that grows by doubling
 *   (transport.ts ByteSink), never a chunk list plus its concatenation;
 * - the socket is destroyed, the timer cleared and the abort listener removed
 *   before the promise settles — except after a complete answer (the server
 *   closed its side), when Node ends and closes the socket itself right
 *   after: an explicit destroy there made close() cost 3× the CPU;
 * - failures reject with a {@link StatsError} carrying a one-line message —
 *   except an abort through `opts.signal`, which rejects with
 *   `signal.reason` (normally a DOMException named AbortError) like other
 *   Node APIs; the TimeoutError of `AbortSignal.timeout()` is turned into
 *   StatsError TIMEOUT. Invalid options reject with a RangeError.
 *
 * Abstract sockets (`@name`): uWSGI binds `@name` as `'\0' + name + '\0'`
 * (a trailing NUL byte is part of the name), while Node 20's libuv (< 1.48)
 * pads every abstract address to the full 108-byte `sun_path`. Node 20 can
 * therefore reach abstract sockets of other Node 20 processes (the tsgitop
 * emitter) but not uWSGI's; the error then says exactly that. On libuv ≥
 * 1.48 (Node 22+) the exact name, uWSGI's form and the padded form are tried
 * in that order.
 */
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Address } from './address.js';
import { StatsError } from './errors.js';
import { classifyJson } from './jsonscan.js';
import type { StatsDocument } from './types.js';
import {
  ByteSink,
  Deadline,
  abortError,
  mapSocketError,
  oneLine,
  resolveOptions,
  timeoutError,
  tooLargeError,
  type ReadOptions,
  type ResolvedOptions,
} from './transport.js';

export { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, type ReadOptions } from './transport.js';

/** What {@link fetchStats} resolves to. */
export interface FetchResult {
  /** The bytes exactly as the server sent them (for HTTP: the de-chunked body). */
  raw: Buffer;
  doc: StatsDocument;
  /** `Date.now()` when the document was complete and parsed. */
  at: number;
}

/** `sun_path` holds 108 bytes including the terminating NUL on Linux. */
const MAX_UNIX_PATH = 107;
/** Bytes of an abstract name after the leading NUL. */
const MAX_ABSTRACT = 107;

type SocketAddress = Exclude<Address, { kind: 'http' }>;

/**
 * libuv before 1.48 (Node 20) binds and connects abstract sockets with the
 * whole 108-byte `sun_path`, NUL-padded, so it can only reach abstract
 * sockets bound the same way (other Node 20 processes). libuv ≥ 1.48 (Node
 * 22+) uses the exact name length.
 */
function libuvPadsAbstract(): boolean {
  const [major = 0, minor = 0] = (process.versions.uv ?? '').split('.').map(Number);
  return major < 1 || (major === 1 && minor < 48);
}

/**
 * The socket addresses to try, in order. More than one only for abstract
 * names on libuv ≥ 1.48, which can tell apart the exact name (`'\0'+name`),
 * uWSGI's convention (it binds `@name` with a trailing NUL: `'\0'+name+'\0'`)
 * and the NUL-padded form older Node servers use.
 */
function connectTargets(addr: SocketAddress): net.NetConnectOpts[] {
  switch (addr.kind) {
    case 'tcp':
      return [{ host: addr.host, port: addr.port }];
    case 'abstract': {
      const name = addr.name;
      if (Buffer.byteLength(name) > MAX_ABSTRACT) {
        throw new StatsError('BAD_ADDRESS', `abstract socket name too long (${Buffer.byteLength(name)} bytes, the limit is ${MAX_ABSTRACT}): ${addr.display}`);
      }
      const exact = '\0' + name;
      if (libuvPadsAbstract()) return [{ path: exact }];
      const targets = [{ path: exact }];
      if (Buffer.byteLength(name) < MAX_ABSTRACT) targets.push({ path: exact + '\0' });
      const padded = exact + '\0'.repeat(MAX_ABSTRACT - Buffer.byteLength(name));
      if (padded.length > exact.length + 1) targets.push({ path: padded });
      return targets;
    }
    case 'unix': {
      let path = addr.path;
      if (Buffer.byteLength(path) > MAX_UNIX_PATH) {
        // libuv would silently truncate the path. A path relative to the cwd
        // reaches the same file and may be short enough.
        const rel = relative(process.cwd(), path);
        if (rel !== '' && Buffer.byteLength(rel) <= MAX_UNIX_PATH) path = rel;
        else {
          throw new StatsError(
            'BAD_ADDRESS',
            `socket path too long (${Buffer.byteLength(path)} bytes, unix sockets allow ${MAX_UNIX_PATH}): ${addr.display}`,
          );
        }
      }
      return [{ path }];
    }
  }
}

/**
 * After every form of an abstract name was refused: if the kernel lists an
 * abstract socket of that name with a different length (uWSGI's trailing
 * NUL), say so instead of the plain "nothing is listening".
 */
async function diagnoseAbstract(
  addr: Extract<Address, { kind: 'abstract' }>,
  refused: StatsError,
): Promise<{ error: StatsError } | { viaUwsgi: string }> {
  let table: string;
  try {
    table = await readFile('/proc/net/unix', 'latin1');
  } catch {
    return { error: refused };
  }
  // The kernel prints an abstract name as '@' + name, with every NUL shown as '@'.
  const shown = '@' + Buffer.from(addr.name).toString('latin1').replace(/\0/g, '@');
  let found = -1;
  for (const line of table.split('\n')) {
    const i = line.lastIndexOf(' ' + shown);
    if (i < 0) continue;
    const tail = line.slice(i + 1 + shown.length);
    if (/^@*$/.test(tail) && tail.length > 0) {
      found = tail.length;
      break;
    }
  }
  if (found < 0) return { error: refused };
  const pads = libuvPadsAbstract();
  // uWSGI's own name form ("NAME\0"), unreachable from this libuv: its own
  // client can read it, and the host that runs uWSGI normally has it.
  const uwsgi = pads && found === 1 ? uwsgiBinary() : undefined;
  if (uwsgi !== undefined) return { viaUwsgi: uwsgi };
  const who = found === 1 ? ' (uWSGI binds "@NAME" with a trailing NUL byte)' : ` (with ${found} trailing NUL bytes)`;
  const why = pads
    ? `Node ${process.versions.node} (libuv ${process.versions.uv}) can only reach NUL-padded abstract names; install uwsgi (tsgitop then reads through \`uwsgi --connect-and-read\`), use Node 22 or later, or a socket path or TCP stats address`
    : 'it did not accept the connection';
  return { error: new StatsError('REFUSED', `abstract socket ${addr.display} exists under a different length${who}, but ${why}`, { cause: refused }) };
}

let uwsgiPath: string | null | undefined;
/** The `uwsgi` executable on PATH, if any (looked up once). */
function uwsgiBinary(): string | undefined {
  if (uwsgiPath === undefined) {
    uwsgiPath = null;
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir === '') continue;
      try {
        accessSync(join(dir, 'uwsgi'), fsConstants.X_OK);
        uwsgiPath = join(dir, 'uwsgi');
        break;
      } catch {
        /* not here */
      }
    }
  }
  return uwsgiPath ?? undefined;
}

/**
 * Read an abstract socket through `uwsgi --connect-and-read @NAME`, which
 * writes the document to its stderr. Same deadline and size cap as a direct
 * read (the caller kills the child when the deadline passes).
 */
function readThroughUwsgi(
  bin: string,
  addr: Extract<Address, { kind: 'abstract' }>,
  maxBytes: number,
  done: (err: unknown, value?: Buffer) => void,
): ChildProcess {
  const child = spawn(bin, ['--connect-and-read', '@' + addr.name], { stdio: ['ignore', 'ignore', 'pipe'] });
  const chunks: Buffer[] = [];
  let total = 0;
  child.stderr?.on('data', (b: Buffer) => {
    total += b.length;
    if (total > maxBytes) {
      child.kill('SIGKILL');
      done(tooLargeError(addr, maxBytes));
      return;
    }
    chunks.push(b);
  });
  child.on('error', (e) => done(new StatsError('NETWORK', `could not run ${bin} to read ${addr.display}: ${e.message}`, { cause: e })));
  child.on('close', (code) => {
    const out = Buffer.concat(chunks, Math.min(total, maxBytes));
    if (code === 0) done(undefined, out);
    else done(new StatsError('REFUSED', `uwsgi --connect-and-read ${addr.display} failed: ${oneLine(out.toString('utf8')) || `exit code ${String(code)}`}`));
  });
  return child;
}

let readBuf: Buffer | undefined;
/** The one buffer every socket read lands in (see readSocket). */
function sharedReadBuffer(): Buffer {
  return (readBuf ??= Buffer.allocUnsafeSlow(64 * 1024));
}

/** What a unix path that exists but is not a socket is, for the error (Linux refuses a connect to it like a dead socket). */
const NOT_A_SOCKET: readonly [string, (st: import('node:fs').Stats) => boolean][] = [
  ['a regular file', (st) => st.isFile()],
  ['a directory', (st) => st.isDirectory()],
  ['a named pipe (FIFO)', (st) => st.isFIFO()],
  ['a device', (st) => st.isCharacterDevice() || st.isBlockDevice()],
];

/**
 * A refusal at a unix path: when the path is no socket at all (a config file, a log, a directory given by
 * mistake), say so instead of "nothing is listening" — only on this error path (one stat), never per read.
 */
function notASocket(addr: Address & { kind: 'unix' }, refused: StatsError): StatsError {
  let st: import('node:fs').Stats | undefined;
  try {
    st = statSync(addr.path, { throwIfNoEntry: false });
  } catch {
    return refused;
  }
  if (st === undefined || st.isSocket()) return refused;
  const what = NOT_A_SOCKET.find(([, is]) => is(st))?.[0] ?? 'something else';
  return new StatsError('REFUSED', `${addr.display} is ${what}, not a socket (uWSGI's --stats or the emitter's socket path?)`, { cause: refused.cause });
}

/** Connect, read to EOF, return everything received (possibly zero bytes). */
function readSocket(addr: SocketAddress, o: ResolvedOptions, expect?: Buffer): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const targets = connectTargets(addr);
    const sink = new ByteSink(o.maxBytes, undefined, addr.display, expect);
    const readBuffer = sharedReadBuffer();
    let total = 0;
    let socket: net.Socket | undefined;
    let child: ChildProcess | undefined;

    /** `ended`: the server closed its side after a complete answer; the socket then closes itself (see the 'end' handler). */
    const finish = (err: unknown, value?: Buffer, ended = false): void => {
      if (!deadline.settle()) return;
      if (!ended) socket?.destroy();
      if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
      if (err === undefined && value !== undefined) resolve(value);
      else reject(err);
    };
    const deadline = new Deadline(
      o,
      // What the server did by then, when one socket of ours was talking to it (not while reading through uWSGI).
      () => finish(socket === undefined ? timeoutError(addr, o.timeoutMs) : timeoutError(addr, o.timeoutMs, total, socket.connecting)),
      () => finish(abortError(addr, o.signal?.aborted ? o.signal : undefined)),
    );

    const attempt = (index: number): void => {
      let s: net.Socket;
      try {
        // Reads land in one 64 KiB buffer shared by every read of this process
        // and are copied into the sink at once (the callback runs right after
        // each read, so concurrent reads never see each other's bytes): no
        // per-chunk Buffer and no per-read one, so a big document leaves no
        // garbage chunks behind (their RSS was 1× the document) and a fleet of
        // 1,000 small ones no 64 MiB a second of buffers for the GC.
        s = net.createConnection({
          ...(targets[index] as net.NetConnectOpts),
          onread: {
            buffer: readBuffer,
            callback: (n: number, buf: Uint8Array): boolean => {
              if (socket !== s || deadline.settled) return false;
              total += n;
              if (!sink.push(buf.subarray(0, n))) {
                finish(tooLargeError(addr, o.maxBytes));
                return false;
              }
              return true;
            },
          },
        } as net.NetConnectOpts);
      } catch (e) {
        finish(mapSocketError(addr, e));
        return;
      }
      socket = s;
      let connected = false;
      // Events of a socket we gave up on (an earlier target) are ignored.
      const current = (): boolean => socket === s && !deadline.settled;
      // Only an abstract name has another form to try after a refusal at connect.
      if (targets.length > 1) {
        s.once('connect', () => {
          connected = true;
        });
      }
      s.on('end', () => {
        // The answer is complete. No destroy(): Node ends our side and closes the socket right after
        // (allowHalfOpen is off), the way the peer expects — a close() at this point cost 3× the CPU
        // (bench/fleet at 1,000 targets); its late events are ignored (current() is false from now on).
        if (current()) finish(undefined, sink.take(), true);
      });
      s.on('error', (e: Error) => {
        if (!current()) return;
        const refused = (e as NodeJS.ErrnoException).code === 'ECONNREFUSED';
        if (!connected && refused && index + 1 < targets.length) {
          s.destroy();
          attempt(index + 1);
          return;
        }
        const mapped = addr.kind === 'unix' && refused ? notASocket(addr, mapSocketError(addr, e)) : mapSocketError(addr, e);
        if (addr.kind === 'abstract' && refused) {
          socket = undefined; // its 'close' must not settle the read while we look closer
          s.destroy();
          void diagnoseAbstract(addr, mapped).then((d) => {
            if (deadline.settled) return;
            if ('error' in d) finish(d.error);
            else child = readThroughUwsgi(d.viaUwsgi, addr, o.maxBytes, finish);
          });
        } else {
          finish(mapped);
        }
      });
      s.on('close', () => {
        // Normally 'end' or 'error' has settled the read already.
        if (current()) finish(new StatsError('NETWORK', `connection to ${addr.display} closed unexpectedly`));
      });
    };
    attempt(0);
  });
}

/** Transport only: the bytes of one answer. Rejects TRUNCATED when nothing at all arrived. */
async function readBody(addr: Address, opts: ReadOptions | undefined, expect?: Buffer): Promise<Buffer> {
  const o = resolveOptions(opts);
  if (o.signal?.aborted) throw abortError(addr, o.signal);
  if (o.cancel?.cancelled) throw abortError(addr, undefined);
  // node:http and node:https load only for an HTTP address (the one-shot dump of a socket stays light).
  const raw = addr.kind === 'http' ? await (await import('./http.js')).readHttp(addr, o) : await readSocket(addr, o, expect);
  if (raw.length === 0) throw truncatedError(addr, raw, 'empty');
  return raw;
}

function truncatedError(addr: Address, raw: Buffer, how: 'empty' | 'prefix'): StatsError {
  if (how === 'empty') {
    const hint = addr.kind === 'tcp' ? ` (a --stats-http server needs http://${addr.display}/)` : '';
    const what = raw.length === 0 ? 'closed the connection without sending anything' : 'sent only whitespace';
    return new StatsError('TRUNCATED', `empty answer: ${addr.display} ${what}${hint}`);
  }
  return new StatsError('TRUNCATED', `answer from ${addr.display} ends in the middle of a JSON document (after ${raw.length} bytes)`);
}

/**
 * Read one answer from `addr` and return its bytes exactly as sent (for HTTP,
 * the body after de-chunking) — what `uwsgi --connect-and-read` prints.
 *
 * The bytes are not required to be JSON (a dump shows whatever the peer
 * sent), but an answer that is empty or stops in the middle of a JSON
 * document is rejected as TRUNCATED.
 *
 * @throws StatsError BAD_ADDRESS NO_SOCKET PERMISSION REFUSED TIMEOUT TRUNCATED
 *   TOO_LARGE HTTP_STATUS HTTP_PROTOCOL NETWORK (see the module comment for aborts).
 */
export async function readRaw(addr: Address, opts?: ReadOptions): Promise<Buffer> {
  const raw = await readBody(addr, opts);
  const shape = classifyJson(raw);
  if (shape === 'empty' || shape === 'prefix') throw truncatedError(addr, raw, shape);
  return raw;
}

let parseModule: typeof import('./parse.js') | undefined;

/**
 * Read and parse one stats document.
 *
 * @param previous an earlier result of this address: when the answer is byte for byte its `raw`, the
 *   result is `previous`'s bytes and document (the same objects: treat them as read-only) with the new
 *   time, without parsing again — the same document a parse would give, at the cost of one comparison;
 *   else the workers whose text is byte for byte their text in `previous` are `previous`'s (the same objects).
 * @returns the raw bytes, the validated document and the completion time.
 * @throws StatsError as {@link readRaw}, plus NOT_JSON and BAD_SHAPE (whose
 *   `.path` is the JSON path of the offending value). An answer that fails to
 *   parse but is an unfinished JSON document is TRUNCATED, not NOT_JSON.
 */
export async function fetchStats(addr: Address, opts?: ReadOptions, previous?: FetchResult): Promise<FetchResult> {
  const raw = await readBody(addr, opts, previous?.raw);
  // The same bytes as `previous` (an idle server answers the same document again): its document and
  // bytes as they are, read at the new time — no decode, parse or validation, no new objects to collect.
  if (previous !== undefined && raw.equals(previous.raw)) return { raw: previous.raw, doc: previous.doc, at: Date.now() };
  // Loaded on first use: the one-shot dump (readRaw) never parses. Kept after that (a dynamic
  // import of a loaded module still costs a trip through the module loader, per read).
  const parse = (parseModule ??= await import('./parse.js'));
  let doc: StatsDocument;
  try {
    // A uWSGI document worker by worker, the workers whose text did not change since `previous` taken from it
    // (parseStatsSince: the same document); anything else, or any fault, the whole way.
    doc = parse.parseStatsSince(raw, previous?.doc) ?? parse.parseStats(raw);
  } catch (e) {
    if (!(e instanceof StatsError)) throw e;
    if (e.code === 'NOT_JSON') {
      const shape = classifyJson(raw);
      if (shape === 'empty' || shape === 'prefix') throw truncatedError(addr, raw, shape);
      const hint =
        addr.kind === 'tcp' && raw.subarray(0, 5).toString('latin1') === 'HTTP/' ? ` (an HTTP server: use http://${addr.display}/)` : '';
      throw new StatsError('NOT_JSON', `bad answer from ${addr.display}: ${e.message}${hint}`, { cause: e });
    }
    if (e.code === 'BAD_SHAPE') {
      throw new StatsError('BAD_SHAPE', `answer from ${addr.display} is not a stats document: ${e.message}`, { path: e.path, cause: e });
    }
    throw e;
  }
  return { raw, doc, at: Date.now() };
}
