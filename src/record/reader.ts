/**
 * Reading a recording with bounded memory: one forward pass over the file
 * through a fixed read buffer builds an index of the records (byte offset,
 * length, time, address, kind: 25 bytes per record in typed arrays); a
 * record's line is read from disk only when it is replayed. A 1 GiB file is
 * never held in memory: the largest buffer is the read buffer or one line.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { StatsError, type StatsErrorCode } from '../protocol/errors.js';
import { parseStats } from '../protocol/parse.js';
import type { StatsDocument } from '../protocol/types.js';
import { looksLikeHeader, parseHeader, parseRecordPrefix, PREFIX_BYTES, type RecordingHeader } from './lines.js';
import { RecordError } from './recorder.js';

/** Default read buffer of the indexing pass. */
export const DEFAULT_READ_BUFFER = 64 * 1024;
/** The reused line buffer grows up to this; longer lines get a buffer of their own. */
const MAX_SCRATCH = 16 * 1024 * 1024;
/** Records longer than this are not loaded (the cap of a stats document plus room). */
export const MAX_RECORD_BYTES = 1024 * 1024 * 1024;

const STATS_CODES: ReadonlySet<string> = new Set<StatsErrorCode>([
  'BAD_ADDRESS',
  'NO_SOCKET',
  'PERMISSION',
  'REFUSED',
  'TIMEOUT',
  'TRUNCATED',
  'NOT_JSON',
  'BAD_SHAPE',
  'TOO_LARGE',
  'HTTP_STATUS',
  'HTTP_PROTOCOL',
  'NETWORK',
]);

/** What the indexing pass found, besides the records. */
export interface RecordingInfo {
  file: string;
  /** The first header line. */
  header: RecordingHeader;
  /** Bytes indexed. */
  bytes: number;
  /** Record lines indexed (all addresses). */
  records: number;
  /** Addresses in order of first appearance. */
  addresses: string[];
  /** Header lines after the first one (sessions appended later). */
  sessions: number;
  /** The file ends in a line without its newline (a crash mid-write): that line was skipped. */
  torn: boolean;
  /** Bytes of that torn line. */
  tornBytes: number;
  /** Complete lines that are neither a header nor a record (skipped). */
  badLines: number;
  /** 1-based numbers of the first few bad lines. */
  badLineNumbers: number[];
}

/** One loaded record. */
export type RecordEntry =
  | { kind: 'doc'; t: number; addr: string; doc: StatsDocument }
  | { kind: 'err'; t: number; addr: string; error: StatsError };

class Grow {
  offset: Float64Array = new Float64Array(1024);
  t: Float64Array = new Float64Array(1024);
  len: Uint32Array = new Uint32Array(1024);
  addr: Uint32Array = new Uint32Array(1024);
  kind: Uint8Array = new Uint8Array(1024);
  n = 0;
  push(offset: number, len: number, t: number, addr: number, kind: number): void {
    if (this.n === this.t.length) {
      const cap = this.n * 2;
      const f = (a: Float64Array): Float64Array => {
        const b = new Float64Array(cap);
        b.set(a);
        return b;
      };
      const u = (a: Uint32Array): Uint32Array => {
        const b = new Uint32Array(cap);
        b.set(a);
        return b;
      };
      this.offset = f(this.offset);
      this.t = f(this.t);
      this.len = u(this.len);
      this.addr = u(this.addr);
      const k = new Uint8Array(cap);
      k.set(this.kind);
      this.kind = k;
    }
    const i = this.n++;
    this.offset[i] = offset;
    this.len[i] = len;
    this.t[i] = t;
    this.addr[i] = addr;
    this.kind[i] = kind;
  }
}

export interface IndexOptions {
  /** Read buffer of the indexing pass (default 64 KiB, minimum 4 KiB). */
  readBufferBytes?: number;
}

/**
 * The index of a recording file, and random access to its records. Keeps
 * the file open until close().
 */
/** Why a file could not be opened or read, in words (the recorder's messages say the same). */
function fileWhy(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory (EISDIR)' : (e as Error).message;
}

export class RecordingIndex {
  readonly info: RecordingInfo;
  readonly #fh: FileHandle;
  readonly #g: Grow;
  readonly #addrNames: string[];
  #scratch: Buffer = Buffer.alloc(0);
  #scratchBusy = false;

  private constructor(fh: FileHandle, g: Grow, addrs: string[], info: RecordingInfo) {
    this.#fh = fh;
    this.#g = g;
    this.#addrNames = addrs;
    this.info = info;
  }

  /**
   * Index `file` in one forward pass.
   * @throws RecordError (one-line message): unreadable, empty, not a
   *   recording, or a newer format version.
   */
  static async open(file: string, opts: IndexOptions = {}): Promise<RecordingIndex> {
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new RecordError(`cannot replay ${file}: ${fileWhy(e)}`, code);
    }
    try {
      const r = await scan(file, fh, Math.max(4096, Math.floor(opts.readBufferBytes ?? DEFAULT_READ_BUFFER)));
      return new RecordingIndex(fh, r.g, r.addrs, r.info);
    } catch (e) {
      await fh.close().catch(() => {});
      if (e instanceof RecordError) throw e;
      // (a directory opens on Linux; its first read fails with EISDIR)
      throw new RecordError(`cannot replay ${file}: ${fileWhy(e)}`, (e as NodeJS.ErrnoException).code);
    }
  }

  /** Number of records (all addresses). */
  get length(): number {
    return this.#g.n;
  }

  /** Recorded time (ms) of record `i`. */
  time(i: number): number {
    return this.#g.t[i] ?? NaN;
  }

  /** Address label of record `i`. */
  address(i: number): string {
    return this.#addrNames[this.#g.addr[i] ?? 0] ?? '';
  }

  /** 'doc' or 'err' for record `i`. */
  kind(i: number): 'doc' | 'err' {
    return this.#g.kind[i] === 1 ? 'err' : 'doc';
  }

  /** Byte offset of record `i` in the file. */
  offset(i: number): number {
    return this.#g.offset[i] ?? NaN;
  }

  /** Indices of the records of one address, in file order. */
  recordsOf(addr: string): Uint32Array {
    const id = this.#addrNames.indexOf(addr);
    if (id < 0) return new Uint32Array(0);
    let n = 0;
    for (let i = 0; i < this.#g.n; i++) if (this.#g.addr[i] === id) n++;
    const out = new Uint32Array(n);
    let j = 0;
    for (let i = 0; i < this.#g.n; i++) if (this.#g.addr[i] === id) out[j++] = i;
    return out;
  }

  /**
   * Read and parse record `i`. A sample yields its validated document; a
   * failed read yields the StatsError it recorded. A record that does not
   * parse yields a StatsError too (NOT_JSON / BAD_SHAPE, naming its offset),
   * so a damaged record shows up like a bad answer, not as a crash.
   */
  async load(i: number): Promise<RecordEntry> {
    const g = this.#g;
    if (!(i >= 0 && i < g.n)) throw new RangeError(`record index ${i} out of range (0..${g.n - 1})`);
    const offset = g.offset[i]!;
    const len = g.len[i]!;
    const t = g.t[i]!;
    const addr = this.address(i);
    const where = `record ${i + 1} (byte ${offset}) of ${this.info.file}`;
    if (len > MAX_RECORD_BYTES) return { kind: 'err', t, addr, error: new StatsError('TOO_LARGE', `${where} is larger than ${MAX_RECORD_BYTES} bytes`) };
    // One reused line buffer (parsing copies out of it), so playing a file
    // does not leave a buffer per record for the GC to find.
    const useScratch = !this.#scratchBusy && len <= MAX_SCRATCH;
    let buf: Buffer;
    if (useScratch) {
      if (this.#scratch.length < len) this.#scratch = Buffer.allocUnsafe(Math.min(MAX_SCRATCH, Math.max(len, this.#scratch.length * 2)));
      buf = this.#scratch;
      this.#scratchBusy = true;
    } else buf = Buffer.allocUnsafe(len);
    try {
      let got = 0;
      while (got < len) {
        const { bytesRead } = await this.#fh.read(buf, got, len - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < len) return { kind: 'err', t, addr, error: new StatsError('TRUNCATED', `${where} was cut short (the file shrank)`) };
      const line = buf.subarray(0, len);
      if (g.kind[i] === 0) return loadDoc(line, t, addr, where);
      return loadErr(line, t, addr, where);
    } finally {
      if (useScratch) this.#scratchBusy = false;
    }
  }

  /** Close the file. Idempotent. */
  async close(): Promise<void> {
    await this.#fh.close().catch(() => {});
  }
}

function loadDoc(line: Buffer, t: number, addr: string, where: string): RecordEntry {
  // Fast path: the writer's fixed layout `{"t":…,"addr":…,"doc":DOC}` — DOC is
  // validated by parseStats straight from the bytes (the prefix was checked
  // when indexing, the closing brace here), so the line is parsed once.
  const prefix = parseRecordPrefix(line.subarray(0, Math.min(line.length, PREFIX_BYTES)).toString('utf8'));
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x20 || line[end - 1] === 0x0d || line[end - 1] === 0x09)) end--;
  try {
    if (prefix && prefix.kind === 'doc' && line[end - 1] === 0x7d) {
      return { kind: 'doc', t, addr, doc: parseStats(line.subarray(prefix.docStart, end - 1)) };
    }
    throw new StatsError('NOT_JSON', 'not a sample record');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const code = e instanceof StatsError ? e.code : 'NOT_JSON';
    return { kind: 'err', t, addr, error: new StatsError(code, `damaged ${where}: ${msg}`, { cause: e }) };
  }
}

function loadErr(line: Buffer, t: number, addr: string, where: string): RecordEntry {
  let v: unknown;
  try {
    v = JSON.parse(line.toString('utf8'));
  } catch {
    return { kind: 'err', t, addr, error: new StatsError('NOT_JSON', `damaged ${where}: not JSON`) };
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as { err?: unknown; code?: unknown };
  const message = typeof o.err === 'string' && o.err !== '' ? o.err : 'the read failed';
  const code = typeof o.code === 'string' && STATS_CODES.has(o.code) ? (o.code as StatsErrorCode) : 'NETWORK';
  return { kind: 'err', t, addr, error: new StatsError(code, message) };
}

/**
 * The bracket structure of one line, fed in pieces: a line is `complete`
 * when it is one balanced JSON object or array (strings and escapes
 * respected) with nothing but blanks around it. Truncation anywhere — the
 * torn line a crash leaves — makes it incomplete. (The full JSON check is
 * done by parseStats when a record is loaded.)
 */
class LineShape {
  depth = 0;
  inStr = false;
  esc = false;
  closed = false;
  junk = false;
  blank = true;
  reset(): void {
    this.depth = 0;
    this.inStr = false;
    this.esc = false;
    this.closed = false;
    this.junk = false;
    this.blank = true;
  }
  get complete(): boolean {
    return this.closed && !this.junk && !this.inStr && this.depth === 0;
  }
  feed(b: Buffer, from: number, to: number): void {
    let depth = this.depth;
    let inStr = this.inStr;
    let esc = this.esc;
    let closed = this.closed;
    let junk = this.junk;
    let blank = this.blank;
    for (let k = from; k < to; k++) {
      const c = b[k]!;
      if (inStr) {
        if (esc) esc = false;
        else if (c === 0x5c) esc = true;
        else if (c === 0x22) inStr = false;
        continue;
      }
      if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
      blank = false;
      if (closed) {
        junk = true;
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) junk = true;
        else if (--depth === 0) closed = true;
      } else if (c === 0x22) inStr = true;
      else if (depth === 0) junk = true;
    }
    this.depth = depth;
    this.inStr = inStr;
    this.esc = esc;
    this.closed = closed;
    this.junk = junk;
    this.blank = blank;
  }
}

/** The indexing pass. */
async function scan(file: string, fh: FileHandle, bufSize: number): Promise<{ g: Grow; addrs: string[]; info: RecordingInfo }> {
  const buf = Buffer.allocUnsafe(bufSize);
  const g = new Grow();
  const addrs: string[] = [];
  const addrIds = new Map<string, number>();
  let header: RecordingHeader | undefined;
  let sessions = 0;
  let badLines = 0;
  const badLineNumbers: number[] = [];
  let lineNo = 0;

  // The current line: where it starts, its first PREFIX_BYTES bytes, its structure so far.
  let lineStart = 0;
  let prefix = Buffer.allocUnsafe(PREFIX_BYTES);
  let prefixLen = 0;
  const st = new LineShape();
  let filePos = 0;

  const bad = (): void => {
    badLines++;
    if (badLineNumbers.length < 10) badLineNumbers.push(lineNo);
  };

  const endLine = (end: number): void => {
    lineNo++;
    const len = end - lineStart;
    const text = prefix.subarray(0, prefixLen).toString('utf8');
    if (lineNo === 1) {
      if (!looksLikeHeader(text)) throw new RecordError(`cannot replay ${file}: not a tsgitop recording (no header line)`);
      if (len > PREFIX_BYTES) throw new RecordError(`cannot replay ${file}: the header line is too long`);
      const h = parseHeader(text);
      if (typeof h === 'string') throw new RecordError(`cannot replay ${file}: ${h}`);
      header = h;
      return;
    }
    if (st.blank) return; // blank line
    if (looksLikeHeader(text)) {
      if (typeof parseHeader(text) === 'string') bad();
      else sessions++;
      return;
    }
    const p = parseRecordPrefix(text);
    if (!p || !st.complete) {
      bad();
      return;
    }
    let id = addrIds.get(p.addr);
    if (id === undefined) {
      id = addrs.length;
      addrs.push(p.addr);
      addrIds.set(p.addr, id);
    }
    g.push(lineStart, Math.min(len, 0xffffffff), p.t, id, p.kind === 'err' ? 1 : 0);
  };

  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, bufSize, filePos);
    if (bytesRead === 0) break;
    let i = 0;
    while (i < bytesRead) {
      const nl = buf.indexOf(0x0a, i);
      const segEnd = nl < 0 || nl >= bytesRead ? bytesRead : nl;
      if (prefixLen < PREFIX_BYTES && segEnd > i) {
        const take = Math.min(PREFIX_BYTES - prefixLen, segEnd - i);
        buf.copy(prefix, prefixLen, i, i + take);
        prefixLen += take;
      }
      st.feed(buf, i, segEnd);
      if (segEnd === bytesRead) break;
      endLine(filePos + segEnd);
      lineStart = filePos + segEnd + 1;
      prefixLen = 0;
      st.reset();
      i = segEnd + 1;
    }
    filePos += bytesRead;
  }
  prefix = Buffer.alloc(0);

  const tornBytes = filePos - lineStart;
  if (lineNo === 0) {
    if (filePos === 0) throw new RecordError(`cannot replay ${file}: the file is empty`);
    throw new RecordError(`cannot replay ${file}: not a tsgitop recording (no complete header line)`);
  }
  if (!header) throw new RecordError(`cannot replay ${file}: not a tsgitop recording`);
  const info: RecordingInfo = {
    file,
    header,
    bytes: filePos,
    records: g.n,
    addresses: addrs,
    sessions,
    torn: tornBytes > 0,
    tornBytes,
    badLines,
    badLineNumbers,
  };
  return { g, addrs, info };
}
