/**
 * Headless harness for the interactive fleet view: runFleetView with the
 * monitor harness's fake TTY (an @xterm/headless terminal) and fake input.
 * Targets are real (sockets) or an injected reader; the clock is real.
 * Tests synchronise on rendered-and-parsed frames and on screen conditions
 * with deadlines, never on sleeps.
 */
import { shortLabel } from '../../src/text/labels.js';
import { TARGET_WIDTH } from '../../src/fleet/render.js';
import { EventEmitter } from 'node:events';
import xterm from '@xterm/headless';
import { FakeInput, FakeTty, quitWithCtrlC, screenLines, waitForScreen } from '../tui/harness.js';
import { runFleetView, type FleetRenderInfo, type FleetViewOptions } from '../../src/tui/fleet/app.js';

const { Terminal } = xterm;
type Term = InstanceType<typeof Terminal>;

export interface FleetHarnessOptions extends FleetViewOptions {
  cols?: number;
  rows?: number;
}

export interface FleetHarness {
  term: Term;
  out: FakeTty;
  inp: FakeInput;
  frames: FleetRenderInfo[];
  done: Promise<number>;
  exitCode: number | undefined;
  /** Screen lines, trailing blanks trimmed. */
  lines(): string[];
  text(): string;
  /** The screen that drew the last frame. */
  current(): 'fleet' | 'monitor' | undefined;
  /** Wait until `pred()` holds with the terminal idle; throws with a screen dump on timeout. */
  waitFor(pred: () => boolean, what?: string, timeoutMs?: number): Promise<void>;
  /** Type keys and wait for a frame after them. */
  press(keys: string): Promise<void>;
  /** Ctrl-C (quits from the fleet and from an opened monitor); waits for the exit code. */
  quit(): Promise<number>;
  /** The labels of every target (for the TARGET column's short labels). */
  labels: readonly string[];
}

export function startFleetHarness(o: FleetHarnessOptions): FleetHarness {
  const cols = o.cols ?? 100;
  const rows = o.rows ?? 24;
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  const out = new FakeTty(term, cols, rows);
  const inp = new FakeInput();
  const frames: FleetRenderInfo[] = [];
  const ev = new EventEmitter();
  ev.setMaxListeners(100);
  out.parsed.on('parsed', () => ev.emit('pulse'));
  const { cols: _c, rows: _r, ...rest } = o;
  const h: FleetHarness = {
    labels: o.targets.map((t) => t.label),
    term,
    out,
    inp,
    frames,
    exitCode: undefined,
    done: undefined as unknown as Promise<number>,
    lines() {
      return screenLines(term);
    },
    text() {
      return h.lines().join('\n');
    },
    current() {
      return frames.at(-1)?.screen;
    },
    async waitFor(pred, what = 'condition', timeoutMs = 8000) {
      await waitForScreen({ out, pulses: ev, exited: () => h.exitCode, text: () => h.text(), who: 'fleet view' }, pred, what, timeoutMs);
    },
    async press(keys) {
      const n = frames.length;
      inp.write(keys);
      await h.waitFor(() => frames.length > n, `a frame after key ${JSON.stringify(keys)}`);
    },
    quit() {
      return quitWithCtrlC(h, 'fleet view');
    },
  };
  h.done = runFleetView({
    color: true,
    processHandlers: false,
    ...rest,
    input: inp,
    output: out,
    rendered(info) {
      frames.push(info);
      rest.rendered?.(info);
      ev.emit('pulse');
    },
  }).then((code) => {
    h.exitCode = code;
    ev.emit('pulse');
    return code;
  });
  return h;
}

/** The table line of target `label` (starts with the label, or its clipped form). */
export function rowOf(h: FleetHarness, label: string): string | undefined {
  // The TARGET cell: the label shortened against every target's label (src/text/labels.ts).
  const head = shortLabel(label, h.labels, TARGET_WIDTH);
  return h.lines().find((l) => l.startsWith(head + ' ') || l === head);
}

/** The STATE cell of target `label` ('up', 'STALE', 'DOWN'), or undefined. */
export function stateOf(h: FleetHarness, label: string): string | undefined {
  const l = rowOf(h, label);
  return l === undefined ? undefined : l.slice(17, 22).trim();
}

/** Labels of the table rows, top to bottom. */
export function rowLabels(h: FleetHarness, labels: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of h.lines()) {
    const label = labels.find((x) => l.startsWith(x + ' '));
    if (label !== undefined) out.push(label);
  }
  return out;
}
