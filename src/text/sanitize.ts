/**
 * The one sanitizer: every string that came from a stats server (or from
 * an error quoting one) passes through here before it reaches any output —
 * the TUI, batch text, the fleet table, the Emperor table, error lines.
 * Layer-neutral (no imports): protocol, model, render, tui, cli and fleet
 * may all use it.
 *
 * **Visible form** (one form everywhere, documented in the README):
 * - C0 controls (U+0000–U+001F, tab and newline included), DEL (U+007F) and
 *   C1 controls (U+0080–U+009F) become `\xHH` (two lowercase hex digits):
 *   ESC → `\x1b`, BEL → `\x07`, the 8-bit CSI U+009B → `\x9b`;
 * - bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069),
 *   the line/paragraph separators U+2028/U+2029 and lone UTF-16 surrogates
 *   become `\uHHHH`: RLO → `\u202e`.
 * Everything else is kept (a backslash stays a backslash).
 *
 * **Width** is measured in terminal cells: East Asian wide/fullwidth
 * characters and emoji presentation characters take 2 cells; combining
 * marks (Mn, Me), zero-width space/joiners, word joiner and BOM take 0;
 * everything else 1. `width(s)` is the width of `clean(s)`.
 *
 * **Clipping** works on whole units — a visible escape (`\x1b`), a
 * character with its combining marks, a surrogate pair — so it never cuts
 * inside an escape or a character, and never leaves half of a wide
 * character. A cut is marked with `…` (one cell).
 */

/** C0, DEL, C1, bidi controls, U+2028/2029 and lone surrogates (no `u` flag: surrogates are matched one by one). */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Printable ASCII only: width = length, nothing to clean. */
const PLAIN = /^[\u0020-\u007e]*$/;
/** Printable ASCII without a backslash: clipping by length cannot cut an escape. */
const PLAIN_NO_ESCAPE = /^[\u0020-\u005b\u005d-\u007e]*$/;
/** One unit: a visible escape, else one code point (a lone surrogate is one unit too). */
const UNIT = /\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|[\s\S]/gu;
const WIDE =
  /^(?:[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{2fffd}\u{30000}-\u{3fffd}]|\p{Emoji_Presentation})$/u;
const ZERO = /^[\p{Mn}\p{Me}\u200b-\u200d\u2060\ufeff\u1160-\u11ff]$/u;

function escape(ch: string): string {
  const c = ch.charCodeAt(0);
  return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

export interface CleanOptions {
  /** Keep `\n` (and `\t`) as they are (a multi-line document shown on a terminal). Default false. */
  keepNewlines?: boolean;
}

/** `s` with every control, bidi override and lone surrogate replaced by its visible escape (see the module comment). */
export function clean(s: string, opts?: CleanOptions): string {
  if (PLAIN.test(s)) return s;
  if (opts?.keepNewlines) return s.replace(UNSAFE, (ch) => (ch === '\n' || ch === '\t' ? ch : escape(ch)));
  return s.replace(UNSAFE, escape);
}

/** Cells taken by one code point (of a cleaned string). */
function cells(ch: string): number {
  if (ch.length === 1) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c < 0x7f) return 1;
    if (c < 0x300) return 1; // Latin-1 / Latin Extended (controls are escaped before we get here)
  }
  if (ZERO.test(ch)) return 0;
  if (WIDE.test(ch)) return 2;
  return 1;
}

interface Unit {
  text: string;
  w: number;
}

/** The units of a cleaned string; zero-width characters stick to the unit before them. */
function units(s: string): Unit[] {
  const out: Unit[] = [];
  for (const m of s.matchAll(UNIT)) {
    const t = m[0];
    const w = t.length > 2 && t[0] === '\\' ? t.length : cells(t);
    const last = out[out.length - 1];
    if (w === 0 && last !== undefined) last.text += t;
    else out.push({ text: t, w });
  }
  return out;
}

/** `cells` of the code points met so far (a status line meets the same few every frame). */
const cellCache = new Map<string, number>();

function cachedCells(ch: string): number {
  let w = cellCache.get(ch);
  if (w === undefined) {
    w = cells(ch);
    if (cellCache.size >= 4096) cellCache.clear();
    cellCache.set(ch, w);
  }
  return w;
}

/**
 * The width of a cleaned string without making its units: the sum of its
 * code points' cells. The same as the sum of its units' widths — a visible
 * escape's width is its length, and each of its characters is printable
 * ASCII (one cell); a zero-width character adds 0 wherever it sticks; a
 * cleaned string has no control and no lone surrogate.
 */
function cleanedWidth(s: string): number {
  let w = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x300) {
      w++;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        w += cachedCells(s.slice(i, i + 2));
        i++;
        continue;
      }
    }
    w += cachedCells(s[i]!);
  }
  return w;
}

/** Display width of `s` in terminal cells (of its cleaned form). */
export function width(s: string): number {
  if (PLAIN.test(s)) return s.length;
  return cleanedWidth(clean(s));
}

/** `width` by the units, as clipping counts them: what the test holds `width` to. @internal */
export function widthByUnits(s: string): number {
  let w = 0;
  for (const u of units(clean(s))) w += u.w;
  return w;
}

/** The cleaned `s` clipped to at most `w` cells, the cut marked with `…`. */
export function clip(s: string, w: number): string {
  if (w <= 0) return '';
  if (PLAIN_NO_ESCAPE.test(s)) {
    if (s.length <= w) return s;
    return w === 1 ? '…' : s.slice(0, w - 1) + '…';
  }
  const c = clean(s);
  if (cleanedWidth(c) <= w) return c; // fits: no unit needs making
  const us = units(c);
  let out = '';
  let used = 0;
  for (const u of us) {
    if (used + u.w > w - 1) break;
    out += u.text;
    used += u.w;
  }
  return out + '…';
}

/** The cleaned `s` clipped from the left (keeping its end, e.g. of a path) to at most `w` cells. */
export function clipLeft(s: string, w: number): string {
  if (w <= 0) return '';
  if (PLAIN_NO_ESCAPE.test(s)) {
    if (s.length <= w) return s;
    return w === 1 ? '…' : '…' + s.slice(s.length - (w - 1));
  }
  const c = clean(s);
  if (cleanedWidth(c) <= w) return c;
  const us = units(c);
  let out = '';
  let used = 0;
  for (let i = us.length - 1; i >= 0; i--) {
    const u = us[i]!;
    if (used + u.w > w - 1) break;
    out = u.text + out;
    used += u.w;
  }
  return '…' + out;
}

/** The cleaned `s` padded (or clipped) to exactly `w` cells. */
export function pad(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  if (w <= 0) return '';
  const c = clip(s, w);
  const n = width(c);
  const fill = n < w ? ' '.repeat(w - n) : '';
  return align === 'right' ? fill + c : c + fill;
}

/** The message of anything thrown, as text. */
function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  try {
    return String(e);
  } catch {
    return 'unknown error';
  }
}

/**
 * One printable line of an error (or any text quoting server bytes): its
 * first non-blank line, tabs folded to spaces, cleaned, clipped to `max`
 * cells (default 200).
 */
export function oneLine(e: unknown, max = 200): string {
  const msg = messageOf(e);
  const first = msg.split(/\r\n|\r|\n|\u2028|\u2029/).find((l) => l.trim() !== '') ?? msg;
  return clip(first.replace(/\t/g, ' ').trim(), max) || 'unknown error';
}

/** What JSON.stringify leaves raw but a terminal would act on: DEL, C1, bidi controls, U+2028/2029. */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * JSON text (from JSON.stringify, which escapes C0 controls and lone
 * surrogates but leaves DEL, C1 controls and bidi overrides raw) with those
 * characters written as `\uHHHH` escapes: the same JSON value, safe to
 * print on a terminal.
 */
export function jsonVisible(json: string): string {
  return json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Astral code points (surrogate pairs): emoji, CJK extension B… */
const ASTRAL = /[\u{10000}-\u{10ffff}]/gu;

/**
 * For a screen that lays text out one cell per UTF-16 unit and cannot draw
 * astral characters (blessed without fullUnicode, as the TUI runs it: it
 * draws an emoji as one `?` while the terminal would take two cells): every
 * astral character of the cleaned `s` becomes `?` once per terminal cell,
 * so the width the sanitizer measures is the width drawn. Combining marks
 * stay (such a screen drops them; they take no cell either way).
 */
export function forUnitScreen(s: string): string {
  const c = clean(s);
  return /[\ud800-\udbff]/.test(c) ? c.replace(ASTRAL, (ch) => '?'.repeat(cells(ch))) : c;
}

/** `s` (cleaned) cut to at most `w` cells, whole units, no marker: the part of a cell that is visible. */
export function cut(s: string, w: number): string {
  if (w <= 0) return '';
  if (PLAIN_NO_ESCAPE.test(s)) return s.length <= w ? s : s.slice(0, w);
  const c = clean(s);
  if (cleanedWidth(c) <= w) return c;
  let out = '';
  let used = 0;
  for (const u of units(c)) {
    if (used + u.w > w) break;
    out += u.text;
    used += u.w;
  }
  return out;
}
