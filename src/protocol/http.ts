/**
 * The HTTP variant of the stats protocol: uWSGI's `--stats-http` and any
 * HTTP proxy in front of a stats socket.
 *
 * uWSGI 2.0.21 `--stats-http` waits for the client to send *something*
 * (it does not parse the request), then answers
 * `HTTP/1.0 200 OK` / `Connection: close` / `Access-Control-Allow-Origin: *`
 * / `Content-Type: application/json`, no Content-Length, the document, and
 * closes. A client that sends nothing gets nothing and is disconnected after
 * uWSGI's socket timeout (4 s by default).
 *
 * One GET with `Accept: application/json` and `Connection: close`; the
 * default CA store for https (verification is never disabled); credentials
 * in the URL are sent as Basic auth. Status other than 200 → HTTP_STATUS
 * (redirects are reported, not followed); a body shorter than its
 * Content-Length or a cut chunked stream → TRUNCATED; an unparsable response
 * → HTTP_PROTOCOL; a Content-Length above the cap → TOO_LARGE before any
 * body byte is read, and the streamed body is capped as well.
 */
import http from 'node:http';
import https from 'node:https';
import type { Address } from './address.js';
import { StatsError } from './errors.js';
import { ByteSink, Deadline, abortError, mapSocketError, oneLine, timeoutError, tooLargeError, type ResolvedOptions } from './transport.js';

type HttpAddress = Extract<Address, { kind: 'http' }>;

interface HttpParseError {
  code?: unknown;
  reason?: unknown;
  message?: unknown;
  rawPacket?: unknown;
}

/** Location header without credentials, on one line. */
function safeLocation(location: string | undefined, base: URL): string {
  if (location === undefined || location === '') return '';
  try {
    const u = new URL(location, base);
    u.username = '';
    u.password = '';
    return oneLine(u.href, 300);
  } catch {
    return oneLine(location, 300);
  }
}

function statusError(addr: HttpAddress, res: http.IncomingMessage): StatsError {
  const code = res.statusCode ?? 0;
  const text = oneLine(res.statusMessage || http.STATUS_CODES[code] || '', 80);
  const head = `HTTP ${code}${text ? ' ' + text : ''} from ${addr.display}`;
  if (code >= 300 && code < 400) {
    const loc = safeLocation(res.headers.location, addr.url);
    return new StatsError('HTTP_STATUS', `${head} (redirect${loc ? ' to ' + loc : ''} not followed)`);
  }
  return new StatsError('HTTP_STATUS', head);
}

function protocolError(addr: HttpAddress, e: unknown): StatsError {
  const pe = (typeof e === 'object' && e !== null ? e : {}) as HttpParseError;
  const reason = typeof pe.reason === 'string' ? pe.reason : typeof pe.message === 'string' ? pe.message : String(e);
  let hint = '';
  if (pe.rawPacket instanceof Uint8Array && pe.rawPacket.length > 0 && (pe.rawPacket[0] === 0x7b || pe.rawPacket[0] === 0x5b)) {
    hint = ' (it looks like a plain --stats socket: use HOST:PORT without http://)';
  }
  return new StatsError('HTTP_PROTOCOL', `malformed HTTP response from ${addr.display}: ${oneLine(reason, 120)}${hint}`, { cause: e });
}

/**
 * GET the document at `addr.url`; resolves with the (de-chunked) body,
 * possibly empty. Options must already be resolved (see transport.ts).
 */
export function readHttp(addr: HttpAddress, o: ResolvedOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let total = 0;
    let req: http.ClientRequest | undefined;
    let res: http.IncomingMessage | undefined;

    const finish = (err: unknown, value?: Buffer): void => {
      if (!deadline.settle()) return;
      res?.destroy();
      req?.destroy();
      if (err === undefined && value !== undefined) resolve(value);
      else reject(err);
    };
    const deadline = new Deadline(
      o,
      () => finish(timeoutError(addr, o.timeoutMs)),
      () => finish(abortError(addr, o.signal as AbortSignal)),
    );

    const mod = addr.url.protocol === 'https:' ? https : http;
    try {
      req = mod.request(addr.url, {
        method: 'GET',
        agent: false,
        headers: { Accept: 'application/json', Connection: 'close', 'User-Agent': 'tsgitop' },
      });
    } catch (e) {
      finish(mapSocketError(addr, e));
      return;
    }

    req.on('error', (e: Error) => {
      // Bytes after a complete body (e.g. more than Content-Length) do not spoil the body.
      if (res?.complete) return;
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('HPE_')) {
        finish(protocolError(addr, e));
      } else if (res === undefined && code === 'ECONNRESET' && e.message === 'socket hang up') {
        const got = req?.socket?.bytesRead ?? 0;
        finish(
          new StatsError(
            'TRUNCATED',
            got === 0
              ? `empty answer: ${addr.display} closed the connection without an HTTP response`
              : `${addr.display} closed the connection in the middle of the HTTP response headers`,
            { cause: e },
          ),
        );
      } else {
        finish(mapSocketError(addr, e));
      }
    });

    req.on('response', (r: http.IncomingMessage) => {
      res = r;
      if (r.statusCode !== 200) {
        finish(statusError(addr, r));
        return;
      }
      const enc = r.headers['content-encoding'];
      if (enc !== undefined && enc.trim().toLowerCase() !== 'identity') {
        finish(new StatsError('HTTP_PROTOCOL', `unsupported Content-Encoding ${JSON.stringify(oneLine(enc, 40))} from ${addr.display}`));
        return;
      }
      const lengthHeader = r.headers['content-length'];
      const declared = lengthHeader === undefined ? undefined : Number(lengthHeader);
      if (declared !== undefined && declared > o.maxBytes) {
        finish(tooLargeError(addr, o.maxBytes, declared));
        return;
      }
      // A declared length sizes the buffer once (it is at most the cap, checked above).
      const body = new ByteSink(o.maxBytes, declared !== undefined && Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined);
      r.on('data', (chunk: Buffer) => {
        if (deadline.settled) return;
        total += chunk.length;
        if (!body.push(chunk)) finish(tooLargeError(addr, o.maxBytes));
      });
      r.on('end', () => {
        if (!r.complete) finish(cutError(addr, total, declared, r));
        else finish(undefined, body.take());
      });
      r.on('error', (e: Error) => {
        const code = (e as { code?: unknown }).code;
        if (code === 'ECONNRESET' && e.message === 'aborted') finish(cutError(addr, total, declared, r));
        else finish(mapSocketError(addr, e));
      });
      r.on('close', () => {
        if (!r.complete) finish(cutError(addr, total, declared, r));
      });
    });

    req.end();
  });
}

function cutError(addr: HttpAddress, got: number, declared: number | undefined, r: http.IncomingMessage): StatsError {
  if (declared !== undefined) {
    return new StatsError('TRUNCATED', `HTTP body from ${addr.display} cut short: got ${got} of ${declared} bytes`);
  }
  const chunked = /chunked/i.test(r.headers['transfer-encoding'] ?? '');
  return new StatsError('TRUNCATED', `${chunked ? 'chunked ' : ''}HTTP body from ${addr.display} cut short after ${got} bytes`);
}
