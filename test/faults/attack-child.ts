/**
 * The attacker, in its own process: `node attack-child.js STATS_PATH
 * STATS_HTTP_URL CLIENTS DURATION_MS`. For DURATION_MS it runs, at once:
 * - waves of CLIENTS concurrent raw stats clients (each reads to EOF; a
 *   complete document, or refused/cut);
 * - 50 slow readers (connect, never read) re-opened as they are dropped;
 * - 20 garbage senders on the raw socket and 20 on the HTTP listener
 *   (random bytes, and a request head sent one byte at a time);
 * - rapid connect/close on both (20 loops).
 * Prints {"attacking":true} once everything runs, then one JSON line of
 * counts at the end. Only unix sockets in the test's temp dir and 127.0.0.1.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';

const [statsPath = '', httpUrl = '', clientsArg = '1000', durArg = '5000'] = process.argv.slice(2);
const CLIENTS = Number(clientsArg);
const end = Date.now() + Number(durArg);
const httpPort = Number(new URL(httpUrl).port);
const counts = {
  waves: 0,
  clients: 0,
  completeDocs: 0,
  refusedOrCut: 0,
  slowOpened: 0,
  slowDropped: 0,
  garbageConns: 0,
  garbageBytes: 0,
  rapid: 0,
  errors: 0,
};
const live = (): boolean => Date.now() < end;
const connect = (which: 'raw' | 'http'): net.Socket =>
  which === 'raw' ? net.createConnection({ path: statsPath }) : net.createConnection({ host: '127.0.0.1', port: httpPort });

function readOne(): Promise<void> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect('raw');
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => {
      counts.clients++;
      const b = Buffer.concat(chunks);
      try {
        if (b.length === 0) throw new Error('empty');
        JSON.parse(b.toString('utf8'));
        counts.completeDocs++;
      } catch {
        counts.refusedOrCut++;
      }
      resolve();
    });
  });
}

async function waves(): Promise<void> {
  while (live()) {
    counts.waves++;
    await Promise.all(Array.from({ length: CLIENTS }, () => readOne()));
  }
}

function slowReader(): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(counts.slowOpened % 2 === 0 ? 'raw' : 'http');
    counts.slowOpened++;
    s.on('connect', () => {
      s.pause();
      if (counts.slowOpened % 2 === 0) s.write('GET / HTTP/1.0\r\n\r\n');
    });
    s.on('error', () => undefined);
    const stopper = setInterval(() => {
      if (!live()) s.destroy();
    }, 200);
    s.on('close', () => {
      clearInterval(stopper);
      if (live()) counts.slowDropped++;
      resolve();
    });
  });
}

async function slowLoop(): Promise<void> {
  while (live()) await slowReader();
}

function garbage(which: 'raw' | 'http'): Promise<void> {
  return new Promise((resolve) => {
    counts.garbageConns++;
    const s = connect(which);
    s.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    s.on('connect', () => {
      let i = 0;
      const head = Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\n' + 'X-Pad: ' + 'a'.repeat(20_000) + '\r\n\r\n');
      timer = setInterval(() => {
        if (!live()) return s.destroy();
        // random bytes, or the slowloris head one byte at a time
        const b = i % 3 === 0 ? head.subarray(i % head.length, (i % head.length) + 1) : randomBytes(4096);
        i++;
        counts.garbageBytes += b.length;
        s.write(b);
      }, 5);
    });
    s.on('data', () => undefined);
    s.on('close', () => {
      if (timer) clearInterval(timer);
      resolve();
    });
  });
}

async function garbageLoop(which: 'raw' | 'http'): Promise<void> {
  while (live()) await garbage(which);
}

function rapidOne(which: 'raw' | 'http'): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(which);
    s.on('error', () => undefined);
    s.on('connect', () => s.destroy());
    s.on('close', () => {
      counts.rapid++;
      resolve();
    });
  });
}

async function rapidLoop(which: 'raw' | 'http'): Promise<void> {
  while (live()) await rapidOne(which);
}

const jobs: Promise<void>[] = [waves()];
for (let i = 0; i < 50; i++) jobs.push(slowLoop());
for (let i = 0; i < 20; i++) jobs.push(garbageLoop(i % 2 === 0 ? 'raw' : 'http'));
for (let i = 0; i < 20; i++) jobs.push(rapidLoop(i % 2 === 0 ? 'raw' : 'http'));
process.stdout.write(JSON.stringify({ attacking: true }) + '\n');
await Promise.all(jobs);
process.stdout.write(JSON.stringify({ done: true, counts }) + '\n');
process.exit(0);
