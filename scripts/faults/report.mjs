#!/usr/bin/env node
// Runs the reliability suite (test/faults) and writes its figures into
// RELIABILITY.md.
//
//   node scripts/faults/report.mjs            # long mode (TSGITOP_FAULTS=long): 10-min soak, 260k fuzz cases, ~15 min
//   node scripts/faults/report.mjs --bounded  # the bounded mode `npm test` runs (< 3 min)
//   node scripts/faults/report.mjs --out FILE # write somewhere else (default: RELIABILITY.md)
//
// It builds first (tsc; errors in files being edited elsewhere do not stop
// the emit), runs every dist/test/faults/*.test.js with TSGITOP_FAULTS_FIGURES
// pointing at a temp file, then renders the figures each test recorded.
// Exit code: the test run's.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const bounded = args.includes('--bounded');
const outIdx = args.indexOf('--out');
const outFile = outIdx >= 0 ? args[outIdx + 1] : join(root, 'RELIABILITY.md');
const mode = bounded ? 'bounded' : 'long';
const command = `node scripts/faults/report.mjs${bounded ? ' --bounded' : ''}`;

function sh(cmd, a) {
  try {
    return execFileSync(cmd, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'not installed';
  }
}

// 1. Build.
process.stderr.write('report: building (tsc)…\n');
spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'ignore' });
const testDir = join(root, 'dist/test/faults');
if (!existsSync(testDir)) {
  process.stderr.write('report: dist/test/faults is missing after the build\n');
  process.exit(1);
}
const files = readdirSync(testDir)
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => join(testDir, f));

// 2. Run.
const tmp = mkdtempSync(join(os.tmpdir(), 'tsgitop-report-'));
const figuresFile = join(tmp, 'figures.jsonl');
const tapFile = join(tmp, 'tap.txt');
writeFileSync(figuresFile, '');
const machine = {
  nproc: sh('nproc', []),
  cpu: (os.cpus()[0]?.model ?? 'unknown').trim(),
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  os: `${os.type()} ${os.release()}`,
  tmux: sh('tmux', ['-V']),
  uwsgi: sh('uwsgi', ['--version']),
  uid: process.getuid?.(),
  load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
};
const started = new Date();
process.stderr.write(`report: running ${files.length} files in ${mode} mode…\n`);
const run = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-reporter-destination=stderr', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files],
  { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, TSGITOP_FAULTS: mode === 'long' ? 'long' : '', TSGITOP_FAULTS_FIGURES: figuresFile }, cwd: root },
);
const seconds = Math.round((Date.now() - started.getTime()) / 1000);

const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

// 3. Collect.
const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
const figs = readFileSync(figuresFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
rmSync(tmp, { recursive: true, force: true });
const get = (area, name) => figs.filter((f) => f.area === area && f.name === name).at(-1)?.value;
const all = (area, prefix) => figs.filter((f) => f.area === area && f.name.startsWith(prefix));
const summary = {};
for (const k of ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo']) summary[k] = Number(new RegExp(`^# ${k} (\\d+)`, 'm').exec(tap)?.[1] ?? 0);
const topLevel = [...tap.matchAll(/^(not ok|ok) \d+ - (.*)$/gm)].map((m) => ({ ok: m[1] === 'ok', title: m[2] }));
/** 'all passed' / 'FAILED: …' for the tests whose title starts with `prefix`. */
function verdict(prefix) {
  const ts = topLevel.filter((t) => t.title.startsWith(prefix) && !/# TODO/.test(t.title));
  if (ts.length === 0) return 'did not run';
  const bad = ts.filter((t) => !t.ok);
  return bad.length === 0 ? `all ${ts.length} passed` : `**FAILED: ${bad.map((t) => esc(t.title)).join('; ')}**`;
}

// 4. Render.
const md = [];
const code = (s) => '`' + String(s).replace(/`/g, "'") + '`';
md.push('# Reliability and security');
md.push('');
md.push(`Produced by \`${command}\` (${mode} mode) on ${started.toISOString().slice(0, 10)}; the suite took ${seconds} s.`);
md.push(
  `Machine: nproc ${machine.nproc}, ${machine.cpu}, ${machine.memGiB} GiB RAM, node ${machine.node}, ${machine.os}, ${machine.tmux}, uWSGI ${machine.uwsgi}, running as uid ${machine.uid}, load average ${machine.load} at start (the machine was shared with other work).`,
);
md.push('');
md.push(
  `Result: ${summary.tests} tests, ${summary.pass} passed, ${summary.fail} failed, ${summary.todo} known bugs (todo), ${summary.skipped} skipped.` +
    (summary.fail ? ' **Failures:** ' + topLevel.filter((t) => !t.ok && !/# TODO/.test(t.title)).map((t) => esc(t.title)).join('; ') : ''),
);
md.push('');
md.push('Two modes, chosen by `TSGITOP_FAULTS`: **bounded** (default; what `npm test` and CI run, under 3 minutes on 2 cores) and');
md.push('**long** (`TSGITOP_FAULTS=long`: a 10-minute soak, ten times the fuzz cases, longer attacks). Run the suite alone with');
md.push('`npm run build && node scripts/run-tests.mjs test/faults` (add `TSGITOP_FAULTS=long` for the long mode); this file is');
md.push('rewritten by `node scripts/faults/report.mjs` (long) or `node scripts/faults/report.mjs --bounded`.');
md.push('');

// Monitor faults.
md.push('## 1. The live monitor under faults');
md.push('');
md.push('`test/faults/monitor.test.ts`: `runMonitor` in the headless terminal harness (test/tui/harness.ts), reading with the real');
md.push('`fetchStats` (500 ms deadline, the 16 MiB default cap of the CLI; 64 MiB for the 100k-worker case) from a real stats server **process** (test/faults/servers.ts)');
md.push('that misbehaves on command. For each fault the test waits (events and polled conditions with deadlines, no sleeps) until');
md.push('the screen shows **STALE** with the error on the status line and the last good rows kept, holds the fault for several');
md.push('failed reads, ends it (new pids, lower counters), and waits for live data again; memory is sampled every 25 ms');
md.push('(peak) and after a forced GC (settled), relative to a settled baseline taken while live.');
md.push('');
md.push('| fault | failed reads (codes) | peak RSS Δ | peak heap Δ | heap Δ after GC | bound (peak RSS / heap after GC) | held |');
md.push('| --- | --- | ---: | ---: | ---: | --- | --- |');
for (const f of all('monitor', 'fault ')) {
  const name = f.name.slice('fault '.length);
  const mem = get('monitor', `memory ${name}`);
  const v = f.value;
  const failed = v.failedReads !== undefined ? `${v.failedReads} (${Object.entries(v.codes ?? {}).map(([k, n]) => `${k} ${n}`).join(', ')})` : Object.entries(v.codes ?? {}).map(([k, n]) => `${k} ${n}`).join(', ') || '0';
  const held = get('monitor', `held ${name}`) === true;
  md.push(
    `| ${esc(name)} | ${esc(failed)} | ${mem ? mem.peakRssMiB + ' MiB' : '-'} | ${mem ? mem.peakHeapMiB + ' MiB' : '-'} | ${mem ? mem.settledHeapMiB + ' MiB' : '-'} | ${mem ? `${mem.boundPeakRssMiB} / ${mem.boundSettledHeapMiB} MiB` : '-'} | ${held ? 'yes' : '**NO**'} |`,
  );
}
for (const f of all('monitor', 'memory ')) {
  const name = f.name.slice('memory '.length);
  if (all('monitor', `fault ${name}`).length) continue;
  const m = f.value;
  const held = get('monitor', `held ${name}`) === true;
  md.push(`| ${esc(name)} (valid but huge: stays live) | 0 | ${m.peakRssMiB} MiB | ${m.peakHeapMiB} MiB | ${m.settledHeapMiB} MiB | ${m.boundPeakRssMiB} / ${m.boundSettledHeapMiB} MiB | ${held ? 'yes' : '**NO**'} |`);
}
md.push('');
md.push(`Tests: ${verdict('fault:')}.`);
md.push('');
md.push('Also held: odd counters (-5, 1.5, 1e308, -1e308, 5e-324, 2^53+1 in every field over 12+ reads, all three cores views) never');
md.push('draw NaN/Infinity/undefined or a negative number; duplicate worker ids (1,1,1,0,0,2,2) keep every row, selection and');
md.push('sorting; the terminal resized to 20x5 and back three times draws without a render error; a render that throws is');
md.push('shown as `render error: …` and the monitor keeps reading and recovers; permission denied (socket mode 000, the monitor');
md.push('running as uid 65534 because root ignores file modes) shows `permission denied connecting to …` and recovers on chmod.');
md.push('');

// Fuzz.
md.push('## 2. Fuzzing');
md.push('');
md.push('`test/faults/fuzz.test.ts` (fast-check): the real uWSGI fixtures (fixtures/uwsgi/*.json) mutated byte-wise (flip, delete,');
md.push('insert, truncate, splice `1e999`, `NaN`, `[[[[`, lone surrogates…) and structurally (values replaced by odd numbers and');
md.push('wrong types, keys deleted, arrays duplicated, siblings copied so ids repeat, unknown keys added), numbers-only');
md.push('mutations, random uWSGI-shaped documents, and bytes served by a real 127.0.0.1 / unix socket server. Properties: the');
md.push('reader and parser succeed or throw a one-line `StatsError`; `buildView` (with a previous read at any interval, zero and');
md.push('negative included) never yields a NaN, negative or infinite rate, share or total; `renderText` (any width, cores on/off)');
md.push('and `viewToJson` never contain NaN, Infinity or undefined (unless the document itself carries that text).');
md.push('');
md.push('| property | cases | outcomes |');
md.push('| --- | ---: | --- |');
for (const f of all('fuzz', 'property ')) {
  md.push(`| ${esc(f.name.slice('property '.length))} | ${f.value.cases} | ${esc(Object.entries(f.value.outcomes).map(([k, n]) => `${k} ${n}`).join(', '))} |`);
}
md.push(`| **total** | **${get('fuzz', 'total cases') ?? '-'}** | tests: ${verdict('fuzz:')} |`);
md.push('');

// Soak.
md.push('## 3. Soak');
md.push('');
const soak = get('soak', 'markdown');
const bounds = get('soak', 'bounds');
md.push('`test/faults/soak.test.ts` (and `node dist/bench/soak.js [SECONDS]`): the monitor at 10 Hz on the demo cluster (runDemo');
md.push('in a child process, synthetic load, a worker crash every 2–4 s). Heap sampled after a forced GC, RSS as is; active');
md.push('handles/timers (`process.getActiveResourcesInfo()`) before start and after stop.');
md.push('');
md.push(soak ?? '(no soak figures: the soak did not run)');
md.push(`Test: ${verdict('soak:')}.`);
if (bounds) md.push(`Bounds asserted: heap growth ≤ ${bounds.heapGrowthMiB} MiB, RSS growth ≤ ${bounds.rssGrowthMiB} MiB, no leaked handle or timer, no render error, no junk on screen, ≤ 1% failed reads.`);
md.push('');

// Emitter.
md.push('## 4. The stats emitter under attack');
md.push('');
const atk = get('emitter', 'attack');
const lb = get('emitter', 'latency bound');
md.push('`test/faults/emitter.test.ts`: an instrumented node:http app with `createStatsServer` (unix socket + loopback HTTP/Prometheus)');
md.push('in its own process; an attacker process runs, at once, waves of concurrent raw stats clients, 50 slow readers (raw and');
md.push('HTTP, never reading), 20 garbage senders (random bytes on the raw socket; random bytes and a 20 KB request head one byte');
md.push('at a time on the HTTP listener) and 20 rapid connect/close loops; this process measures the app with sequential');
md.push('keep-alive GETs before and during the attack, in the same run.');
md.push('');
if (atk) {
  md.push('| | p50 | p99 | max | failed |');
  md.push('| --- | ---: | ---: | ---: | ---: |');
  md.push(`| app latency, no attack (${atk.probeRequests} requests) | ${atk.baseline.p50} ms | ${atk.baseline.p99} ms | ${atk.baseline.max} ms | ${atk.baseline.failed} |`);
  md.push(`| app latency, under attack (${atk.probeRequests} requests) | ${atk.underAttack.p50} ms | ${atk.underAttack.p99} ms | ${atk.underAttack.max} ms | ${atk.underAttack.failed} |`);
  md.push('');
  const c = atk.attack;
  md.push(
    `Attack (${atk.attackMs / 1000} s): ${c.waves} waves × ${c.clients / Math.max(1, c.waves)} concurrent stats clients = ${c.clients} clients (${c.completeDocs} got a whole document, ${c.refusedOrCut} refused (the kernel's listen backlog full) — never a cut document: every non-empty answer parsed), ${c.slowOpened} slow readers (${c.slowDropped} dropped by the server while the attack ran), ${c.garbageConns} garbage connections (${(c.garbageBytes / 2 ** 20).toFixed(1)} MiB sent), ${c.rapid} rapid connect/close. A monitor-style stats read during the attack needed ${atk.statsReadAttemptsDuringAttack} attempt(s).`,
  );
  if (lb) md.push(`Bound asserted: p99 under attack ≤ ${lb.p99BoundMs} ms (max(100 ms, 25 × baseline p99)); every request answered 200.`);
  md.push(`Test: ${verdict('emitter under attack')}.`);
}
md.push('');
md.push(`Stats socket mode: ${get('emitter', 'stats socket mode') ?? '-'} (asserted 600); the HTTP stats listener is 127.0.0.1 only. A secret header value`);
md.push('(`X-Api-Key`, `Authorization`, `Cookie`), a secret path and query string, and a secret environment variable value planted in');
md.push('the app process never appear in the raw stats (during and after the attack), the HTTP stats or `/metrics`, not even in part,');
md.push('while a request carrying them is in flight.');
md.push('');

// Emitter, round 2 (issue 10: request lifecycle, cluster throws, starvation).
md.push('### 4b. The emitter, round 2: request lifecycle, cluster throws, starvation, Host check, head limit, HTTP/2');
md.push('');
md.push('`test/faults/emitter-round2.test.ts` (issue 10 points 1, 4, 5, 14, 16), against real node:http servers, app processes and node:cluster workers.');
md.push('');
{
  const rep = get('emitter2', 'pipelined repro');
  const prop = get('emitter2', 'lifecycle property');
  const cl = get('emitter2', 'cluster pipelined');
  const th = get('emitter2', 'cluster throws');
  const st = get('emitter2', 'starvation');
  if (rep) md.push(`- 10 pipelined \`GET /\` (handler 50 ms), client gone after 10 ms: ${rep.seen} dispatched, ${rep.counted} counted, ${rep.inFlightAfter} left in flight (before the fix: 9 stuck for good).`);
  if (prop) md.push(`- Property (fast-check, ${prop.runs} runs, ${prop.connections} connections mixing pipelining, full and cut bodies, cut heads, abort, RST, half-close; ends: ${esc(Object.entries(prop.ends ?? {}).map(([k, n]) => `${k} ${n}`).join(', '))}): ${prop.requests} requests dispatched, ${prop.counted} counted, ${prop.stuck} in flight after each run.`);
  if (cl) md.push(`- Cluster (${cl.workers} workers): ${cl.connections} connections × ${cl.pipelined} pipelined requests then disconnect: ${cl.counted} counted, ${cl.busyWorkers} worker(s) busy, ${cl.coresInRequest} core(s) in a request afterwards.`);
  const cp = get('emitter2', 'cluster property');
  if (cp) md.push(`- Cluster property (${cp.runs} runs, ${cp.connections} connections of random patterns, ${cp.requestsSent} complete requests sent): ${cp.counted} counted (never more than sent, never fewer than answered), ${cp.busyAfter} worker(s) left busy.`);
  if (th) md.push(`- Cluster, plain node:http, no error handler: ${th.ok} good requests and ${th.throws} handler throws (each kills its worker, ${th.respawns} respawns): requests ${th.requests}, exceptions ${th.exceptions} (before: exceptions 0).`);
  if (st) {
    md.push('');
    md.push('Starvation: an attacker process holds 1,000 hostile connections open to the stats listener (re-opened 200–600 ms after each drop; HTTP: 40 % idle, 30 % dripping a head one byte per 100 ms, 30 % complete requests never read; unix: 50 % idle never-readers, 50 % dripping garbage; the unix attack keeps running during the HTTP phase) while this process makes sequential legitimate reads, each with a 1 s deadline:');
    md.push('');
    md.push('| listener | hostile connections | legitimate reads | within 1 s | p50 | p99 | max |');
    md.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const k of ['unix', 'http']) {
      const r = st[k];
      if (r) md.push(`| ${k === 'unix' ? 'unix socket (raw)' : 'HTTP (127.0.0.1)'} | ${r.hostile} | ${r.reads} | ${r.ok} (${r.successPct} %) | ${r.p50} ms | ${r.p99} ms | ${r.max} ms |`);
    }
    md.push('');
    md.push('Bound asserted: ≥ 99 % within 1 s on each. Before the fix (64 slots held until the 5 s client timeout): 0 of 150 on the unix socket.');
  }
  md.push('');
  const h2 = get('emitter2', 'http2 refused');
  if (h2) md.push(`- HTTP/2 servers: ${esc(h2.map((r) => `\`${r.server}\` → ${r.code}`).join('; '))} (before: instrumented with tx always 0).`);
  const hc = get('emitter2', 'host check');
  if (hc) md.push(`- Host check on the HTTP stats listener (DNS rebinding), real app process: ${esc(hc.map((r) => `\`Host: ${r.host}\` ${r.path} → ${r.status}`).join('; '))}.`);
  const hd = get('emitter2', 'head limit');
  if (hd) md.push(`- Request head limit (8 KiB): a ${hd.bytes}-byte head in one write → ${hd.oneWrite}; in 1000-byte pieces → ${hd.pieces} (before: 200 in one read).`);
  md.push('');
  md.push(`Tests: ${verdict('emitter round 2:')}.`);
  md.push('');
}

// Terminal.
md.push('## 5. Terminal safety (tmux)');
md.push('');
md.push('`test/faults/terminal.test.ts`: the real `bin/tsgitop` (and, for injected errors, test/faults/tmux-child.ts using');
md.push('`MonitorOptions.hooks.beforeRender`) in a tmux pane; after it ends the same pane runs `stty -a`. Checked: `#{alternate_on}` 0,');
md.push('`#{cursor_flag}` 1 (both verified to be 1 / 0 while the monitor runs), `echo` and `icanon` set, the exit code, and stderr.');
md.push('');
const term = get('terminal', 'exit paths');
if (term && term.length) {
  md.push('| how it ended | exit code | stderr | terminal restored |');
  md.push('| --- | ---: | --- | --- |');
  for (const r of term) md.push(`| ${esc(r.how)} | ${r.exit} | ${r.stderr ? code(r.stderr) : '(empty)'} | ${r.restored ? 'yes' : 'NO'} |`);
  md.push('');
  md.push(`Tests: ${verdict('terminal restored')}; ${verdict('a render that throws')}; ${verdict('an uncaught exception')}.`);
} else md.push('(skipped: tmux not installed)');
md.push('');

// CLI.
md.push('## 6. Command-line errors');
md.push('');
const cli = get('cli', 'usage table') ?? [];
const cliCases = get('cli', 'cases');
md.push(`\`test/faults/cli.test.ts\`: ${cliCases ? cliCases.total : cli.length} malformed options and addresses through the real \`bin/tsgitop\` (options get a valid`);
md.push('but absent socket, so a value that slipped through would exit 1, not 2). Every one: exactly one stderr line starting');
md.push('`tsgitop: `, no stack, nothing on stdout, exit code 2. `S.sock` stands for a socket path in a temp dir.');
md.push('');
md.push(`Test: ${verdict('CLI:')}.`);
md.push('');
md.push('| input | message | exit |');
md.push('| --- | --- | ---: |');
const showArg = (a) => {
  if (a.length > 40) return `${JSON.stringify(a.slice(0, 16) + '…' + a.slice(-8))} (${a.length} chars)`;
  return a === '' ? "''" : /^[\w./:@=+,-]+$/.test(a) ? a : JSON.stringify(a);
};
for (const r of cli) if (r) md.push(`| ${code('tsgitop ' + r.args.map(showArg).join(' '))} | ${esc(r.message.length > 160 ? r.message.slice(0, 157) + '…' : r.message)} | ${r.code} |`);
const demoRows = get('cli', 'demo usage rows');
if (demoRows) {
  for (const r of demoRows) md.push(`| ${code('tsgitop ' + r.args.map(showArg).join(' '))} | ${esc(r.message)} | ${r.code} |`);
}
md.push('');

// Job control and terminal capabilities (issue 10 points 9-11).
md.push('## Job control and terminal capabilities (tmux, an interactive bash)');
md.push('');
md.push('`test/faults/suspend.test.ts`: the monitor as a job of a real interactive shell. Ctrl-Z under an `npm run` (and an `npx`) parent');
md.push('stops the whole job (npm included) and the shell prompts; while stopped the terminal is restored (normal screen,');
md.push('cursor on, mouse tracking off, echo and icanon in `stty -a`); the terminal is resized; `fg` redraws at the new size;');
md.push('an external `kill -TSTP` does the same; `TERM=dumb`/unset prints batch text and one line why; `LANG=C` draws ASCII only.');
md.push(`Result: ${verdict('job control')}.`);
md.push('');
md.push('| case | figures |');
md.push('| --- | --- |');
for (const f of all('jobcontrol', '')) md.push(`| ${esc(f.name)} | ${esc(Object.entries(f.value).map(([k, v]) => `${k} ${v}`).join(', '))} |`);
md.push('');

// Hardening round 2: output, files, memory (test/faults/output-round2.test.ts, record-memory-round2.test.ts).
md.push('## Hardening round 2: what reaches the terminal, files we write, memory per read');
md.push('');
md.push('`test/faults/output-round2.test.ts` and `test/faults/record-memory-round2.test.ts`: the real `bin/tsgitop` in child processes,');
md.push('real pipes (`bash`, `head`, `false`), `/dev/full`, a pty from `script(1)`. Server strings hold an OSC title, CSI 2J, CSI 6n,');
md.push('the C1 CSI U+009B, bidi RLO and isolates, CJK, emoji, combining marks, tab/newline/DEL/NUL. One sanitizer');
md.push('(`src/text/sanitize.ts`) shows controls as `\\xHH` and bidi as `\\uHHHH` and measures terminal cells.');
md.push('');
md.push(`Tests: ${verdict('output:')}; ${verdict('record:')}; ${verdict('memory:')}.`);
md.push('');
const hs = get('output', 'hostile strings');
if (hs) {
  md.push('| output | bytes | raw control characters | table lines | cell widths of the table lines |');
  md.push('| --- | ---: | ---: | ---: | --- |');
  for (const r of hs.cases) md.push(`| ${esc(r.case)} | ${r.bytes} | ${r.rawControls} | ${r.tableLines} | ${r.widths.length ? r.widths.join(', ') : '-'} |`);
  md.push('');
}
const tw = get('output', 'tui widths');
if (tw) md.push(`The TUI (headless xterm harness, test/faults/tui-width-round2.test.ts): ${tw.rows} worker rows with those statuses all end in cell ${tw.rowCells}; the screen library draws emoji as \`?\` per cell and drops combining marks, and the TUI's helpers measure it that way.`);
md.push('');
const sp = get('output', 'sanitizer property');
const fp = get('output', 'formatter property');
const ac = get('output', 'absurd numbers in cells');
md.push(
  `Properties: the sanitizer over ${sp ? sp.cases : '-'} random strings (no raw control survives, \`pad\` is exact in cells, a clip never cuts an escape or a surrogate pair); ` +
    `every number formatter over ${fp ? fp.cases : '-'} (value, width ${fp ? fp.widths : ''}) pairs never exceeds its width (caps \`>999d\`, \`>999G\`, \`>99P\`, \`>1024E\`); ` +
    `${ac ? ac.cells : '-'} worker/core cells with ${ac ? ac.values.join(', ') : '-'} in every field fit their columns and keep the batch table at one width.`,
);
md.push('');
const ct = get('output', 'connect-and-read terminal');
if (ct) {
  md.push('`--connect-and-read` of `HELLO ESC]0;pwned BEL ESC[6n U+009B 6n U+202E end`: piped, ' + esc(ct.piped) + '; on a terminal: ' + code(ct.terminal) + '.');
  for (const [k, v] of Object.entries(ct)) if (k !== 'piped' && k !== 'terminal') md.push(`- \`tsgitop ${esc(k)}\` → ${code(v)}`);
  md.push('');
}
const cs = get('output', 'closed stdout');
if (cs) {
  md.push('| closed or full stdout | exit | stderr | took |');
  md.push('| --- | ---: | --- | ---: |');
  for (const r of cs) md.push(`| ${esc(code(r.command))} | ${r.exit} | ${r.stderr ? esc(code(r.stderr)) : '(empty)'} | ${r.ms} ms |`);
  md.push('');
}
const ov = get('output', 'option as value');
if (ov) {
  md.push('| option followed by an option | exit | stderr |');
  md.push('| --- | ---: | --- |');
  for (const r of ov) md.push(`| ${esc(code('tsgitop ' + r.args))} | ${r.code} | ${esc(code(r.stderr))} |`);
  md.push('');
}
const fm = get('record', 'file modes');
if (fm) md.push('`--record` file modes (umask 000): ' + Object.entries(fm).map(([k, v]) => `${esc(k)} ${v}`).join('; ') + '.');
const sl = get('record', 'symlinks');
if (sl) md.push('Symlinks: ' + Object.entries(sl).map(([k, v]) => `${esc(k)} → ${code(v)}`).join('; ') + '.');
md.push('');
const mem = get('memory', 'peak rss per read');
if (mem) {
  md.push(`Peak RSS of one read (VmHWM of a child process, minus the same child reading a small document); a uWSGI-shaped document: 16 workers, every async core in a request with its CGI vars. Default size cap: ${mem.defaultCapMiB} MiB (\`${esc(mem.capped)}\`).`);
  md.push('');
  md.push('| read | document | baseline | peak | peak − baseline | × document | bound |');
  md.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of mem.rows) md.push(`| ${esc(r.read)} | ${r.documentMiB} MiB | ${r.baselineMiB} MiB | ${r.peakMiB} MiB | ${r.deltaMiB} MiB | ${r.ratio} | ${r.bound} |`);
  md.push('');
}

// Request privacy (issue 10 point 7; test/faults/privacy-round2.test.ts).
md.push('## Request privacy: secrets in uWSGI request vars');
md.push('');
md.push('`test/faults/privacy-round2.test.ts`: a stats server sends a uWSGI-shaped document whose 16 in-flight requests carry a cookie,');
md.push('an authorization header, an API key, a query string and fragment and the client address in their CGI vars. The parser keeps');
md.push('only the method and the path without its query; every output of the real `bin/tsgitop` is searched for each secret.');
md.push(`Result: ${verdict('privacy:')}.`);
md.push('');
const pv = get('privacy', 'secrets per output');
if (pv) {
  md.push(`| output | bytes searched | secrets found (of ${pv.secretsSent}) | request paths shown |`);
  md.push('| --- | ---: | ---: | ---: |');
  for (const r of pv.rows) md.push(`| ${esc(r.output)} | ${r.bytes} | ${r.secrets} | ${r.paths} |`);
  md.push('');
}

// Bugs.
md.push('## Bugs found by this suite');
md.push('');
md.push('Fixed, with regression tests in `test/faults/bugs.test.ts`: History.update allocated three rings for every key of a');
md.push('100k-worker document before trimming to maxKeys (peak ~1 GiB, now ~540 MiB RSS growth with the table itself); the');
md.push("`demo` subcommand printed commander's own `error:` line before tsgitop's one line.");
md.push('');
md.push('### Open (todo tests)');
md.push('');
const todos = topLevel.filter((t) => /# TODO/.test(t.title));
if (todos.length === 0) md.push('None open.');
for (const t of todos) {
  const [title, why] = t.title.split(/ # TODO /);
  md.push(`- ${esc(title)} — ${t.ok ? '**passes now: drop the todo**' : 'still failing'}. ${esc(why ?? '')}`);
}
md.push('');
writeFileSync(outFile, md.join('\n'));
process.stderr.write(`report: wrote ${outFile} (${summary.pass} passed, ${summary.fail} failed, ${summary.todo} todo)\n`);
process.exit(run.status ?? 1);
