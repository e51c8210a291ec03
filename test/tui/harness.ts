/**
 * Headless harness for the monitor: runMonitor with a fake TTY whose bytes
 * go into an @xterm/headless Terminal (cols × rows), a fake input stream to
 * type keys into, a source whose reads the test answers one by one, and a
 * controllable clock. Tests synchronise on events (a read being requested,
 * a frame being rendered and parsed by the terminal), never on sleeps.
 */
import { PassThrough, Writable } from 'node:stream';
import { EventEmitter } from 'node:events';
import xterm from '@xterm/headless';
import { runMonitor, type MonitorOptions, type RenderInfo } from '../../src/tui/app.js';
import type { Sample } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';

const { Terminal } = xterm;
type Term = InstanceType<typeof Terminal>;

/** A writable that looks like a TTY to blessed and feeds a headless terminal. */
export class FakeTty extends Writable {
  isTTY = true;
  columns: number;
  rows: number;
  /** Every byte written, as text. */
  raw = '';
  #term: Term;
  #pending = 0;
  readonly parsed = new EventEmitter();

  constructor(term: Term, cols: number, rows: number) {
    super({ decodeStrings: false });
    this.#term = term;
    this.columns = cols;
    this.rows = rows;
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.raw += s;
    this.#pending++;
    this.#term.write(s, () => {
      this.#pending--;
      this.parsed.emit('parsed');
    });
    cb();
  }

  /** True when the terminal has parsed everything written so far. */
  get idle(): boolean {
    return this.#pending === 0 && this.writableLength === 0;
  }

  getWindowSize(): [number, number] {
    return [this.columns, this.rows];
  }

  /** Resize like a terminal window: the terminal, then a 'resize' event (SIGWINCH). */
  resizeTo(cols: number, rows: number): void {
    this.columns = cols;
    this.rows = rows;
    this.#term.resize(cols, rows);
    this.emit('resize');
  }
}

/** A readable that looks like a raw-mode TTY to blessed. */
export class FakeInput extends PassThrough {
  isTTY = true;
  isRaw = false;
  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    return this;
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

/** A stats source whose reads stay pending until the test answers them. */
/** The terminal's visible lines, trailing blanks trimmed. */
export function screenLines(term: InstanceType<typeof Terminal>): string[] {
  const b = term.buffer.active;
  const res: string[] = [];
  for (let i = 0; i < term.rows; i++) res.push((b.getLine(i)?.translateToString(true) ?? '').trimEnd());
  return res;
}

/** What a harness's waitFor needs to know: is the output parsed, has the view exited, the screen text. */
export interface WaitTarget {
  out: { idle: boolean };
  pulses: EventEmitter;
  /** The exit code once the view has exited (read on every wake-up). */
  exited(): number | undefined;
  text(): string;
  /** Who exited, for the timeout message ('monitor', 'fleet view'). */
  who: string;
}

/**
 * Wait until `pred()` holds with the terminal idle (every byte written has
 * been parsed), waking on each 'pulse' (a frame, parsed output, an exit) —
 * never on a fixed sleep; throws with a screen dump at the deadline.
 */
export async function waitForScreen(w: WaitTarget, pred: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (w.out.idle && pred()) return;
    const left = deadline - Date.now();
    const code = w.exited();
    if (left <= 0 || (code !== undefined && w.out.idle)) {
      if (w.out.idle && pred()) return;
      throw new Error(`timed out waiting for ${what}${code !== undefined ? ` (${w.who} exited ${code})` : ''}; screen:\n${w.text()}`);
    }
    await new Promise<void>((res) => {
      const onPulse = (): void => {
        clearTimeout(t);
        res();
      };
      const t = setTimeout(() => {
        w.pulses.removeListener('pulse', onPulse);
        res();
      }, left);
      w.pulses.once('pulse', onPulse);
    });
  }
}

/** Ctrl-C, then the exit code; rejects (with the screen) if the view does not exit within 5 s. */
export async function quitWithCtrlC(h: { exitCode: number | undefined; done: Promise<number>; inp: FakeInput; text(): string }, who: string): Promise<number> {
  if (h.exitCode === undefined) h.inp.write('\x03');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`the ${who} did not exit within 5 s of Ctrl-C; screen:\n${h.text()}`)), 5000);
  });
  try {
    return await Promise.race([h.done, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export class ControlledSource {
  calls = 0;
  /** Aborted reads (the monitor exited with a read in flight). */
  aborted = 0;
  #pending: Deferred<Sample<StatsDocument>>[] = [];
  readonly #ev = new EventEmitter();

  readonly read = (signal?: AbortSignal): Promise<Sample<StatsDocument>> => {
    this.calls++;
    const d = deferred<Sample<StatsDocument>>();
    // As a real read does: the listener goes when the read ends (the poller keeps one signal for all reads).
    const onAbort = (): void => {
      this.aborted++;
      d.reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const off = (): void => signal?.removeEventListener('abort', onAbort);
    d.promise.then(off, off);
    this.#pending.push(d);
    this.#ev.emit('read');
    return d.promise;
  };

  /** Wait (with a deadline) until the monitor asks for a read; returns its handle. */
  async next(timeoutMs = 5000): Promise<Deferred<Sample<StatsDocument>>> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no read requested within ${timeoutMs} ms (reads so far: ${this.calls})`);
      await new Promise<void>((res) => {
        const onRead = (): void => {
          clearTimeout(t);
          res();
        };
        const t = setTimeout(() => {
          this.#ev.removeListener('read', onRead);
          res();
        }, left);
        this.#ev.once('read', onRead);
      });
    }
    return this.#pending.shift()!;
  }

  /** Answer the next read with a sample. */
  async resolve(s: Sample<StatsDocument>): Promise<void> {
    (await this.next()).resolve(s);
  }

  /** Fail the next read. */
  async reject(e: unknown): Promise<void> {
    (await this.next()).reject(e);
  }
}

export interface HarnessOptions extends Partial<MonitorOptions> {
  cols?: number;
  rows?: number;
  /** Initial clock, ms since epoch. */
  clock?: number;
}

export interface Harness {
  term: Term;
  out: FakeTty;
  inp: FakeInput;
  src: ControlledSource;
  clock: { now: number };
  frames: RenderInfo[];
  done: Promise<number>;
  exitCode: number | undefined;
  /** Screen lines (trailing blanks trimmed). */
  lines(): string[];
  /** The whole screen as one string. */
  text(): string;
  /** Wait until `pred()` holds after a rendered + parsed frame; throws with a screen dump on timeout. */
  waitFor(pred: () => boolean, what?: string, timeoutMs?: number): Promise<void>;
  /** Wait for the next frame after now (rendered and parsed). */
  nextFrame(what?: string): Promise<RenderInfo>;
  /** Answer the next read with `s` and wait for the frame it causes. */
  feed(s: Sample<StatsDocument>): Promise<void>;
  /** Fail the next read with `e` and wait for the frame it causes. */
  fail(e: unknown): Promise<void>;
  /** Type keys and wait for the frame they cause. */
  press(keys: string): Promise<void>;
  /** Quit with Ctrl-C (quits from any screen) and wait for the exit code. */
  quit(): Promise<number>;
}

/** Start a monitor under the harness. Always pair with `h.quit()` (or t.after) so nothing leaks. */
export function startHarness(o: HarnessOptions = {}): Harness {
  const cols = o.cols ?? 80;
  const rows = o.rows ?? 24;
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  const out = new FakeTty(term, cols, rows);
  const inp = new FakeInput();
  const src = new ControlledSource();
  const clock = { now: o.clock ?? Date.UTC(2025, 0, 15, 12, 0, 0) };
  const frames: RenderInfo[] = [];
  const ev = new EventEmitter();
  ev.setMaxListeners(100);
  out.parsed.on('parsed', () => ev.emit('pulse'));

  const { cols: _c, rows: _r, clock: _k, ...rest } = o;
  const h: Harness = {
    term,
    out,
    inp,
    src,
    clock,
    frames,
    exitCode: undefined,
    done: undefined as unknown as Promise<number>,
    lines() {
      return screenLines(term);
    },
    text() {
      return h.lines().join('\n');
    },
    async waitFor(pred, what = 'condition', timeoutMs = 5000) {
      await waitForScreen({ out, pulses: ev, exited: () => h.exitCode, text: () => h.text(), who: 'monitor' }, pred, what, timeoutMs);
    },
    async nextFrame(what = 'a frame') {
      const n = frames.length;
      await h.waitFor(() => frames.length > n, what);
      return frames[frames.length - 1]!;
    },
    async feed(sample) {
      const d = await src.next();
      const n = frames.length;
      d.resolve(sample);
      await h.waitFor(() => frames.slice(n).some((f) => f.reason === 'sample'), 'the frame of a read');
    },
    async fail(e) {
      const d = await src.next();
      const n = frames.length;
      d.reject(e);
      await h.waitFor(() => frames.slice(n).some((f) => f.reason === 'failure'), 'the frame of a failed read');
    },
    async press(keys) {
      const n = frames.length;
      inp.write(keys);
      await h.waitFor(() => frames.length > n, `a frame after key ${JSON.stringify(keys)}`);
    },
    quit() {
      return quitWithCtrlC(h, 'monitor');
    },
  };
  h.done = runMonitor({
    source: src.read,
    addressLabel: '/tmp/test.sock',
    node: 'testnode',
    frequencyMs: 20,
    color: true,
    input: inp,
    output: out,
    now: () => clock.now,
    processHandlers: false,
    backoff: { initialMs: 10, maxMs: 40 },
    ...rest,
    hooks: {
      ...rest.hooks,
      rendered(info) {
        frames.push(info);
        rest.hooks?.rendered?.(info);
        ev.emit('pulse');
      },
    },
  }).then((code) => {
    h.exitCode = code;
    ev.emit('pulse');
    return code;
  });
  return h;
}

/** SGR sequences in `raw` that set a colour (30–37, 38, 39?, 40–47, 48, 90–97, 100–107). */
export function colourSgr(raw: string): string[] {
  const found: string[] = [];
  const re = /\x1b\[([0-9;]*)m/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const params = m[1]!.split(';').filter((p) => p !== '').map(Number);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      if (p === 38 || p === 48) {
        found.push(m[0]);
        break;
      }
      if ((p >= 30 && p <= 37) || (p >= 40 && p <= 47) || (p >= 90 && p <= 97) || (p >= 100 && p <= 107)) {
        found.push(m[0]);
        break;
      }
    }
  }
  return found;
}
