/**
 * The HTTP stats listener, hardening round 2 (issue 10 points 5 and 14,
 * issue 14 point 3): the 8 KiB head limit whatever the read boundaries,
 * the Host check (DNS rebinding), and `prometheus` without `http`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { listenStats, EmitterError } from '../../src/emitter/listener.js';
import { DocumentSource } from '../../src/emitter/source.js';
import { buildDocument, processIdentity } from '../../src/emitter/builder.js';
import { readAll, splitHttp, tempDir } from './helpers.js';

const source = (): DocumentSource =>
  new DocumentSource(() => buildDocument({ identity: processIdentity(), listenQueue: 0, listenQueueErrors: 0, sockets: [], workers: [] }));

async function http(t: import('node:test').TestContext, extra: Parameters<typeof listenStats>[1] = {}): Promise<number> {
  const l = await listenStats(source(), { host: '127.0.0.1', port: 0, http: true, prometheus: true, ...extra });
  t.after(() => l.close());
  return l.port!;
}

const status = async (port: number, head: string | Buffer): Promise<string> => splitHttp(await readAll({ host: '127.0.0.1', port }, head)).statusLine;

test('a 9 KB request head gets 431 even when it arrives in one read (and in many)', async (t) => {
  const port = await http(t);
  const big = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'a'.repeat(9000)}\r\n\r\n`;
  assert.equal(await status(port, Buffer.from(big)), 'HTTP/1.0 431 Request Header Fields Too Large');
  // exactly at the limit still passes; just over it does not
  const at = (n: number): string => {
    const base = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: \r\n\r\n';
    return base.replace('X-Pad: ', `X-Pad: ${'b'.repeat(n - base.length)}`);
  };
  assert.equal(await status(port, at(8192)), 'HTTP/1.0 200 OK');
  assert.equal(await status(port, at(8197)), 'HTTP/1.0 431 Request Header Fields Too Large');
  // in pieces
  const pieces = await new Promise<string>((resolve, reject) => {
    import('node:net').then(({ createConnection }) => {
      const s = createConnection({ host: '127.0.0.1', port });
      let got = '';
      let i = 0;
      const next = (): void => {
        if (i >= big.length || s.destroyed) return;
        s.write(big.slice(i, i + 1000), () => setImmediate(next));
        i += 1000;
      };
      s.on('connect', next);
      s.setEncoding('latin1');
      s.on('data', (d: string) => (got += d));
      s.on('error', () => undefined);
      s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    }, reject);
  });
  assert.equal(pieces, 'HTTP/1.0 431 Request Header Fields Too Large');
});

test('Host check: loopback names and addresses are served; any other name gets 421, for the JSON and /metrics', async (t) => {
  const port = await http(t, { allowedHosts: ['Stats.Internal'] });
  const req = (host: string | undefined, path = '/'): string => `GET ${path} HTTP/1.1\r\n${host === undefined ? '' : `Host: ${host}\r\n`}\r\n`;
  for (const h of ['127.0.0.1', `127.0.0.1:${port}`, '127.1.2.3', 'localhost', `LOCALHOST:${port}`, 'localhost.', '[::1]', `[::1]:${port}`, 'stats.internal', `stats.internal:${port}`, undefined]) {
    assert.equal(await status(port, req(h)), 'HTTP/1.0 200 OK', `Host ${String(h)}`);
    assert.equal(await status(port, req(h, '/metrics')), 'HTTP/1.0 200 OK', `Host ${String(h)} /metrics`);
  }
  for (const h of ['attacker.example', `attacker.example:${port}`, 'localhost.attacker.example', '127.0.0.1.nip.io', '10.0.0.1', '[::2]', 'stats.internal.evil', '']) {
    for (const path of ['/', '/metrics']) {
      const r = splitHttp(await readAll({ host: '127.0.0.1', port }, req(h, path)));
      assert.equal(r.statusLine, 'HTTP/1.0 421 Misdirected Request', `Host ${h} ${path}`);
      assert.ok(!r.body.toString().includes('"workers"') && !r.body.toString().includes('uwsgi_'), 'no stats in a refusal');
    }
  }
});

test('a unix-socket HTTP listener takes any Host (no browser reaches it)', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 's.sock');
  const l = await listenStats(source(), { path, http: true });
  t.after(() => l.close());
  const r = splitHttp(await readAll({ path }, 'GET / HTTP/1.1\r\nHost: anything.example\r\n\r\n'));
  assert.equal(r.statusLine, 'HTTP/1.0 200 OK');
});

test('{ port, prometheus: true } without http: true is refused with EINVAL naming the fix', async () => {
  await assert.rejects(
    listenStats(source(), { host: '127.0.0.1', port: 0, prometheus: true }),
    (e: unknown) => e instanceof EmitterError && e.code === 'EINVAL' && /http: true/.test(e.message),
  );
});

test('fair share: one peer opening idle connections evicts its own oldest, never another peer’s', async (t) => {
  const { createConnection } = await import('node:net');
  const port = await http(t, { maxClients: 4, headTimeoutMs: 10_000 });
  const socks: import('node:net').Socket[] = [];
  t.after(() => socks.forEach((s) => s.destroy()));
  const closed = new Map<import('node:net').Socket, boolean>();
  const open = async (localAddress: string): Promise<import('node:net').Socket> => {
    const s = createConnection({ host: '127.0.0.1', port, localAddress });
    s.on('error', () => undefined);
    closed.set(s, false);
    s.on('close', () => closed.set(s, true));
    socks.push(s);
    await new Promise((r) => s.once('connect', r));
    return s;
  };
  const a: import('node:net').Socket[] = [];
  for (let i = 0; i < 4; i++) a.push(await open('127.0.0.2'));
  const b = await open('127.0.0.3'); // A holds all 4 slots: A's oldest makes room
  const { waitFor } = await import('./helpers.js');
  await waitFor(() => closed.get(a[0]!), "peer A's oldest connection to be dropped");
  for (let i = 0; i < 6; i++) a.push(await open('127.0.0.2')); // A keeps opening: only A's own go
  await waitFor(() => a.filter((s) => closed.get(s)).length === 7, 'A to lose 7 of its 10 connections');
  assert.equal(closed.get(b), false, "peer B's one connection survived peer A's flood");
  // and B is still served when it finally sends its request
  const answer = await new Promise<string>((resolve) => {
    let got = '';
    b.setEncoding('latin1');
    b.on('data', (d: string) => (got += d));
    b.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    b.write('GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
  });
  assert.equal(answer, 'HTTP/1.0 200 OK');
});
