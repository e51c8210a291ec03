/**
 * Standalone demo entry: `node dist/src/demo/main.js [--workers N] [--no-load]
 * [--no-crash] [--http-port P]`. Starts the demo app server (no monitor),
 * prints the stats address on stdout (one line, then a JSON line with all
 * details), and runs until SIGINT/SIGTERM, then removes every process and
 * file it made.
 */
import cluster from 'node:cluster';
import { runDemo, type DemoOptions } from './demo.js';

function parseArgs(argv: string[]): DemoOptions | string {
  const o: DemoOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--workers' || a === '-w') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 64) return 'workers must be an integer in 1..64';
      o.workers = n;
    } else if (a === '--no-load') o.load = false;
    else if (a === '--no-crash') o.crashEveryMs = false;
    else if (a === '--http-port') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0 || n > 65535) return 'http-port must be a port number';
      o.httpPort = n;
    } else if (a === '--verbose') o.workerStderr = true;
    else return `unknown option ${String(a)}`;
  }
  return o;
}

async function main(): Promise<number> {
  if (!cluster.isPrimary) return 0;
  const opts = parseArgs(process.argv.slice(2));
  if (typeof opts === 'string') {
    process.stderr.write(`tsgitop demo: ${opts}\n`);
    return 2;
  }
  let demo;
  try {
    demo = await runDemo(opts);
  } catch (e) {
    process.stderr.write(`tsgitop demo: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  process.stdout.write(`${demo.statsAddress}\n`);
  process.stdout.write(
    `${JSON.stringify({ stats: demo.statsAddress, statsHttp: demo.statsHttpAddress ?? null, app: `http://127.0.0.1:${demo.appPort}/`, pid: process.pid })}\n`,
  );
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await demo.stop();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    // The primary's work is done (every worker, socket and file it made is
    // gone): end now rather than wait for the event loop to drain, so a
    // handle some library left referenced can never keep a stopped demo
    // alive (seen once in CI: the primary lingered after SIGTERM).
    if (cluster.isPrimary) process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`tsgitop demo: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
