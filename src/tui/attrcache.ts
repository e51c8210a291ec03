/**
 * A faster drop-in for blessed's `Element#_parseAttr` (a speed fix for the
 * 1 Hz monitor, same results).
 *
 * blessed calls `parseContent` on every render of every element; when the
 * content did not change it still re-computes the per-line start attributes
 * (`_parseAttr`), scanning every character and copying the rest of the line
 * (`line.substring(i)`) at every escape sequence: O(chars × escapes) work
 * and garbage per widget per frame, even for a footer that never changes.
 *
 * `fastAttrs(el)` replaces that method on one element with a version that
 * (1) matches SGR sequences in place with a sticky regex (no substring
 * copies) and (2) returns the previous result when asked again for the same
 * parsed lines (blessed builds a new `_clines` array whenever the content or
 * width changes) under the same default attribute. blessed's own quirk is
 * kept: it returns `undefined` when `lines[0].attr` equals the default
 * attribute (never true for the string lines it passes).
 */

/** The parts of a blessed element `fastAttrs` uses. */
export interface AttrElement {
  style: unknown;
  screen: { attrCode(code: string, cur: number, def: number): number };
  sattr(style: unknown): number;
  _parseAttr(lines: string[]): number[] | undefined;
}

const SGR = /\x1b\[[\d;]*m/y;

/** The start attribute of every line, as blessed's `_parseAttr` computes it. */
export function lineAttrs(lines: readonly string[], dattr: number, attrCode: (code: string, cur: number, def: number) => number): number[] {
  let attr = dattr;
  const attrs: number[] = [];
  for (let j = 0; j < lines.length; j++) {
    const line = lines[j]!;
    attrs[j] = attr;
    let i = line.indexOf('\x1b');
    while (i >= 0) {
      SGR.lastIndex = i;
      const m = SGR.exec(line);
      if (m) {
        attr = attrCode(m[0], attr, dattr);
        i = line.indexOf('\x1b', i + m[0].length);
      } else {
        i = line.indexOf('\x1b', i + 1);
      }
    }
  }
  return attrs;
}

/** Install the cached, copy-free `_parseAttr` on one element (idempotent per element). */
export function fastAttrs(el: AttrElement): void {
  let lastLines: unknown;
  let lastDattr = NaN;
  let last: number[] | undefined;
  el._parseAttr = function (this: AttrElement, lines: string[]): number[] | undefined {
    const dattr = this.sattr(this.style);
    if ((lines[0] as unknown as { attr?: unknown } | undefined)?.attr === dattr) return undefined;
    if (lines === lastLines && dattr === lastDattr && last) return last;
    const screen = this.screen;
    last = lineAttrs(lines, dattr, (c, a, d) => screen.attrCode(c, a, d));
    lastLines = lines;
    lastDattr = dattr;
    return last;
  };
}
