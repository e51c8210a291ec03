/**
 * The fault server process (see servers.ts for the control protocol).
 * Usage: node server-main.js PATH|tcp MODE_JSON
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { badUtf8Doc, deepDoc, dupIdsDoc, goodDoc, weirdDoc, wideDoc } from './docs.js';
import type { Mode } from './servers.js';

const target = process.argv[2] ?? '';
let mode = JSON.parse(process.argv[3] ?? '{"kind":"good"}') as Mode;
let conns = 0;
const sockets = new Set<net.Socket>();
let server: net.Server | undefined;

function say(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

let deepCache: { depth: number; text: string } | undefined;
let hugeChunk: Buffer | undefined;

function streamHuge(sock: net.Socket, total: number): void {
  if (!hugeChunk) {
    const unit = Buffer.from('{"id":1,"pid":2,"requests":3,"status":"idle"},');
    hugeChunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < hugeChunk.length; i += unit.length) unit.copy(hugeChunk, i);
    Buffer.from('{"workers":[').copy(hugeChunk, 0);
  }
  const chunk = hugeChunk;
  let sent = 0;
  let closed = false;
  sock.on('close', () => {
    closed = true;
    say({ event: 'sent', bytes: sent });
  });
  const pump = (): void => {
    while (!closed && sent < total) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!sock.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        sock.once('drain', pump);
        return;
      }
    }
    if (!closed) sock.end();
  };
  pump();
}

function onConn(sock: net.Socket): void {
  const n = ++conns;
  sockets.add(sock);
  sock.on('error', () => undefined);
  sock.on('close', () => sockets.delete(sock));
  say({ event: 'conn', n });
  const m = mode;
  switch (m.kind) {
    case 'good':
      sock.end(goodDoc(m, n));
      return;
    case 'half': {
      const d = Buffer.from(goodDoc(m, n));
      sock.write(d.subarray(0, d.length >> 1), () => say({ event: 'half', n }));
      return;
    }
    case 'silent':
      return;
    case 'trickle': {
      const d = Buffer.from(goodDoc(m, n));
      let i = 0;
      const timer = setInterval(() => {
        if (i >= d.length) {
          clearInterval(timer);
          sock.end();
          return;
        }
        sock.write(d.subarray(i, i + 1));
        i++;
      }, m.intervalMs);
      sock.on('close', () => {
        clearInterval(timer);
        say({ event: 'trickled', bytes: i });
      });
      return;
    }
    case 'huge':
      streamHuge(sock, m.totalBytes);
      return;
    case 'badutf8':
      sock.end(badUtf8Doc());
      return;
    case 'deep':
      if (deepCache?.depth !== m.depth) deepCache = { depth: m.depth, text: deepDoc(m.depth) };
      sock.end(deepCache.text);
      return;
    case 'wide':
      sock.end(wideDoc(m.workers, n));
      return;
    case 'weird':
      sock.end(weirdDoc(n));
      return;
    case 'dupids':
      sock.end(dupIdsDoc(n));
      return;
    case 'garbage':
      sock.end(randomBytes(4096));
      return;
    case 'reset':
      sock.resetAndDestroy();
      return;
    case 'close':
      sock.end();
      return;
  }
}

function listen(): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer(onConn);
    s.once('error', reject);
    if (target === 'tcp') {
      s.listen(0, '127.0.0.1', () => resolve());
    } else {
      if (existsSync(target)) unlinkSync(target);
      s.listen(target, () => resolve());
    }
    server = s;
  });
}

function closeServer(): Promise<void> {
  return new Promise((resolve) => {
    const s = server;
    server = undefined;
    if (!s) return resolve();
    s.close(() => resolve());
  });
}

createInterface({ input: process.stdin }).on('line', (line) => {
  let msg: { id?: number; mode?: Mode; cmd?: string };
  try {
    msg = JSON.parse(line) as typeof msg;
  } catch {
    return;
  }
  void (async () => {
    try {
      if (msg.mode) mode = msg.mode;
      if (msg.cmd === 'relisten') {
        await closeServer();
        await listen();
      }
      say({ ack: msg.id });
    } catch (e) {
      say({ ack: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  })();
});
// The parent went away: stop.
process.stdin.on('end', () => process.exit(0));

await listen();
const addr = server!.address();
say({ ready: true, pid: process.pid, n: typeof addr === 'object' && addr ? addr.port : 0 });
