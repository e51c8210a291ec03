/**
 * The worker detail view: one worker's figures, sparklines of its history,
 * its cores and apps. Opened with Enter on a worker (or core) row of the
 * worker table, closed with Esc/q/Backspace. It shares the worker table's
 * MonitorPage: the same session, the same frame on display (pause, fast
 * refresh and unused cores act on both).
 */
import { bind, type Action, type Bound } from '../actions.js';
import { detailLines } from '../detail.js';
import { place, type Layout } from '../layout.js';
import type { ActionId } from '../keys.js';
import { statusLine } from '../status.js';
import type { UiState } from '../state.js';
import type { ShellApi, ShellTable, View } from '../view.js';
import type { WorkerView } from '../../model/types.js';
import { PageView, monitorActions, type MonitorPage } from './workers.js';

/** The detail view's actions: back, and the monitor's toggles that mean something here. */
function detailActions(page: MonitorPage): Partial<Record<ActionId, Action<UiState>>> {
  const m = monitorActions(page);
  return {
    help: m.help!,
    back: () => ({ reaction: 'pop' }),
    unused: m.unused!,
    fast: m.fast!,
    pause: m.pause!,
    redraw: m.redraw!,
    suspend: m.suspend!,
    quit: m.quit!,
    replayPause: m.replayPause!,
    replayStep: m.replayStep!,
    replaySpeed: m.replaySpeed!,
    replaySeek: m.replaySeek!,
    replayJump: m.replayJump!,
  };
}

export class DetailView extends PageView implements View<UiState> {
  readonly context = 'detail' as const;
  readonly keys: readonly Bound<UiState>[];
  readonly key: string;
  /** The worker as last seen (shown with its last known figures when it leaves). */
  #last: WorkerView | undefined;
  #footer: { key: string; label: string }[] | undefined;

  constructor(page: MonitorPage, key: string) {
    super(page);
    this.key = key;
    // Its own entries (and the ones that work everywhere); the table's are the worker table's.
    this.keys = bind(page.keyMap.filter((b) => b.contexts.some((c) => c !== 'main')), detailActions(page));
    const v = page.shown.view;
    this.#last = v?.kind === 'server' ? v.workers.find((w) => w.key === key) : undefined;
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
    return { chart: this.state.chart, events: false };
  }

  table(): ShellTable | undefined {
    return undefined;
  }

  draw(L: Layout, now: number): void {
    const shell = this.shell;
    shell.tableHead.hide();
    const body = shell.body;
    body.show();
    const top = L.tableHeadTop;
    const height = Math.max(1, L.footerTop - top);
    place(body, top, height, L.cols);
    const f = this.page.shown;
    const v = f.view;
    const w = v?.kind === 'server' ? v.workers.find((x) => x.key === this.key) : undefined;
    if (w) this.#last = w;
    const s = this.page.session;
    body.setContent(
      detailLines({
        worker: w ?? this.#last,
        gone: w === undefined,
        series: s.history.worker(this.key),
        width: L.cols,
        height,
        now,
        unused: this.state.unused,
        theme: shell.theme,
        cut: (xs) => s.seriesOf(f, xs),
      }).join('\n'),
    );
  }

  status(cols: number, now: number): string {
    return statusLine(this.page.statusInput(cols, now, this.shell));
  }

  footer(): { key: string; label: string }[] {
    return (this.#footer ??= this.page.footer('detail'));
  }

}
