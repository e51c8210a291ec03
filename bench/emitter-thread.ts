/**
 * What the single-process emitter's `thread: true` costs (src/emitter/README.md, "A blocked event loop"), each
 * figure beside its reference measured in the same run:
 *
 * 1. memory: the RSS of an app process that served 20 stats reads, with the stats thread and without (each its own
 *    child process, alternating);
 * 2. per request: RequestCounters begin + end with the shared mirror (and with request paths) against without it,
 *    in one loop of 2,000,000 requests each, alternating, in this process;
 * 3. per stats read: the app thread's event-loop time (performance.eventLoopUtilization().active) over 2,000
 *    back-to-back reads over a unix socket by a child reader, with the stats thread and without.
 *
 * Three runs of each, medians.
 *
 *   node dist/bench/emitter-thread.js [--runs 3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { RequestCounters } from '../src/emitter/counters.js';
import { createStatsServer } from '../src/emitter/index.js';
import { numArg } from './args.js';
import { quantiles } from './stats.js';

const runs = numArg('--runs', 3);
const self = fileURLToPath(import.meta.url);
const med = (xs: number[]): number => quantiles(xs).median;

/** Child mode: an app (thread or not) that serves its stats to a reader child, then prints its figures as JSON. */
async function child(mode: 'thread' | 'main', what: 'rss' | 'reads'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-bench-'));
  const server = http.createServer((_q, s) => s.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const path = join(dir, 's.sock');
  const stats = await createStatsServer({ server, listen: { path }, requestPaths: true, thread: mode === 'thread' });
  const reads = (n: number): Promise<void> =>
    new Promise((resolve) => {
      const code = `const net=require('net');let n=0;const go=()=>{const c=net.connect(${JSON.stringify(path)});c.on('data',()=>{});c.on('end',()=>{if(++n<${n})go();else process.exit(0)});c.on('error',()=>process.exit(1))};go();`;
      spawn(process.execPath, ['-e', code], { stdio: 'inherit' }).on('exit', () => resolve());
    });
  const out: Record<string, number> = {};
  if (what === 'rss') {
    await reads(20);
    await new Promise((r) => setTimeout(r, 1000));
    out.rss = process.memoryUsage().rss;
  } else {
    await reads(200); // warm-up
    const e0 = performance.eventLoopUtilization();
    await reads(2000);
    out.activeUsPerRead = (performance.eventLoopUtilization(e0).active / 2000) * 1000;
  }
  await stats.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + '\n');
}

function inChild(mode: 'thread' | 'main', what: 'rss' | 'reads'): Record<string, number> {
  const r = spawnSync(process.execPath, [self, '--child', mode, what], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench child (${mode} ${what}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

/** ns per request (begin + end) of counters with or without the mirror. */
function perRequest(shared: boolean, paths: boolean, n = 2_000_000): number {
  const c = new RequestCounters(16);
  if (shared) c.share();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = paths ? c.begin(1, 'GET', '/hello/world') : c.begin(1);
    c.endWith(s, 100, 0, false, false, false);
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as 'thread' | 'main', process.argv[4] as 'rss' | 'reads');
} else {
  const load0 = loadavg();
  type Run = { rssMain: number; rssThread: number; plain: number; shared: number; plainPaths: number; sharedPaths: number; readMain: number; readThread: number };
  const rs: Run[] = [];
  for (let k = 0; k < runs; k++) {
    const order = k % 2 === 0 ? (['main', 'thread'] as const) : (['thread', 'main'] as const);
    const rss: Record<string, number> = {};
    const rd: Record<string, number> = {};
    for (const m of order) rss[m] = inChild(m, 'rss').rss!;
    for (const m of order) rd[m] = inChild(m, 'reads').activeUsPerRead!;
    const r: Run = {
      rssMain: rss.main!,
      rssThread: rss.thread!,
      plain: perRequest(false, false),
      shared: perRequest(true, false),
      plainPaths: perRequest(false, true),
      sharedPaths: perRequest(true, true),
      readMain: rd.main!,
      readThread: rd.thread!,
    };
    rs.push(r);
    console.log(`run ${k + 1}: ${JSON.stringify(r)}`);
  }
  const mb = (b: number): string => (b / 1048576).toFixed(1);
  const m = (f: (r: Run) => number): number => med(rs.map(f));
  const lines = [
    "# The single-process emitter's stats thread (`thread: true`): what it costs",
    '',
    `Command: \`npm run build && node dist/bench/emitter-thread.js --runs ${runs}\` (also \`npm run bench -- emitter-thread\`)`,
    '',
    `Machine: nproc ${cpus().length}, ${(cpus()[0]?.model ?? '?').replace(/\s+/g, ' ')}, node ${process.version}; load average ${load0.map((x) => x.toFixed(2)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end, ${new Date().toISOString()}.`,
    '',
    'Each figure beside its reference, measured in the same run; medians of the runs.',
    '',
    '| run | RSS without / with the thread | Δ | ns per request: plain / mirror / paths / mirror + paths | app thread per stats read, µs: without / with |',
    '|---:|---:|---:|---:|---:|',
    ...rs.map(
      (r, i) =>
        `| ${i + 1} | ${mb(r.rssMain)} / ${mb(r.rssThread)} MB | +${mb(r.rssThread - r.rssMain)} MB | ${r.plain.toFixed(0)} / ${r.shared.toFixed(0)} / ${r.plainPaths.toFixed(0)} / ${r.sharedPaths.toFixed(0)} | ${r.readMain.toFixed(0)} / ${r.readThread.toFixed(0)} |`,
    ),
    '',
    `**Medians**: RSS **+${mb(m((r) => r.rssThread - r.rssMain))} MB** with the thread; the mirror adds **${m((r) => r.shared - r.plain).toFixed(0)} ns** per request (**${m((r) => r.sharedPaths - r.plainPaths).toFixed(0)} ns** with request paths); a stats read costs the app's thread **${m((r) => r.readThread).toFixed(0)} µs** of its event loop with the thread against **${m((r) => r.readMain).toFixed(0)} µs** without (${m((r) => r.readThread / r.readMain).toFixed(2)}×).`,
    '',
    'RSS: `process.memoryUsage().rss` of an app process (node:http, request paths on) after 20 stats reads and 1 s, each',
    'mode in its own child process. Per request: `begin` + `endWith` of a 16-core RequestCounters, 2,000,000 times, in',
    "this process (V8's defaults). Per read: `performance.eventLoopUtilization().active` of the app's process over 2,000",
    'back-to-back reads by a child reader over a unix socket, after 200 to warm up.',
    '',
  ];
  const out = fileURLToPath(new URL('../../bench/results/emitter-thread.md', import.meta.url));
  writeFileSync(out, lines.join('\n'));
  console.log(lines.join('\n'));
}
