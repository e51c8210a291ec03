/**
 * `tsgitop demo` (and `npm start`): the embedded default. This process
 * becomes a node:cluster primary running the demo app server with the stats
 * emitter on a private unix socket and synthetic load, then opens the
 * monitor on it. However the monitor ends (q, Ctrl-C, SIGTERM, SIGHUP, an
 * error), the demo is stopped afterwards: no process or socket file is left.
 */
import type { CliIo } from './io.js';
import { write } from './output.js';
import { oneLine } from '../text/sanitize.js';

export interface DemoCliOptions {
  workers: number;
  monitor: boolean;
  /** Monitor refresh interval, ms. */
  intervalMs: number;
  color: boolean;
  /** --stack: nginx → gunicorn → a Flask app instead of the Node.js cluster. */
  stack?: boolean;
}

export async function runDemoCli(opts: DemoCliOptions, io: CliIo): Promise<number> {
  if (opts.stack === true) return runStackDemo(opts, io);
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
      await untilSignal();
      return 0;
    }
    const code = await monitorDemo(demo.statsAddress, opts);
    // A signal that ended the monitor still ends the demo cleanly: the
    // exit code is the monitor's (130 for SIGINT, 143 for SIGTERM…), and q is 0.
    return code;
  } finally {
    await demo.stop();
  }
}

/** Until `work` settles, SIGINT/SIGTERM/SIGHUP are noted instead of killing the process (so the stack can be stopped). */
async function shielded<T>(work: Promise<T>): Promise<{ value: T; signal: NodeJS.Signals | undefined }> {
  let signal: NodeJS.Signals | undefined;
  const on = (s: NodeJS.Signals): void => {
    signal ??= s;
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of sigs) process.on(s, on);
  try {
    return { value: await work, signal };
  } finally {
    for (const s of sigs) process.off(s, on);
  }
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * `tsgitop demo --stack`: nginx → gunicorn (stats module) or uWSGI → a Flask app under load, in the monitor
 * with nginx's front line. Missing packages: one line naming them, exit 1.
 */
async function runStackDemo(opts: DemoCliOptions, io: CliIo): Promise<number> {
  const { findStackTools, startStack } = await import('../demo/stack.js');
  const found = findStackTools(io.env);
  if (!found.ok) {
    io.stderr.write(`tsgitop: demo --stack needs nginx (with stub_status), gunicorn and Flask: apt-get install ${found.missing.join(' ')}\n`);
    return 1;
  }
  let started;
  try {
    started = await shielded(startStack({ tools: found.tools, workers: Math.min(opts.workers, 8) }));
  } catch (e) {
    io.stderr.write(`tsgitop: the stack demo could not start: ${oneLine(e)}\n`);
    return 1;
  }
  const stack = started.value;
  try {
    if (started.signal !== undefined) return SIGNAL_EXIT[started.signal] ?? 1;
    if (!opts.monitor) {
      await write(io.stdout, `${stack.statsAddress} --front ${stack.statusUrl}\n`);
      await untilSignal();
      return 0;
    }
    const [{ parseFrontAddress }, { FrontReader }] = await Promise.all([import('../protocol/nginx.js'), import('./front.js')]);
    return await monitorDemo(stack.statsAddress, opts, new FrontReader(parseFrontAddress(stack.statusUrl), { timeoutMs: 2000 }));
  } finally {
    await shielded(stack.stop());
  }
}

/** Resolves on the first SIGINT, SIGTERM or SIGHUP (--no-monitor: run until Ctrl-C). */
function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
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
}

/** The live monitor on a demo's stats address (and its nginx front); its exit code. */
async function monitorDemo(address: string, opts: DemoCliOptions, front?: import('./front.js').FrontReader): Promise<number> {
  const [{ parseAddress }, { runMonitorCli }, { hostname }] = await Promise.all([import('../protocol/address.js'), import('./monitor.js'), import('node:os')]);
  return runMonitorCli(parseAddress(address), {
    intervalMs: opts.intervalMs,
    timeoutMs: 5000,
    maxBytes: 64 * 1024 * 1024,
    color: opts.color,
    sort: undefined,
    reverse: false,
    node: hostname(),
    front,
  });
}
