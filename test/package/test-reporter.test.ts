/**
 * scripts/test-files-reporter.mjs (what `npm test` runs beside `spec`): a test file cut short after some of its
 * tests — the runner's process for it ended early, "fail 0" — leaves the tests it never ran as queued and never
 * reported, and run-tests.mjs fails the run on them; a whole file leaves none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const reporterUrl = new URL('../../../scripts/test-files-reporter.mjs', import.meta.url);
const { readReport } = (await import(reporterUrl.href)) as {
  readReport: (lines: string[], root?: string) => { reported: Set<string>; unfinished: string[] };
};

const CUT = `import { test } from 'node:test';
test('one', () => {});
test('two', async () => { setTimeout(() => process.exit(0), 5); await new Promise((r) => setTimeout(r, 2000)); });
test('three', () => {});
test('four', async (t) => { await t.test('inner', () => {}); });
`;
const WHOLE = `import { test, describe, it } from 'node:test';
test('a', () => {});
test.skip('skipped', () => {});
describe('suite', () => { it('x', () => {}); it('x', () => {}); });
for (const n of [1, 2, 3]) test('same name', () => {});
test('nested', async (t) => { for (const n of [1, 2]) await t.test('sub' + n, () => {}); });
`;

test('a file cut short leaves its unrun tests unfinished; a whole file leaves none', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-reporter-'));
  try {
    const cut = join(dir, 'cut.test.mjs');
    const whole = join(dir, 'whole.test.mjs');
    writeFileSync(cut, CUT);
    writeFileSync(whole, WHOLE);
    const report = join(dir, 'report');
    // without the outer runner's NODE_TEST_CONTEXT, which would make this runner a child that reports to it
    const env: NodeJS.ProcessEnv = { ...process.env, TSGITOP_TEST_FILES_REPORT: report };
    delete env['NODE_TEST_CONTEXT'];
    const r = spawnSync(process.execPath, ['--test', `--test-reporter=${reporterUrl.pathname}`, '--test-reporter-destination=stdout', cut, whole], {
      env,
      encoding: 'utf8',
      timeout: 50_000,
    });
    // the runner itself calls the cut file a pass: that is the hole the reporter closes
    assert.equal(r.status, 0, r.stderr);
    const { reported, unfinished } = readReport(readFileSync(report, 'utf8').split('\n'), dir + '/');
    assert.deepEqual([...reported].sort(), [cut, whole]);
    const names = unfinished.map((u) => u.replace(/^\S+ /, ''));
    assert.ok(unfinished.every((u) => u.startsWith('cut.test.mjs:')), unfinished.join('\n'));
    // 'two' was running when the process ended; 'three' and 'four' never started
    assert.deepEqual(names.sort(), ['four', 'three', 'two']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
