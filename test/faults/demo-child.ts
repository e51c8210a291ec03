/**
 * The demo cluster (src/demo runDemo) in its own process, for the soak:
 * `node demo-child.js CRASH_MS WORKERS` starts it with a worker crash every
 * CRASH_MS…2×CRASH_MS ms, prints one JSON line {stats, pid}, and stops the
 * demo (every worker, the socket, the temp dir) on SIGTERM/SIGINT or when
 * its stdin closes.
 */
import { runDemo } from '../../src/demo/index.js';

const crashMs = Number(process.argv[2] ?? 2000);
const workers = Number(process.argv[3] ?? 4);
const demo = await runDemo({ workers, crashEveryMs: [crashMs, crashMs * 2] });
process.stdout.write(JSON.stringify({ stats: demo.statsAddress, pid: process.pid }) + '\n');
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void demo.stop().then(() => {
    process.stdout.write(JSON.stringify({ stopped: true, load: demo.loadStats() }) + '\n');
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
