/**
 * A linear, non-recursive JSON syntax scanner used only to tell apart the
 * ways a byte string can fail to be a JSON document:
 *
 * - `empty`    — nothing but whitespace (the peer closed without answering);
 * - `prefix`   — syntactically valid so far but unfinished: an open object,
 *                array, string, literal or number at the end. This is what a
 *                connection cut mid-document looks like → TRUNCATED;
 * - `invalid`  — a byte that no JSON text can contain at that position → NOT_JSON;
 * - `complete` — one whole JSON value followed only by whitespace.
 *
 * It does not build values and does not check UTF-8 (bytes ≥ 0x80 are
 * accepted inside strings only), so it is cheap enough to run on a 64 MiB
 * answer; `JSON.parse` stays the authority on the actual value.
 */

export type JsonShape = 'empty' | 'prefix' | 'invalid' | 'complete';

const enum S {
  Value, // a value is required
  ArrFirst, // after '[': a value or ']'
  ObjFirst, // after '{': a key or '}'
  Key, // after ',' in an object: a key
  Colon, // after a key
  After, // after a value inside a container: ',' or the closing bracket
  End, // after the top-level value: whitespace only
}

const OBJ = 0;
const ARR = 1;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Result of scanning one token: the index after it, or -1 (invalid) / -2 (input ended inside it). */
const INVALID = -1;
const CUT = -2;

/** `b[i]` is the opening quote. */
function scanString(b: Uint8Array, i: number): number {
  const n = b.length;
  i++;
  while (i < n) {
    const c = b[i] as number;
    if (c === 0x22) return i + 1;
    if (c < 0x20) return INVALID;
    if (c === 0x5c) {
      if (i + 1 >= n) return CUT;
      const e = b[i + 1] as number;
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) {
          if (i + k >= n) return CUT;
          if (!isHex(b[i + k] as number)) return INVALID;
        }
        i += 6;
        continue;
      }
      // " \ / b f n r t
      if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
        continue;
      }
      return INVALID;
    }
    i++;
  }
  return CUT;
}

/** `b[i]` is '-' or a digit. A number that is complete at the end of input returns `b.length`. */
function scanNumber(b: Uint8Array, i: number): number {
  const n = b.length;
  if (b[i] === 0x2d) {
    i++;
    if (i >= n) return CUT;
  }
  let c = b[i] as number;
  if (c === 0x30) {
    i++;
  } else if (isDigit(c)) {
    while (i < n && isDigit(b[i] as number)) i++;
  } else {
    return INVALID;
  }
  if (i < n && b[i] === 0x2e) {
    i++;
    if (i >= n) return CUT;
    if (!isDigit(b[i] as number)) return INVALID;
    while (i < n && isDigit(b[i] as number)) i++;
  }
  if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i >= n) return CUT;
    c = b[i] as number;
    if (c === 0x2b || c === 0x2d) {
      i++;
      if (i >= n) return CUT;
    }
    if (!isDigit(b[i] as number)) return INVALID;
    while (i < n && isDigit(b[i] as number)) i++;
  }
  return i;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function scanLiteral(b: Uint8Array, i: number, lit: readonly number[]): number {
  for (let k = 0; k < lit.length; k++) {
    if (i + k >= b.length) return CUT;
    if (b[i + k] !== lit[k]) return INVALID;
  }
  return i + lit.length;
}

/** Classify `bytes` (see the module comment). Runs in O(n) time, O(depth) memory. */
export function classifyJson(bytes: Uint8Array): JsonShape {
  const b = bytes;
  const n = b.length;
  let i = 0;
  // A UTF-8 byte order mark is tolerated (TextDecoder strips it before JSON.parse).
  if (n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  const stack: number[] = [];
  let state: S = S.Value;
  let seen = false;

  while (i < n) {
    const c = b[i] as number;
    if (isWs(c)) {
      i++;
      continue;
    }
    seen = true;
    switch (state) {
      case S.End:
        return 'invalid';
      case S.Colon:
        if (c !== 0x3a) return 'invalid';
        state = S.Value;
        i++;
        continue;
      case S.ObjFirst:
      case S.Key:
        if (c === 0x7d && state === S.ObjFirst) {
          stack.pop();
          state = stack.length === 0 ? S.End : S.After;
          i++;
          continue;
        }
        if (c !== 0x22) return 'invalid';
        i = scanString(b, i);
        if (i === INVALID) return 'invalid';
        if (i === CUT) return 'prefix';
        state = S.Colon;
        continue;
      case S.After: {
        const top = stack[stack.length - 1];
        if (c === 0x2c) {
          state = top === OBJ ? S.Key : S.Value;
          i++;
          continue;
        }
        if ((c === 0x7d && top === OBJ) || (c === 0x5d && top === ARR)) {
          stack.pop();
          state = stack.length === 0 ? S.End : S.After;
          i++;
          continue;
        }
        return 'invalid';
      }
      case S.ArrFirst:
        if (c === 0x5d) {
          stack.pop();
          state = stack.length === 0 ? S.End : S.After;
          i++;
          continue;
        }
        state = S.Value; // re-examine this byte as a value
        continue;
      case S.Value: {
        if (c === 0x7b) {
          stack.push(OBJ);
          state = S.ObjFirst;
          i++;
          continue;
        }
        if (c === 0x5b) {
          stack.push(ARR);
          state = S.ArrFirst;
          i++;
          continue;
        }
        let next: number;
        if (c === 0x22) next = scanString(b, i);
        else if (c === 0x2d || isDigit(c)) next = scanNumber(b, i);
        else if (c === 0x74) next = scanLiteral(b, i, TRUE);
        else if (c === 0x66) next = scanLiteral(b, i, FALSE);
        else if (c === 0x6e) next = scanLiteral(b, i, NULL);
        else return 'invalid';
        if (next === INVALID) return 'invalid';
        if (next === CUT) return 'prefix';
        i = next;
        state = stack.length === 0 ? S.End : S.After;
        continue;
      }
    }
  }
  if (!seen) return 'empty';
  return state === S.End ? 'complete' : 'prefix';
}
