/**
 * `tsgitop --connect-and-read ADDR`: the one-shot dump. Writes the document
 * exactly as the server sent it (byte for byte, like
 * `uwsgi --connect-and-read`, but to stdout so it pipes into jq), or
 * re-indented with --pretty.
 *
 * On a terminal the bytes are not trusted: they are decoded as UTF-8
 * (invalid sequences shown as U+FFFD) and every control character except
 * newline and tab, every C1 control and bidi override is shown as a visible
 * escape (`\x1b`, `\x9b`, `\u202e`: the one sanitizer, src/text/sanitize.ts),
 * so a hostile answer cannot retitle the terminal or type into the shell.
 * Piped or redirected, the output stays byte-exact.
 */
import type { Address } from '../protocol/address.js';
import { readRaw } from '../protocol/reader.js';
import { StatsError } from '../protocol/errors.js';
import { clean, jsonVisible, oneLine } from '../text/sanitize.js';
import { write } from './output.js';
import type { CliIo, CommonOptions } from './io.js';

export { write } from './output.js';

/** What goes to a terminal: the text with its controls made visible. */
function forTerminal(text: string): string {
  return clean(text, { keepNewlines: true });
}

export async function connectAndRead(addr: Address, opts: CommonOptions & { pretty: boolean }, io: CliIo): Promise<number> {
  const raw = await readRaw(addr, { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes });
  const tty = io.stdout.isTTY === true;
  if (!opts.pretty) {
    await write(io.stdout, tty ? forTerminal(new TextDecoder('utf-8').decode(raw)) : raw);
    return 0;
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (e) {
    throw new StatsError('NOT_JSON', `${addr.display} did not send JSON, cannot --pretty it (${oneLine(e)})`);
  }
  // JSON.stringify escapes C0 controls; C1 and bidi controls become \uHHHH escapes too (the same JSON value).
  await write(io.stdout, jsonVisible(JSON.stringify(value, null, 2)) + '\n');
  return 0;
}
