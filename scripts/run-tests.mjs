#!/usr/bin/env node
// Runs the compiled test files under dist/test with Node's built-in test
// runner. Node 20 has no glob support in `node --test`, so the files are
// listed here. Extra args are file filters (path fragments).
//
//   node scripts/run-tests.mjs            every test (`npm test`, what CI runs)
//   node scripts/run-tests.mjs --fast     the fast lane (`npm run test:fast`): pure and in-process
//                                         tests only, for the edit loop (well under a minute)
//   node scripts/run-tests.mjs --list-fast  print the fast lane's files and exit
//
// A test file is in the fast lane unless it — or a test helper it imports,
// transitively — starts processes or needs an outside program: real uWSGI,
// gunicorn, nginx, Prometheus, tmux, child processes, node:cluster, the CLI
// binary; the reliability suite (test/faults), the tmux runs (test/e2e) and
// the package checks (test/package) are never in it. The rule reads the
// files, so a new test lands in the right lane by itself.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { readReport } from './test-files-reporter.mjs';

const root = new URL('../dist/test/', import.meta.url).pathname;
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

/** Folders whose tests are never in the fast lane. */
const SLOW_DIRS = ['faults', 'e2e', 'package', 'gunicorn', 'nginx'];
/** What makes a test (or a helper it imports) slow. */
const imports = (spec) => new RegExp(`(?:from|import\\()\\s*['"]${spec}['"]`);
const SLOW_MARKS = [imports('(?:node:)?child_process'), imports('(?:node:)?cluster'), imports('[./]*helpers/uwsgi\\.js'), imports('[./]*helpers/tmux\\.js'), imports('[./]*(?:cli/)?run-cli\\.js'), imports('[./]*helpers/child\\.js')];

const slowCache = new Map();
/** True when `file` (a compiled test or helper) or a local module it imports is slow. */
function slow(file, seen = new Set()) {
  if (slowCache.has(file)) return slowCache.get(file);
  if (seen.has(file)) return false;
  seen.add(file);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  let result = SLOW_MARKS.some((re) => re.test(text));
  if (!result) {
    for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*)['"](\.{1,2}\/[^'"]+\.js)['"]/g)) {
      const dep = resolve(dirname(file), m[1]);
      // Only test helpers count: the code under test is what every lane runs.
      if (!dep.startsWith(root)) continue;
      if (slow(dep, seen)) {
        result = true;
        break;
      }
    }
  }
  slowCache.set(file, result);
  return result;
}

export function fastLane(files) {
  return files.filter((f) => !SLOW_DIRS.some((d) => f.startsWith(join(root, d) + '/')) && !slow(f));
}

const args = process.argv.slice(2);
const fast = args.includes('--fast') || args.includes('--list-fast');
const filter = args.filter((a) => !a.startsWith('--'));
let files = walk(root);
if (fast) files = fastLane(files);
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (args.includes('--list-fast')) {
  for (const f of files) console.log(f.slice(root.length));
  process.exit(0);
}
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/test (did the build run?)');
  process.exit(1);
}
// A test with no timeout of its own is failed after 10 minutes (--test-timeout): a broken test fails the run, it
// never hangs CI. No --test-force-exit, on any Node: it sometimes ended a file's process before its later tests ran,
// silently ("fail 0") — on Node 22 and 24 (test/protocol/parse.test.js: 16 of its 50 tests in one run of three) and
// on Node 20 (the same file's last 3 tests, once). Without it a leaked handle hangs its file until the test timeout.
// A second reporter lists the files that reported a test and each test queued and reported: a file that reported
// none, or a test queued and never reported (a file cut short), fails the run.
const reportDir = mkdtempSync(join(tmpdir(), 'tsgitop-tests-'));
const listed = join(reportDir, 'files');
const reporter = new URL('./test-files-reporter.mjs', import.meta.url).pathname;
const r = spawnSync(
  process.execPath,
  ['--test', '--test-timeout=600000', '--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${reporter}`, '--test-reporter-destination=stdout', ...files],
  // XDG_CACHE_HOME: a monitor run by a test that makes a code cache (src/cli/codecache.ts) writes it here, not in the home.
  { stdio: 'inherit', env: { ...process.env, TSGITOP_TEST_FILES_REPORT: listed, XDG_CACHE_HOME: join(reportDir, 'cache') } },
);
let lines;
try {
  lines = readFileSync(listed, 'utf8').split('\n');
} catch {
  lines = [];
}
rmSync(reportDir, { recursive: true, force: true });
const { reported, unfinished } = readReport(lines, root);
const silent = files.filter((f) => !reported.has(f));
if (silent.length > 0) {
  console.error(`run-tests: ${silent.length} test file(s) reported no test (their tests did not run): ${silent.map((f) => f.slice(root.length)).join(', ')}`);
  process.exit(r.status || 1);
}
if (unfinished.length > 0) {
  console.error(`run-tests: ${unfinished.length} test(s) were queued and never reported (a file was cut short):`);
  for (const t of unfinished.slice(0, 20)) console.error(`  ${t}`);
  process.exit(r.status || 1);
}
process.exit(r.status ?? 1);
