/**
 * The floor of issue 13 drawn through blessed: the leanest possible monitor on
 * the stack the product is built on (blessed). Every interval it connects,
 * reads to EOF, `JSON.parse`s the document and shows one line per worker —
 * the floor reader's lines (bench/floor.ts) — in one full-screen box, then
 * `screen.render()`. No validation, no model, no colours, no columns.
 *
 * It opens its screen the way the monitor does (src/tui/terminal.ts: smart
 * CSR, tsgitop's cheaper draw and box paths, fastdraw.ts and fastbox.ts) and
 * runs under the monitor's V8 policy (src/cli/jit.ts); `--stock` gives a
 * stock blessed screen and box instead. bench/side.ts --with-blessed-floor
 * runs it beside the floor and the monitor: what it costs over the floor is
 * what blessed alone costs, before any of the monitor's features.
 *
 *   node dist/bench/floor-blessed.js [--interval MS] [--stock] SOCKET_PATH|PORT
 */
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import type blessed from 'blessed';
import { openScreen, lineBox } from '../src/tui/terminal.js';
import { limitJit } from '../src/cli/jit.js';

const argv = process.argv.slice(2);
const iv = argv.indexOf('--interval');
const interval = iv >= 0 ? Number(argv.splice(iv, 2)[1]) : 1000;
const si = argv.indexOf('--stock');
const stock = si >= 0;
if (stock) argv.splice(si, 1);
const a = argv[0] ?? '';
const target = /^\d+$/.test(a) ? { port: Number(a), host: '127.0.0.1' } : { path: a };

limitJit();

let screen: blessed.Widgets.Screen;
let box: blessed.Widgets.BoxElement;
if (stock) {
  const b = createRequire(import.meta.url)('blessed') as typeof blessed;
  screen = b.screen({ smartCSR: true, warnings: false, fullUnicode: false });
  box = b.box({ parent: screen, top: 0, left: 0, width: '100%', height: '100%', tags: false, wrap: false });
} else {
  screen = openScreen({ title: 'floor-blessed' });
  box = lineBox(screen, { height: '100%' });
}
screen.key(['q', 'C-c'], () => {
  screen.destroy();
  process.exit(0);
});

interface Worker {
  id?: number;
  pid?: number;
  requests?: number;
  status?: string;
  rss?: number;
  avg_rt?: number;
}

function read(): void {
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
    let out = '';
    for (const w of doc.workers ?? []) out += `${w.id} ${w.pid} ${w.requests} ${w.status} ${w.rss} ${w.avg_rt}\n`;
    box.setContent(out);
    screen.render();
  });
}

read();
setInterval(read, interval);
process.on('SIGTERM', () => {
  screen.destroy();
  process.exit(0);
});
