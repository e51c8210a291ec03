/**
 * Fleet targets: `--targets FILE` and positional addresses.
 *
 * File syntax (UTF-8 text, one target per line):
 *
 * ```
 * # a comment; blank lines are ignored
 * web1 = 10.0.0.11:9191          # LABEL = ADDRESS
 * web2 = http://10.0.0.12:9191/
 * /run/app/stats.sock            # ADDRESS alone: the label is the address as written
 * front edge = http://127.0.0.1:8080/nginx_status   # an nginx front (stub_status URL)
 * ```
 *
 * - `front LABEL = URL` or `front URL`: an nginx in front, read from its
 *   `stub_status` location (http only); its row shows connections, req/s
 *   and state instead of workers.
 *
 * - `#` starts a comment at the start of a line or after whitespace (so a
 *   `#` inside an address, e.g. `./a#b.sock`, is kept).
 * - `LABEL = ADDRESS`: LABEL is 1–64 characters of letters, digits and
 *   `_ . @ -`, starting with a letter or digit; the spaces around `=` are
 *   optional. A line whose text before the first `=` is not such a label is
 *   one address (so `http://h:1/stats?x=1` needs no label). A relative unix
 *   path that contains `=` is written `./a=b.sock`.
 * - ADDRESS is any address tsgitop accepts (parseAddress).
 * - Labels and addresses must be unique; at most 4096 targets.
 *
 * Every error is a StatsError BAD_ADDRESS (a usage error: exit 2) whose
 * one-line message starts with `FILE:LINE:`.
 */
import { readFile, stat } from 'node:fs/promises';
import { formatAddress, parseAddress, type Address } from '../protocol/address.js';
import { StatsError, isStatsError } from '../protocol/errors.js';
import { parseFrontAddress } from '../protocol/nginx.js';

/** One monitored stats server. */
export interface Target {
  /** Short name shown in the fleet table (unique). */
  label: string;
  address: Address;
  /** Where it was defined: `FILE:LINE` or `argument N`. */
  origin: string;
  /** An nginx front (its stub_status URL), not a stats server. */
  front?: boolean;
}

/** At most this many targets. */
export const MAX_TARGETS = 4096;
/** A targets file larger than this is refused. */
export const MAX_TARGETS_FILE_BYTES = 1024 * 1024;

const LABEL_RE = /^([A-Za-z0-9][A-Za-z0-9_.@-]{0,63})\s*=\s*(.*)$/;

function fail(where: string, message: string): StatsError {
  return new StatsError('BAD_ADDRESS', `${where}: ${message}`);
}

function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? s.slice(0, 80) + '…' : s);
}

/** Strip a comment: `#` at the start or after whitespace. */
function stripComment(line: string): string {
  const m = /(^|\s)#/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

/**
 * Parse the text of a targets file. `name` is used in messages.
 * @throws StatsError BAD_ADDRESS `NAME:LINE: …` on the first bad line.
 */
export function parseTargets(text: string, name = 'targets'): Target[] {
  const out: Target[] = [];
  const labels = new Map<string, number>();
  const addrs = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const where = `${name}:${lineNo}`;
    const line = stripComment(raw.replace(/\r$/, '')).trim();
    if (line === '') return;
    let label: string | undefined;
    const fm = /^front\s+([^=\s].*)$/.exec(line);
    const front = fm !== null;
    const rest = fm ? fm[1]!.trim() : line;
    let addrText = rest;
    const m = LABEL_RE.exec(rest);
    if (m) {
      label = m[1]!;
      addrText = m[2]!.trim();
      if (addrText === '') throw fail(where, `missing address after '${label} ='`);
    } else if (rest.startsWith('=')) {
      throw fail(where, `missing label before '=' (write LABEL = ADDRESS)`);
    }
    let address: Address;
    try {
      address = front ? parseFrontAddress(addrText) : parseAddress(addrText);
    } catch (e) {
      throw fail(where, isStatsError(e) ? e.message : String(e));
    }
    label ??= address.display;
    const firstLabel = labels.get(label);
    if (firstLabel !== undefined) throw fail(where, `duplicate label ${quote(label)} (first on line ${firstLabel})`);
    const key = formatAddress(address);
    const firstAddr = addrs.get(key);
    if (firstAddr !== undefined) throw fail(where, `duplicate address ${quote(address.display)} (first on line ${firstAddr})`);
    if (out.length >= MAX_TARGETS) throw fail(where, `too many targets (at most ${MAX_TARGETS})`);
    labels.set(label, lineNo);
    addrs.set(key, lineNo);
    out.push(front ? { label, address, origin: where, front: true } : { label, address, origin: where });
  });
  if (out.length === 0) throw new StatsError('BAD_ADDRESS', `${name}: no targets (one address per line, optionally LABEL = ADDRESS)`);
  return out;
}

/**
 * Read and parse a targets file.
 * @throws StatsError BAD_ADDRESS: unreadable file, too large, or a bad line (`FILE:LINE: …`).
 */
export async function loadTargetsFile(file: string): Promise<Target[]> {
  let text: string;
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (st.size > MAX_TARGETS_FILE_BYTES) {
      throw new StatsError('BAD_ADDRESS', `targets file ${file} is too large (${st.size} bytes; at most ${MAX_TARGETS_FILE_BYTES})`);
    }
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (isStatsError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new StatsError('BAD_ADDRESS', `cannot read targets file ${file}: ${why}`);
  }
  return parseTargets(text, file);
}

/**
 * Targets from positional addresses (label = the address as written).
 * @throws StatsError BAD_ADDRESS `argument N: …`.
 */
export function targetsFromArgs(args: readonly string[]): Target[] {
  return args.map((a, i) => {
    const where = `argument ${i + 1}`;
    try {
      const address = parseAddress(a);
      return { label: address.display, address, origin: where };
    } catch (e) {
      throw fail(where, isStatsError(e) ? e.message : String(e));
    }
  });
}

/**
 * Concatenate target lists (e.g. `--targets FILE` then positional
 * addresses), rejecting duplicate labels or addresses across them.
 * @throws StatsError BAD_ADDRESS naming both origins.
 */
export function combineTargets(...lists: readonly (readonly Target[])[]): Target[] {
  const out: Target[] = [];
  const labels = new Map<string, Target>();
  const addrs = new Map<string, Target>();
  for (const list of lists) {
    for (const t of list) {
      const l = labels.get(t.label);
      if (l) throw fail(t.origin, `duplicate label ${quote(t.label)} (also ${l.origin})`);
      const key = formatAddress(t.address);
      const a = addrs.get(key);
      if (a) throw fail(t.origin, `duplicate address ${quote(t.address.display)} (also ${a.origin})`);
      if (out.length >= MAX_TARGETS) throw fail(t.origin, `too many targets (at most ${MAX_TARGETS})`);
      labels.set(t.label, t);
      addrs.set(key, t);
      out.push(t);
    }
  }
  return out;
}
