/**
 * Exit paths of the interactive fleet view in a real child process: q, a
 * signal on the fleet screen, a signal while a monitor opened from it has
 * the screen, and an uncaught error — the terminal is restored, the exit
 * code is right, at most one clean line is printed, and the process ends on
 * its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the child; `on(line, child)` is called for every stderr line. */
async function runChild(mode: string, on: (line: string, child: ChildProcess) => void): Promise<Run> {
  const child = spawn(process.execPath, [CHILD, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    partial += d;
    let i: number;
    while ((i = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, i);
      partial = partial.slice(i + 1);
      on(line, child);
    }
  });
  const deadline = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('close', (c, s) => res([c, s])));
  clearTimeout(deadline);
  return { code, signal, stdout, stderr };
}

async function assertRestored(raw: string): Promise<void> {
  const enter = raw.lastIndexOf('\x1b[?1049h');
  const leave = raw.lastIndexOf('\x1b[?1049l');
  assert.ok(enter >= 0, 'drew on the alternate screen');
  assert.ok(leave > enter, 'alternate screen left');
  assert.ok(raw.lastIndexOf('\x1b[?25h') > enter, 'cursor shown again');
  assert.ok(raw.lastIndexOf('\x1b[?1000l') > raw.lastIndexOf('\x1b[?1000h'), 'mouse reporting off');
  const term = new xterm.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  await new Promise<void>((res) => term.write(raw, res));
  assert.equal(term.buffer.active.type, 'normal');
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
