/**
 * A monitor in a child process, for the exit-path tests (process.test.ts).
 * Usage: node child.js MODE   (MODE: idle | throw | reject | badsource)
 * The terminal is this process's stdout (a pipe the parent feeds to a
 * headless xterm). Prints READY on stderr once data is on screen, and
 * `EXIT <code>` when runMonitor resolves. Never calls process.exit: the
 * parent checks that the process ends on its own (nothing left running).
 */
import { runMonitor } from '../../src/tui/app.js';
import { synth } from './synth.js';

const mode = process.argv[2] ?? 'idle';
const out = process.stdout as NodeJS.WriteStream & { columns: number; rows: number };
out.columns = 80;
out.rows = 24;
let tick = 0;
let ready = false;

const code = await runMonitor({
  source: async () => synth(tick++, { workers: 3, cores: 1 }),
  addressLabel: '/tmp/child.sock',
  frequencyMs: 50,
  color: true,
  input: process.stdin,
  output: process.stdout,
  terminal: 'xterm-256color',
  hooks: {
    rendered() {
      if (ready || tick < 2) return;
      ready = true;
      process.stderr.write('READY\n');
      if (mode === 'throw') {
        setTimeout(() => {
          throw new Error('kaboom\nsecond line of the message');
        }, 0);
      } else if (mode === 'reject') {
        void Promise.reject(new Error('nope, rejected'));
      }
    },
  },
});
process.stderr.write(`EXIT ${code}\n`);
process.exitCode = code;
