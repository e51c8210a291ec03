import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAddress } from '../../src/protocol/address.js';
import { readRaw, fetchStats } from '../../src/protocol/reader.js';
import { rejectsWith, sampleDoc, startServer, tempDir } from './helpers.js';

const T = { timeout: 30_000 };
const DOC = Buffer.from(sampleDoc(2));

interface Seen {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
}

/** An http(s) server on 127.0.0.1:0 closed after the test; records every request. */
async function httpServer(
  t: TestContext,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  tls?: { key: Buffer; cert: Buffer },
): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const wrapped = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    handler(req, res);
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, wrapped) : http.createServer(wrapped);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as net.AddressInfo).port;
  return { base: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, seen };
}

/** A raw TCP server that answers every connection with `reply` after reading the request head. */
async function rawHttp(t: TestContext, reply: (sock: net.Socket) => void): Promise<string> {
  const srv = await startServer(t, { host: '127.0.0.1' }, (sock) => {
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        sock.off('data', onData);
        reply(sock);
      }
    };
    sock.on('data', onData);
  });
  return `http://${srv.address}/stats`;
}

test('200 with Content-Length: body returned exactly; GET, Accept json, Connection close, path+query kept', T, async (t) => {
  const { base, seen } = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': DOC.length });
    res.end(DOC);
  });
  const addr = parseAddress(`${base}/uwsgi/stats?node=a`);
  assert.ok((await readRaw(addr)).equals(DOC));
  const r = await fetchStats(addr);
  assert.equal(r.doc.kind, 'server');
  assert.ok(r.raw.equals(DOC));
  assert.equal(seen.length, 2);
  assert.equal(seen[0]?.method, 'GET');
  assert.equal(seen[0]?.url, '/uwsgi/stats?node=a');
  assert.equal(seen[0]?.headers.accept, 'application/json');
  assert.equal(seen[0]?.headers.connection, 'close');
  assert.equal(seen[0]?.headers.authorization, undefined);
});

test('credentials in the URL are sent as Basic auth and never shown', T, async (t) => {
  const { base, seen } = await httpServer(t, (_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const addr = parseAddress(base.replace('http://', 'http://admin:s3cret@') + '/x');
  const e = await rejectsWith(readRaw(addr), 'HTTP_STATUS');
  assert.equal(seen[0]?.headers.authorization, 'Basic ' + Buffer.from('admin:s3cret').toString('base64'));
  assert.doesNotMatch(e.message, /s3cret|admin/);
});

test('chunked body is decoded', T, async (t) => {
  const { base } = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }); // no length → chunked
    const parts = [DOC.subarray(0, 10), DOC.subarray(10, 500), DOC.subarray(500)];
    const next = (): void => {
      const p = parts.shift();
      if (p === undefined) res.end();
      else res.write(p, next);
    };
    next();
  });
  const r = await fetchStats(parseAddress(base + '/'));
  assert.ok(r.raw.equals(DOC));
});

test('HTTP/1.0 body delimited by close (what uWSGI --stats-http sends)', T, async (t) => {
  const url = await rawHttp(t, (sock) =>
    sock.end(
      Buffer.concat([
        Buffer.from('HTTP/1.0 200 OK\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\nContent-Type: application/json\r\n\r\n'),
        DOC,
      ]),
    ),
  );
  const r = await fetchStats(parseAddress(url));
  assert.ok(r.raw.equals(DOC));
});

test('404 → HTTP_STATUS "HTTP 404 Not Found from URL"', T, async (t) => {
  const { base } = await httpServer(t, (_req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('nope');
  });
  const e = await rejectsWith(readRaw(parseAddress(base + '/stats')), 'HTTP_STATUS');
  assert.equal(e.message, `HTTP 404 Not Found from ${base}/stats`);
  const e2 = await rejectsWith(fetchStats(parseAddress(base + '/stats')), 'HTTP_STATUS');
  assert.equal(e2.message, e.message);
});

test('302 is reported with its Location and not followed', T, async (t) => {
  const { base, seen } = await httpServer(t, (req, res) => {
    if (req.url === '/old') {
      res.writeHead(302, { Location: '/new' });
      res.end();
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(DOC);
    }
  });
  const e = await rejectsWith(readRaw(parseAddress(base + '/old')), 'HTTP_STATUS');
  assert.equal(e.message, `HTTP 302 Found from ${base}/old (redirect to ${base}/new not followed)`);
  assert.deepEqual(
    seen.map((s) => s.url),
    ['/old'],
  );
});

test('other statuses: 500, 204, 301 without Location', T, async (t) => {
  const { base } = await httpServer(t, (req, res) => {
    res.writeHead(Number(req.url?.slice(1)));
    res.end();
  });
  assert.match((await rejectsWith(readRaw(parseAddress(base + '/500')), 'HTTP_STATUS')).message, /^HTTP 500 Internal Server Error from /);
  assert.match((await rejectsWith(readRaw(parseAddress(base + '/204')), 'HTTP_STATUS')).message, /^HTTP 204 No Content from /);
  assert.match((await rejectsWith(readRaw(parseAddress(base + '/301')), 'HTTP_STATUS')).message, /\(redirect not followed\)$/);
});

test('body shorter than Content-Length → TRUNCATED', T, async (t) => {
  const url = await rawHttp(t, (sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"workers":'));
  const e = await rejectsWith(readRaw(parseAddress(url)), 'TRUNCATED');
  assert.equal(e.message, `HTTP body from ${url} cut short: got 11 of 100 bytes`);
  await rejectsWith(fetchStats(parseAddress(url)), 'TRUNCATED');
});

test('chunked stream cut mid-way → TRUNCATED', T, async (t) => {
  const url = await rawHttp(t, (sock) => sock.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n{"workers":\r\n5\r\n[{"id'));
  const e = await rejectsWith(fetchStats(parseAddress(url)), 'TRUNCATED');
  assert.match(e.message, /^chunked HTTP body from .* cut short after \d+ bytes$/);
});

test('close-delimited body cut mid-document → TRUNCATED (from the JSON check)', T, async (t) => {
  const url = await rawHttp(t, (sock) => sock.end('HTTP/1.0 200 OK\r\n\r\n{"workers":[{"id":1}'));
  await rejectsWith(readRaw(parseAddress(url)), 'TRUNCATED');
  await rejectsWith(fetchStats(parseAddress(url)), 'TRUNCATED');
});

test('empty answers → TRUNCATED', T, async (t) => {
  const none = await rawHttp(t, (sock) => sock.end());
  assert.match((await rejectsWith(readRaw(parseAddress(none)), 'TRUNCATED')).message, /^empty answer: .* without an HTTP response$/);
  const half = await rawHttp(t, (sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Ty'));
  assert.match((await rejectsWith(readRaw(parseAddress(half)), 'TRUNCATED')).message, /in the middle of the HTTP response headers/);
  const empty = await rawHttp(t, (sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  assert.match((await rejectsWith(fetchStats(parseAddress(empty)), 'TRUNCATED')).message, /^empty answer/);
});

test('garbage status line → HTTP_PROTOCOL', T, async (t) => {
  const url = await rawHttp(t, (sock) => sock.end('garbage\r\n\r\n{}'));
  const e = await rejectsWith(readRaw(parseAddress(url)), 'HTTP_PROTOCOL');
  assert.match(e.message, /^malformed HTTP response from http:\/\/127\.0\.0\.1:\d+\/stats: /);
  const badLen = await rawHttp(t, (sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}'));
  await rejectsWith(fetchStats(parseAddress(badLen)), 'HTTP_PROTOCOL');
});

test('a plain --stats socket addressed with http:// → HTTP_PROTOCOL with a hint', T, async (t) => {
  const srv = await startServer(t, { host: '127.0.0.1' }, (sock) => sock.end(DOC));
  const e = await rejectsWith(readRaw(parseAddress(`http://${srv.address}/`)), 'HTTP_PROTOCOL');
  assert.match(e.message, /looks like a plain --stats socket: use HOST:PORT without http:\/\//);
});

test('unsupported Content-Encoding → HTTP_PROTOCOL', T, async (t) => {
  const url = await rawHttp(t, (sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}'));
  assert.match((await rejectsWith(readRaw(parseAddress(url)), 'HTTP_PROTOCOL')).message, /unsupported Content-Encoding "gzip"/);
});

test('bytes after a complete Content-Length body do not spoil it', T, async (t) => {
  const url = await rawHttp(t, (sock) => sock.end(`HTTP/1.1 200 OK\r\nContent-Length: ${DOC.length}\r\n\r\n${DOC.toString()}junk`));
  assert.ok((await readRaw(parseAddress(url))).equals(DOC));
});

test('declared Content-Length over the cap → TOO_LARGE before any body byte', T, async (t) => {
  // The server announces 10 MiB and then sends nothing: only the header can trigger the error.
  const url = await rawHttp(t, (sock) => sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`));
  const e = await rejectsWith(readRaw(parseAddress(url), { maxBytes: 1024 * 1024, timeoutMs: 10_000 }), 'TOO_LARGE');
  assert.equal(e.message, `answer from ${url} exceeds the size cap of 1 MiB (it announced 10485760 bytes)`);
});

test('streamed (chunked) body over the cap → TOO_LARGE; the client hangs up early', T, async (t) => {
  let written = 0;
  let finished = false;
  let closed!: () => void;
  const serverDone = new Promise<void>((r) => (closed = r));
  const { base } = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const block = Buffer.alloc(64 * 1024, 0x20);
    res.write('[');
    const pump = (): void => {
      while (written < 100 * 1024 * 1024) {
        written += block.length;
        if (!res.write(block)) {
          res.once('drain', pump);
          return;
        }
      }
      finished = true;
      res.end(']');
    };
    res.on('close', () => closed());
    pump();
  });
  const e = await rejectsWith(fetchStats(parseAddress(base + '/'), { maxBytes: 1024 * 1024 }), 'TOO_LARGE');
  assert.match(e.message, /size cap of 1 MiB$/);
  await serverDone;
  assert.equal(finished, false);
  assert.ok(written < 64 * 1024 * 1024, `server wrote ${written}`);
});

test('no answer → TIMEOUT; a trickled body → TIMEOUT (one overall deadline)', T, async (t) => {
  const silent = await rawHttp(t, () => {});
  assert.match((await rejectsWith(readRaw(parseAddress(silent), { timeoutMs: 300 }), 'TIMEOUT')).message, /within 300 ms$/);
  const trickle = await rawHttp(t, (sock) => {
    sock.write('HTTP/1.0 200 OK\r\n\r\n{"workers":[');
    const iv = setInterval(() => sock.write(' '), 20);
    sock.on('close', () => clearInterval(iv));
  });
  await rejectsWith(fetchStats(parseAddress(trickle), { timeoutMs: 300 }), 'TIMEOUT');
});

test('connection refused over http:// → REFUSED', T, async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  await rejectsWith(readRaw(parseAddress(`http://127.0.0.1:${port}/`)), 'REFUSED');
});

test('https: certificate verification stays on (self-signed → NETWORK TLS failure)', T, async (t) => {
  const dir = tempDir(t);
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')],
    { stdio: 'ignore' },
  );
  if (r.error || r.status !== 0) {
    t.skip(`openssl not available to make a test certificate: ${r.error?.message ?? `exit ${r.status}`}`);
    return;
  }
  const tls = { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  const { base, seen } = await httpServer(t, (_req, res) => res.end(DOC), tls);
  const e = await rejectsWith(fetchStats(parseAddress(base + '/')), 'NETWORK');
  assert.match(e.message, /^TLS failure talking to https:\/\/127\.0\.0\.1:\d+\/: .*self.signed/i);
  assert.equal(seen.length, 0, 'no request was sent over the untrusted connection');
});
