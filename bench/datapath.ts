/**
 * The monitor without its screen (issue 13, point 1: where the ratio to the floor comes from).
 *
 * Runs what `tsgitop ADDRESS` runs for every read up to the frame — the same
 * V8 policy (src/cli/jit.ts), the same source (reading with deadline and cap,
 * parsing, validation, privacy: src/record/source.ts), the same session
 * (schedule, model, events, history, diagnosis: src/session/monitor.ts) with
 * the monitor's defaults — and hands each frame to a listener that only keeps
 * it. No rows, no blessed, no terminal. bench/side.ts `--with-datapath` runs
 * it beside the monitor and the floor: the monitor minus this process is what
 * drawing costs; this process minus the floor is what reading into a model
 * costs beyond `JSON.parse`.
 *
 * It loads the modules (dist/src), not the monitor's bundle and code cache:
 * its first seconds are not comparable with the monitor's, its steady state is.
 *
 *   node dist/bench/datapath.js [--interval MS] ADDRESS
 */
import { limitJit } from '../src/cli/jit.js';
import { parseAddress } from '../src/protocol/address.js';
import { recordingSource } from '../src/record/source.js';
import { MonitorSession, type MonitorFrame } from '../src/session/monitor.js';

const argv = process.argv.slice(2);
const iv = argv.indexOf('--interval');
const intervalMs = iv >= 0 ? Number(argv.splice(iv, 2)[1]) : 1000;
if (argv.length !== 1 || !(intervalMs > 0)) {
  console.error('usage: node dist/bench/datapath.js [--interval MS] ADDRESS');
  process.exit(2);
}
const addr = parseAddress(argv[0]!);
const jit = limitJit();
const read = recordingSource(addr, undefined, { onRead: (bytes) => jit.read(bytes) });
const session = new MonitorSession({
  source: read,
  node: '',
  addressLabel: addr.display,
  intervalMs,
  fastMs: 100,
  now: Date.now,
});
let frames = 0;
let kept: MonitorFrame | undefined;
session.start(
  (frame) => {
    // Kept until the next one, as the monitor keeps the frame on display.
    kept = frame;
    frames++;
  },
  (where, e) => console.error(`datapath: ${where}: ${String(e)}`),
);
// What a screen would show, once in a while: that it runs (tmux capture-pane reads it).
setInterval(() => {
  const v = kept?.view;
  process.stdout.write(`\x1b[H\x1b[2Kdatapath: ${frames} frames, ${v?.kind === 'server' ? v.workers.length : 0} workers\n`);
}, 5000).unref();
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
  process.on(s, () => {
    session.stop();
    process.exit(0);
  });
