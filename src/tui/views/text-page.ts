/**
 * What the monitor's text views share (the worker detail, the lists of
 * verdicts, requests in flight and sockets): no table, a body of text
 * lines in the space under the header, the page's status line, the keys of
 * the `detail` context, and the actions that mean something there — back,
 * help, fast refresh, pause, redraw, suspend, the replay keys.
 */
import { bind, type Action, type Bound } from '../actions.js';
import type { ActionId } from '../keys.js';
import { place, type Layout } from '../layout.js';
import type { UiState } from '../state.js';
import { statusLine } from '../status.js';
import type { Box } from '../terminal.js';
import type { ShellApi, ShellTable, View } from '../view.js';
import { PageView, monitorActions, type MonitorPage } from './workers.js';

/** A text view's key map: its own entries of the page's (and the ones that work everywhere; the table's are the worker table's), with `actions`. */
export function textPageKeys(page: MonitorPage, actions: Partial<Record<ActionId, Action<UiState>>>): Bound<UiState>[] {
  return bind(page.keyMap.filter((b) => b.contexts.some((c) => c !== 'main')), actions);
}

/** The actions of a text view: back (pop), and the monitor's that are not about its table. */
export function textPageActions(page: MonitorPage): Partial<Record<ActionId, Action<UiState>>> {
  const m = monitorActions(page);
  const keep: ActionId[] = ['help', 'fast', 'pause', 'redraw', 'suspend', 'quit', 'replayPause', 'replayStep', 'replaySpeed', 'replaySeek', 'replayJump'];
  const out: Partial<Record<ActionId, Action<UiState>>> = { back: () => ({ reaction: 'pop' }) };
  for (const id of keep) out[id] = m[id]!;
  return out;
}

export abstract class TextPageView extends PageView implements View<UiState> {
  readonly context = 'detail' as const;
  abstract readonly keys: readonly Bound<UiState>[];
  #footer: { key: string; label: string }[] | undefined;

  constructor(page: MonitorPage) {
    super(page);
  }

  mount(shell: ShellApi): void {
    this.shell = shell;
    this.page.attach(this, shell);
  }

  show(): void {}

  hide(): void {}

  unmount(): void {
    this.page.detach(this);
  }

  panes(): { chart: boolean; events: boolean } {
    return { chart: false, events: false };
  }

  table(): ShellTable | undefined {
    return undefined;
  }

  /** The body box placed under the header (no table head), and its height. */
  protected body(L: Layout): { box: Box; height: number } {
    this.shell.tableHead.hide();
    const box = this.shell.body;
    box.show();
    const height = Math.max(1, L.footerTop - L.tableHeadTop);
    place(box, L.tableHeadTop, height, L.cols);
    return { box, height };
  }

  abstract draw(L: Layout, now: number): void;

  status(cols: number, now: number): string {
    return statusLine(this.page.statusInput(cols, now, this.shell));
  }

  footer(): { key: string; label: string }[] {
    return (this.#footer ??= this.page.footer('detail'));
  }
}
