/**
 * nginx's `stub_status` page (ngx_http_stub_status_module, in Debian's nginx-light):
 *
 * ```
 * Active connections: 291
 * server accepts handled requests
 *  16630948 16630948 31070465
 * Reading: 6 Writing: 179 Waiting: 106
 * ```
 *
 * `active` = open client connections (including waiting ones), `accepts`/`handled`/`requests` are
 * counters since the master started (they survive a reload, restart with a new master;
 * accepts > handled means connections dropped at worker_connections), reading/writing/waiting are
 * the connections reading a request head, writing a response (including the ones waiting for the
 * upstream) and idle keep-alives.
 *
 * {@link parseStubStatus} is pure; {@link fetchStubStatus} reads the page over http(s) with the
 * HTTP reader's one deadline and size cap (64 KiB by default: the page is ~100 bytes).
 */
import type { Address } from './address.js';
import { parseAddress } from './address.js';
import { StatsError } from './errors.js';
import { resolveOptions, type ReadOptions } from './transport.js';

export interface StubStatus {
  active: number;
  accepts: number;
  handled: number;
  requests: number;
  reading: number;
  writing: number;
  waiting: number;
}

/** One read of a front: the page's figures and when the read completed (ms). */
export interface FrontSample {
  status: StubStatus;
  at: number;
}

export const FRONT_MAX_BYTES = 64 * 1024;

const NUM = '(\\d{1,20})';
const ACTIVE_RE = new RegExp(`^Active connections:\\s*${NUM}\\s*$`);
const COUNTERS_RE = new RegExp(`^\\s*${NUM}\\s+${NUM}\\s+${NUM}\\s*$`);
const RWW_RE = new RegExp(`^Reading:\\s*${NUM}\\s+Writing:\\s*${NUM}\\s+Waiting:\\s*${NUM}\\s*$`);

function num(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new StatsError('BAD_SHAPE', `number out of range in the stub_status page: ${s.slice(0, 24)}`);
  return n;
}

/**
 * Parse the stub_status text. Throws StatsError BAD_SHAPE (one line, naming what is missing) for
 * anything else — an HTML error page, a stats JSON document, a truncated page.
 */
export function parseStubStatus(text: string): StubStatus {
  const lines = text.replace(/\r/g, '').split('\n').filter((l) => l.trim() !== '');
  const active = ACTIVE_RE.exec(lines[0] ?? '');
  if (!active) {
    const hint = /^\s*[[{]/.test(text) ? ' (it looks like a stats document: give it as the address, not --front)' : '';
    throw new StatsError('BAD_SHAPE', `not an nginx stub_status page: no 'Active connections' line${hint}`);
  }
  if (!/^server accepts handled requests\s*$/.test(lines[1] ?? '')) throw new StatsError('BAD_SHAPE', "not an nginx stub_status page: no 'server accepts handled requests' line");
  const counters = COUNTERS_RE.exec(lines[2] ?? '');
  if (!counters) throw new StatsError('BAD_SHAPE', 'not an nginx stub_status page: no accepts/handled/requests counters');
  const rww = RWW_RE.exec(lines[3] ?? '');
  if (!rww) throw new StatsError('BAD_SHAPE', "not an nginx stub_status page: no 'Reading: Writing: Waiting:' line");
  return {
    active: num(active[1]!),
    accepts: num(counters[1]!),
    handled: num(counters[2]!),
    requests: num(counters[3]!),
    reading: num(rww[1]!),
    writing: num(rww[2]!),
    waiting: num(rww[3]!),
  };
}

/** A front's URL as an Address: http(s) only (stub_status is an HTTP location). */
export function parseFrontAddress(input: string): Extract<Address, { kind: 'http' }> {
  const addr = parseAddress(input);
  if (addr.kind !== 'http') throw new StatsError('BAD_ADDRESS', `--front takes the URL of nginx's stub_status location, e.g. http://127.0.0.1:8080/nginx_status; got '${input.slice(0, 200)}'`);
  return addr;
}

/**
 * Read and parse a stub_status page. Errors are StatsErrors: the reader's (TIMEOUT, REFUSED,
 * HTTP_STATUS, TOO_LARGE, …) and BAD_SHAPE from {@link parseStubStatus}, prefixed with the address.
 */
export async function fetchStubStatus(addr: Extract<Address, { kind: 'http' }>, opts?: ReadOptions): Promise<FrontSample> {
  // node:http and node:https load on the first read (parsing a --front address needs neither: the monitor's start).
  const { readHttp } = await import('./http.js');
  const body = await readHttp(addr, resolveOptions({ maxBytes: FRONT_MAX_BYTES, ...opts }));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new StatsError('BAD_SHAPE', `answer from ${addr.display} is not an nginx stub_status page: not UTF-8 text`);
  }
  try {
    return { status: parseStubStatus(text), at: Date.now() };
  } catch (e) {
    if (e instanceof StatsError) throw new StatsError(e.code, `answer from ${addr.display}: ${e.message}`, { cause: e });
    throw e;
  }
}
