/**
 * What parseStats costs beyond JSON.parse (issue 13 point 5: "parsing does no
 * work for fields nothing displays"), per read of a synthetic uWSGI document
 * (bench/synth.ts: 8 cores per worker) of 8 / 64 / 512 / 2048 workers:
 *
 * - time: `parseStats(bytes)` against the reference `JSON.parse(bytes as
 *   text)`, alternating read by read, each keeping its previous result (as
 *   the monitor keeps the previous read for the rates), so both pay the same
 *   garbage collection; "walk" = the difference (decoding check + the typed
 *   walk of the document);
 * - allocation: bytes allocated per read, from the heap's growth over a
 *   batch of reads with no garbage collection in between (a young
 *   generation made big enough by the child's flags; a batch in which any
 *   space shrank is thrown away);
 *
 * each in two V8 configurations, in a child process of its own: `interpreter`
 * (--no-turbofan, as the live monitor runs while documents are under 256 KiB,
 * src/cli/jit.ts) and `optimizing` (V8's defaults, as it runs above). Writes
 * bench/results/parse.md.
 *
 *   node --expose-gc dist/bench/parse.js [--quick] [--only-instructions]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { parseStats } from '../src/protocol/parse.js';
import { rng, synthDocument } from './synth.js';
import { quantiles } from './stats.js';

const SIZES = [8, 64, 512, 2048];
const quick = process.argv.includes('--quick');

interface Row {
  workers: number;
  bytes: number;
  reads: number;
  json: number;
  parse: number;
  allocJson: number;
  allocParse: number;
}

/** In the child: measure one size in this process's V8 configuration; prints one JSON line. */
function child(workers: number): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('needs --expose-gc');
  const rand = rng(workers * 7 + 1);
  const docs: Buffer[] = [];
  for (let t = 0; t < 8; t++) docs.push(Buffer.from(synthDocument(workers, 8, t + 100, rand), 'utf8'));
  const reads = quick ? 30 : Math.max(20, Math.min(400, Math.round(2e8 / (docs[0]!.length * 40))));
  const warm = Math.max(10, reads >> 2);
  // The document is ASCII: decoded as latin1, the same copy parseStats makes of it after its ASCII check (the
  // floor reader's toString('utf8') also allocates a scratch copy on the way at these sizes).
  const ref = (b: Buffer): unknown => JSON.parse(b.toString('latin1'));
  const ours = (b: Buffer): unknown => parseStats(b);
  // Time: alternating, each keeping its previous result.
  let keepA: unknown;
  let keepB: unknown;
  const tj: number[] = [];
  const tp: number[] = [];
  for (let i = 0; i < warm + reads; i++) {
    const b = docs[i % docs.length]!;
    const order = i & 1;
    for (let k = 0; k < 2; k++) {
      const a = performance.now();
      if ((k ^ order) === 0) keepA = ref(b);
      else keepB = ours(b);
      const d = performance.now() - a;
      if (i >= warm) ((k ^ order) === 0 ? tj : tp).push(d);
    }
  }
  // Allocation: heap growth over a batch of reads with no collection in between.
  const batch = Math.max(1, Math.min(50, Math.floor((48 << 20) / (docs[0]!.length * 3))));
  const allocOf = (f: (b: Buffer) => unknown): number => {
    const xs: number[] = [];
    const sink: unknown[] = [];
    for (let round = 0; round < 12 && xs.length < 7; round++) {
      sink.length = 0;
      gc();
      const s0 = v8.getHeapSpaceStatistics();
      const h0 = v8.getHeapStatistics().used_heap_size;
      for (let k = 0; k < batch; k++) sink.push(f(docs[k % docs.length]!));
      const h1 = v8.getHeapStatistics().used_heap_size;
      const s1 = v8.getHeapSpaceStatistics();
      const shrank = s1.some((s, i) => s.space_used_size < (s0[i]?.space_used_size ?? 0));
      if (round >= 2 && !shrank) xs.push((h1 - h0) / batch);
    }
    return xs.length ? quantiles(xs).median : NaN;
  };
  const allocJson = allocOf(ref);
  const allocParse = allocOf(ours);
  void keepA;
  void keepB;
  const row: Row = { workers, bytes: docs[0]!.length, reads, json: quantiles(tj).median, parse: quantiles(tp).median, allocJson, allocParse };
  console.log(JSON.stringify(row));
}

const CONFIGS: [string, string[]][] = [
  ['interpreter (--no-turbofan: the monitor below 256 KiB)', ['--no-turbofan']],
  ['optimizing (V8 defaults: the monitor above 256 KiB)', []],
];

/**
 * Instructions per read under valgrind (callgrind), which the machine's load does not change: documents made
 * and kept as in `count`, minus the same process making the documents only. Skipped when valgrind is absent.
 */
function instructions(self: string): string[] {
  const cases: [string, string[], number, number][] = [
    ['interpreter', ['--no-turbofan'], 64, quick ? 40 : 200],
    ['optimizing', [], 512, quick ? 6 : 30],
  ];
  const ir = (flags: string[], w: number, mode: string, n: number): number => {
    const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...flags, self, '--count', String(w), mode, String(n)], { encoding: 'utf8' });
    const m = /Collected : (\d+)/.exec(r.stderr ?? '');
    if (r.status !== 0 || !m) throw new Error(`valgrind: ${r.error?.message ?? r.stderr?.slice(-300)}`);
    return Number(m[1]);
  };
  const out = [
    '### Instructions per read (valgrind --tool=callgrind: every thread, GC included; the load does not change them)',
    '',
    '| V8 | workers | reads | JSON.parse (ref) | parseStats | walk | ratio |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  try {
    for (const [name, flags, w, n] of cases) {
      const base = ir(flags, w, 'none', n);
      const ref = (ir(flags, w, 'ref', n) - base) / n;
      const ours = (ir(flags, w, 'ours', n) - base) / n;
      const M = (x: number): string => `${(x / 1e6).toFixed(2)} M`;
      out.push(`| ${name} | ${w} | ${n} | ${M(ref)} | ${M(ours)} | ${M(ours - ref)} | ${(ours / ref).toFixed(2)}× |`);
      console.log(`instructions ${name} ${w} workers: JSON.parse ${M(ref)}, parseStats ${M(ours)} per read`);
    }
  } catch (e) {
    out.push('', `(not measured: ${(e as Error).message.split('\n')[0]})`);
  }
  out.push('');
  return out;
}

function parent(): void {
  const self = fileURLToPath(import.meta.url);
  const loadAtStart = os.loadavg();
  const sections: string[] = [];
  for (const [name, flags] of process.argv.includes('--only-instructions') ? [] : CONFIGS) {
    const rows: Row[] = [];
    for (const w of SIZES) {
      const r = spawnSync(process.execPath, ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', ...flags, self, '--child', String(w), ...(quick ? ['--quick'] : [])], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`child ${w} failed: ${r.stderr}`);
      const row = JSON.parse(r.stdout.trim().split('\n').pop()!) as Row;
      rows.push(row);
      console.log(`${name.split(' ')[0]} ${w} workers: JSON.parse ${row.json.toFixed(3)} ms, parseStats ${row.parse.toFixed(3)} ms; allocated ${(row.allocJson / 1024).toFixed(1)} / ${(row.allocParse / 1024).toFixed(1)} KiB`);
    }
    sections.push(
      `### ${name}`,
      '',
      '| workers | JSON size | reads | JSON.parse (ref) | parseStats | walk | ratio | allocated: ref | parseStats | walk |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.workers} | ${(r.bytes / 1024).toFixed(0)} KiB | ${r.reads} | ${r.json.toFixed(3)} | ${r.parse.toFixed(3)} | ${(r.parse - r.json).toFixed(3)} | ${(r.parse / r.json).toFixed(2)}× | ${(r.allocJson / 1024).toFixed(1)} KiB | ${(r.allocParse / 1024).toFixed(1)} KiB | ${((r.allocParse - r.allocJson) / 1024).toFixed(1)} KiB |`,
      ),
      '',
    );
  }
  sections.push(...instructions(self));
  const cpu = (os.cpus()[0]?.model ?? '?').replace(/\s+/g, ' ');
  const lines = [
    '# Parse cost benchmark',
    '',
    'Command: `npm run build && node --expose-gc dist/bench/parse.js' + (quick ? ' --quick' : '') + '` (also `npm run bench -- parse`)',
    '',
    `Machine: nproc ${os.cpus().length}, ${cpu}, node ${process.version}, load average ${loadAtStart.map((x) => x.toFixed(2)).join(' ')} at start, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end, ${new Date().toISOString()}`,
    '',
    'Per read of a synthetic uWSGI document (bench/synth.ts, 8 cores per worker, tab-indented). "JSON.parse (ref)" =',
    '`JSON.parse(bytes.toString("latin1"))` (the document is ASCII: the same copy parseStats makes after its ASCII check);',
    '"parseStats" = the whole parser from the same bytes; the two alternate read by',
    'read in one process and each keeps its previous result (as the monitor keeps the previous read). Times: medians, ms.',
    '"walk" = parseStats − JSON.parse: the decoding check and the typed walk. "allocated" = bytes allocated per read',
    '(heap growth over a batch of reads with no collection in between: young generation of 64 MiB by flag).',
    'Each V8 configuration in its own child process.',
    '',
    ...sections,
  ];
  const out = fileURLToPath(new URL(`../../bench/results/parse${process.argv.includes('--only-instructions') ? '-instructions' : ''}.md`, import.meta.url));
  mkdirSync(fileURLToPath(new URL('../../bench/results/', import.meta.url)), { recursive: true });
  writeFileSync(out, lines.join('\n') + '\n');
  console.log(`wrote ${out}`);
}

/** In a child under valgrind: `n` reads of one size, by `mode` (none = only the documents made; ref; ours). */
function count(workers: number, mode: string, n: number): void {
  const rand = rng(workers * 7 + 1);
  const docs: Buffer[] = [];
  for (let t = 0; t < 8; t++) docs.push(Buffer.from(synthDocument(workers, 8, t + 100, rand), 'utf8'));
  let prev: unknown;
  let cur: unknown;
  for (let i = 0; i < n; i++) {
    prev = cur;
    const b = docs[i % docs.length]!;
    cur = mode === 'ref' ? JSON.parse(b.toString('latin1')) : mode === 'ours' ? parseStats(b) : b.length;
  }
  void prev;
}

const ci = process.argv.indexOf('--child');
const cc = process.argv.indexOf('--count');
if (ci >= 0) child(Number(process.argv[ci + 1]));
else if (cc >= 0) count(Number(process.argv[cc + 1]), process.argv[cc + 2]!, Number(process.argv[cc + 3]));
else parent();
