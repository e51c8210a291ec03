/**
 * What the side-by-side benchmarks (side.ts, rss.ts) share: tmux itself, a
 * command started in a detached tmux session of a given size (its pid), and a
 * unix-socket stats server of one synthetic uWSGI-shaped document per second.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { rng, synthDocument } from './synth.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Exit with one line when tmux is missing. */
export function needTmux(bench: string): void {
  if (spawnSync('tmux', ['-V']).status !== 0) {
    console.error(`bench ${bench}: tmux is needed (apt-get install -y tmux)`);
    process.exit(1);
  }
}

/** Start `cmd` in a new detached tmux session of cols×rows; resolves with its pid (written to a file in `dir`). */
export async function startInTmux(dir: string, session: string, cmd: string, cols: number, rows: number): Promise<number> {
  const pidFile = join(dir, `${session}.pid`);
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', String(cols), '-y', String(rows), `echo $$ > ${pidFile}; exec ${cmd}`]);
  for (let i = 0; i < 200; i++) {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid) return pid;
    } catch {
      /* not yet */
    }
    await sleep(10);
  }
  throw new Error(`${session} did not start`);
}

/**
 * Stats servers on these unix paths, all answering with the same synthetic
 * document of `workers` × `threads`, a new one each second (counters advancing).
 */
export async function synthServers(paths: readonly string[], workers: number, threads: number): Promise<Server[]> {
  const rand = rng(7);
  let docSecond = -1;
  let doc = '';
  const handler = (c: Socket): void => {
    const s = Math.floor(Date.now() / 1000);
    if (s !== docSecond) {
      docSecond = s;
      doc = synthDocument(workers, threads, s % 100_000, rand);
    }
    c.end(doc);
    c.on('error', () => {});
  };
  const servers = paths.map(() => createServer(handler));
  await Promise.all(servers.map((srv, i) => new Promise<void>((r) => srv.listen(paths[i], r))));
  return servers;
}
