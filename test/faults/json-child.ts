/**
 * A child node process that prints JSON lines (the fault suite's app,
 * attacker and starvation children): collect the lines, wait for one, and
 * kill the child after the test.
 */
import type { TestContext } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { until } from './mode.js';

export interface Child {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  waitLine(pred: (l: Record<string, unknown>) => boolean, what: string, ms?: number): Promise<Record<string, unknown>>;
}

export function startChild(t: TestContext, file: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, [file, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      try {
        lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      } catch {
        /* not ours */
      }
      buf = buf.slice(i + 1);
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-3000)));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  return {
    proc,
    lines,
    waitLine: async (pred, what, ms = 20_000) => {
      await until(() => lines.some(pred) || proc.exitCode !== null, what, ms);
      const l = lines.find(pred);
      if (!l) throw new Error(`${what}: the child exited ${proc.exitCode}; stderr: ${stderr}`);
      return l;
    },
  };
}

