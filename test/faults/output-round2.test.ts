/**
 * Hardening round 2, output side (issue 10 points 2, 3, 6, 12, 15): what
 * tsgitop writes when the server is hostile or stdout goes away, through the
 * real `bin/tsgitop` in child processes, real pipes and real files.
 *
 * - point 2: batch text (`-b`, automatic batch when stdout is a pipe, fleet
 *   `-b`, the Emperor table) never carries a raw control byte, and every
 *   table line keeps the same cell width, whatever a server's strings hold;
 * - point 3: `--connect-and-read` escapes controls on a terminal (a pty from
 *   `script`), stays byte-exact piped; error lines quoting server bytes
 *   escape C1 too;
 * - point 6: a closed pipe ends quietly (exit 0, nothing on stderr), a full
 *   disk is one line and exit 1;
 * - point 12: every number formatter fits its column, for any input;
 * - point 15: an option that needs a value never takes a known option as it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { runCli } from '../cli/run-cli.js';
import { figure } from './mode.js';
import { BIN, HOSTILE, cells, fixedServer, hostileEmperorDoc, hostileServerDoc, rawControls, shellRun, tempDir } from './output-helpers.js';
import { formatBytes, formatCount, formatDuration, formatId, formatMs, formatPercent, formatRate } from '../../src/format.js';
import { CORE_COLUMNS, VASSAL_COLUMNS, WORKER_COLUMNS } from '../../src/columns.js';
import { FLEET_COLUMNS } from '../../src/fleet/render.js';
import { clean, clip, pad, width } from '../../src/text/sanitize.js';
import { parseStats } from '../../src/protocol/parse.js';
import { buildView } from '../../src/model/index.js';
import { renderText } from '../../src/render/text.js';

const T = { timeout: 120_000 };

/** The lines of the table that starts at the line whose trimmed text starts with `title`, up to a blank line. */
function tableLines(out: string, title: string): string[] {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.trimStart().startsWith(title));
  assert.ok(i >= 0, `a table titled ${title} in:\n${out}`);
  const rows: string[] = [];
  for (let j = i; j < lines.length && lines[j] !== ''; j++) rows.push(lines[j]!);
  return rows;
}

interface HostileCase {
  name: string;
  args: string[];
  title: string;
  /** Rows that are not full width by design (the totals line is trimmed). */
  skip?: (line: string) => boolean;
}

test('output: hostile server strings never reach the terminal raw, and table columns never shift (batch, auto batch, fleet -b, Emperor)', T, async (t) => {
  const dir = tempDir(t);
  const a = await fixedServer(t, join(dir, 'a.sock'), hostileServerDoc());
  const b = await fixedServer(t, join(dir, 'b.sock'), hostileServerDoc());
  const emp = await fixedServer(t, join(dir, 'e.sock'), hostileEmperorDoc());
  // A target answering hostile non-JSON: its error line quotes server bytes.
  const bad = await fixedServer(t, join(dir, 'x.sock'), Buffer.from(`\x1b]0;pwned\x07\u009b6n\u202e not json`));
  const totals = (l: string): boolean => /^\s*Σ/.test(l);
  const cases: HostileCase[] = [
    { name: 'batch -b', args: ['-b', '-n', '1', '-f', '0.05', a], title: 'WID', skip: totals },
    { name: 'automatic batch (stdout a pipe)', args: ['-n', '1', '-f', '0.05', a], title: 'WID', skip: totals },
    { name: 'batch -b --cores --width 80', args: ['-b', '--cores', '--width', '80', '-n', '1', '-f', '0.05', a], title: 'WID', skip: (l) => totals(l) || /^\s+(\d+:\d+|CORE) /.test(l) },
    { name: 'fleet -b', args: ['-b', '-n', '1', '-f', '0.05', '-t', '2', a, b, bad], title: 'TARGET', skip: (l) => totals(l) || /DOWN|STALE/.test(l) || l.trimStart().startsWith('TARGET') },
    { name: 'Emperor table', args: ['-b', '-n', '1', '-f', '0.05', emp], title: 'VASSAL', skip: totals },
  ];
  const rows: { case: string; bytes: number; rawControls: number; tableLines: number; widths: number[] }[] = [];
  for (const c of cases) {
    const r = await runCli(c.args, { env: { NO_COLOR: '1' } });
    const out = r.stdout.toString('utf8');
    assert.equal(r.stderr, '', `${c.name}: no stderr`);
    assert.ok(r.code === 0 || (c.name === 'fleet -b' && r.code === 0), `${c.name}: exit ${r.code}`);
    const raw = rawControls(out);
    assert.deepEqual(raw, [], `${c.name}: raw control characters in the output: ${JSON.stringify(raw)}`);
    assert.ok(!r.stdout.includes(0x1b), `${c.name}: an ESC byte in the output`);
    assert.match(out, /\\x1b/, `${c.name}: the escape is shown visibly`);
    const table = tableLines(out, c.title).filter((l) => !(c.skip?.(l) ?? false));
    assert.ok(table.length >= (c.name === 'fleet -b' ? 2 : HOSTILE.length), `${c.name}: table rows\n${out}`);
    const widths = [...new Set(table.map(cells))];
    assert.equal(widths.length, 1, `${c.name}: every table line has the same cell width, got ${widths.join(', ')}:\n${table.join('\n')}`);
    rows.push({ case: c.name, bytes: r.stdout.length, rawControls: raw.length, tableLines: table.length, widths });
  }
  // --json: the same values, with DEL/C1/bidi written as \u escapes (C0 by JSON itself).
  const j = await runCli(['--json', '-n', '1', '-f', '0.05', a]);
  const jout = j.stdout.toString('utf8');
  assert.deepEqual(rawControls(jout.replace(/\n$/, '')), [], '--json: no raw control characters');
  const parsed = JSON.parse(jout) as { workers: { status: string | null }[] };
  assert.deepEqual(
    parsed.workers.map((w) => w.status),
    HOSTILE.map((h) => h),
    '--json keeps the exact values',
  );
  rows.push({ case: '--json', bytes: j.stdout.length, rawControls: 0, tableLines: 0, widths: [] });
  figure('output', 'hostile strings', { strings: HOSTILE.map((h) => JSON.stringify(h)), cases: rows });
});

test('output: the sanitizer — no raw control survives, pad is exact in cells, a clip never cuts an escape or a character', T, () => {
  const unit = fc.oneof(
    fc.constantFrom(...HOSTILE, '\\', '\\x', '\u0085', '\ud800', '\udc00', '😀', '한', 'é', '\u200d', '…'),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  let n = 0;
  fc.assert(
    fc.property(fc.array(unit, { maxLength: 8 }), fc.integer({ min: 0, max: 40 }), (parts, w) => {
      n++;
      const s = parts.join('');
      const c = clean(s);
      assert.deepEqual(rawControls(c), []);
      assert.equal(clean(c), c, 'idempotent');
      const cut = clip(s, w);
      assert.ok(width(cut) <= w, `clip ${JSON.stringify(s)} to ${w}: ${JSON.stringify(cut)}`);
      const p = pad(s, w);
      assert.equal(width(p), Math.max(0, w), `pad ${JSON.stringify(s)} to ${w}: ${JSON.stringify(p)}`);
      // A cut keeps a prefix of the cleaned text, ending on a unit boundary.
      const kept = cut.endsWith('…') && !c.startsWith(cut) ? cut.slice(0, -1) : cut;
      assert.ok(c.startsWith(kept), `clip is a prefix: ${JSON.stringify(c)} / ${JSON.stringify(kept)}`);
      for (const m of c.matchAll(/\\x[0-9a-f]{2}|\\u[0-9a-f]{4}/g)) {
        const end = m.index + m[0].length;
        assert.ok(!(kept.length > m.index && kept.length < end), `clip cut inside the escape ${m[0]}: ${JSON.stringify(kept)}`);
      }
      const last = kept.codePointAt(kept.length - 1);
      assert.ok(last === undefined || !(last >= 0xd800 && last <= 0xdbff && c.length > kept.length), 'never half a surrogate pair');
    }),
    { numRuns: 3000, seed: 4242 },
  );
  // The chosen visible forms.
  assert.equal(clean('\x1b]0;t\x07'), '\\x1b]0;t\\x07');
  assert.equal(clean('\u009b6n'), '\\x9b6n');
  assert.equal(clean('a\u202eb'), 'a\\u202eb');
  assert.equal(width('忙🔥e\u0301'), 5);
  assert.equal(clip('x\x1b[2Jyz', 5), 'x…', 'an escape that does not fit is dropped whole');
  figure('output', 'sanitizer property', { cases: n });
});

test('output: --connect-and-read on a terminal shows controls as escapes, piped stays byte-exact; error lines escape C1', T, async (t) => {
  const dir = tempDir(t);
  const body = Buffer.from('HELLO\x1b]0;pwned\x07 \x1b[6n \u009b6n \u202e end\n', 'utf8');
  const sock = await fixedServer(t, join(dir, 'r.sock'), body);
  const results: Record<string, unknown> = {};
  // Piped: exactly the bytes.
  const piped = await runCli(['--connect-and-read', sock]);
  assert.equal(piped.code, 0);
  assert.ok(piped.stdout.equals(body), 'piped output is byte-exact');
  results.piped = 'byte-exact';
  // A terminal: `script` gives the child a pty.
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  if (hasScript) {
    // Asynchronously: the server answering lives in this process.
    const tty = await new Promise<{ status: number | null; stdout: Buffer }>((resolve, reject) => {
      const child = spawn('script', ['-qec', `"${process.execPath}" "${BIN}" --connect-and-read "${sock}"`, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const out: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout: Buffer.concat(out) });
      });
    });
    const text = tty.stdout.toString('utf8');
    assert.equal(tty.status, 0, `exit on a terminal: ${text}`);
    assert.match(text, /HELLO\\x1b\]0;pwned\\x07 \\x1b\[6n \\x9b6n \\u202e end/);
    assert.deepEqual(rawControls(text.replace(/\r/g, '')), [], 'nothing raw reaches the terminal');
    results.terminal = text.trim();
  } else {
    results.terminal = 'skipped: script(1) not installed';
  }
  // Error lines quoting the bytes: --pretty, and a batch read of non-JSON.
  for (const args of [['--connect-and-read', sock, '--pretty'], ['-b', '-n', '1', '-f', '0.05', sock]]) {
    const r = await runCli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: exit 1`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `${args.join(' ')}: one stderr line: ${r.stderr}`);
    assert.deepEqual(rawControls(lines[0]!), [], `${args.join(' ')}: no raw control in ${JSON.stringify(lines[0])}`);
    results[args.join(' ').replace(sock, 'S.sock')] = lines[0]!.replace(sock, 'S.sock');
  }
  figure('output', 'connect-and-read terminal', results);
});

test('output: a closed stdout ends quietly, a full one is one line and exit 1 (real pipes, /dev/full)', T, async (t) => {
  const dir = tempDir(t);
  const a = await fixedServer(t, join(dir, 'a.sock'), hostileServerDoc());
  const b = await fixedServer(t, join(dir, 'b.sock'), hostileServerDoc());
  // 2 MiB: more than a pipe holds, so the dump really meets the closed pipe.
  const big = await fixedServer(t, join(dir, 'big.sock'), JSON.stringify({ workers: [], pad: 'x'.repeat(2 * 1024 * 1024) }));
  const closed: [string, string[], string][] = [
    ['-b -n 50 -f 0.05 S | head -1', ['-b', '-n', '50', '-f', '0.05', a], '| head -1 >/dev/null'],
    ['--json -n 50 -f 0.05 S | head -1', ['--json', '-n', '50', '-f', '0.05', a], '| head -1 >/dev/null'],
    ['-b -n 50 -f 0.05 A B | head -1 (fleet)', ['-b', '-n', '50', '-f', '0.05', a, b], '| head -1 >/dev/null'],
    ['--connect-and-read BIG | false', ['--connect-and-read', big], '| false'],
    ['--connect-and-read BIG | head -c 10', ['--connect-and-read', big], '| head -c 10 >/dev/null'],
    ['--connect-and-read BIG --pretty | head -1', ['--connect-and-read', big, '--pretty'], '| head -1 >/dev/null'],
    ['--help | false', ['--help'], '| false'],
    ['--help-columns | false', ['--help-columns'], '| false'],
  ];
  const rows: { command: string; exit: number; stderr: string; ms: number }[] = [];
  for (const [name, args, sink] of closed) {
    const r = await shellRun(dir, args, sink);
    rows.push({ command: `tsgitop ${name}`, exit: r.code, stderr: r.stderr, ms: r.ms });
    assert.ok(r.code === 0 || r.code === 141, `${name}: exit ${r.code}`);
    assert.equal(r.stderr, '', `${name}: nothing on stderr`);
    // 50 tables 50 ms apart would take 2.5 s: it stops at the first write into the closed pipe.
    if (args.includes('50')) assert.ok(r.ms < 2400, `${name}: ended at the closed pipe, not after every table (${r.ms} ms)`);
  }
  if (existsSync('/dev/full')) {
    const full: [string, string[]][] = [
      ['-b -n 2 -f 0.05 S > /dev/full', ['-b', '-n', '2', '-f', '0.05', a]],
      ['--json -n 1 -f 0.05 S > /dev/full', ['--json', '-n', '1', '-f', '0.05', a]],
      ['-b -n 1 -f 0.05 A B > /dev/full (fleet)', ['-b', '-n', '1', '-f', '0.05', a, b]],
      ['--connect-and-read S > /dev/full', ['--connect-and-read', a]],
      ['--help > /dev/full', ['--help']],
      ['--version > /dev/full', ['--version']],
    ];
    for (const [name, args] of full) {
      const r = await shellRun(dir, args, '>/dev/full');
      rows.push({ command: `tsgitop ${name}`, exit: r.code, stderr: r.stderr.trim(), ms: r.ms });
      assert.equal(r.code, 1, `${name}: exit 1`);
      assert.equal(r.stderr, 'tsgitop: cannot write to stdout: no space left on device (ENOSPC)\n', `${name}: one line`);
    }
  }
  figure('output', 'closed stdout', rows);
});

test('output: an option that needs a value never takes a known option as it (--connect-and-read --pretty ADDR)', T, async (t) => {
  const dir = tempDir(t);
  const sock = join(dir, 'absent.sock');
  const cases: [string[], RegExp][] = [
    [['--connect-and-read', '--pretty', sock], /^tsgitop: option '--connect-and-read' needs a value, but '--pretty' follows it/],
    [['--connect-and-read', '-b', sock], /option '--connect-and-read' needs a value, but '-b' follows it/],
    [['-f', '-b', sock], /option '-f' needs a value, but '-b' follows it \(write --frequency=VALUE\)/],
    [['-s', '--reverse', sock], /option '-s' needs a value, but '--reverse' follows it/],
    [['--record', '--json', sock], /option '--record' needs a value, but '--json' follows it/],
    [['--targets', '--no-color', sock], /option '--targets' needs a value, but '--no-color' follows it/],
    [['--max-bytes', '--timeout=3', sock], /option '--max-bytes' needs a value, but '--timeout=3' follows it/],
  ];
  const rows: { args: string; code: number | null; stderr: string }[] = [];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    const shown = args.map((x) => (x === sock ? 'S.sock' : x)).join(' ');
    rows.push({ args: shown, code: r.code, stderr: r.stderr.trim() });
    assert.equal(r.code, 2, `${shown}: exit 2`);
    assert.equal(r.stdout.length, 0);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `${shown}: one line: ${r.stderr}`);
    assert.match(lines[0]!, re);
  }
  // A value that really starts with dashes is still possible with '=', and a
  // value that is not an option (a negative number) still reaches validation.
  const eq = await runCli(['--connect-and-read=--pretty']);
  assert.equal(eq.code, 1, 'the value is taken as an address (no such socket)');
  assert.match(eq.stderr, /--pretty/);
  const neg = await runCli(['-f', '-1', sock]);
  assert.equal(neg.code, 2);
  assert.match(neg.stderr, /--frequency/);
  figure('output', 'option as value', rows);
});

test('output: every number formatter fits its column width, for any number (finite, huge, tiny, NaN, ±Infinity, negative)', T, () => {
  const num = fc.oneof(
    fc.double(),
    fc.constantFrom(1e308, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, 2 ** 64, 1e15, 999_999.5, 99_999_999, 86400e6 * 999.99, 86400e6 * 1000, -0, 5e-324, Number.NaN, Infinity, -Infinity),
    fc.integer({ min: 0, max: 2 ** 53 }).map((v) => v),
  );
  const fmts = { formatBytes, formatCount, formatDuration, formatId, formatMs, formatPercent, formatRate };
  let n = 0;
  fc.assert(
    fc.property(num, fc.integer({ min: 4, max: 12 }), (v, w) => {
      for (const [name, f] of Object.entries(fmts)) {
        n++;
        const s = f(v, w);
        assert.ok(s.length <= w, `${name}(${v}, ${w}) = ${JSON.stringify(s)}`);
        assert.doesNotMatch(s, /NaN|Infinity|e\+|undefined/, `${name}(${v}) = ${s}`);
      }
    }),
    { numRuns: 4000, seed: 1234 },
  );
  // The documented caps.
  assert.equal(formatDuration(1e308), '>999d');
  assert.equal(formatMs(1e308, 6), '>999d');
  assert.equal(formatCount(1e308, 4), '>99P');
  assert.equal(formatBytes(1e308), '>1024E');
  assert.equal(formatRate(1e308), '>999G');
  assert.equal(formatId(1e308), '-', 'an id beyond 2^53 is not an id');
  figure('output', 'formatter property', { cases: n, widths: '4..12' });
});

test('output: absurd numbers in every field never overflow a cell of any table (worker, core, Emperor, fleet columns; batch lines)', T, () => {
  const absurd = [1e308, 1.7976931348623157e308, 2 ** 53 + 1, 1e20, 123456789012, 5e-324, 0];
  let checked = 0;
  for (const v of absurd) {
    const doc = JSON.parse(hostileServerDoc()) as { workers: Record<string, unknown>[] };
    for (const w of doc.workers) {
      for (const k of ['requests', 'exceptions', 'signals', 'rss', 'vsz', 'tx', 'avg_rt', 'running_time', 'respawn_count', 'harakiri_count', 'delta_requests', 'id', 'pid']) w[k] = v;
      for (const c of (w.cores as Record<string, unknown>[]) ?? []) for (const k of ['requests', 'static_requests', 'routed_requests', 'offloaded_requests', 'read_errors', 'write_errors', 'id']) c[k] = v;
    }
    const text = JSON.stringify(doc);
    const cur = { doc: parseStats(text), at: 2_000_000 };
    const prev = { doc: parseStats(text.replace(/"requests":[^,}]+/g, '"requests":0')), at: 1_000 };
    const view = buildView(cur, prev);
    assert.equal(view.kind, 'server');
    if (view.kind !== 'server') continue;
    const ctx = { now: cur.at };
    for (const row of view.workers) {
      for (const col of WORKER_COLUMNS) {
        checked++;
        const s = col.format(row, ctx);
        assert.ok(width(s) <= col.width || col.align === 'left', `${col.id} of ${v}: ${JSON.stringify(s)} in ${col.width}`);
      }
      for (const core of row.cores) {
        for (const col of CORE_COLUMNS) {
          checked++;
          assert.ok(width(col.format(core, ctx)) <= col.width, `core ${col.id} of ${v}: ${col.format(core, ctx)}`);
        }
      }
    }
    const out = renderText(view, { width: 200, now: cur.at });
    const table = tableLines(out, 'WID').filter((l) => !/^\s*Σ/.test(l));
    assert.equal(new Set(table.map(cells)).size, 1, `batch lines with ${v} keep one width:\n${table.join('\n')}`);
  }
  assert.ok(VASSAL_COLUMNS.length > 0 && FLEET_COLUMNS.length > 0);
  figure('output', 'absurd numbers in cells', { values: absurd.map(String), cells: checked });
});
