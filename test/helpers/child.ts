/**
 * Running a TUI test child (test/tui/child.ts, test/fleet/child.ts) in a
 * real process with pipes for its terminal, and checking the terminal it
 * leaves behind from the raw bytes it wrote.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import xterm from '@xterm/headless';

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Everything written to the child's terminal (stdout). */
  stdout: string;
  stderr: string;
}

/**
 * Run `script mode` with node; `on(line, child)` is called for every
 * complete stderr line (the child's progress markers: READY, EXIT n…), so
 * a test acts on events, not on time. SIGKILLed after 15 s.
 */
export async function runChild(script: string, mode: string, on: (line: string, child: ChildProcess) => void, env: NodeJS.ProcessEnv = {}): Promise<ChildRun> {
  const child = spawn(process.execPath, [script, mode], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
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

/** An 80x24 terminal emulator after `raw` was written to it. */
export async function terminalAfter(raw: string): Promise<InstanceType<typeof xterm.Terminal>> {
  const term = new xterm.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  await new Promise<void>((res) => term.write(raw, res));
  return term;
}

/**
 * The raw terminal output drew on the alternate screen and then put
 * everything back: alternate screen left, cursor shown, mouse reporting off.
 */
export function assertRestoredOutput(raw: string): void {
  const enter = raw.lastIndexOf('\x1b[?1049h');
  const leave = raw.lastIndexOf('\x1b[?1049l');
  assert.ok(enter >= 0, 'drew on the alternate screen');
  assert.ok(leave > enter, 'alternate screen left');
  assert.ok(raw.lastIndexOf('\x1b[?25h') > enter, 'cursor shown again');
  assert.ok(raw.lastIndexOf('\x1b[?1000l') > raw.lastIndexOf('\x1b[?1000h'), 'mouse reporting off');
}
