/**
 * Issue 14 points 7 and 8: --help, the man page and the shell completions
 * are generated from ONE option table (src/cli/options.ts) that commander is
 * configured from. Help wraps between words at the terminal width; the man
 * page in the repository is current and lists the same options as --help;
 * the bash completion really completes (COMP_WORDS simulation); zsh and fish
 * are exercised when installed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, assertOneLineError, runCli } from './run-cli.js';
import { renderHelp, wrapWords } from '../../src/cli/help.js';
import { renderMan } from '../../src/cli/man.js';
import { COMMANDS, ROOT_OPTIONS, optionFlags, shownDefault } from '../../src/cli/options.js';
import { sortColumnIds } from '../../src/cli/completion.js';
import { ALL_WORKER_COLUMNS } from '../../src/columns.js';
import { FLEET_COLUMNS } from '../../src/fleet/render.js';
import { loadGraph } from '../architecture/graph.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tsgitop-compl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const tokens = (s: string): string[] => s.split(/\s+/).filter((t) => t !== '');

test('wrapWords never splits a word; a word longer than the line stays whole', () => {
  assert.deepEqual(wrapWords('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
  assert.deepEqual(wrapWords('x http://127.0.0.1:8080/nginx_status y', 10), ['x', 'http://127.0.0.1:8080/nginx_status', 'y']);
});

test('help wraps between words at any width: the same words in the same order, lines within the width', () => {
  const ref = tokens(renderHelp(200));
  for (let w = 50; w <= 160; w += 7) {
    const text = renderHelp(w);
    assert.deepEqual(tokens(text), ref, `width ${w}: words split or lost`);
    for (const line of text.split('\n')) {
      // Only a single word longer than the text column may exceed the width.
      assert.ok(line.length <= w || tokens(line).length === 1, `width ${w}: ${line.length} > ${w}: ${line}`);
    }
  }
  // At 80 (not a terminal) every line fits.
  for (const line of renderHelp(80).split('\n')) assert.ok(line.length <= 80, line);
});

test('tsgitop --help (not a terminal): 80 columns, groups, unquoted defaults, environment, exit status, examples', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.toString();
  assert.equal(out, renderHelp(80));
  for (const line of out.split('\n')) assert.ok(line.length <= 80, `line of ${line.length}: ${line}`);
  for (const title of ['Modes:', 'Connection:', 'Display', 'Batch output', 'Recording and replay:', 'Fleet', 'Diagnosis thresholds:', 'Front (nginx) and gunicorn:', 'Commands:', 'Environment:', 'Exit status:', 'Examples:']) {
    assert.match(out, new RegExp(`^${title.replace(/[()]/g, '\\$&')}`, 'm'), title);
  }
  for (const o of ROOT_OPTIONS) for (const f of optionFlags(o)) assert.ok(out.includes(f), `help lists ${f}`);
  for (const o of ROOT_OPTIONS) {
    const d = shownDefault(o);
    if (d !== undefined) assert.ok(out.replace(/\s+/g, ' ').includes(`(default: ${d})`), `${o.flags} default ${d}`);
  }
  assert.doesNotMatch(out, /default: ["']/, 'defaults unquoted');
  for (const env of ['NO_COLOR', 'TERM', 'LC_ALL, LC_CTYPE, LANG', 'TSGITOP_DEBUG']) assert.match(out, new RegExp(`^  ${env} `, 'm'), env);
  for (const code of ['0', '1', '2', '3', '129, 130, 143']) assert.match(out, new RegExp(`^  ${code} `, 'm'), `exit ${code}`);
});

test('help width follows the terminal: the same text as renderHelp(columns)', async () => {
  const { main } = await import('../../src/cli/main.js');
  // Wider than 120 columns, lines stay at 120 (long lines are hard to read).
  for (const [columns, width] of [[60, 60], [100, 100], [200, 120]] as const) {
    let out = '';
    const stdout = Object.assign(new (await import('node:stream')).Writable({ write(c, _e, cb) { out += String(c); cb(); } }), { isTTY: true, columns });
    const code = await main(['node', 'tsgitop', '--help'], { stdout, stderr: process.stderr, env: {} });
    assert.equal(code, 0);
    assert.equal(out, renderHelp(width));
    const multi = out.split('\n').filter((l) => tokens(l).length > 1);
    assert.ok(Math.max(...multi.map((l) => l.length)) > width - 8, `${columns} columns: lines use the width`);
    for (const l of multi) assert.ok(l.length <= width, `${columns} columns: ${l}`);
  }
});

test('commander accepts exactly the table: every option of the table parses, defaults reach the parser', async () => {
  // A value option given a bad value fails with its own flag named: the parser knows it.
  for (const o of ROOT_OPTIONS.filter((x) => x.kind === 'number')) {
    const r = await runCli([optionFlags(o).at(-1)!, 'x-not-a-number', ':1']);
    assert.equal(r.code, 2, `${o.flags}: ${r.stderr}`);
    assertOneLineError(r.stderr);
  }
});

/** Flags in roff: \fB\-\-name\fR. */
function manFlags(page: string): Set<string> {
  return new Set([...page.matchAll(/\\fB((?:\\-)+[A-Za-z][\w\\-]*)\\fR/g)].map((m) => m[1]!.replace(/\\-/g, '-')));
}
function helpFlags(text: string): Set<string> {
  // Option terms start their line (two spaces, or four under a command), before Environment.
  return new Set([...text.slice(0, text.indexOf('\nEnvironment:')).matchAll(/^ {2,8}(-[A-Za-z], )?(--[a-z][\w-]*)/gm)].flatMap((m) => [m[1]?.slice(0, 2), m[2]!]).filter((x): x is string => x !== undefined));
}

test('the man page lists the same options as --help, and tsgitop.1 in the repository is current', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const page = readFileSync(join(ROOT, 'tsgitop.1'), 'utf8');
  assert.equal(page, renderMan(version), 'tsgitop.1 is stale: run npm run build (scripts/man.mjs)');
  const check = spawnSync(process.execPath, [join(ROOT, 'scripts/man.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  const help = (await runCli(['--help'])).stdout.toString();
  const inMan = manFlags(page);
  const inHelp = helpFlags(help);
  assert.ok(inHelp.size >= 35, `${inHelp.size} flags in help`);
  assert.deepEqual([...inMan].sort(), [...inHelp].sort());
  const table = new Set([...ROOT_OPTIONS, ...COMMANDS.flatMap((c) => c.options)].flatMap(optionFlags));
  assert.deepEqual([...inHelp].sort(), [...table].sort());
  for (const s of ['.SH ENVIRONMENT', '.SH EXIT STATUS', '.SH EXAMPLES', 'NO_COLOR']) assert.ok(page.includes(s), s);
});

test('package.json ships the man page', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man?: string | string[]; files: string[] };
  assert.deepEqual([pkg.man].flat().map((m) => m?.replace(/^\.\//, '')), ['tsgitop.1']);
  assert.ok(pkg.files.includes('tsgitop.1'));
});

test('man renders the page without warnings', { skip: has('groff') ? false : 'groff is not installed' }, () => {
  const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', join(ROOT, 'tsgitop.1')], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  const text = spawnSync('groff', ['-man', '-Tascii', '-P', '-cbou', join(ROOT, 'tsgitop.1')], { encoding: 'utf8' }).stdout;
  assert.match(text, /--connect-and-read ADDRESS/);
  assert.match(text, /EXIT STATUS/);
});

test('sort column ids in completion come from the column records', () => {
  const ids = sortColumnIds();
  for (const c of [...ALL_WORKER_COLUMNS, ...FLEET_COLUMNS]) assert.ok(ids.includes(c.id), c.id);
  assert.equal(new Set(ids).size, ids.length);
});

test('tsgitop completion BAD: one line, exit 2; no shell: exit 2', async () => {
  const r = await runCli(['completion', 'tcsh']);
  assert.equal(r.code, 2);
  assertOneLineError(r.stderr);
  assert.match(r.stderr, /unknown shell 'tcsh'; one of: bash, zsh, fish/);
  assert.equal(r.stdout.length, 0);
  const none = await runCli(['completion']);
  assert.equal(none.code, 2);
  assertOneLineError(none.stderr);
});

// --- bash, for real -------------------------------------------------------

const bashOk = has('bash');
let script = '';
const scriptFile = join(dir, 'tsgitop.bash');
async function bashScript(): Promise<string> {
  if (script === '') {
    const r = await runCli(['completion', 'bash']);
    assert.equal(r.code, 0, r.stderr);
    script = r.stdout.toString();
    writeFileSync(scriptFile, script);
  }
  return scriptFile;
}

/** COMPREPLY for the words (the last one is being completed), run in `cwd`. */
function complete(words: string[], cwd: string): string[] {
  const arr = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source '${scriptFile}'; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _tsgitop; printf '%s\\n' "\${COMPREPLY[@]}"`], { cwd, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').sort();
}

test('bash: source <(tsgitop completion bash) registers the function', { skip: bashOk ? false : 'bash is not installed' }, () => {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source <('${process.execPath}' '${BIN}' completion bash); complete -p tsgitop`], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'complete -F _tsgitop tsgitop');
});

test('bash: options, sort ids, socket files, unix: paths, subcommands (COMP_WORDS simulation)', { skip: bashOk ? false : 'bash is not installed' }, async (t) => {
  await bashScript();
  const cwd = join(dir, 'cwd');
  mkdirSync(join(cwd, 'sub'), { recursive: true });
  for (const f of ['a.sock', 'b.status', 'notes.txt']) writeFileSync(join(cwd, f), '');
  const server = createServer();
  await new Promise<void>((res, rej) => server.once('error', rej).listen(join(cwd, 'live'), res));
  t.after(() => server.close());

  assert.deepEqual(complete(['tsgitop', '--so'], cwd), ['--sort']);
  assert.deepEqual(complete(['tsgitop', '-s', 'r'], cwd), sortColumnIds().filter((id) => id.startsWith('r')).sort());
  assert.deepEqual(complete(['tsgitop', '-'], cwd), ROOT_OPTIONS.flatMap(optionFlags).sort());
  // Addresses: sockets (any name), *.sock, *.status, directories; not other files. First word: also the commands.
  assert.deepEqual(complete(['tsgitop', ''], cwd), ['a.sock', 'b.status', 'completion', 'demo', 'live', 'sub/']);
  assert.deepEqual(complete(['tsgitop', '-b', ''], cwd), ['a.sock', 'b.status', 'live', 'sub/']);
  assert.deepEqual(complete(['tsgitop', '--connect-and-read', ''], cwd), ['a.sock', 'b.status', 'live', 'sub/']);
  // unix:PATH: bash splits at ':' (COMP_WORDBREAKS) — both shapes.
  assert.deepEqual(complete(['tsgitop', 'unix', ':', 'a'], cwd), ['a.sock']);
  assert.deepEqual(complete(['tsgitop', 'unix:a'], cwd), ['unix:a.sock']);
  // Files for --record / --targets, nothing for numbers.
  assert.deepEqual(complete(['tsgitop', '--record', 'n'], cwd), ['notes.txt']);
  assert.deepEqual(complete(['tsgitop', '-f', ''], cwd), []);
  // Subcommands.
  assert.deepEqual(complete(['tsgitop', 'completion', ''], cwd), ['bash', 'fish', 'zsh']);
  assert.deepEqual(complete(['tsgitop', 'demo', '--'], cwd), ['--frequency', '--no-color', '--no-monitor', '--stack', '--workers']);
});

test('zsh: the script loads under compinit and defines _tsgitop', { skip: has('zsh') ? false : 'zsh is not installed' }, async () => {
  const r0 = await runCli(['completion', 'zsh']);
  const f = join(dir, '_tsgitop');
  writeFileSync(f, r0.stdout);
  const r = spawnSync('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -D && source '${f}' && whence -w _tsgitop && print -r -- $_comps[tsgitop]`], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /_tsgitop: function/);
  assert.match(r.stdout, /^_tsgitop$/m);
});

test('fish: the script loads and completes options and sort ids', { skip: has('fish') ? false : 'fish is not installed' }, async () => {
  const r0 = await runCli(['completion', 'fish']);
  const f = join(dir, 'tsgitop.fish');
  writeFileSync(f, r0.stdout);
  const r = spawnSync('fish', ['--no-config', '-c', `source '${f}'; complete -C'tsgitop --so'; complete -C'tsgitop -s rp'`], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^--sort/m);
  assert.match(r.stdout, /^rps/m);
});

test('the one-shot path loads none of the option table, help, man page or completion code', () => {
  const g = loadGraph(fileURLToPath(new URL('../../../src/', import.meta.url)));
  // Everything fast.ts can load, lazily included (bin/tsgitop runs it on every call).
  const seen = new Set<string>();
  const stack = ['cli/fast.ts'];
  while (stack.length) {
    const m = stack.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    for (const e of g.get(m) ?? []) if (e.kind !== 'type') stack.push(e.to);
  }
  assert.ok(seen.has('cli/dump.ts'));
  for (const m of ['cli/options.ts', 'cli/help.ts', 'cli/man.ts', 'cli/completion.ts', 'cli/main.ts', 'commander']) assert.ok(!seen.has(m), `${m} on the one-shot path`);
});

test("README's option table lists every option of the table, with its default", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows = readme.split('\n').filter((l) => l.startsWith('| `'));
  for (const o of [...ROOT_OPTIONS, ...COMMANDS.flatMap((c) => c.options)]) {
    const long = optionFlags(o).at(-1)!;
    const row = rows.find((r) => r.split('|')[1]!.includes(long));
    assert.ok(row !== undefined, `README has a row for ${long}`);
    if (o.default !== undefined) assert.ok(row.split('|')[2]!.includes(`\`${o.default}\``), `README default of ${long}: ${o.default} in ${row}`);
  }
  assert.match(readme, /completion bash\\\|zsh\\\|fish/);
});

test('every script names every option of the table and every sort id (zsh and fish checked as text where not installed)', async () => {
  const ids = sortColumnIds();
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runCli(['completion', shell]);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString();
    for (const o of [...ROOT_OPTIONS, ...COMMANDS.flatMap((c) => c.options)]) {
      for (const f of optionFlags(o)) {
        const form = shell === 'fish' ? (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`) : f;
        assert.ok(text.includes(form), `${shell}: ${form}`);
      }
    }
    for (const id of ids) assert.match(text, new RegExp(`[ ('"]${id}[ )'"]`), `${shell}: sort id ${id}`);
    if (shell === 'bash' && bashOk) {
      const n = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
      assert.equal(n.status, 0, n.stderr);
    }
  }
});

test('tsgitop demo --help: the same layout, defaults unquoted, from the demo records', async () => {
  const r = await runCli(['demo', '--help']);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.toString();
  assert.match(out, /^Usage: tsgitop demo \[options\]/);
  for (const o of COMMANDS.find((c) => c.name === 'demo')!.options) for (const f of optionFlags(o)) assert.ok(out.includes(f), f);
  assert.match(out, /\(default: 4\)/);
  assert.doesNotMatch(out, /default: "/);
  for (const line of out.split('\n')) assert.ok(line.length <= 80, line);
});
