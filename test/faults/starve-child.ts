/**
 * The starvation attacker, in its own process:
 * `node starve-child.js unix PATH|http PORT COUNT DURATION_MS`.
 * Keeps COUNT hostile connections open to the stats listener for
 * DURATION_MS, re-opening each one 200–600 ms after it is dropped:
 * - HTTP: 40 % idle (connect, send nothing), 30 % drippers (a request head
 *   one byte every 100 ms), 30 % slow readers (a complete request, never read);
 * - unix (raw): 50 % idle never-readers, 50 % drippers of garbage.
 * Prints {"attacking":true,"open":N} once COUNT connections have been
 * opened, then one JSON line of counts at the end. Only a unix socket in the
 * test's temp dir or 127.0.0.1.
 */
import net from 'node:net';

const [kind = 'unix', target = '', countArg = '1000', durArg = '5000'] = process.argv.slice(2);
const COUNT = Number(countArg);
const end = Date.now() + Number(durArg);
const counts = { opened: 0, dropped: 0, errors: 0, open: 0 };
const HEAD = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n\r\n';
const live = (): boolean => Date.now() < end;
const sockets = new Set<net.Socket>();
let announced = false;

function open(i: number): void {
  if (!live()) return;
  const s = kind === 'unix' ? net.createConnection({ path: target }) : net.createConnection({ host: '127.0.0.1', port: Number(target) });
  sockets.add(s);
  counts.opened++;
  counts.open++;
  if (!announced && counts.opened >= COUNT) {
    announced = true;
    process.stdout.write(JSON.stringify({ attacking: true, open: counts.open }) + '\n');
  }
  const role = kind === 'unix' ? (i % 2 === 0 ? 'idle' : 'drip') : i % 10 < 4 ? 'idle' : i % 10 < 7 ? 'drip' : 'slowread';
  let drip: NodeJS.Timeout | undefined;
  s.pause(); // never reads
  s.on('error', () => counts.errors++);
  s.on('connect', () => {
    if (role === 'slowread') s.write(HEAD);
    if (role === 'drip') {
      let k = 0;
      drip = setInterval(() => {
        if (!s.destroyed) s.write(kind === 'unix' ? 'x' : HEAD[k++ % HEAD.length]!);
      }, 100);
    }
  });
  s.on('close', () => {
    if (drip) clearInterval(drip);
    sockets.delete(s);
    counts.open--;
    counts.dropped++;
    setTimeout(() => open(i), 200 + Math.random() * 400);
  });
}

for (let i = 0; i < COUNT; i++) open(i);
setTimeout(() => {
  const open = sockets.size;
  for (const s of sockets) s.destroy();
  process.stdout.write(JSON.stringify({ done: true, ...counts, open }) + '\n');
  setTimeout(() => process.exit(0), 100).unref();
}, Math.max(0, end - Date.now())).unref();
// keep alive until the end
setTimeout(() => undefined, Math.max(0, end - Date.now()) + 50);
