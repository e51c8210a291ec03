/**
 * One-shot benchmark: `node dist/bench/oneshot.js [--runs N] [--rounds R]`
 *
 * `tsgitop --connect-and-read ADDR` against `node -e 0`, side by side in one
 * run (issue 13 target 3: ≤ 1.3× in CPU and in wall time). A stats server
 * on a unix socket in this process serves a real uWSGI document
 * (fixtures/uwsgi/load-4p4t.json); the commands run alternately — node -e 0,
 * the one-shot, node -e 0, … — N times per round (default 15), R rounds
 * (default 3). Each run's CPU (user + system) and wall time come from
 * wait4(2) in a small python3 runner (microsecond rusage; Node cannot read a
 * child's rusage), with stdout to /dev/null. The figures are the medians of
 * each round and the median of the round medians. Every one-shot run must
 * exit 0, and one run's output is checked to be the document byte for byte.
 * Writes bench/results/oneshot.md.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tsgitop');
const DOC = readFileSync(join(ROOT, 'fixtures/uwsgi/load-4p4t.json'));
const TARGET = 1.3;


// For each run of each command: [wall ms, cpu ms, exit code]. Alternates the commands.
const RUNNER = `
import json, os, sys, time
cmds = json.loads(sys.argv[1]); n = int(sys.argv[2])
out = [[] for _ in cmds]
null = os.open(os.devnull, os.O_WRONLY)
for i in range(n):
    for k, c in enumerate(cmds):
        t0 = time.perf_counter()
        pid = os.posix_spawn(c[0], c, dict(os.environ), file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        out[k].append([wall * 1000, (ru.ru_utime + ru.ru_stime) * 1000, os.waitstatus_to_exitcode(status)])
print(json.dumps(out))
`;
import { numArg } from './args.js';
import { requireCurrentBundles } from './built.js';

await requireCurrentBundles('oneshot');

function runRound(cmds: string[][], n: number): Promise<[number, number, number][][]> {
  return new Promise((resolve, reject) => {
    // Async: this process's event loop keeps serving the stats socket meanwhile.
    const p = spawn('python3', ['-c', RUNNER, JSON.stringify(cmds), String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (b: Buffer) => (text += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(text) as [number, number, number][][]) : reject(new Error(`runner exited ${code}`))));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const runs = numArg('--runs', 15);
  const rounds = numArg('--rounds', 3);
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-bench-oneshot-'));
  const sock = join(dir, 'stats.sock');
  const srv = createServer((c) => {
    c.on('error', () => {});
    c.end(DOC);
  });
  await new Promise<void>((r) => srv.listen(sock, r));
  try {
    const out = await new Promise<Buffer>((resolve, reject) =>
      execFile(process.execPath, [BIN, '--connect-and-read', sock], { encoding: 'buffer' }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
    );
    if (!out.equals(DOC)) throw new Error('the one-shot output is not the document byte for byte');
    const node = process.execPath;
    const cmds = [
      [node, '-e', '0'],
      [node, BIN, '--connect-and-read', sock],
    ];
    const load0 = loadavg()[0]!;
    const rows: { cpu: [number, number]; wall: [number, number] }[] = [];
    for (let r = 0; r < rounds; r++) {
      const res = await runRound(cmds, runs);
      const bad = res[1]!.filter((x) => x[2] !== 0).length + res[0]!.filter((x) => x[2] !== 0).length;
      if (bad) throw new Error(`${bad} runs did not exit 0`);
      rows.push({
        cpu: [median(res[0]!.map((x) => x[1])), median(res[1]!.map((x) => x[1]))],
        wall: [median(res[0]!.map((x) => x[0])), median(res[1]!.map((x) => x[0]))],
      });
    }
    const load1 = loadavg()[0]!;
    const cpuRatios = rows.map((r) => r.cpu[1] / r.cpu[0]);
    const wallRatios = rows.map((r) => r.wall[1] / r.wall[0]);
    const cpuR = median(cpuRatios);
    const wallR = median(wallRatios);
    const f = (x: number): string => x.toFixed(1);
    const md = [
      '# One-shot benchmark',
      '',
      'Command: `npm run build && node dist/bench/oneshot.js` (also `npm run bench -- oneshot`)',
      '',
      `Machine: ${cpus().length} CPUs (${(cpus()[0]?.model ?? '?').trim()}), Node ${process.version}; load average (1 min) ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end`,
      '(the machine is shared: compare the ratios, measured side by side in the same run).',
      `Date: ${new Date().toISOString()}`,
      '',
      `\`tsgitop --connect-and-read SOCKET\` (a real uWSGI document, ${DOC.length} bytes, from a unix socket) against \`node -e 0\`,`,
      `alternating, ${runs} runs of each per round, ${rounds} rounds; CPU = user + system from wait4(2), wall = spawn to reaped.`,
      `Target (issue 13): ≤ ${TARGET}× in CPU and in wall time.`,
      '',
      '| round | node -e 0 CPU ms | one-shot CPU ms | CPU ratio | node -e 0 wall ms | one-shot wall ms | wall ratio |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((r, i) => `| ${i + 1} | ${f(r.cpu[0])} | ${f(r.cpu[1])} | ${cpuRatios[i]!.toFixed(2)} | ${f(r.wall[0])} | ${f(r.wall[1])} | ${wallRatios[i]!.toFixed(2)} |`),
      '',
      `**Median of the rounds: CPU ${cpuR.toFixed(2)}×, wall ${wallR.toFixed(2)}×** — target ≤ ${TARGET}×: ${cpuR <= TARGET && wallR <= TARGET ? 'met' : '**not met**'}.`,
      '',
    ];
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/oneshot.md'), md.join('\n'));
    console.log(md.join('\n'));
  } finally {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e) => {
  console.error(`bench oneshot: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
