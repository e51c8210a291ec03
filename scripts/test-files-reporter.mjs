// A reporter for Node's test runner (a second one beside `spec`, see scripts/run-tests.mjs): appends to the file
// named by TSGITOP_TEST_FILES_REPORT each test file that reported a test (passed, failed or skipped), once, as it
// happens — synchronously, since --test-force-exit ends the runner before a reporter's last output is written.
// run-tests.mjs fails the run when a file it gave the runner reported none: a file whose tests all vanished (seen
// once in CI: one file's 27 tests missing from a lane that still said "fail 0") must not pass as green.
import { appendFileSync } from 'node:fs';

export default async function* testFilesReporter(source) {
  const out = process.env.TSGITOP_TEST_FILES_REPORT;
  const seen = new Set();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const file = event.data?.file;
    // a file whose tests never ran still reports itself as one test, named by its path: that one does not count
    if (out === undefined || typeof file !== 'string' || event.data.name === file || seen.has(file)) continue;
    seen.add(file);
    appendFileSync(out, file + '\n');
  }
  yield '';
}
