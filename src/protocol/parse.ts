/**
 * `parseStats`: bytes or text → a validated {@link StatsDocument}.
 *
 * Why hand-written guards rather than a schema library (zod, ajv, …):
 * - zero runtime dependencies for a tool that is also embedded in other
 *   people's servers (the emitter) and installed on production hosts;
 * - exact control over this project's rules, which schema libraries express
 *   only awkwardly: absent *or null* = unknown (`undefined`, never 0), wrong
 *   type = an error carrying the JSON path (`$.workers[3].requests`), 0/1 →
 *   boolean for `in_request`, every unmodelled key kept verbatim in `extra`;
 * - speed: one straight, linear pass, no per-field closures or intermediate
 *   issue lists, and no copy of the usual document: a worker, app or core
 *   whose keys are exactly uWSGI's (in uWSGI's order) is typed in place on
 *   JSON.parse's own object (see guards.ts exactKeys); any other object is
 *   copied into the same shape. An ASCII document is decoded natively.
 *   Measured (bench/tick.ts, 2048 workers × 8 cores, 5 MB): the walk adds
 *   ~1–2 ms to JSON.parse's ~9 ms, where copying every object added ~6 ms.
 *
 * Decisions worth knowing:
 * - **null is treated as absent.** Hand-rolled peers (and JSON encoders of
 *   None/nil) write `null` for "don't know"; that is exactly what `undefined`
 *   means in the model. Inside arrays, however, `null` where an object is
 *   required (`workers: [null]`) is an error: there is no "unknown worker".
 * - **Numbers must be finite** (`1e999` parses to Infinity → BAD_SHAPE), but
 *   their range is not checked: negative counters are accepted here and the
 *   model clamps them, so a buggy peer still gets displayed.
 * - **`in_request` / `emperor_tyrant`** accept booleans and numbers (0 =
 *   false, any other finite number = true, as in C).
 * - Every known field is present on the result objects, possibly with the
 *   value `undefined` (uniform object shapes keep V8 fast at 2048 workers) —
 *   except two that are only there when they have a value: `extra` on a
 *   worker, app or core, and a core's `request`. JSON.parse's objects have no
 *   spare room, so a property added to each of 16k cores per read meant a new
 *   property store per core (measured: ~2 ms of CPU per read at 2048 × 8,
 *   most of it the young-generation GC copying those stores).
 * - Unknown keys go to `extra` with their names exactly as sent (including
 *   `__proto__`, stored as an own property, never as a prototype).
 * - **Nesting deeper than {@link MAX_DEPTH} levels is rejected as NOT_JSON.**
 *   V8's JSON.parse accepts 100k-deep nesting, but `JSON.stringify`,
 *   `util.inspect` and any recursive consumer would then die with a
 *   RangeError. Anything else JSON.parse throws (RangeError on other engines,
 *   out of memory for strings) also becomes NOT_JSON.
 * - Discrimination: an object with a `vassals` array is an Emperor document;
 *   else one with `workers` is a server document (`workers` must then be an
 *   array); else one with `emperor` or `vassals` is an Emperor document (an
 *   absent `vassals` becomes `[]`); anything else is BAD_SHAPE.
 *
 * The parser's parts: this module decodes the bytes, runs JSON.parse and
 * picks the document kind; documents.ts walks the document (one parser per
 * element); guards.ts holds the generic readers of JSON values (field types,
 * depth, `extra`, lazily built failure paths); privacy.ts reduces in-flight
 * request vars; serialize.ts turns a parsed document back into JSON text.
 */
import { isAscii } from 'node:buffer';
import { StatsError } from './errors.js';
import { isObj, ShapeFail, shapeError, toStatsError, type Obj } from './guards.js';
import { parseEmperor, parseServer } from './documents.js';
import type { StatsDocument, WorkerStats } from './types.js';

// The modules of the parser, re-exported so `./parse.js` stays the one import for callers.
export { MAX_DEPTH } from './guards.js';
export { reduceRequestVars, MAX_REQUEST_METHOD, MAX_REQUEST_PATH } from './privacy.js';
export { serializeStats } from './serialize.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Offset of the first byte that does not start a valid UTF-8 sequence (WHATWG rules), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined) return i;
      if (k === 1 ? x < lo || x > hi : x < 0x80 || x > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** One printable line of at most `max` characters. */
function oneLine(s: string, max = 160): string {
  const flat = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\t') return '\\t';
    if (ch === '\r') return '\\r';
    return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
  });
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

function decode(input: string | Uint8Array): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  // The usual document is pure ASCII (uWSGI escapes nothing it does not have to, but paths and names are
  // ASCII in practice): checked natively, then copied byte for byte as latin1 (for ASCII bytes the same
  // string; 'ascii' would check every byte again) — 5 MB: ~0.8 ms against ~2.9 ms for the strict UTF-8
  // decoder, and ~1.0 ms for isAscii + 'ascii'. No BOM can be in it (a BOM is not ASCII).
  if (isAscii(input)) return (Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)).toString('latin1');
  try {
    return decoder.decode(input);
  } catch (e) {
    const at = firstInvalidUtf8(input);
    throw new StatsError('NOT_JSON', at >= 0 ? `invalid UTF-8 at byte ${at}` : 'invalid UTF-8', { cause: e });
  }
}

/** Run one of the document walks, turning a shape failure into the public StatsError. */
function walk<A, T>(f: (o: Obj, a: A) => T, o: Obj, a: A): T {
  try {
    return f(o, a);
  } catch (e) {
    if (e instanceof ShapeFail) throw toStatsError(e);
    throw e;
  }
}

/**
 * Parse and validate one stats document (a uWSGI master's, the tsgitop
 * emitter's, or an Emperor's). Bytes are decoded as strict UTF-8 (a BOM is
 * ignored). See the module comment for the rules.
 *
 * @throws StatsError NOT_JSON — invalid UTF-8 (`invalid UTF-8 at byte N`, N
 *   counted from 0), invalid JSON (`invalid JSON: <reason>`), or nesting
 *   deeper than MAX_DEPTH;
 *   BAD_SHAPE — valid JSON that is not a stats document; the message starts
 *   with the JSON path, which is also in `.path`
 *   (`$.workers[3].requests: expected a number, got string`).
 */
export function parseStats(input: string | Uint8Array): StatsDocument {
  const text = decode(input);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof RangeError ? `too deeply nested or too large (${e.message})` : e instanceof Error ? e.message : String(e);
    throw new StatsError('NOT_JSON', `invalid JSON: ${oneLine(reason)}`, { cause: e });
  }
  if (!isObj(root)) throw toStatsError(shapeError('', 'an object', root));

  const vassals = root['vassals'];
  const workers = root['workers'];
  if (Array.isArray(vassals)) return walk(parseEmperor, root, undefined);
  if (workers !== undefined && workers !== null) {
    if (!Array.isArray(workers)) throw toStatsError(shapeError('.workers', 'an array', workers));
    return walk(parseServer, root, workers);
  }
  const emperor = root['emperor'];
  if ((emperor !== undefined && emperor !== null) || (vassals !== undefined && vassals !== null)) return walk(parseEmperor, root, undefined);
  throw new StatsError('BAD_SHAPE', '$.workers: missing (not a uWSGI stats document: no "workers" or "vassals")', {
    path: '$.workers',
  });
}

/** Documents of up to this many bytes are parsed worker by worker by {@link parseStatsSince}; a bigger one whole. */
export const BY_WORKER_MAX_BYTES = 256 * 1024;

// uWSGI writes its stats with tabs and newlines (core/stats.c): the workers array is the root's last member,
// `\n\t"workers":[` … `\n\t]`, its elements `\n\t\t{` … `\n\t\t}` separated by commas (JSON.stringify's
// tab indentation, as peers write it, differs only by a space: `"workers": [`).
// The key is searched once for both forms (a miss of the one form was a scan of the whole document: ~28 µs at 66 KiB).
const WORKERS_KEY = Buffer.from('\n\t"workers":', 'latin1');
const WORKERS_CLOSE = Buffer.from('\n\t]', 'latin1');
// Between two workers: the first one's closing brace, the comma, the second one's opening line. Searched from its '}',
// a byte a few times a worker, not from the ',' (every line): Node's search stops at each first byte (~3.5× faster).
const NEXT_WORKER = Buffer.from('},\n\t\t{', 'latin1');

/** What a document parsed by {@link parseStatsSince} keeps for the next one: each worker's text and its parsed worker. */
interface WorkerTexts {
  /** Worker k's text, exactly (whitespace around it included, its comma not): a view of `slots[k]`. */
  texts: Buffer[];
  /**
   * Where each worker's text is kept, handed from document to document (see remember): a copy, not a view of the
   * read's bytes — held for a second, those outlived young-generation collections and stayed until a full one
   * (measured: +2 to +6 MB of resident memory).
   */
  slots: Buffer[];
  /** Worker k parsed from that text; undefined when the document was parsed whole (the cut then not proven). */
  workers: WorkerStats[] | undefined;
}
const textsOf = new WeakMap<StatsDocument, WorkerTexts>();

/**
 * The texts of a document for the next read to compare with. `cur[k]` is worker k's text in this document (a view
 * of its bytes), `same[k]` true when it is byte for byte `last.texts[k]`, already in its slot. The slots of `last`
 * (the texts of the document before) move here, `last` then compares with nothing any more; a slot is written only
 * for a worker whose text changed, and replaced only when that text outgrew it.
 */
function remember(cur: Buffer[], same: boolean[], last: WorkerTexts | undefined, workers: WorkerStats[] | undefined): WorkerTexts {
  const slots = last?.slots ?? [];
  const before = last?.texts ?? [];
  if (last !== undefined) {
    last.texts = [];
    last.slots = [];
    last.workers = undefined;
  }
  const n = cur.length;
  if (slots.length > n) slots.length = n;
  const texts = new Array<Buffer>(n);
  for (let k = 0; k < n; k++) {
    const was = before[k];
    if (same[k] === true && was !== undefined) {
      texts[k] = was;
      continue;
    }
    const text = cur[k]!;
    const len = text.length;
    let slot = slots[k];
    if (slot === undefined || slot.length < len) slots[k] = slot = Buffer.allocUnsafeSlow(len + (len >> 2) + 16);
    slot.set(text);
    texts[k] = was !== undefined && was.buffer === slot.buffer && was.length === len ? was : slot.subarray(0, len);
  }
  return { texts, slots, workers };
}

/**
 * A JSON string no server can put in its document (random per process): it stands for the workers array while
 * the rest of the document is parsed, and where JSON.parse leaves it shows that the array is the root's `workers`.
 */
const HOLE = `tsgitop-workers-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
const HOLE_JSON = JSON.stringify(HOLE);

/**
 * {@link parseStats} of a uWSGI document, worker by worker: a worker whose text is byte for byte its text in
 * `prev` (a document this function parsed) is `prev`'s parsed worker — the same object: treat both documents as
 * read-only —, and only the other workers are decoded, parsed and validated. Under light load most workers did
 * not change since the last read (issue 13: only what changed should cost anything).
 *
 * The same document as parseStats gives, or undefined when this way does not apply (then call parseStats): not
 * uWSGI's layout, over {@link BY_WORKER_MAX_BYTES}, an Emperor, or any fault at all (parseStats then reports it
 * as it always does). When fewer than half of the workers are unchanged it is parseStats itself (and throws as
 * it does), `prev`'s texts kept as the reference for the next read. Why the result is parseStats's: the array's text is cut at the comma of each `},\n\t\t{` (a raw newline
 * cannot be inside a JSON string, so every cut is between two values), and it is used only when each piece
 * parses on its own as one object and the rest of the document, with a string in the array's place, parses as
 * an object whose `workers` is that string (the last `workers` key of the root, as JSON.parse takes it): JSON's
 * grammar then gives the whole document the array of those objects there.
 */
export function parseStatsSince(bytes: Uint8Array, prev?: StatsDocument): StatsDocument | undefined {
  if (bytes.length > BY_WORKER_MAX_BYTES || bytes[0] !== 0x7b) return undefined;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const open = buf.indexOf(WORKERS_KEY);
  if (open < 0) return undefined;
  let first = open + WORKERS_KEY.length;
  if (buf[first] === 0x20) first++;
  if (buf[first] !== 0x5b) return undefined; // '['
  first++; // after the '['
  const close = buf.lastIndexOf(WORKERS_CLOSE); // the newline before the ']'
  if (close < first) return undefined;
  const from: number[] = [];
  const to: number[] = [];
  for (let at = first; ; ) {
    const brace = buf.indexOf(NEXT_WORKER, at);
    from.push(at);
    if (brace < 0 || brace >= close) {
      to.push(close);
      break;
    }
    to.push(brace + 1); // the comma
    at = brace + 2;
  }
  let whole = false;
  try {
    const last = prev !== undefined ? textsOf.get(prev) : undefined;
    const n = from.length;
    // Each worker's text, a view of the bytes: compared whole with its last text (Buffer#equals: no offsets to check —
    // Buffer#compare with offsets validated each through a wrapper that allocates, ~10 % of the monitor's garbage),
    // parsed when it changed, copied into its slot for the next read when it changed.
    const cur = new Array<Buffer>(n);
    for (let k = 0; k < n; k++) cur[k] = buf.subarray(from[k]!, to[k]!);
    // Which workers' text is byte for byte their text in the last document parsed this way (native comparisons).
    const same: boolean[] = new Array<boolean>(n).fill(false);
    let alike = 0;
    if (last !== undefined) {
      const texts = last.texts;
      // (no further once over half of them changed: the answer is then the whole way)
      for (let k = 0; k < n && k < texts.length && (k - alike) * 2 <= n; k++) {
        if (cur[k]!.equals(texts[k]!)) {
          same[k] = true;
          alike++;
        }
      }
      if (alike * 2 < n) {
        // Most workers changed (a busy server): one JSON.parse of the whole is cheaper than one per worker. Its texts
        // are kept without workers (the cut is not proven by a whole parse): when the server calms down, the next
        // read is parsed worker by worker again, each worker anew, and the one after reuses.
        whole = true;
        const doc = parseStats(bytes);
        textsOf.set(doc, remember(cur, same, last, undefined));
        return doc;
      }
    }
    const done = last !== undefined && last.workers !== undefined ? same : new Array<boolean>(n).fill(false);
    const root: unknown = JSON.parse(decode(buf.subarray(0, first - 1)) + HOLE_JSON + decode(buf.subarray(close + WORKERS_CLOSE.length)));
    if (!isObj(root) || root['workers'] !== HOLE || root['vassals'] !== undefined) return undefined;
    const workers: unknown[] = new Array<unknown>(n);
    for (let k = 0; k < n; k++) {
      if (done[k]) {
        workers[k] = last!.workers![k];
        continue;
      }
      const w: unknown = JSON.parse(decode(cur[k]!));
      if (!isObj(w)) return undefined;
      workers[k] = w;
    }
    root['workers'] = workers;
    const doc = parseServer(root, workers, done);
    textsOf.set(doc, remember(cur, same, last, doc.workers as WorkerStats[]));
    return doc;
  } catch (e) {
    if (whole) throw e; // parseStats's own answer
    return undefined; // parseStats (the caller's) says what is wrong, in its words
  }
}
