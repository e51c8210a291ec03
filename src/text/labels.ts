/**
 * Short labels for a set of targets (fleet rows, status line, monitor
 * header): each label, sanitized, in at most `w` terminal cells, with a
 * middle ellipsis keeping the part that tells it apart from its siblings —
 * `/tmp/…-rCRaG7/stats.sock`, `…rCRaG7/stats.sock` — instead of a common
 * prefix that reads the same on every row.
 *
 * A shortened label `head…tail` is kept only when no other label of the
 * set starts with `head` and ends with `tail` (and `…mid…` only when no
 * other contains `mid`): then two different labels never shorten to the
 * same text, and a short label never equals another label shown whole.
 * When the width allows no such form, the label is clipped (the cut marked).
 * Widths are cells (src/text/sanitize.ts), never UTF-16 units.
 */
import { clean, clipLeft, clip, cut, width } from './sanitize.js';

/** The last `m` cells of the cleaned `s` (whole characters, no marker). */
function tail(s: string, m: number): string {
  if (m <= 0) return '';
  if (width(s) <= m) return s;
  return clipLeft(s, m + 1).slice(1);
}

/** Length of the common prefix / suffix of two strings (UTF-16 units). */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Where a path-like label's first component ends (`/tmp/` of `/tmp/x/y`), for a head that reads as a place. */
function naturalHead(s: string): number {
  if (!s.startsWith('/')) return 0;
  const j = s.indexOf('/', 1);
  return j > 0 ? j + 1 : 0;
}

/**
 * Each of `labels` (sanitized) in at most `w` cells, siblings kept apart:
 * distinct labels give distinct results whenever `w` leaves room for it.
 * Labels that fit are returned whole.
 */
export function shortLabels(labels: readonly string[], w: number): string[] {
  const W = Math.max(0, Math.floor(w));
  const cl = labels.map((l) => clean(l));
  return cl.map((s, i) => {
    if (width(s) <= W) return s;
    if (W <= 1) return clip(s, W);
    const others = cl.filter((t, j) => j !== i && t !== s);
    const unique = (head: string, tl: string): boolean =>
      !others.some((t) => t.length >= head.length + tl.length && t.startsWith(head) && t.endsWith(tl));
    const nat = naturalHead(s);
    const heads: number[] = [];
    if (nat > 0 && width(s.slice(0, nat)) <= Math.floor(W / 2)) heads.push(width(s.slice(0, nat)));
    for (let k = 0; k <= W - 2; k++) if (k !== heads[0]) heads.push(k);
    for (const k of heads) {
      const head = cut(s, k);
      const tl = tail(s, W - 1 - width(head));
      if (unique(head, tl)) return `${head}…${tl}`;
    }
    // The telling part in the middle: `…mid…` around where it leaves every sibling's common prefix.
    if (W >= 3) {
      let from = 0;
      for (const t of others) from = Math.max(from, commonPrefix(s, t));
      // Windows holding the first character no sibling shares there: two characters of context first, then the others.
      const starts = [from - 2, from - 1, from];
      for (let k = from - 3; k > from - (W - 2); k--) starts.push(k);
      for (const start of starts) {
        if (start < 0 || start >= s.length) continue;
        const mid = cut(s.slice(start), W - 2);
        if (mid !== '' && !others.some((t) => t.includes(mid))) return `${start === 0 ? '' : '…'}${mid}…`;
      }
    }
    return clip(s, W);
  });
}

/** One label of a set, shortened against its siblings (see {@link shortLabels}). */
export function shortLabel(label: string, all: readonly string[], w: number): string {
  const i = all.indexOf(label);
  if (i < 0) return shortLabels([label, ...all], w)[0]!;
  return shortLabels(all, w)[i]!;
}
