/**
 * The worker detail view: one worker's figures, sparklines of its history,
 * its cores and apps. Opened with Enter on a worker (or core) row of the
 * worker table, closed with Esc/q/Backspace. It shares the worker table's
 * MonitorPage: the same session, the same frame on display (pause, fast
 * refresh and unused cores act on both).
 */
import type { Bound } from '../actions.js';
import { detailLines } from '../detail.js';
import type { Layout } from '../layout.js';
import type { UiState } from '../state.js';
import type { WorkerView } from '../../model/types.js';
import { TextPageView, textPageActions, textPageKeys } from './text-page.js';
import { monitorActions, type MonitorPage } from './workers.js';

export class DetailView extends TextPageView {
  readonly keys: readonly Bound<UiState>[];
  readonly key: string;
  /** The worker as last seen (shown with its last known figures when it leaves). */
  #last: WorkerView | undefined;

  constructor(page: MonitorPage, key: string) {
    super(page);
    this.key = key;
    // unused cores as on the table; the lists (!, i, o) as from the table: Esc comes back here
    const m = monitorActions(page);
    this.keys = textPageKeys(page, { ...textPageActions(page), unused: m.unused!, diagnosis: m.diagnosis!, inflight: m.inflight!, sockets: m.sockets! });
    const v = page.shown.view;
    this.#last = v?.kind === 'server' ? v.workers.find((w) => w.key === key) : undefined;
  }

  override panes(): { chart: boolean; events: boolean } {
    return { chart: this.state.chart, events: false };
  }

  draw(L: Layout, now: number): void {
    const shell = this.shell;
    const { box: body, height } = this.body(L);
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
}
