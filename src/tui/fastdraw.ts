/**
 * blessed's Screen#draw — the diff of the screen's cells against what the
 * terminal shows, written as cursor moves, SGR sequences and characters —
 * with the same output byte for byte and far less garbage (issue 13).
 *
 * Stock draw appends every character to a growing string (`out += ch`): one
 * intermediate string per cell written, ~0.25 MB per frame of a 160-column
 * table whose rows all change; it also rebuilds the SGR text of an attribute
 * each time it is met. Here a row's pieces go to one reused array joined
 * once per row, and each attribute's SGR text is built once per screen.
 *
 * Only the configuration tsgitop uses is covered (no artificial cursor, no
 * back-colour-erase lookahead, no full-width Unicode, no ACS, a UTF-8
 * terminal); `fastDraw` leaves any other screen with stock draw.
 * test/tui/fastdraw.test.ts compares the bytes of both on random screens.
 */
import type blessed from 'blessed';

type Cell = [number, string];

interface Scr {
  lines: (Cell[] & { dirty?: boolean })[];
  olines: Cell[][];
  dattr: number;
  _buf?: string;
  fullUnicode?: boolean;
  options: { useBCE?: boolean };
  cursor: { artificial?: boolean };
  program: { cursorHidden?: boolean; _write(s: string): unknown };
  tput: {
    unicode?: boolean;
    brokenACS?: boolean;
    numbers: Record<string, unknown>;
    strings: Record<string, unknown>;
    cup(y: number, x: number): string;
    cuf(n: number): string;
    sc(): string;
    rc(): string;
    civis(): string;
    cnorm(): string;
  };
  _reduceColor(c: number): number;
  draw(start: number, end: number): void;
}

/** Can this screen draw through {@link fastDraw}'s path (same bytes as stock)? */
function covered(s: Scr): boolean {
  const acs = s.tput.strings.enter_alt_charset_mode && !s.tput.brokenACS;
  return !s.options.useBCE && !s.fullUnicode && !s.cursor.artificial && !acs && (s.tput.unicode === true || s.tput.numbers.U8 === 1);
}

/** Replace the screen's draw (idempotent); false when the screen's configuration is not covered. */
export function fastDraw(screen: blessed.Widgets.Screen): boolean {
  const s = screen as unknown as Scr & { _fastDraw?: boolean };
  if (s._fastDraw) return true;
  if (!covered(s)) return false;
  s._fastDraw = true;
  const stock = s.draw;
  const sgr = new Map<number, string>();
  // terminfo's compiled cup/cuf build their text anew on every call: once per position here.
  const cups = new Map<number, string>();
  const cup = (t: Scr['tput'], y: number, x: number): string => {
    const k = y * 65536 + x;
    let v = cups.get(k);
    if (v === undefined) {
      v = t.cup(y, x);
      if (cups.size > 65536) cups.clear();
      cups.set(k, v);
    }
    return v;
  };
  const cufs: string[] = [];
  const cuf = (t: Scr['tput'], n: number): string => (cufs[n] ??= t.cuf(n));
  const state: LineState = { lx: -1, ly: -1, parts: [], sgr, cup, cuf };
  s.draw = function (this: Scr, start: number, end: number): void {
    // A setting changed since (e.g. the cursor made artificial): stock draw from now on.
    if (!covered(this)) return stock.call(this, start, end);
    let main = '';
    if (this._buf) {
      main += this._buf;
      this._buf = '';
    }
    state.lx = -1;
    state.ly = -1;
    for (let y = start; y <= end; y++) {
      const line = this.lines[y]!;
      if (!line.dirty) continue;
      line.dirty = false;
      const text = drawLine(this, line, this.olines[y]!, y, state);
      if (text !== '') main += text;
    }
    if (main) write(this, main);
  };
  return true;
}

/** What one row's drawing keeps between rows (blessed keeps the last unchanged run across rows) and its caches. */
interface LineState {
  lx: number;
  ly: number;
  parts: string[];
  sgr: Map<number, string>;
  cup(t: Scr['tput'], y: number, x: number): string;
  cuf(t: Scr['tput'], n: number): string;
}

/** One dirty row: its changed cells as cursor moves, SGR and characters (the terminal's copy updated); '' when none changed. */
function drawLine(s: Scr, line: Cell[], o: Cell[], y: number, st: LineState): string {
  const dattr = s.dattr;
  const right = !!s.tput.strings.parm_right_cursor;
  const parts = st.parts;
  parts.length = 0;
  let attr = dattr;
  for (let x = 0; x < line.length; x++) {
    const cell = line[x]!;
    const data = cell[0];
    const ch = cell[1];
    const oc = o[x]!;
    if (data === oc[0] && ch === oc[1]) {
      if (st.lx === -1) {
        st.lx = x;
        st.ly = y;
      }
      continue;
    } else if (st.lx !== -1) {
      parts.push(right && y === st.ly ? st.cuf(s.tput, x - st.lx) : st.cup(s.tput, y, x));
      st.lx = -1;
      st.ly = -1;
    }
    oc[0] = data;
    oc[1] = ch;
    if (data !== attr) {
      if (attr !== dattr) parts.push('\x1b[m');
      if (data !== dattr) {
        let code = st.sgr.get(data);
        if (code === undefined) {
          code = sgrText(s, data);
          st.sgr.set(data, code);
        }
        parts.push(code);
      }
    }
    parts.push(ch);
    attr = data;
  }
  if (attr !== dattr) parts.push('\x1b[m');
  return parts.length ? st.cup(s.tput, y, 0) + parts.join('') : '';
}

/** The frame, between save/restore cursor (and hide/show it when shown), to the program's buffer. */
function write(s: Scr, main: string): void {
  let pre = s.tput.sc();
  let post = s.tput.rc();
  if (!s.program.cursorHidden) {
    pre += s.tput.civis();
    post += s.tput.cnorm();
  }
  s.program._write(pre + main + post);
}

/** The SGR sequence blessed writes for an attribute (flags, then background, then foreground). */
function sgrText(s: Scr, data: number): string {
  const codes: (string | number)[] = [];
  const flags = data >> 18;
  if (flags & 1) codes.push(1);
  if (flags & 2) codes.push(4);
  if (flags & 4) codes.push(5);
  if (flags & 8) codes.push(7);
  if (flags & 16) codes.push(8);
  let bg = data & 0x1ff;
  let fg = (data >> 9) & 0x1ff;
  if (bg !== 0x1ff) {
    bg = s._reduceColor(bg);
    codes.push(bg < 8 ? bg + 40 : bg < 16 ? bg - 8 + 100 : `48;5;${bg}`);
  }
  if (fg !== 0x1ff) {
    fg = s._reduceColor(fg);
    codes.push(fg < 8 ? fg + 30 : fg < 16 ? fg - 8 + 90 : `38;5;${fg}`);
  }
  return `\x1b[${codes.join(';')}m`;
}
