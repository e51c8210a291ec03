/**
 * `npm run bench [-- NAME...]`: runs the benchmarks one after another, each
 * in its own process (so one's heap and JIT state do not colour another's),
 * and each writes its own bench/results/NAME.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Benchmarks that are another one run with arguments. */
const ALIASES: Record<string, [string, ...string[]]> = { 'side-fleet': ['side', '--targets', '20'], 'side-uwsgi': ['side', '--uwsgi', '--with-turbofan', '--with-default-heap', '--with-datapath', '--with-blessed-floor'] };
const ALL = ['model', 'tick', 'parse', 'side', 'side-uwsgi', 'side-fleet', 'rss', 'cpu', 'emitter', 'emitter-thread', 'fleet', 'oneshot', 'start', 'gunicorn'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : ALL;
let failed = 0;
for (const name of names) {
  const [base, ...args] = ALIASES[name] ?? [name];
  const file = fileURLToPath(new URL(`./${base}.js`, import.meta.url));
  if (!existsSync(file)) {
    console.error(`bench: no benchmark named '${name}' (have: ${ALL.join(', ')})`);
    failed++;
    continue;
  }
  console.log(`\n== bench ${name}`);
  const r = spawnSync(process.execPath, ['--expose-gc', file, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
