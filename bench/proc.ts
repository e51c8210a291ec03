/** CPU time of other processes, for benchmarks that compare a process with a reference in the same run. */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';

/** utime+stime of a pid, in clock ticks (Linux), 0 elsewhere or once the process is gone. */
export function cpuTicks(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

/** Clock ticks per second (getconf CLK_TCK; 100 when it cannot be asked). */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU seconds of every live thread of `pid`: the sum of their schedstat run times (ns; V8's GC and compiler
 * threads included), or utime+stime ticks where schedstat is missing (10 ms steps: too coarse for a process
 * that costs a few ms a second).
 */
export function cpuSeconds(pid: number): number {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e9;
  } catch {
    return cpuTicks(pid) / CLK_TCK;
  }
}

/** One raw stats read over a unix socket: the bytes received (0 on an error). */
export function readStats(path: string): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    const s = createConnection({ path });
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('close', () => resolve(n));
    s.on('error', () => resolve(0));
  });
}
