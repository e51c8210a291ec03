/**
 * Soak benchmark: the live monitor (runMonitor in a headless terminal, the
 * real fetchStats) watching the demo cluster (a worker crash every 2–4 s)
 * at 10 Hz for SECONDS (default 600), sampling the heap after a forced GC
 * and the RSS every 10 s, and the active handles/timers before start and
 * after stop. Writes bench/results/soak.md.
 *
 *   node dist/bench/soak.js [SECONDS]
 *
 * The same soak runs bounded (45 s) in `npm test` (test/faults/soak.test.ts)
 * and for 10 minutes with TSGITOP_FAULTS=long (scripts/faults/report.mjs).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runSoak, soakMarkdown } from '../test/faults/soak-lib.js';

const seconds = Number(process.argv[2] ?? 600);
if (!Number.isFinite(seconds) || seconds < 10) {
  process.stderr.write('usage: node dist/bench/soak.js [SECONDS >= 10]\n');
  process.exit(2);
}
const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
const started = new Date().toISOString();
const r = await runSoak({
  durationMs: seconds * 1000,
  sampleEveryMs: Math.min(10_000, Math.max(1000, (seconds * 1000) / 20)),
  hz: 10,
  workers: 4,
  crashMs: 2000,
  log: (l) => process.stderr.write(`soak: ${l}\n`),
});
const md = [
  '# Soak benchmark',
  '',
  `Command: \`npx tsc -p tsconfig.json && node dist/bench/soak.js ${seconds}\``,
  '',
  `Machine: nproc ${nproc}, node ${process.version}, ${os.type().toLowerCase()} ${os.release()}, load average ${load} at start, ${started}`,
  '',
  'The monitor (runMonitor in a headless xterm, reading with the real fetchStats) watches the demo cluster',
  '(src/demo runDemo in a child process, synthetic load, a worker crash every 2–4 s) at 10 Hz. The heap is',
  'sampled after a forced GC; RSS as is. "growth" = median of the last 3 samples − median of the first 3.',
  '',
  soakMarkdown(r),
  '| t (s) | heap after GC (MiB) | RSS (MiB) | reads |',
  '| ---: | ---: | ---: | ---: |',
  ...r.samples.map((s) => `| ${s.t} | ${s.heapMiB} | ${s.rssMiB} | ${s.reads} |`),
  '',
].join('\n');
const out = fileURLToPath(new URL('../../bench/results/soak.md', import.meta.url));
mkdirSync(fileURLToPath(new URL('../../bench/results/', import.meta.url)), { recursive: true });
writeFileSync(out, md);
process.stdout.write(md);
const ok = r.exitCode === 0 && r.junkSeen.length === 0 && Object.keys(r.leaked).length === 0;
process.exitCode = ok ? 0 : 1;
