// A reporter for Node's test runner (a second one beside `spec`, see scripts/run-tests.mjs). It appends to the file
// named by TSGITOP_TEST_FILES_REPORT, synchronously and as it happens (so nothing is lost if the runner ends early):
//   `file\t<path>`        once per test file that reported a test (passed, failed or skipped);
//   `+\t<key>` / `-\t<key>` when a test is queued / when it reports its result.
// run-tests.mjs fails the run when a file it gave the runner reported none, or when a test was queued and never
// reported: a file cut short after some of its tests (seen in CI: a file's last 3 tests missing, "fail 0") must not
// pass as green. A file's top-level tests are all queued as it loads, so a cut-off file leaves them unmatched.
import { appendFileSync } from 'node:fs';

/** One test: its file, depth, place and name (loops may queue several with the same key; they are counted). */
function key(data) {
  const name = String(data.name).replace(/[\t\n\r]/g, ' ');
  return `${data.file}:${data.line ?? '?'}:${data.column ?? '?'}\t${data.nesting}\t${name}`;
}

export default async function* testFilesReporter(source) {
  const out = process.env.TSGITOP_TEST_FILES_REPORT;
  const seen = new Set();
  for await (const event of source) {
    if (out === undefined) continue;
    const data = event.data;
    const file = data?.file;
    // a test file itself is queued and completed as a test named by its path; it is not one of its tests
    if (typeof file !== 'string' || data.name === file) continue;
    if (event.type === 'test:enqueue') appendFileSync(out, `+\t${key(data)}\n`);
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    appendFileSync(out, `-\t${key(data)}\n`);
    if (seen.has(file)) continue;
    seen.add(file);
    appendFileSync(out, `file\t${file}\n`);
  }
  yield '';
}

/**
 * Reads the lines the reporter above wrote: the files that reported a test, and the tests queued
 * more often than they reported a result, as `file:line:column name`.
 */
export function readReport(lines, root = '') {
  const reported = new Set();
  const open = new Map();
  for (const line of lines) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const kind = line.slice(0, tab);
    const rest = line.slice(tab + 1);
    if (kind === 'file') reported.add(rest);
    else if (kind === '+') open.set(rest, (open.get(rest) ?? 0) + 1);
    else if (kind === '-') open.set(rest, (open.get(rest) ?? 0) - 1);
  }
  const unfinished = [];
  for (const [k, n] of open) {
    if (n <= 0) continue;
    const [where, , name] = k.split('\t');
    unfinished.push(`${root && where.startsWith(root) ? where.slice(root.length) : where} ${name}${n > 1 ? ` (×${n})` : ''}`);
  }
  return { reported, unfinished };
}
