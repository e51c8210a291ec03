/**
 * Parsing and formatting of stats-server addresses.
 *
 * Accepted forms (surrounding whitespace is ignored):
 *
 * | input                         | kind       | notes                                              |
 * |-------------------------------|------------|----------------------------------------------------|
 * | `/run/app.status`             | `unix`     | absolute path                                      |
 * | `./app.status`, `../x/s.sock` | `unix`     | may contain `:`; resolved against the cwd          |
 * | `app.status`                  | `unix`     | no `:` at all → a path relative to the cwd         |
 * | `unix:PATH`                   | `unix`     | PATH taken verbatim (may contain `:`)              |
 * | `unix:@name`, `@name`         | `abstract` | Linux abstract socket, connected as `'\0' + name`  |
 * | `host:port`, `localhost:port` | `tcp`      | host is a DNS name or dotted IPv4                  |
 * | `:port`                       | `tcp`      | host 127.0.0.1                                     |
 * | `[::1]:port`                  | `tcp`      | IPv6 literals need brackets                        |
 * | `http://…`, `https://…`       | `http`     | `--stats-http` servers and proxies                 |
 *
 * Control characters (NUL, newline, …) are rejected anywhere in the input.
 *
 * Ambiguous inputs are decided as follows (each rejected input gets a
 * one-line BAD_ADDRESS message that says how to write what was probably
 * meant):
 * - `foo:bar` (one colon, non-numeric port) is rejected as a bad port, not
 *   taken as a file name: a typo of `host:port` is far likelier than a socket
 *   file with a colon in its name, which can still be written `./foo:bar` or
 *   `unix:foo:bar`.
 * - A bare number such as `3031` is rejected: it is almost certainly a port
 *   missing its colon (`:3031`); a socket file of that name is `./3031`.
 * - Two or more colons outside brackets (`::1:3031`, `fe80::1`) are rejected as
 *   an IPv6 literal without brackets.
 * - Any `scheme://` other than http/https is rejected (`ftp://`, `tcp://`).
 *
 * `display` is what error messages show: for unix paths exactly what the user
 * typed (so `app.status` stays `app.status` although `path` is absolute); for
 * TCP the canonical `host:port`; for HTTP the URL **without credentials**
 * (`http://user:pw@h/` → `http://h/`) and without a `#fragment`, so a
 * password never reaches a terminal or a log. The credentials stay in `url`
 * and are sent as Basic auth.
 */
import { resolve as resolvePath } from 'node:path';
import { isIP } from 'node:net';
import { StatsError } from './errors.js';

/** Where a stats document can be read from. */
export type Address =
  | { kind: 'unix'; path: string; display: string }
  | { kind: 'abstract'; name: string; display: string }
  | { kind: 'tcp'; host: string; port: number; display: string }
  | { kind: 'http'; url: URL; display: string };

/** Host used for `:port`. */
export const DEFAULT_TCP_HOST = '127.0.0.1';

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** RFC 1123 host name (labels of letters, digits, hyphens; `_` tolerated as in many resolvers) or dotted IPv4. */
const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

function bad(message: string): StatsError {
  return new StatsError('BAD_ADDRESS', message);
}

/** Printable, single-line rendering of user input inside an error message. */
function quote(s: string): string {
  const max = 80;
  const cut = s.length > max ? s.slice(0, max) + '…' : s;
  return JSON.stringify(cut);
}

/**
 * Parse a decimal port. `what` is the whole input, for the message.
 * @throws StatsError BAD_ADDRESS when not 1..65535.
 */
function parsePort(text: string, input: string): number {
  if (text === '') throw bad(`missing port in ${quote(input)} (write HOST:PORT, e.g. 127.0.0.1:3031)`);
  if (!/^[0-9]+$/.test(text)) {
    throw bad(
      `bad port ${quote(text)} in ${quote(input)}: not a number` +
        ` (for a socket file whose name contains ':' write ./NAME or unix:NAME)`,
    );
  }
  const port = text.length > 6 ? Infinity : Number(text);
  if (port < 1 || port > 65535) throw bad(`port ${text} in ${quote(input)} is out of range (1-65535)`);
  return port;
}

function parseUnix(path: string, typed: string): Address {
  if (path === '') throw bad(`empty socket path in ${quote(typed)}`);
  if (path.includes('\0')) throw bad(`socket path ${quote(typed)} contains a NUL byte`);
  return { kind: 'unix', path: resolvePath(path), display: typed };
}

function parseAbstract(name: string, typed: string): Address {
  if (name === '') throw bad(`missing abstract socket name after '@' in ${quote(typed)} (write @NAME)`);
  if (name.includes('\0')) throw bad(`abstract socket name ${quote(typed)} contains a NUL byte`);
  return { kind: 'abstract', name, display: '@' + name };
}

function parseHttp(input: string): Address {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw bad(`malformed URL ${quote(input)}`);
  }
  if (url.hostname === '') throw bad(`missing host in URL ${quote(input)}`);
  if (url.port === '0') throw bad(`port 0 in URL ${quote(input)} is out of range (1-65535)`);
  // URL already rejected ports > 65535 and non-numeric ports.
  url.hash = '';
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  return { kind: 'http', url, display: shown.href };
}

function tcpDisplay(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parse a stats address (see the module comment for every accepted form and
 * how ambiguous input is decided).
 *
 * @example parseAddress(':3031')            // {kind:'tcp', host:'127.0.0.1', port:3031, display:'127.0.0.1:3031'}
 * @example parseAddress('app.status')       // {kind:'unix', path:'/cwd/app.status', display:'app.status'}
 * @example parseAddress('@uwsgi-stats')     // {kind:'abstract', name:'uwsgi-stats', display:'@uwsgi-stats'}
 * @throws StatsError with code BAD_ADDRESS and a one-line message naming the problem.
 */
export function parseAddress(input: string): Address {
  // Tolerate non-string input from untyped callers (JSON config files and the like).
  const typed = (typeof input === 'string' ? input : String(input)).trim();
  if (typed === '') throw bad('empty address (expected a socket path, @name, HOST:PORT, :PORT or http://HOST:PORT/)');
  // Keeps `display` (and so every error message) on one line; no real socket name needs these.
  if (/[\u0000-\u001f\u007f]/.test(typed)) throw bad(`address ${quote(typed)} contains a control character`);

  if (typed.startsWith('unix:')) {
    const rest = typed.slice('unix:'.length);
    if (rest.startsWith('@')) return parseAbstract(rest.slice(1), typed);
    return parseUnix(rest, typed);
  }
  if (typed.startsWith('@')) return parseAbstract(typed.slice(1), typed);
  // Explicit paths: may contain any character, colons included.
  if (typed.startsWith('/') || typed.startsWith('./') || typed.startsWith('../') || typed === '.' || typed === '..') {
    return parseUnix(typed, typed);
  }

  const scheme = SCHEME_RE.exec(typed);
  if (scheme) {
    const name = (scheme[1] ?? '').toLowerCase();
    if (name === 'http' || name === 'https') return parseHttp(typed);
    throw bad(`unsupported URL scheme '${name}:' in ${quote(typed)} (only http:// and https:// are understood)`);
  }

  // [v6]:port
  if (typed.startsWith('[')) {
    const close = typed.indexOf(']');
    if (close < 0) throw bad(`missing ']' in ${quote(typed)} (write [IPv6]:PORT, e.g. [::1]:3031)`);
    const host = typed.slice(1, close);
    if (isIP(host) !== 6) throw bad(`${quote(host)} is not an IPv6 address (in ${quote(typed)})`);
    const after = typed.slice(close + 1);
    if (after === '') throw bad(`missing port in ${quote(typed)} (write [IPv6]:PORT)`);
    if (!after.startsWith(':')) throw bad(`unexpected ${quote(after)} after ']' in ${quote(typed)} (write [IPv6]:PORT)`);
    const port = parsePort(after.slice(1), typed);
    return { kind: 'tcp', host, port, display: tcpDisplay(host, port) };
  }

  const firstColon = typed.indexOf(':');
  if (firstColon < 0) {
    if (/^[0-9]+$/.test(typed)) {
      const t = typed.length > 12 ? typed.slice(0, 12) + '…' : typed;
      throw bad(`ambiguous address ${quote(typed)}: for a TCP port write :${t}, for a socket file of that name write ./${t}`);
    }
    return parseUnix(typed, typed);
  }
  if (typed.indexOf(':', firstColon + 1) >= 0) {
    const v6 = isIP(typed) === 6 || isIP(typed.slice(0, typed.lastIndexOf(':'))) === 6;
    throw bad(
      v6
        ? `IPv6 address ${quote(typed)} needs brackets: write [ADDRESS]:PORT, e.g. [::1]:3031`
        : `too many ':' in ${quote(typed)} (write HOST:PORT, [IPv6]:PORT, or ./PATH for a file name with colons)`,
    );
  }

  const hostText = typed.slice(0, firstColon);
  const port = parsePort(typed.slice(firstColon + 1), typed);
  const host = hostText === '' ? DEFAULT_TCP_HOST : hostText;
  if (!HOSTNAME_RE.test(host)) throw bad(`bad host name ${quote(hostText)} in ${quote(typed)}`);
  return { kind: 'tcp', host, port, display: tcpDisplay(host, port) };
}

/**
 * Canonical, credential-free text for an address: `parseAddress(formatAddress(a))`
 * designates the same endpoint as `a` (unix paths come out absolute; an HTTP
 * URL loses its user:password, which are never printed).
 */
export function formatAddress(addr: Address): string {
  switch (addr.kind) {
    case 'unix':
      return addr.path;
    case 'abstract':
      return '@' + addr.name;
    case 'tcp':
      return tcpDisplay(addr.host, addr.port);
    case 'http': {
      const u = new URL(addr.url.href);
      u.username = '';
      u.password = '';
      u.hash = '';
      return u.href;
    }
  }
}
