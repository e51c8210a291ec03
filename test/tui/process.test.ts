/**
 * Exit paths in a real child process: signals and uncaught errors restore
 * the terminal, print at most one clean line, give the right exit code, and
 * leave nothing running (the child ends on its own).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assertRestoredOutput as assertRestored, runChild as run, terminalAfter } from '../helpers/child.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

/** Run the child; `action` once it says READY. */
function runChild(mode: string, action: (child: ChildProcess) => void, env: NodeJS.ProcessEnv = {}) {
  return run(CHILD, mode, (line, child) => {
    if (line === 'READY') action(child);
  }, env);
}

for (const [sig, want] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', 130]] as const) {
  test(`${sig}: terminal restored, exit code ${want}, the process ends on its own`, async () => {
    const r = await runChild('idle', (child) => child.kill(sig));
    assert.equal(r.signal, null, `killed by ${r.signal}; stderr: ${r.stderr}`);
    assert.equal(r.code, want, r.stderr);
    assertRestored(r.stdout);
    assert.equal((await terminalAfter(r.stdout)).buffer.active.type, 'normal');
    assert.equal(r.stderr, `READY\nEXIT ${want}\n`);
  });
}

test('q typed on the input quits with 0; the process ends on its own', async () => {
  const r = await runChild('idle', (child) => child.stdin!.write('q'));
  assert.equal(r.code, 0, r.stderr);
  assertRestored(r.stdout);
  assert.equal(r.stderr, 'READY\nEXIT 0\n');
});

for (const [mode, text] of [['throw', 'kaboom'], ['reject', 'nope, rejected']] as const) {
  test(`uncaught ${mode}: restored first, then one clean line, exit code 1`, async () => {
    const r = await runChild(mode, () => {});
    assert.equal(r.code, 1, r.stderr);
    assertRestored(r.stdout);
    assert.equal(r.stderr, `READY\ntsgitop: internal error: ${text}\nEXIT 1\n`);
    assert.ok(!r.stdout.includes(text), 'the message is not drawn into the alternate screen');
  });
}

test('TSGITOP_DEBUG=1 adds the stack after the one line', async () => {
  const r = await runChild('throw', () => {}, { TSGITOP_DEBUG: '1' });
  assert.equal(r.code, 1);
  const lines = r.stderr.split('\n');
  assert.equal(lines[1], 'tsgitop: internal error: kaboom');
  assert.match(r.stderr, /\n\s+at .*child\.js/);
});
