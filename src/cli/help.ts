/**
 * `tsgitop --help`, generated from the option table (options.ts): options in
 * groups, wrapped at the terminal width between words (a word longer than the
 * line stays whole), defaults unquoted, then ENVIRONMENT, EXIT STATUS and
 * EXAMPLES.
 */
import { ADDRESS_HELP, COMMANDS, type CommandSpec, ENVIRONMENT, EXAMPLES, EXIT_STATUS, GROUP_TITLES, ROOT_OPTIONS, shownDefault, type OptionGroup, type OptionSpec } from './options.js';

/** Help is never narrower than this (a term column must fit) nor wider than this. */
const MIN_WIDTH = 50;
const MAX_WIDTH = 120;

/** Words of `text` in lines of at most `width` cells; a longer word gets a line of its own, whole. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines.length === 0 ? [''] : lines;
}

/**
 * A definition list: each term at `indent`, its text in a column at
 * `indent + termWidth + 2` wrapped to `width`; a term too long for its column
 * puts the text on the next line.
 */
export function definitionList(items: readonly { term: string; text: string }[], width: number, indent = 2, termWidth = 26): string[] {
  const out: string[] = [];
  const textCol = indent + termWidth + 2;
  const textWidth = Math.max(20, width - textCol);
  for (const { term, text } of items) {
    const lines = wrapWords(text, textWidth);
    const pad = ' '.repeat(indent);
    if (term.length <= termWidth) {
      out.push(`${pad}${term.padEnd(termWidth + 2)}${lines[0]}`.trimEnd());
    } else {
      out.push(`${pad}${term}`);
      out.push(`${' '.repeat(textCol)}${lines[0]}`);
    }
    for (const l of lines.slice(1)) out.push(`${' '.repeat(textCol)}${l}`);
  }
  return out;
}

/** `-f, --frequency SECONDS`: how help and the man page name an option. */
export function optionTerm(o: OptionSpec): string {
  const flags = o.flags.startsWith('--') ? `    ${o.flags}` : o.flags;
  return o.value === undefined ? flags : `${flags} ${o.value.toUpperCase()}`;
}

/** An option's text with its default, unquoted. */
export function optionText(o: OptionSpec): string {
  const d = shownDefault(o);
  return d === undefined ? o.description : `${o.description} (default: ${d})`;
}

/** The help width for an output stream: its columns on a terminal, else 80; bounded. */
export function helpWidth(stream: { isTTY?: boolean; columns?: number }): number {
  const cols = stream.isTTY && stream.columns ? stream.columns : 80;
  return Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, cols));
}

export function renderHelp(width: number): string {
  const w = Math.max(MIN_WIDTH, width);
  const para = (text: string, indent = 0): string[] => wrapWords(text, w - indent).map((l) => `${' '.repeat(indent)}${l}`);
  const out: string[] = [];
  out.push('Usage: tsgitop [options] ADDRESS [ADDRESS...]');
  out.push('       tsgitop --connect-and-read ADDRESS');
  out.push('       tsgitop demo [options]');
  out.push('       tsgitop completion bash|zsh|fish');
  out.push('');
  out.push(...para('Live monitor for uWSGI (and tsgitop-emitter) stats servers — uwsgitop, re-imagined.'));
  out.push('');
  out.push('Arguments:');
  out.push(...definitionList([{ term: 'ADDRESS', text: ADDRESS_HELP }], w));
  const groups = Object.keys(GROUP_TITLES) as OptionGroup[];
  for (const g of groups) {
    const opts = ROOT_OPTIONS.filter((o) => o.group === g);
    if (opts.length === 0) continue;
    out.push('');
    out.push(`${GROUP_TITLES[g]}:`);
    out.push(...definitionList(opts.map((o) => ({ term: optionTerm(o), text: optionText(o) })), w));
  }
  out.push('');
  out.push('Commands:');
  for (const c of COMMANDS) {
    out.push(...definitionList([{ term: `${c.name}${c.args ? ` ${c.args}` : ''}`, text: c.description }], w));
    if (c.options.length > 0) out.push(...definitionList(c.options.map((o) => ({ term: optionTerm(o), text: optionText(o) })), w, 4, 24));
  }
  out.push('');
  out.push('Environment:');
  out.push(...definitionList(ENVIRONMENT.map((e) => ({ term: e.name, text: e.description })), w));
  out.push('');
  out.push('Exit status:');
  out.push(...definitionList(EXIT_STATUS.map((e) => ({ term: e.code, text: e.description })), w, 2, 14));
  out.push('');
  out.push('Examples:');
  for (const e of EXAMPLES) {
    out.push(...para(e.command, 2));
    out.push(...para(e.description, 6));
  }
  return `${out.join('\n')}\n`;
}

/** `tsgitop demo --help`: the same layout for a subcommand, from its records. */
export function renderCommandHelp(c: CommandSpec, width: number): string {
  const w = Math.max(MIN_WIDTH, width);
  const out = [`Usage: tsgitop ${c.name} ${c.args ?? '[options]'}`, '', ...wrapWords(c.description, w)];
  const items = c.options.map((o) => ({ term: optionTerm(o), text: optionText(o) }));
  out.push('', 'Options:', ...definitionList([...items, { term: '-h, --help', text: 'show this help and exit' }], w));
  return `${out.join('\n')}\n`;
}
