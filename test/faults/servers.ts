/**
 * Fault servers: a stats server in its own process (server-main.ts) whose
 * behaviour the test switches at run time — well-behaved, killed in the
 * middle of a write, silent, trickling, streaming 1 GiB, sending invalid
 * UTF-8, 100k-deep nesting, 100k workers, absurd numbers, duplicate ids,
 * garbage, TCP resets. Real process, real unix socket in a temp dir (or a
 * 127.0.0.1 port): the monitor under test reads it with the real
 * `fetchStats`.
 *
 * Control: JSON lines on the child's stdin (`{"mode":…}`, `{"cmd":"relisten"}`),
 * answers and events as JSON lines on its stdout. Every server is killed
 * (SIGKILL) and waited for in `t.after`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { GoodSpec } from './docs.js';

/** What the server does with each connection. */
export type Mode =
  | ({ kind: 'good' } & GoodSpec)
  /** Writes half of a good document, reports `half`, then holds the connection (the test kills the process). */
  | ({ kind: 'half' } & GoodSpec)
  /** Accepts and never writes. */
  | { kind: 'silent' }
  /** A good document, one byte every `intervalMs`. */
  | ({ kind: 'trickle'; intervalMs: number } & GoodSpec)
  /** Streams `totalBytes` (1 MiB chunks of JSON-ish text, with backpressure; nothing big is allocated). */
  | { kind: 'huge'; totalBytes: number }
  | { kind: 'badutf8' }
  | { kind: 'deep'; depth: number }
  | { kind: 'wide'; workers: number }
  | { kind: 'weird' }
  | { kind: 'dupids' }
  | { kind: 'garbage' }
  /** Accepts, then resets the connection (RST; TCP only). */
  | { kind: 'reset' }
  /** Accepts and closes at once without a byte. */
  | { kind: 'close' };

export interface ServerEvent {
  event?: string;
  ack?: number;
  ready?: boolean;
  pid?: number;
  n?: number;
  bytes?: number;
  error?: string;
}

const MAIN = fileURLToPath(new URL('./server-main.js', import.meta.url));

export interface StartOptions {
  /** Run the server as this uid/gid. */
  uid?: number;
  gid?: number;
  /** Listen on 127.0.0.1:0 instead of the path (the path argument is then ignored). */
  tcp?: boolean;
}

export class FaultServer {
  readonly child: ChildProcess;
  readonly events: ServerEvent[] = [];
  /** Connections accepted so far (by the current process). */
  conns = 0;
  /** `127.0.0.1:PORT` for a TCP server. */
  address = '';
  #ev = new EventEmitter();
  #seq = 0;
  #exited: Promise<void>;
  #alive = true;
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.child = child;
    this.#ev.setMaxListeners(0);
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let e: ServerEvent;
        try {
          e = JSON.parse(line) as ServerEvent;
        } catch {
          continue;
        }
        if (e.event === 'conn') this.conns = e.n ?? this.conns + 1;
        else this.events.push(e);
        this.#ev.emit('event', e);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-4000);
    });
    this.#exited = new Promise((resolve) => {
      child.on('exit', () => {
        this.#alive = false;
        this.#ev.emit('event', { event: 'exit' });
        resolve();
      });
    });
  }

  /** Start a server on `path` (a unix socket path; an existing file there is replaced). */
  static async start(t: TestContext | undefined, path: string, mode: Mode, o: StartOptions = {}): Promise<FaultServer> {
    const child = spawn(process.execPath, [MAIN, o.tcp ? 'tcp' : path, JSON.stringify(mode)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(o.uid !== undefined ? { uid: o.uid, gid: o.gid ?? o.uid } : {}),
    });
    const s = new FaultServer(child);
    t?.after(() => s.kill());
    const ready = await s.waitEvent((e) => e.ready === true, 'the fault server to listen', 10_000);
    if (o.tcp) s.address = `127.0.0.1:${ready.n}`;
    return s;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Wait for an event (already received ones count) matching `pred`. */
  waitEvent(pred: (e: ServerEvent) => boolean, what: string, timeoutMs = 10_000, from = 0): Promise<ServerEvent> {
    const seen = this.events.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onEvent = (e: ServerEvent): void => {
        if (pred(e)) {
          done();
          resolve(e);
        } else if (e.event === 'exit') {
          done();
          reject(new Error(`fault server exited while waiting for ${what}; stderr: ${this.#stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${this.#stderr}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#ev.off('event', onEvent);
      };
      this.#ev.on('event', onEvent);
    });
  }

  /** Wait until the server has accepted `n` connections in total. */
  async waitConns(n: number, what = `${n} connections`, timeoutMs = 10_000): Promise<void> {
    if (this.conns >= n) return;
    await this.waitEvent(() => this.conns >= n, what, timeoutMs, this.events.length);
  }

  async #command(cmd: Record<string, unknown>): Promise<void> {
    const id = ++this.#seq;
    const from = this.events.length;
    this.child.stdin!.write(JSON.stringify({ ...cmd, id }) + '\n');
    await this.waitEvent((e) => e.ack === id, `ack of ${JSON.stringify(cmd)}`, 10_000, from);
  }

  /** Switch behaviour for the next connections (connections already open keep theirs). */
  setMode(mode: Mode): Promise<void> {
    return this.#command({ mode });
  }

  /** Close the listener and listen again at the same path (re-creating the socket file). */
  relisten(): Promise<void> {
    return this.#command({ cmd: 'relisten' });
  }

  /** Kill the server process (default SIGKILL) and wait until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.#alive) {
      try {
        this.child.kill(signal);
      } catch {
        /* already gone */
      }
    }
    await this.#exited;
  }
}
