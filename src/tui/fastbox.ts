/**
 * A cheaper way for blessed to draw our one-line, tagged, unwrapped boxes
 * (issue 13: the monitor costs no more than the leanest Node reader).
 *
 * Stock blessed, on every `setContent`, clears the box's region, strips and
 * rewrites the whole content with a chain of regexes, turns every tag into an
 * SGR escape by re-slicing the rest of the string at each tag, wraps, splits
 * and joins the lines again and computes each line's start attribute; then
 * `render` walks every cell of the box re-parsing those escapes. At 1 Hz on
 * a 160x50 terminal that was ~0.7 MB of garbage and ~40 % of the monitor's
 * CPU for text that mostly did not change.
 *
 * `fastBox(el)` keeps blessed's screen, its cell buffer, its diff and its
 * output (Screen.draw), and replaces, for one box, only the step from the
 * content string to the box's cells:
 *
 * - `setContent` stores the string (no clearing: `render` writes every cell
 *   of the region anyway; moving, resizing or hiding a box still clears its
 *   old place through blessed's own setters);
 * - `render` splits the content into lines and compiles each line into its
 *   cells (a character and an attribute per cell) — only lines that differ
 *   from that row's line in the previous frame; the rest reuse their cells;
 * - cells are written into the screen buffer only where they differ, the row
 *   marked dirty, exactly as blessed's own render does.
 *
 * What a line compiles to is what stock blessed draws for it (tags as
 * blessed's `_parseTags` reads them, including its stack quirks, `{open}`
 * and `{close}`; control characters dropped; wide, combining and astral
 * characters replaced the way blessed does without fullUnicode; text past the
 * right edge clipped with its attributes still applied; the attribute left
 * open by one line carried into the next and into the empty rows below).
 * test/tui/fastbox.test.ts draws random tagged contents with both and
 * compares every cell. Boxes with a border, padding, scrolling, alignment or
 * transparency keep stock blessed (the help overlay).
 */
import type blessed from 'blessed';
import { unicodeChars } from './widgets.js';

/** The blessed internals this module reads (one element and its screen). */
interface El {
  content: string;
  hidden: boolean;
  detached?: boolean;
  border?: unknown;
  style: { transparent?: boolean };
  screen: {
    lines: Cell[][] & Array<{ dirty?: boolean }>;
    attrCode(code: string, cur: number, def: number): number;
    program: { _attr(param: string, val?: boolean): string | null | undefined };
    tabc: string;
  };
  lpos?: unknown;
  sattr(style: unknown): number;
  _getCoords(get?: boolean): { xi: number; xl: number; yi: number; yl: number } | undefined;
  _emit(type: string, args?: unknown[]): void;
  emit(type: string, ...args: unknown[]): boolean;
  setContent(content: string, noClear?: boolean, noTags?: boolean): void;
  parseContent(noTags?: boolean): boolean;
  render(): unknown;
}

type Cell = [number, string];

/**
 * A line given as styled runs instead of tagged text (the table rows: no
 * tags built, none parsed). Run k is `texts[k]` (plain text, drawn as is)
 * in the style whose blessed tags are `opens[k]` … `closes[k]` (both '' for
 * the box's own style). {@link styledToTagged} gives the same line as tagged
 * text; drawn in a fastBox a styled line has the cells its tagged text has.
 */
export interface Styled {
  texts: string[];
  opens: string[];
  closes: string[];
}

/** Escape blessed's tag braces in plain text (most text holds none: no regex then). */
export function escBraces(s: string): string {
  if (s.indexOf('{') < 0 && s.indexOf('}') < 0) return s;
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** A styled line as tagged text (for a box without the fast path). */
export function styledToTagged(l: Styled): string {
  let out = '';
  for (let k = 0; k < l.texts.length; k++) out += l.opens[k]! + escBraces(l.texts[k]!) + l.closes[k]!;
  return out;
}

/** Set a fastBox's lines (tagged text or styled runs); any other box gets them as tagged text. */
export function setLines(box: blessed.Widgets.BoxElement, lines: readonly (string | Styled)[]): void {
  const el = box as unknown as { _fastLines?: (lines: readonly (string | Styled)[]) => void };
  if (el._fastLines) el._fastLines(lines);
  else box.setContent(lines.map((l) => (typeof l === 'string' ? l : styledToTagged(l))).join('\n'));
}

/** blessed's tag stacks (flags, foreground, background): open tags carry from one line to the next. */
export interface TagStacks {
  flag: string[];
  fg: string[];
  bg: string[];
}

/**
 * One line's cells: its characters (one per cell) and its attributes as runs
 * (`at[k]` is the first cell of run k, drawn with `attr[k]`), the attribute
 * and the tags it leaves open.
 */
export interface Compiled {
  text: string;
  at: number[];
  attr: number[];
  end: number;
  /** No visible character, but escapes (blessed then draws the next line on the same row, except on the first). */
  zero: boolean;
  /** Tags still open at the end of the line (undefined: none). */
  open: TagStacks | undefined;
}

/** Per-element state: each row's line text, start attribute, open tags and cells from the last render. */
interface RowCache {
  text: string[];
  /** The styled line row k was compiled from (undefined: tagged text). */
  styled: (Styled | undefined)[];
  start: number[];
  open: (string | undefined)[];
  cells: (Compiled | undefined)[];
}

function stacksKey(s: TagStacks | undefined): string | undefined {
  return s ? `${s.flag.join(',')}|${s.fg.join(',')}|${s.bg.join(',')}` : undefined;
}

const TAG = /\{(\/?)([\w\-,;!#]*)\}/y;
const TAG_ANY = /\{\/?[\w\-,;!#]*\}/;
const SGR = /\x1b\[[\d;]*m/y;
/** Anything stock blessed rewrites before parsing tags (controls, CR, tabs, ESC). */
const SPECIAL = /[\x00-\x09\x0b-\x1f\x7f]/;
/** Characters that may be wide, combining or half a surrogate pair (checked against blessed's own tables then). */
const MAYBE_UNICODE = /[\u0300-\uffff]/;
let UNICODE: { all: RegExp; combining: RegExp; surrogate: RegExp } | undefined;

/**
 * Make one tagged, unwrapped, borderless box draw through the compiled-line
 * path (idempotent). Returns false, changing nothing, for a box this path
 * does not cover.
 */
export function fastBox(box: blessed.Widgets.BoxElement): boolean {
  const el = box as unknown as El & { options: Record<string, unknown>; tpadding?: number; _fastBox?: boolean };
  if (el._fastBox) return true;
  const o = el.options;
  if (el.border || el.tpadding || o.scrollable || o.align || o.valign || o.shrink || o.wrap !== false || o.tags !== true || el.style.transparent) return false;
  el._fastBox = true;
  const cache: RowCache = { text: [], styled: [], start: [], open: [], cells: [] };
  let lines: readonly (string | Styled)[] = [''];
  // The content string `lines` were split from; undefined while lines given by setLines are on show.
  let linesOf: string | undefined = '';
  let given = false;
  el.content = el.content ?? '';
  el.setContent = function (content: string): void {
    this.content = content || '';
    if (given) {
      given = false;
      linesOf = undefined;
    }
    this.emit('set content');
  };
  (el as unknown as { _fastLines: (l: readonly (string | Styled)[]) => void })._fastLines = (l) => {
    lines = l;
    given = true;
    el.content = '';
  };
  el.parseContent = () => false;
  // What each screen row got from this box last time (see the skip below).
  const drawn: Drawn = { gen: -1, xi: -1, xl: -1, yi: -1, lines: [], cells: [], fills: [] };
  el.render = function (this: El): unknown {
    this._emit('prerender');
    const coords = this._getCoords(true);
    if (!coords) {
      delete this.lpos;
      return undefined;
    }
    if (coords.xl - coords.xi <= 0 || coords.yl - coords.yi <= 0) return undefined;
    this.lpos = coords;
    if (!given && this.content !== linesOf) {
      linesOf = this.content;
      lines = blessedControls(this, linesOf).split('\n');
    }
    const screenLines = this.screen.lines;
    const dattr = this.sattr(this.style);
    // A row drawn last time from the same cells into the same line array keeps them while nothing else wrote
    // there since: no region cleared or filled, no resize (both bump the screen's generation), no other
    // element over this box, and the box where it was.
    const gen = screenGen(this.screen);
    const canSkip = drawn.gen === gen && drawn.xi === coords.xi && drawn.xl === coords.xl && drawn.yi === coords.yi && !overlapped(this, coords);
    if (!canSkip) drawn.lines.length = 0;
    let attr = dattr;
    let open: TagStacks | undefined;
    let k = 0; // the content line drawn next
    for (let y = coords.yi; y < coords.yl; y++) {
      const line = screenLines[y];
      let cells: Compiled | undefined;
      while (k < lines.length) {
        cells = lineCells(this, cache, lines, k++, attr, dattr, open);
        open = cells.open;
        // blessed: a line of escapes only (no visible character) below the first row takes no row of its own.
        if (cells.zero && y > coords.yi) {
          attr = cells.end;
          cells = undefined;
          continue;
        }
        break;
      }
      if (!line) {
        if (cells) attr = cells.end;
        continue;
      }
      const chars = cells ? cells.text : '';
      const n = chars.length;
      const fill = cells ? cells.end : attr;
      const r = y - coords.yi;
      if (canSkip && drawn.lines[r] === line && drawn.cells[r] === cells && drawn.fills[r] === fill) {
        attr = fill;
        continue;
      }
      drawn.lines[r] = line;
      drawn.cells[r] = cells;
      drawn.fills[r] = fill;
      let run = 0;
      let a = cells && cells.at.length ? cells.attr[0]! : fill;
      let nextAt = cells && cells.at.length > 1 ? cells.at[1]! : Infinity;
      for (let x = coords.xi, i = 0; x < coords.xl; x++, i++) {
        const cell = line[x];
        if (!cell) break;
        let ch: string;
        if (i < n) {
          while (i >= nextAt) {
            run++;
            a = cells!.attr[run]!;
            nextAt = run + 1 < cells!.at.length ? cells!.at[run + 1]! : Infinity;
          }
          ch = charOf(chars.charCodeAt(i));
        } else {
          a = fill;
          ch = ' ';
        }
        if (cell[0] !== a || cell[1] !== ch) {
          cell[0] = a;
          cell[1] = ch;
          line.dirty = true;
        }
      }
      attr = fill;
    }
    if (cache.cells.length > lines.length) {
      // Rows past the content: nothing of theirs is kept.
      for (const a of [cache.text, cache.styled, cache.start, cache.open, cache.cells]) if (a.length > lines.length) a.length = lines.length;
    }
    drawn.gen = gen;
    drawn.xi = coords.xi;
    drawn.xl = coords.xl;
    drawn.yi = coords.yi;
    this._emit('render', [coords]);
    return coords;
  };
  return true;
}

/** Per screen row of a fastBox: the line array, cells and fill attribute it drew there, and when. */
interface Drawn {
  /** The screen's generation after the last render. */
  gen: number;
  xi: number;
  xl: number;
  yi: number;
  lines: unknown[];
  cells: (Compiled | undefined)[];
  fills: number[];
}

/** Each screen's generation: bumped whenever blessed clears or fills a region or reallocates its buffer. */
const generations = new WeakMap<object, { gen: number }>();

function screenGen(screen: object): number {
  let g = generations.get(screen);
  if (!g) {
    const state = { gen: 0 };
    g = state;
    generations.set(screen, g);
    const sc = screen as Record<string, unknown>;
    for (const name of ['clearRegion', 'fillRegion', 'alloc', 'realloc']) {
      const orig = sc[name];
      if (typeof orig !== 'function') continue;
      sc[name] = function (this: unknown, ...args: unknown[]): unknown {
        state.gen++;
        return (orig as (...a: unknown[]) => unknown).apply(this, args);
      };
    }
  }
  return g.gen;
}

interface Node {
  children?: Node[];
  hidden?: boolean;
  detached?: boolean;
  lpos?: { xi: number; xl: number; yi: number; yl: number };
}

/** Whether any other shown element's last drawn area meets this box's. */
function overlapped(self: El, c: { xi: number; xl: number; yi: number; yl: number }): boolean {
  const walk = (nodes: Node[] | undefined): boolean => {
    if (!nodes) return false;
    for (const n of nodes) {
      if (n.hidden || n.detached) continue;
      const p = n.lpos;
      if (n !== (self as unknown) && p && p.xi < c.xl && c.xi < p.xl && p.yi < c.yl && c.yi < p.yl) return true;
      if (walk(n.children)) return true;
    }
    return false;
  };
  return walk((self.screen as unknown as Node).children);
}

/** One-character strings by code unit, made once (indexing a two-byte string makes a new one each time). */
const CHARS: string[] = [];

function charOf(code: number): string {
  return (CHARS[code] ??= String.fromCharCode(code));
}

/** Line k's cells from the cache when it was compiled from the same text, attribute and open tags; else compiled now. */
function lineCells(el: El, cache: RowCache, lines: readonly (string | Styled)[], k: number, attr: number, dattr: number, open: TagStacks | undefined): Compiled {
  const text = lines[k]!;
  if (typeof text !== 'string') {
    // The same styled line object as last time (table.ts's LineMemo keeps a row's line while its cells are the
    // same; styled lines are never changed once drawn), from the same attribute with no tags open: the same cells.
    const hit = cache.cells[k];
    if (hit && cache.styled[k] === text && cache.start[k] === attr && open === undefined) return hit;
    const cells = styledCells(el, text, attr, dattr, open);
    cache.styled[k] = text;
    cache.start[k] = attr;
    cache.open[k] = undefined;
    // Tags left open by the line above: not kept (rare; compiled as tagged text then).
    cache.cells[k] = open === undefined ? cells : undefined;
    return cells;
  }
  const openKey = stacksKey(open);
  const hit = cache.cells[k];
  if (hit && cache.styled[k] === undefined && cache.text[k] === text && cache.start[k] === attr && cache.open[k] === openKey) return hit;
  const cells = compileLine(el, text, attr, dattr, open);
  cache.styled[k] = undefined;
  cache.text[k] = text;
  cache.start[k] = attr;
  cache.open[k] = openKey;
  cache.cells[k] = cells;
  return cells;
}

/**
 * The attribute a run opened by `open` (tags) draws with, from the box's default attribute (styled lines are only
 * drawn this way from it, see styledCells): cached per element, for its current default attribute.
 */
const openCache = new WeakMap<object, { dattr: number; attrs: Map<string, number> }>();

function attrOfOpen(el: El, open: string, dattr: number): number {
  if (open === '') return dattr;
  let c = openCache.get(el);
  if (!c || c.dattr !== dattr) openCache.set(el, (c = { dattr, attrs: new Map() }));
  let a = c.attrs.get(open);
  if (a === undefined) {
    const line = compileLine(el, open + ' ', dattr, dattr);
    a = line.attr[line.attr.length - 1]!;
    if (c.attrs.size > 1024) c.attrs.clear();
    c.attrs.set(open, a);
  }
  return a;
}

/**
 * A styled line's cells. Each run's tags open and close around its text, so
 * (as for the tagged text) each run starts from the attribute before the line
 * and the line leaves it unchanged. Run texts get blessed's treatment of wide
 * and combining characters like any content.
 */
function styledCells(el: El, l: Styled, start: number, dattr: number, open: TagStacks | undefined): Compiled {
  // Attributes or tags left open by the line above, or control characters: the tagged text's way, exactly.
  if (open || start !== dattr || l.texts.some((t) => SPECIAL.test(t))) return compileLine(el, styledToTagged(l), start, dattr, open);
  const out = new Runs();
  for (let k = 0; k < l.texts.length; k++) {
    const t = l.texts[k]!;
    if (t === '') continue;
    out.push(blessedUnicode(t), attrOfOpen(el, l.opens[k]!, dattr));
  }
  return { text: out.text, at: out.at, attr: out.attr, end: start, zero: false, open: undefined };
}

/** The SGR text of one tag parameter (blessed's program._attr), cached per screen. */
const sgrCache = new WeakMap<object, Map<string, string | null>>();

function sgrOf(el: El, param: string, on: boolean): string | null {
  let m = sgrCache.get(el.screen);
  if (!m) sgrCache.set(el.screen, (m = new Map()));
  const key = (on ? '+' : '-') + param;
  let v = m.get(key);
  if (v === undefined) {
    // blessed's _attr throws on a comma list with an unknown name ("{bold,nope}"); a tag it cannot read is text.
    try {
      v = el.screen.program._attr(param, on) ?? null;
    } catch {
      v = null;
    }
    m.set(key, v);
  }
  return v;
}

/** Apply an SGR sequence to an attribute (blessed's attrCode), cached by (sequence, current, default). */
const codeCache = new Map<string, number>();

function applySgr(el: El, sgr: string, cur: number, dattr: number): number {
  const key = `${sgr}|${cur}|${dattr}`;
  let v = codeCache.get(key);
  if (v === undefined) {
    // Walk every SGR sequence in the text, as blessed's render does.
    v = cur;
    let i = sgr.indexOf('\x1b');
    while (i >= 0) {
      SGR.lastIndex = i;
      const m = SGR.exec(sgr);
      if (!m) break;
      v = el.screen.attrCode(m[0], v, dattr);
      i = sgr.indexOf('\x1b', i + m[0].length);
    }
    if (codeCache.size > 4096) codeCache.clear();
    codeCache.set(key, v);
  }
  return v;
}

/** What stock blessed does to the whole content first (controls dropped, CR → LF, tabs), when there is any. */
function blessedControls(el: El, s: string): string {
  if (!SPECIAL.test(s)) return s;
  return s
    .replace(/[\x00-\x08\x0b-\x0c\x0e-\x1a\x1c-\x1f\x7f]/g, '')
    .replace(/\x1b(?!\[[\d;]*m)/g, '')
    .replace(/\r\n|\r/g, '\n')
    .replace(/\t/g, el.screen.tabc);
}

/** What stock blessed does to wide, combining and astral characters without fullUnicode. */
function blessedUnicode(s: string): string {
  if (!MAYBE_UNICODE.test(s)) return s;
  const u = (UNICODE ??= unicodeChars());
  if (s.search(u.all) < 0 && s.search(u.combining) < 0 && s.search(u.surrogate) < 0) return s;
  return s.replace(u.all, '??').replace(u.combining, '').replace(u.surrogate, '?');
}

/**
 * One line's cells, as stock blessed draws it: tags parsed with blessed's
 * rules (a stack per kind — flags, fg, bg; a closing tag re-opens the one
 * below it or emits the tag's off code; `{/}` resets all), then every SGR
 * sequence applied to the attribute in force.
 */
export function compileLine(el: El, raw: string, start: number, dattr: number, open?: TagStacks): Compiled {
  const text = blessedUnicode(raw);
  const out = new Runs();
  let attr = start;
  const tagged = TAG_ANY.test(text);
  // blessed parses the tags of the whole content at once: tags left open by the line above are still on its stacks.
  const bg: string[] = open ? open.bg.slice() : [];
  const fg: string[] = open ? open.fg.slice() : [];
  const flag: string[] = open ? open.flag.slice() : [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ && tagged) {
      TAG.lastIndex = i;
      const m = TAG.exec(text);
      if (m) {
        const whole = m[0];
        i += whole.length;
        const slash = m[1] === '/';
        const param = m[2]!.replace(/-/g, ' ');
        if (param === 'open' || param === 'close') {
          out.push(param === 'open' ? '{' : '}', attr);
          continue;
        }
        if (param === 'escape') {
          // {escape}…{/escape}: blessed prints the inside verbatim (rare; not produced by tsgitop).
          const endAt = text.indexOf('{/escape}', i);
          const inner = endAt < 0 ? text.slice(i) : text.slice(i, endAt);
          if (!slash) {
            attr = pushText(el, inner, attr, dattr, out);
            i = endAt < 0 ? n : endAt + '{/escape}'.length;
            continue;
          }
        }
        const state = param.endsWith(' bg') ? bg : param.endsWith(' fg') ? fg : flag;
        let sgr: string | null;
        if (slash) {
          if (!param) {
            sgr = sgrOf(el, 'normal', true);
            bg.length = 0;
            fg.length = 0;
            flag.length = 0;
          } else {
            const off = sgrOf(el, param, false);
            if (off === null) {
              attr = pushText(el, whole, attr, dattr, out);
              continue;
            }
            state.pop();
            sgr = state.length ? sgrOf(el, state[state.length - 1]!, true) : off;
          }
        } else if (!param) {
          attr = pushText(el, whole, attr, dattr, out);
          continue;
        } else {
          sgr = sgrOf(el, param, true);
          if (sgr === null) {
            attr = pushText(el, whole, attr, dattr, out);
            continue;
          }
          state.push(param);
        }
        if (sgr) {
          attr = applySgr(el, sgr, attr, dattr);
          out.escapes = true;
        }
        continue;
      }
    }
    if (c === 0x1b) {
      SGR.lastIndex = i;
      const m = SGR.exec(text);
      if (m) {
        attr = applySgr(el, m[0], attr, dattr);
        out.escapes = true;
        i += m[0].length;
        continue;
      }
    }
    // A stretch of plain text up to the next tag or escape, in one piece.
    let j = i + 1;
    while (j < n) {
      const d = text.charCodeAt(j);
      if ((d === 0x7b && tagged) || d === 0x1b) break;
      j++;
    }
    out.push(i === 0 && j === n ? text : text.slice(i, j), attr);
    i = j;
  }
  return { text: out.text, at: out.at, attr: out.attr, end: attr, zero: out.text === '' && out.escapes, open: flag.length || fg.length || bg.length ? { flag, fg, bg } : undefined };
}

/** Characters with their attributes, collected as runs. */
class Runs {
  text = '';
  at: number[] = [];
  attr: number[] = [];
  /** An escape sequence was met (a tag that emits one, or a raw SGR). */
  escapes = false;

  push(s: string, a: number): void {
    if (s.length === 0) return;
    if (this.attr.length === 0 || this.attr[this.attr.length - 1] !== a) {
      this.at.push(this.text.length);
      this.attr.push(a);
    }
    this.text += s;
  }
}

/** Literal text (a tag blessed does not know, or an escape's inside): its characters, its SGR sequences applied. */
function pushText(el: El, s: string, attr: number, dattr: number, out: Runs): number {
  let a = attr;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 0x1b) {
      SGR.lastIndex = i;
      const m = SGR.exec(s);
      if (m) {
        a = applySgr(el, m[0], a, dattr);
        out.escapes = true;
        i += m[0].length - 1;
        continue;
      }
    }
    out.push(s[i]!, a);
  }
  return a;
}
