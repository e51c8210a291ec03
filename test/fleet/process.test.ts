/**
 * Exit paths of the interactive fleet view in a real child process: q, a
 * signal on the fleet screen, a signal while a monitor opened from it has
 * the screen, and an uncaught error — the terminal is restored, the exit
 * code is right, at most one clean line is printed, and the process ends on
 * its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assertRestoredOutput, runChild as run, terminalAfter } from '../helpers/child.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

/** Run the child; `on(line, child)` for every stderr line. */
function runChild(mode: string, on: (line: string, child: ChildProcess) => void) {
  return run(CHILD, mode, on);
}

/** Restored, as the raw output says and as a terminal fed with it shows. */
async function assertRestored(raw: string): Promise<void> {
  assertRestoredOutput(raw);
  assert.equal((await terminalAfter(raw)).buffer.active.type, 'normal');
}

test('fleet: Enter, q (back), q (quit): exit 0, terminal restored, the process ends on its own', async () => {
  const r = await runChild('idle', (line, child) => {
    if (line === 'READY') child.stdin!.write('\r');
    if (line === 'MONITOR') child.stdin!.write('q');
    if (line === 'FLEET') child.stdin!.write('q');
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'READY\nMONITOR\nFLEET\nEXIT 0\n');
  await assertRestored(r.stdout);
});

for (const [sig, want] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', 130]] as const) {
  test(`fleet: ${sig} on the fleet screen → exit ${want}, restored`, async () => {
    const r = await runChild('idle', (line, child) => {
      if (line === 'READY') child.kill(sig);
    });
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, want, r.stderr);
    assert.equal(r.stderr, `READY\nEXIT ${want}\n`);
    await assertRestored(r.stdout);
  });
}

test('fleet: SIGTERM while a monitor opened from the fleet has the screen → exit 143, restored', async () => {
  const r = await runChild('idle', (line, child) => {
    if (line === 'READY') child.stdin!.write('\r');
    if (line === 'MONITOR') child.kill('SIGTERM');
  });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 143, r.stderr);
  assert.equal(r.stderr, 'READY\nMONITOR\nEXIT 143\n');
  await assertRestored(r.stdout);
});

test('fleet: an uncaught error → restored first, then one clean line, exit 1', async () => {
  const r = await runChild('throw', () => {});
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, 'READY\ntsgitop: internal error: kaboom\nEXIT 1\n');
  await assertRestored(r.stdout);
});
