/**
 * The recording file format (version 1), shared by the Recorder (writer)
 * and the Replay (reader). See src/record/README.md for the specification.
 *
 * One JSON object per line, `\n`-terminated:
 * - header: `{"tsgitop_recording":1,"created":<ms>,"writer":"tsgitop"}` — the
 *   first line of every file, and again at the start of each recording
 *   session appended to an existing file;
 * - sample: `{"t":<ms>,"addr":"<label>","doc":<document>}`;
 * - failed read: `{"t":<ms>,"addr":"<label>","err":"<one line>","code":"<StatsError code>"}`.
 *
 * Key order of records is fixed (`t`, `addr`, then `doc` or `err`) so a
 * reader can index a file from each line's first bytes without parsing the
 * document.
 */
import { isStatsError } from '../protocol/errors.js';

/** The format version this code writes and reads. */
export const RECORDING_VERSION = 1;

/** The key that marks a header line. */
export const HEADER_KEY = 'tsgitop_recording';

/** Labels longer than this are cut when written (the index reads only a line's first bytes). */
export const MAX_LABEL_CHARS = 256;

/** The longest header line a reader accepts, and how many leading bytes of a record line it inspects. */
export const PREFIX_BYTES = 4096;

/** The longest one-line error message written. */
export const MAX_ERROR_CHARS = 300;

/** What a header line holds. Unknown keys are allowed (and ignored) for forward compatibility. */
export interface RecordingHeader {
  tsgitop_recording: number;
  /** When the file (or session) was started, ms since epoch. */
  created?: number;
  /** Who wrote it (`tsgitop`). */
  writer?: string;
  [key: string]: unknown;
}

/** The header line (with its newline) of a new file or session. */
export function headerLine(created: number): string {
  return `{"${HEADER_KEY}":${RECORDING_VERSION},"created":${Math.round(created)},"writer":"tsgitop"}\n`;
}

/** Printable single line of at most `max` characters. */
export function oneLineMessage(s: string, max = MAX_ERROR_CHARS): string {
  const flat = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** The message of any thrown value, on one line. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return oneLineMessage(e.message || e.name);
  return oneLineMessage(String(e));
}

function label(addr: string): string {
  const s = typeof addr === 'string' ? addr : String(addr);
  return s.length > MAX_LABEL_CHARS ? s.slice(0, MAX_LABEL_CHARS) : s;
}

function time(at: number): string {
  // Integral ms keeps lines short and the index exact.
  return String(Number.isFinite(at) ? Math.round(at) : 0);
}

const WS = new Uint8Array(256);
WS[0x20] = 1;
WS[0x09] = 1;
WS[0x0a] = 1;
WS[0x0d] = 1;

/**
 * Drop the insignificant whitespace of a JSON text (and a leading UTF-8 BOM)
 * without re-encoding anything: strings, numbers and key order stay byte for
 * byte as the server sent them. The input must be valid JSON (it is: the
 * recorder gets the bytes fetchStats already parsed); the result is then
 * valid JSON of the same value, on one line (JSON strings cannot contain raw
 * newlines).
 */
export function compactJson(raw: Uint8Array | string): Buffer {
  const src = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let i = 0;
  if (src.length >= 3 && src[0] === 0xef && src[1] === 0xbb && src[2] === 0xbf) i = 3;
  const out = Buffer.allocUnsafe(src.length - i);
  let o = 0;
  let inString = false;
  for (; i < src.length; i++) {
    const b = src[i]!;
    if (inString) {
      out[o++] = b;
      if (b === 0x5c) {
        // backslash: copy the escaped byte as is
        if (i + 1 < src.length) out[o++] = src[++i]!;
      } else if (b === 0x22) inString = false;
    } else if (WS[b] !== 1) {
      out[o++] = b;
      if (b === 0x22) inString = true;
    }
  }
  return out.subarray(0, o);
}

/** The line (with its newline) recording one successful read. `raw` = the document bytes as received. */
export function sampleLine(addr: string, at: number, raw: Uint8Array | string): Buffer {
  const head = `{"t":${time(at)},"addr":${JSON.stringify(label(addr))},"doc":`;
  const doc = compactJson(raw);
  const line = Buffer.allocUnsafe(Buffer.byteLength(head) + doc.length + 2);
  let o = line.write(head, 0, 'utf8');
  o += doc.copy(line, o);
  line[o++] = 0x7d; // }
  line[o++] = 0x0a; // \n
  return line;
}

/** The line (with its newline) recording one failed read. */
export function errorLine(addr: string, at: number, err: unknown): Buffer {
  const code = isStatsError(err) ? err.code : typeof (err as { code?: unknown })?.code === 'string' ? String((err as { code: string }).code) : undefined;
  const codePart = code !== undefined && /^[A-Z_]{1,32}$/.test(code) ? `,"code":${JSON.stringify(code)}` : '';
  return Buffer.from(`{"t":${time(at)},"addr":${JSON.stringify(label(addr))},"err":${JSON.stringify(errorMessage(err))}${codePart}}\n`, 'utf8');
}

/** What the prefix of a record line says. */
export interface RecordPrefix {
  t: number;
  addr: string;
  kind: 'doc' | 'err';
  /** Byte length of `{"t":…,"addr":…,"doc":` (where the document starts) for kind 'doc'. */
  docStart: number;
}

const PREFIX_RE = /^\{"t":(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?),"addr":("(?:[^"\\\u0000-\u001f]|\\.)*"),"(doc|err)":/;

/**
 * Read `t`, `addr` and the kind from the first bytes of a record line
 * (given as text decoded from at most PREFIX_BYTES bytes). Undefined when
 * the line does not start like a record.
 */
export function parseRecordPrefix(text: string): RecordPrefix | undefined {
  const m = PREFIX_RE.exec(text);
  if (!m) return undefined;
  const t = Number(m[1]);
  let addr: unknown;
  try {
    addr = JSON.parse(m[2]!);
  } catch {
    return undefined;
  }
  if (!Number.isFinite(t) || typeof addr !== 'string') return undefined;
  return { t, addr, kind: m[3] as 'doc' | 'err', docStart: Buffer.byteLength(m[0]) };
}

/** True when `text` (a line's first bytes) starts like a header line. */
export function looksLikeHeader(text: string): boolean {
  return text.startsWith(`{"${HEADER_KEY}":`);
}

/**
 * Parse a whole header line. Returns the header, or a one-line reason why
 * it is not a header this code can read.
 */
export function parseHeader(text: string): RecordingHeader | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'the first line is not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'the first line is not a JSON object';
  const ver = (v as Record<string, unknown>)[HEADER_KEY];
  if (typeof ver !== 'number' || !Number.isInteger(ver) || ver < 1) return `the first line has no "${HEADER_KEY}" version`;
  if (ver > RECORDING_VERSION) return `format version ${ver} is newer than this tsgitop reads (${RECORDING_VERSION})`;
  return v as RecordingHeader;
}
