/**
 * What the terminal and the locale can show, decided from the environment
 * alone (no blessed here: the CLI asks before it loads the TUI).
 *
 * - {@link fullScreenProblem}: why the full-screen monitor cannot run on this
 *   terminal (TERM unset or `dumb`), so the CLI falls back to batch text.
 * - {@link utf8Locale}: whether the locale's character set is UTF-8; when it
 *   is not (LANG=C, LC_ALL=POSIX, ISO-8859-1…), every non-ASCII character the
 *   screen would write is replaced by an ASCII one of the same cell width
 *   ({@link asciify}): box drawing by `+ - |`, braille and block elements by
 *   `. : #`, arrows and marks by `^ v * ~`, anything else by `?` — one ASCII
 *   character per UTF-16 unit, the unit blessed lays its cells out in. Batch
 *   tables (not JSON) follow the same rule.
 */

/** Why the full-screen monitor cannot run with this `TERM`, or undefined when it can. */
export function fullScreenProblem(env: NodeJS.ProcessEnv): string | undefined {
  const term = env.TERM;
  if (term === undefined || term.trim() === '') return 'TERM is not set';
  if (term === 'dumb') return 'TERM=dumb';
  return undefined;
}

/**
 * Whether the locale's character set is UTF-8: the first of LC_ALL, LC_CTYPE,
 * LANG that is set and non-empty decides (as setlocale does). When none is
 * set, UTF-8 is assumed (what terminals and CI images mostly use; a bare
 * environment is rarely a deliberate choice of ASCII).
 */
export function utf8Locale(env: NodeJS.ProcessEnv): boolean {
  for (const name of ['LC_ALL', 'LC_CTYPE', 'LANG'] as const) {
    const v = env[name];
    if (v !== undefined && v !== '') return /utf-?8/i.test(v);
  }
  return true;
}

const SINGLE: Record<string, string> = {
  '─': '-', '━': '-', '═': '=', '│': '|', '┃': '|', '║': '|',
  '…': '~', '·': '.', '•': '*', '●': '*', '○': 'o', '◆': '*', '◇': 'o', '■': '#', '□': '.',
  '▲': '^', '△': '^', '▼': 'v', '▽': 'v', '▶': '>', '►': '>', '◀': '<', '◄': '<',
  '↑': '^', '↓': 'v', '→': '>', '←': '<', '✓': '+', '✔': '+', '✗': 'x', '✘': 'x', '×': 'x',
  'Σ': 'S', 'Δ': 'D', 'µ': 'u', 'μ': 'u',
  '—': '-', '–': '-', '‘': "'", '’': "'", '“': '"', '”': '"', '≥': '>', '≤': '<', '±': '+', '°': 'o',
  '█': '#', '▉': '#', '▊': '#', '▋': '#', '▌': '#', '▍': '|', '▎': '|', '▏': '|', '▐': '#',
  '░': '.', '▒': ':', '▓': '#',
  '▁': '_', '▂': '_', '▃': '.', '▄': ':', '▅': ':', '▆': '#', '▇': '#',
};

function ascii1(ch: string): string {
  const m = SINGLE[ch];
  if (m !== undefined) return m;
  const c = ch.codePointAt(0)!;
  if (c >= 0x2800 && c <= 0x28ff) {
    // Braille (the charts): more dots, a denser mark.
    const dots = (c - 0x2800).toString(2).replace(/0/g, '').length;
    return dots === 0 ? ' ' : dots <= 2 ? '.' : dots <= 5 ? ':' : '#';
  }
  if (c >= 0x2500 && c <= 0x257f) {
    // Box drawing: corners and tees as '+', the rest by direction.
    if ((c >= 0x250c && c <= 0x254b) || (c >= 0x2552 && c <= 0x256c) || (c >= 0x256d && c <= 0x2570)) return '+';
    if (c === 0x2502 || c === 0x2503 || c === 0x2506 || c === 0x2507 || c === 0x250a || c === 0x250b || c === 0x2551 || c === 0x2575 || c === 0x2577) return '|';
    return '-';
  }
  if (c >= 0x2580 && c <= 0x259f) return '#';
  // Anything else: one '?' per UTF-16 unit, the unit blessed lays its cells out in
  // (fullUnicode off), so the columns stay where the screen put them.
  return ch.length === 2 ? '??' : '?';
}

const NON_ASCII = /[^\u0000-\u007f]/gu;

/** `s` with every non-ASCII character replaced by ASCII, one character per UTF-16 unit (escape sequences pass unchanged). */
export function asciify(s: string): string {
  return s.replace(NON_ASCII, ascii1);
}
