/**
 * `tsgitop demo` (and `npm start`): the embedded default. This process
 * becomes a node:cluster primary running the demo app server with the stats
 * emitter on a private unix socket and synthetic load, then opens the
 * monitor on it. However the monitor ends (q, Ctrl-C, SIGTERM, SIGHUP, an
 * error), the demo is stopped afterwards: no process or socket file is left.
 */
import type { CliIo } from './io.js';
import { write } from './output.js';

export interface DemoCliOptions {
  workers: number;
  monitor: boolean;
  /** Monitor refresh interval, ms. */
  intervalMs: number;
  color: boolean;
}

export async function runDemoCli(opts: DemoCliOptions, io: CliIo): Promise<number> {
  const { runDemo } = await import('../demo/index.js');
  let demo;
  try {
    demo = await runDemo({ workers: opts.workers });
  } catch (e) {
    io.stderr.write(`tsgitop: the demo could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  try {
    if (!opts.monitor) {
      await write(io.stdout, `${demo.statsAddress}\n`);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          process.off('SIGINT', done);
          process.off('SIGTERM', done);
          process.off('SIGHUP', done);
          resolve();
        };
        process.on('SIGINT', done);
        process.on('SIGTERM', done);
        process.on('SIGHUP', done);
      });
      return 0;
    }
    const { parseAddress } = await import('../protocol/address.js');
    const { runMonitorCli } = await import('./monitor.js');
    const { hostname } = await import('node:os');
    const code = await runMonitorCli(parseAddress(demo.statsAddress), {
      intervalMs: opts.intervalMs,
      timeoutMs: 5000,
      maxBytes: 64 * 1024 * 1024,
      color: opts.color,
      sort: undefined,
      reverse: false,
      node: hostname(),
    });
    // A signal that ended the monitor still ends the demo cleanly: the
    // exit code is the monitor's (130 for SIGINT, 143 for SIGTERM…), and q is 0.
    return code;
  } finally {
    await demo.stop();
  }
}
