/**
 * `--record FILE`: append every snapshot (or failed read) as one JSON line.
 *
 * - Lines are written whole, in order, through one append stream; the file
 *   is rotated only between lines: when the next line would take the file
 *   past `maxBytes`, FILE becomes FILE.1 (FILE.1 → FILE.2 …, the oldest of
 *   `keep` generations is deleted) and a new FILE starts with a header line.
 *   A line larger than `maxBytes` gets a file of its own.
 * - Appending to an existing recording starts a new session (a header line);
 *   a torn last line left by a crash is closed with a newline first, so it
 *   stays one bad line that readers skip. A non-empty file that is not a
 *   recording is refused.
 * - Never throws after open and never crashes the process: the first write
 *   or rotation error stops the recording and is reported once through
 *   `onError` (a one-line message); later lines are counted as dropped.
 * - Memory is bounded: at most `maxPendingBytes` of lines wait for the disk;
 *   beyond that lines are dropped (and counted), never queued without limit.
 * - No fsync: a crash can lose what the OS had not written yet, and can
 *   leave a torn last line; every complete line still replays.
 * - Files are private: created with mode 0600 (rotated generations are the
 *   same files renamed; a new FILE after rotation is created 0600 with
 *   O_EXCL), and an existing recording of ours that is readable by others
 *   is tightened to 0600 when we append to it. Recordings hold what the
 *   server said about its requests.
 * - No-follow: FILE is opened with O_NOFOLLOW (and the new FILE after a
 *   rotation with O_CREAT|O_EXCL|O_NOFOLLOW), so a symbolic link planted at
 *   the path (in a shared /tmp, say) is refused with one line instead of
 *   creating or appending to the file it points at.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { constants, type WriteStream } from 'node:fs';
import { errorLine, errorMessage, headerLine, looksLikeHeader, parseHeader, PREFIX_BYTES, sampleLine } from './lines.js';

/** Default size at which a recording file is rotated: 64 MiB. */
export const DEFAULT_RECORD_MAX_BYTES = 64 * 1024 * 1024;
/** Default number of rotated generations kept (FILE.1 … FILE.3). */
export const DEFAULT_RECORD_KEEP = 3;
/** Default cap on lines waiting to be written. */
export const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;

/** A recording problem, with a one-line message meant for the user. */
export class RecordError extends Error {
  override readonly name = 'RecordError';
  constructor(
    message: string,
    /** The errno code (ENOENT, ENOSPC, …) when there is one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface RecorderOptions {
  /** Rotate before a line would take the file past this many bytes (default 64 MiB; minimum 1024). */
  maxBytes?: number;
  /** Rotated generations to keep: FILE.1 … FILE.keep (default 3; 0 = just truncate by starting anew). */
  keep?: number;
  /** Lines waiting for the disk beyond this many bytes are dropped (default 16 MiB). */
  maxPendingBytes?: number;
  /** Called once, with the error that stopped the recording. */
  onError?: (err: RecordError) => void;
  /** Clock for header lines, ms since epoch (default Date.now). */
  now?: () => number;
}

/** Counters of a recorder. */
export interface RecorderStats {
  /** Lines (records) accepted for writing, headers excluded. */
  records: number;
  /** Bytes of the current file (written or queued). */
  bytes: number;
  /** Rotations done. */
  rotations: number;
  /** Records dropped (queue full, or after a failure, or after close). */
  dropped: number;
  /** Why the recording stopped, if it did. */
  failed: string | undefined;
}

function errnoCode(e: unknown): string | undefined {
  const c = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

function describe(e: unknown): string {
  const code = errnoCode(e);
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a path component is not a directory',
    EISDIR: 'it is a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'read-only file system',
    EFBIG: 'file too large',
    EIO: 'input/output error',
  };
  if (code && reasons[code]) return `${reasons[code]} (${code})`;
  return errorMessage(e);
}

/** Read up to PREFIX_BYTES of the file's first line, and its last byte. */
async function inspect(fh: FileHandle, size: number): Promise<{ first: string; lastByte: number }> {
  const n = Math.min(size, PREFIX_BYTES);
  const buf = Buffer.alloc(n);
  await fh.read(buf, 0, n, 0);
  const nl = buf.indexOf(0x0a);
  const first = buf.subarray(0, nl < 0 ? n : nl).toString('utf8');
  const last = Buffer.alloc(1);
  await fh.read(last, 0, 1, size - 1);
  return { first, lastByte: last[0]! };
}

/** The mode of every file a recording creates. */
export const RECORD_FILE_MODE = 0o600;

/** open(2) flags: append, create 0600, never through a symlink. Read access for checking an existing recording. */
const OPEN_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
/** The new FILE after a rotation: must not exist (nor be a link) — O_EXCL. */
const ROTATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function openError(file: string, e: unknown): RecordError {
  const code = errnoCode(e);
  if (code === 'ELOOP') return new RecordError(`cannot record to ${file}: it is a symbolic link; refusing to follow it (remove it or choose another path)`, code);
  return new RecordError(`cannot record to ${file}: ${describe(e)}`, code);
}

export class Recorder {
  readonly file: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #maxPending: number;
  readonly #onError: ((err: RecordError) => void) | undefined;
  readonly #now: () => number;
  /** Rotation applies to regular files only (never to /dev/… or a FIFO). */
  readonly #regular: boolean;
  #stream: WriteStream | undefined;
  #size: number;
  /** Bytes of the header at the start of a fresh file: a file holding no record is never rotated (so a line larger than maxBytes cannot rotate forever). */
  #headerBytes: number;
  #queue: Buffer[] = [];
  #queued = 0;
  #pumping = false;
  #closed = false;
  #failed: string | undefined;
  #records = 0;
  #rotations = 0;
  #dropped = 0;
  #idle: (() => void)[] = [];
  /** Writes handed to the stream whose callback has not run yet. */
  #inflight = 0;

  private constructor(file: string, stream: WriteStream, size: number, regular: boolean, o: RecorderOptions) {
    this.file = file;
    this.#stream = stream;
    this.#size = size;
    this.#headerBytes = size;
    this.#regular = regular;
    this.#maxBytes = Math.max(1024, Math.floor(o.maxBytes ?? DEFAULT_RECORD_MAX_BYTES));
    this.#keep = Math.max(0, Math.floor(o.keep ?? DEFAULT_RECORD_KEEP));
    this.#maxPending = Math.max(1, Math.floor(o.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES));
    this.#onError = o.onError;
    this.#now = o.now ?? Date.now;
    this.#watch(stream);
  }

  /**
   * Open FILE for recording (created if missing, appended to if it is a
   * recording). A new session header is written at once.
   * @throws RecordError with a one-line message: the file cannot be opened,
   *   or exists and is not a tsgitop recording (or is a newer version).
   */
  static async open(file: string, opts: RecorderOptions = {}): Promise<Recorder> {
    let fh: FileHandle;
    try {
      fh = await open(file, OPEN_FLAGS, RECORD_FILE_MODE);
    } catch (e) {
      if (errnoCode(e) === 'EACCES' || errnoCode(e) === 'EPERM') {
        // A write-only FIFO or device: no read access needed (nothing to inspect there).
        try {
          fh = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, RECORD_FILE_MODE);
        } catch (e2) {
          throw openError(file, e2);
        }
      } else throw openError(file, e);
    }
    let size = 0;
    let regular = false;
    let prefix = '';
    try {
      const st = await fh.stat();
      regular = st.isFile();
      size = regular ? st.size : 0;
      if (size > 0) {
        const { first, lastByte } = await inspect(fh, size);
        const header = looksLikeHeader(first) ? parseHeader(first) : 'it does not start with a tsgitop recording header';
        if (typeof header === 'string') {
          throw new RecordError(`cannot record to ${file}: the file exists and is not a tsgitop recording (${header}); refusing to append to it`);
        }
        if (lastByte !== 0x0a) prefix = '\n'; // close a torn last line
        // Ours, and readable by others (an older tsgitop wrote 0644): make it private.
        if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) await fh.chmod(RECORD_FILE_MODE);
      }
    } catch (e) {
      await fh.close().catch(() => {});
      if (e instanceof RecordError) throw e;
      throw new RecordError(`cannot record to ${file}: ${describe(e)}`, errnoCode(e));
    }
    const stream = fh.createWriteStream({ autoClose: true });
    const head = prefix + headerLine((opts.now ?? Date.now)());
    const r = new Recorder(file, stream, size, regular, opts);
    r.#writeRaw(Buffer.from(head, 'utf8'));
    // An existing recording already has records: it may be rotated before the first new line.
    r.#headerBytes = size > 0 ? 0 : r.#size;
    return r;
  }

  /** Counters (see RecorderStats). */
  get stats(): RecorderStats {
    return { records: this.#records, bytes: this.#size + this.#queued, rotations: this.#rotations, dropped: this.#dropped, failed: this.#failed };
  }

  /** Why the recording stopped (undefined while it works). */
  get failed(): string | undefined {
    return this.#failed;
  }

  /**
   * Record one successful read: `raw` is the document as the server sent it
   * (fetchStats' `raw`); it is stored without its insignificant whitespace.
   * Never throws.
   */
  record(addr: string, at: number, raw: Uint8Array | string): void {
    let line: Buffer;
    try {
      line = sampleLine(addr, at, raw);
    } catch {
      this.#dropped++;
      return;
    }
    this.#enqueue(line);
  }

  /** Record one failed read (its message on one line and its StatsError code). Never throws. */
  recordError(addr: string, at: number, err: unknown): void {
    let line: Buffer;
    try {
      line = errorLine(addr, at, err);
    } catch {
      this.#dropped++;
      return;
    }
    this.#enqueue(line);
  }

  /** Resolves when every line accepted so far has been handed to the OS (or dropped after a failure). */
  flush(): Promise<void> {
    if (this.#settled()) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Write what is queued, then close the file. Idempotent; never rejects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    const s = this.#stream;
    this.#stream = undefined;
    if (s) await this.#end(s);
  }

  #enqueue(line: Buffer): void {
    if (this.#closed || this.#failed !== undefined) {
      this.#dropped++;
      return;
    }
    if (this.#queued + line.length > this.#maxPending && this.#queue.length > 0) {
      this.#dropped++;
      return;
    }
    this.#records++;
    this.#queue.push(line);
    this.#queued += line.length;
    if (!this.#pumping) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && this.#failed === undefined) {
        const line = this.#queue.shift()!;
        this.#queued -= line.length;
        if (this.#regular && this.#size > this.#headerBytes && this.#size + line.length > this.#maxBytes) {
          await this.#rotate();
          if (this.#failed !== undefined) {
            this.#records--;
            this.#dropped++;
            break;
          }
        }
        const ok = this.#writeRaw(line);
        if (!ok) await this.#drain();
      }
    } catch (e) {
      this.#fail(e, 'write');
    } finally {
      if (this.#failed !== undefined) {
        this.#dropped += this.#queue.length;
        this.#records -= this.#queue.length;
        this.#queue = [];
        this.#queued = 0;
      }
      this.#pumping = false;
      this.#wake();
    }
  }

  #settled(): boolean {
    return !this.#pumping && this.#queue.length === 0 && this.#inflight === 0;
  }

  #wake(): void {
    if (!this.#settled()) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const f of idle) f();
  }

  /** Hand bytes to the stream; false when it asks us to wait for 'drain'. */
  #writeRaw(b: Buffer): boolean {
    const s = this.#stream;
    if (!s || this.#failed !== undefined) return true;
    this.#size += b.length;
    this.#inflight++;
    return s.write(b, (err) => {
      // Called once the OS has the bytes, or with the error (before the stream's 'error' event).
      if (err) this.#fail(err, 'write');
      this.#inflight = Math.max(0, this.#inflight - 1);
      this.#wake();
    });
  }

  #drain(): Promise<void> {
    const s = this.#stream;
    if (!s || s.destroyed || !s.writableNeedDrain) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  #end(s: WriteStream): Promise<void> {
    return new Promise<void>((resolve) => {
      if (s.closed || s.destroyed) {
        resolve();
        return;
      }
      s.once('close', () => resolve());
      s.end();
    });
  }

  #watch(s: WriteStream): void {
    s.on('error', (e) => this.#fail(e, 'write'));
    s.on('close', () => {
      if (s === this.#stream || this.#stream === undefined) {
        this.#inflight = 0;
        this.#wake();
      }
    });
  }

  async #rotate(): Promise<void> {
    const s = this.#stream;
    this.#stream = undefined;
    if (s) await this.#end(s);
    if (this.#failed !== undefined) return;
    try {
      if (this.#keep === 0) {
        await rm(this.file, { force: true });
      } else {
        await rm(`${this.file}.${this.#keep}`, { force: true });
        for (let g = this.#keep - 1; g >= 1; g--) {
          try {
            await rename(`${this.file}.${g}`, `${this.file}.${g + 1}`);
          } catch (e) {
            if (errnoCode(e) !== 'ENOENT') throw e;
          }
        }
        await rename(this.file, `${this.file}.1`);
      }
      const fh = await open(this.file, ROTATE_FLAGS, RECORD_FILE_MODE);
      const ns = fh.createWriteStream({ autoClose: true });
      this.#watch(ns);
      this.#stream = ns;
      this.#size = 0;
      this.#rotations++;
      this.#writeRaw(Buffer.from(headerLine(this.#now()), 'utf8'));
      this.#headerBytes = this.#size;
    } catch (e) {
      this.#fail(e, 'rotate');
    }
  }

  #fail(e: unknown, during: 'write' | 'rotate'): void {
    if (this.#failed !== undefined) return;
    const what = during === 'rotate' ? 'rotating' : 'writing';
    this.#failed = `recording to ${this.file} stopped: ${what} failed: ${describe(e)}`;
    const s = this.#stream;
    this.#stream = undefined;
    s?.destroy();
    const err = new RecordError(this.#failed, errnoCode(e));
    try {
      this.#onError?.(err);
    } catch {
      /* a throwing reporter must not crash the recorder */
    }
  }
}

/** Size of a file, or 0 when it does not exist (for callers and tests). */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
