/**
 * The interactive fleet view in a child process, for the exit-path tests
 * (process.test.ts). Usage: node child.js MODE (idle | throw). The terminal
 * is this process's stdout (a pipe). Prints on stderr: `READY` once the
 * fleet table has data, `MONITOR` when a monitor opened from it has drawn
 * its data, `FLEET` when the fleet is drawn again after that, and
 * `EXIT <code>` when runFleetView resolves. Never calls process.exit: the
 * parent checks that the process ends on its own.
 */
import { runFleetView } from '../../src/tui/fleet/app.js';
import { parseTargets } from '../../src/fleet/targets.js';
import { synthDoc } from '../tui/synth.js';

const mode = process.argv[2] ?? 'idle';
const out = process.stdout as NodeJS.WriteStream & { columns: number; rows: number };
out.columns = 80;
out.rows = 24;
const ticks = new Map<string, number>();
let ready = false;
let inMonitor = false;

const code = await runFleetView({
  targets: parseTargets('one = /tmp/tsgitop-child-one.sock\ntwo = /tmp/tsgitop-child-two.sock\n', 'child'),
  read: async (t) => {
    const n = (ticks.get(t.label) ?? 0) + 1;
    ticks.set(t.label, n);
    return { doc: synthDoc(n, { workers: 2, cores: 1 }), at: Date.now() };
  },
  intervalMs: 50,
  color: true,
  input: process.stdin,
  output: process.stdout,
  terminal: 'xterm-256color',
  rendered(info) {
    if (info.screen === 'monitor' && info.reason === 'sample' && !inMonitor) {
      inMonitor = true;
      process.stderr.write('MONITOR\n');
    } else if (info.screen === 'fleet' && inMonitor && info.reason === 'back') {
      inMonitor = false;
      process.stderr.write('FLEET\n');
    }
    if (ready || info.screen !== 'fleet' || info.reason !== 'tick') return;
    ready = true;
    process.stderr.write('READY\n');
    if (mode === 'throw') {
      setTimeout(() => {
        throw new Error('kaboom\nsecond line');
      }, 0);
    }
  },
});
process.stderr.write(`EXIT ${code}\n`);
process.exitCode = code;
