/**
 * `tsgitop --connect-and-read ADDR`: the one-shot dump. Writes the document
 * exactly as the server sent it (byte for byte, like
 * `uwsgi --connect-and-read`, but to stdout so it pipes into jq), or
 * re-indented with --pretty.
 */
import type { Address } from '../protocol/address.js';
import { readRaw } from '../protocol/reader.js';
import { StatsError } from '../protocol/errors.js';
import { write, type CliIo, type CommonOptions } from './io.js';

export async function connectAndRead(addr: Address, opts: CommonOptions & { pretty: boolean }, io: CliIo): Promise<number> {
  const raw = await readRaw(addr, { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes });
  if (!opts.pretty) {
    await write(io.stdout, raw);
    return 0;
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (e) {
    throw new StatsError('NOT_JSON', `${addr.display} did not send JSON, cannot --pretty it (${e instanceof Error ? e.message : String(e)})`);
  }
  await write(io.stdout, JSON.stringify(value, null, 2) + '\n');
  return 0;
}
