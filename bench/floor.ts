/**
 * The floor of issue 13: the leanest possible Node monitor. Every interval
 * it connects, reads to EOF, `JSON.parse`s the document and writes one line
 * per worker after a cursor-home. No validation, no sanitizing, no model,
 * no colours, no terminal library: whatever tsgitop costs beyond this is
 * what its features cost. bench/side.ts runs it beside the real monitor.
 * Given several addresses (the fleet's floor), it reads them all each
 * interval and writes one line per target (workers, total requests).
 *
 *   node dist/bench/floor.js [--interval MS] SOCKET_PATH|PORT...
 */
import { connect } from 'node:net';

const argv = process.argv.slice(2);
const iv = argv.indexOf('--interval');
const interval = iv >= 0 ? Number(argv.splice(iv, 2)[1]) : 1000;
const targets = argv.map((a) => (/^\d+$/.test(a) ? { port: Number(a), host: '127.0.0.1' } : { path: a }));
const fleet = targets.length > 1;
const lines: string[] = targets.map(() => '');

interface Worker {
  id?: number;
  pid?: number;
  requests?: number;
  status?: string;
  rss?: number;
  avg_rt?: number;
}

function read(k: number): void {
  const chunks: Buffer[] = [];
  const s = connect(targets[k]!);
  s.on('data', (c: Buffer) => chunks.push(c));
  s.on('error', () => {});
  s.on('end', () => {
    let doc: { workers?: Worker[] };
    try {
      doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { workers?: Worker[] };
    } catch {
      return;
    }
    if (fleet) {
      let req = 0;
      for (const w of doc.workers ?? []) req += w.requests ?? 0;
      lines[k] = `${k} ${doc.workers?.length} workers ${req} requests idle`;
      process.stdout.write('\x1b[H' + lines.join('\x1b[K\n') + '\x1b[K\n');
      return;
    }
    let out = '\x1b[H';
    for (const w of doc.workers ?? []) out += `${w.id} ${w.pid} ${w.requests} ${w.status} ${w.rss} ${w.avg_rt}\x1b[K\n`;
    process.stdout.write(out);
  });
}

function once(): void {
  for (let k = 0; k < targets.length; k++) read(k);
}

once();
setInterval(once, interval);
process.on('SIGTERM', () => process.exit(0));
