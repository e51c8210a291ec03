/**
 * Test helper: a server started in its own process group and temp dir (gunicorn, nginx), its output
 * collected, stopped as a whole — each signal of `signals` in turn to the group until nothing of it
 * is left — and the dir removed. stop() is idempotent; a process 'exit' hook SIGKILLs whatever a
 * crashed test left behind and removes its dir.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import { groupMembers, until } from './uwsgi.js';

export interface Group {
  pgid: number;
  /** Everything the process wrote on stdout and stderr (the last MiB or two). */
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

const live = new Set<{ pgid: number; dir: string }>();
let hooked = false;

export function spawnGroup(cmd: string, args: string[], dir: string, signals: NodeJS.Signals[], opts: SpawnOptions = {}): Group {
  const child: ChildProcess = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid!;
  let out = '';
  const onData = (b: Buffer): void => {
    out += b.toString('utf8');
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => undefined);
  const entry = { pgid, dir };
  live.add(entry);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const e of live) {
        try {
          process.kill(-e.pgid, 'SIGKILL');
        } catch {
          /* gone */
        }
        rmSync(e.dir, { recursive: true, force: true });
      }
    });
  }
  let stopping: Promise<void> | undefined;
  const gone = (): boolean => exited && groupMembers(pgid).length === 0;
  return {
    pgid,
    output: () => out,
    exited: () => exited,
    stop: () =>
      (stopping ??= (async () => {
        for (const sig of [...signals, 'SIGKILL' as const]) {
          if (gone()) break;
          try {
            process.kill(-pgid, sig);
          } catch {
            /* gone */
          }
          await until(gone, Date.now() + (sig === 'SIGKILL' ? 5_000 : 10_000));
        }
        child.stdout!.destroy();
        child.stderr!.destroy();
        rmSync(dir, { recursive: true, force: true });
        live.delete(entry);
        if (!gone()) throw new Error(`process group ${pgid} (${cmd}) survived SIGKILL`);
      })()),
  };
}
