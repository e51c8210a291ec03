/**
 * Model pipeline benchmark: buildView + sortRows + fitColumns + renderText
 * (and viewToJson) on synthetic two-read documents of 8 / 64 / 512 / 2048
 * workers × 8 cores. Reports median and p95 per stage; writes
 * bench/results/model.md.
 *
 *   node dist/bench/model.js [--quick]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { columnById, fitColumns, sortRows, WORKER_COLUMNS } from '../src/columns.js';
import { buildView } from '../src/model/index.js';
import type { ServerView } from '../src/model/index.js';
import type { CoreStats, StatsSnapshot, WorkerStats } from '../src/protocol/types.js';
import { rng } from './synth.js';
import { quantiles } from './stats.js';
import { renderText, viewToJson } from '../src/render/text.js';

const quick = process.argv.includes('--quick');
const loadAtStart = os.loadavg();
const SIZES = [8, 64, 512, 2048];
const CORES = 8;


function doc(workers: number, tick: number, rand: () => number): StatsSnapshot {
  const ws: WorkerStats[] = [];
  for (let i = 1; i <= workers; i++) {
    const cores: CoreStats[] = [];
    let req = 0;
    for (let c = 0; c < CORES; c++) {
      const r = 1000 * tick + Math.floor(rand() * 50) * tick;
      req += r;
      cores.push({
        id: c, requests: r, static_requests: 0, routed_requests: 0, offloaded_requests: 0,
        write_errors: 0, read_errors: 0, in_request: rand() < 0.2, vars: [], req_info: {}, extra: {},
      });
    }
    ws.push({
      id: i, pid: 10_000 + i + (i % 97 === 0 ? tick : 0), accepting: 1, requests: req, delta_requests: 0,
      exceptions: Math.floor(req / 1000), harakiri_count: 0, signals: 0, signal_queue: 0,
      status: rand() < 0.3 ? 'busy' : 'idle', rss: 50e6 + rand() * 1e7, vsz: 300e6, running_time: req * 1500,
      last_spawn: 1_700_000_000, respawn_count: 1, tx: req * 2048, avg_rt: 1000 + rand() * 5000, apps: [], cores, extra: {},
    });
  }
  return {
    kind: 'server', version: '2.0.21-debian', listen_queue: 0, listen_queue_errors: 0, signal_queue: 0, load: 3,
    pid: 9999, uid: 33, gid: 33, cwd: '/srv/app', locks: [], sockets: [], workers: ws, extra: {},
  };
}


const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

interface Row {
  workers: number;
  iters: number;
  stage: Record<string, number[]>;
}

const STAGES = ['buildView', 'sortRows', 'fitColumns', 'renderText', 'renderText+cores', 'viewToJson', 'total'] as const;
let sink = 0;

function run(workers: number): Row {
  const rand = rng(workers);
  const prev = { doc: doc(workers, 1, rand), at: 1_000_000 };
  const cur = { doc: doc(workers, 2, rand), at: 1_001_000 };
  const iters = Math.max(quick ? 5 : 30, Math.round((quick ? 4000 : 40000) / workers));
  const rpsCol = columnById('rps')!;
  const stage: Record<string, number[]> = Object.fromEntries(STAGES.map((s) => [s, []]));
  for (let i = 0; i < iters + Math.ceil(iters / 5); i++) {
    const warm = i < Math.ceil(iters / 5);
    const t0 = now();
    const v = buildView(cur, prev, { node: 'bench' }) as ServerView;
    const t1 = now();
    const rows = sortRows(v.workers, rpsCol, true);
    const t2 = now();
    const cols = fitColumns(WORKER_COLUMNS, 120);
    const t3 = now();
    const text = renderText(v, { width: 120, sortBy: 'rps', reverse: true });
    const t4 = now();
    const text2 = renderText(v, { width: 120, sortBy: 'rps', reverse: true, showCores: true });
    const t5 = now();
    const json = JSON.stringify(viewToJson(v));
    const t6 = now();
    sink += rows.length + cols.length + text.length + text2.length + json.length;
    if (warm) continue;
    stage.buildView!.push(t1 - t0);
    stage.sortRows!.push(t2 - t1);
    stage.fitColumns!.push(t3 - t2);
    stage.renderText!.push(t4 - t3);
    stage['renderText+cores']!.push(t5 - t4);
    stage.viewToJson!.push(t6 - t5);
    stage.total!.push(t4 - t0); // the batch-mode tick: build + sort + fit + render
  }
  return { workers, iters, stage };
}

function fmt(ms: number): string {
  return ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

function cpuModel(): string {
  return os.cpus()[0]?.model ?? 'unknown';
}

function nproc(): string {
  try {
    return execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    return String(os.availableParallelism());
  }
}

const results = SIZES.map(run);
const lines: string[] = [];
lines.push('# Model pipeline benchmark');
lines.push('');
lines.push('Command: `npx tsc -p tsconfig.json && node dist/bench/model.js' + (quick ? ' --quick' : '') + '`' + (process.execArgv.length ? ` (node flags: ${process.execArgv.join(' ')})` : ''));
lines.push('');
lines.push(`Machine: nproc ${nproc()}, ${cpuModel()}, node ${process.version}, ${os.platform()} ${os.release()}, load average ${loadAtStart.map((x) => x.toFixed(2)).join(' ')} at start (other work shares the machine: treat absolute times as noisy), ${new Date().toISOString()}`);
lines.push('');
lines.push(`Synthetic two reads 1 s apart, ${CORES} cores per worker, ~1% of workers respawned between reads.`);
lines.push('Per iteration: `buildView(cur, prev)`, `sortRows(workers, RPS, reverse)`, `fitColumns(WORKER_COLUMNS, 120)`,');
lines.push('`renderText(view, {width:120, sortBy:"rps"})`; also `renderText` with core rows and `JSON.stringify(viewToJson(view))`.');
lines.push('"total" = build + sort + fit + renderText (one batch tick without cores). Times in ms (median / p95), after a 20% warm-up.');
lines.push('');
lines.push(`| workers | iters | ${STAGES.join(' | ')} |`);
lines.push(`|---:|---:|${STAGES.map(() => '---:').join('|')}|`);
for (const r of results) {
  const cells = STAGES.map((s) => {
    const { median, p95 } = quantiles(r.stage[s]!);
    return `${fmt(median)} / ${fmt(p95)}`;
  });
  lines.push(`| ${r.workers} | ${r.iters} | ${cells.join(' | ')} |`);
}
lines.push('');
const base = results[0]!;
const tot = (r: Row) => quantiles(r.stage.total!).median;
lines.push('Scaling (same run): median total per worker, relative to 8 workers:');
lines.push('');
for (const r of results) {
  const perW = tot(r) / r.workers;
  lines.push(`- ${r.workers} workers: ${(perW * 1000).toFixed(2)} µs/worker (×${(perW / (tot(base) / base.workers)).toFixed(2)})`);
}
lines.push('');
const md = lines.join('\n') + '\n';
const out = fileURLToPath(new URL('../../bench/results/model.md', import.meta.url));
mkdirSync(fileURLToPath(new URL('../../bench/results/', import.meta.url)), { recursive: true });
writeFileSync(out, md);
process.stdout.write(md);
if (sink === 0) process.stdout.write('\n');
