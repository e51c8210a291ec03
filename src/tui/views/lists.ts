/**
 * The issue-12 list views over the monitor's page (same session, same frame
 * on display as the worker table): the diagnosis (`!`, every verdict, 1-9
 * opens the worker behind one), the requests in flight (`i`) and the
 * listening sockets (`o`). Esc/q goes back; `!`, `i`, `o` switch lists.
 */
import { bind, type Action, type Bound } from '../actions.js';
import { listLines, type ListKind } from '../diagnosis.js';
import type { HeaderItem } from '../header.js';
import type { ActionId } from '../keys.js';
import { place, type Layout } from '../layout.js';
import type { UiState } from '../state.js';
import { statusLine } from '../status.js';
import type { ShellApi, ShellTable, View } from '../view.js';
import { monitorActions, type MonitorPage } from './workers.js';

function listActions(page: MonitorPage, kind: ListKind): Partial<Record<ActionId, Action<UiState>>> {
  const m = monitorActions(page);
  const to = (k: ListKind): Action<UiState> => () => (k === kind ? { reaction: 'redraw' } : { reaction: 'push', push: { view: 'list', arg: { page, kind: k } } });
  return {
    help: m.help!,
    back: () => ({ reaction: 'pop' }),
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
    diagnosis: to('diagnosis'),
    inflight: to('inflight'),
    sockets: to('sockets'),
    jump: (_st, ctx) => {
      if (kind !== 'diagnosis') return { reaction: 'none' };
      const v = page.shown.view;
      const verdict = v?.diagnosis?.[Number(ctx.key) - 1];
      if (!verdict) return { reaction: 'redraw', message: `no verdict ${ctx.key}` };
      if (verdict.workerKey === undefined) return { reaction: 'redraw', message: `verdict ${ctx.key} is about ${verdict.socket ? 'a socket' : verdict.vassal ? 'a vassal' : 'the server'}, not one worker` };
      return { reaction: 'push', push: { view: 'detail', arg: { page, key: verdict.workerKey } } };
    },
  };
}

export class ListView implements View<UiState> {
  readonly screen = 'monitor' as const;
  readonly helpTitle = 'tsgitop keys';
  readonly context = 'detail' as const;
  readonly keys: readonly Bound<UiState>[];
  readonly page: MonitorPage;
  readonly kind: ListKind;
  #shell!: ShellApi;

  constructor(page: MonitorPage, kind: ListKind) {
    this.page = page;
    this.kind = kind;
    this.keys = bind(page.keyMap.filter((b) => b.contexts.some((c) => c !== 'main')), listActions(page, kind));
  }

  get state(): UiState {
    return this.page.state;
  }

  set state(s: UiState) {
    this.page.state = s;
  }

  now(): number {
    return this.page.now();
  }

  mount(shell: ShellApi): void {
    this.#shell = shell;
    this.page.attach(this, shell);
  }

  show(): void {}

  hide(): void {}

  unmount(): void {
    this.page.detach(this);
  }

  changed(prev: UiState): void {
    this.page.changed(prev);
  }

  refetch(): void {
    this.page.session.refetch();
  }

  header(now: number, cols: number): { items: HeaderItem[]; maxLines: number } {
    return this.page.header(now, cols);
  }

  panes(): { chart: boolean; events: boolean } {
    return { chart: false, events: false };
  }

  table(): ShellTable | undefined {
    return undefined;
  }

  draw(L: Layout, now: number): void {
    const shell = this.#shell;
    shell.tableHead.hide();
    const body = shell.body;
    body.show();
    const top = L.tableHeadTop;
    const height = Math.max(1, L.footerTop - top);
    place(body, top, height, L.cols);
    const quiet = this.state.paused || this.page.o.replay || this.page.session.frame.failure !== undefined;
    const stale = quiet ? undefined : this.page.session.diagnoser.stale(now);
    body.setContent(listLines(this.kind, this.page.shown.view, L.cols, height, shell.theme, stale).join('\n'));
  }

  status(cols: number, now: number): string {
    return statusLine(this.page.statusInput(cols, now, this.#shell));
  }

  footer(): { key: string; label: string }[] {
    return this.page.footer('detail');
  }

  tick(): boolean {
    return this.page.tick();
  }
}
