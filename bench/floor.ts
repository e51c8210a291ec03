/**
 * The floor of issue 13: the leanest possible Node monitor. Every interval
 * it connects, reads to EOF, `JSON.parse`s the document and writes one line
 * per worker after a cursor-home. No validation, no sanitizing, no model,
 * no colours, no terminal library: whatever tsgitop costs beyond this is
 * what its features cost. bench/side.ts runs it beside the real monitor.
 *
 *   node dist/bench/floor.js SOCKET_PATH|PORT [INTERVAL_MS]
 */
import { connect } from 'node:net';

const addr = process.argv[2] ?? '';
const interval = Number(process.argv[3] ?? 1000);
const target = /^\d+$/.test(addr) ? { port: Number(addr), host: '127.0.0.1' } : { path: addr };

interface Worker {
  id?: number;
  pid?: number;
  requests?: number;
  status?: string;
  rss?: number;
  avg_rt?: number;
}

function once(): void {
  const chunks: Buffer[] = [];
  const s = connect(target);
  s.on('data', (c: Buffer) => chunks.push(c));
  s.on('error', () => {});
  s.on('end', () => {
    let doc: { workers?: Worker[] };
    try {
      doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { workers?: Worker[] };
    } catch {
      return;
    }
    let out = '\x1b[H';
    for (const w of doc.workers ?? []) out += `${w.id} ${w.pid} ${w.requests} ${w.status} ${w.rss} ${w.avg_rt}\x1b[K\n`;
    process.stdout.write(out);
  });
}

once();
setInterval(once, interval);
process.on('SIGTERM', () => process.exit(0));
