/**
 * The issue-12 list views over the monitor's page (same session, same frame
 * on display as the worker table): the diagnosis (`!`, every verdict, 1-9
 * opens the worker behind one), the requests in flight (`i`) and the
 * listening sockets (`o`). Esc/q goes back; `!`, `i`, `o` switch lists.
 */
import type { Action, Bound } from '../actions.js';
import { listLines, type ListKind } from '../diagnosis.js';
import type { ActionId } from '../keys.js';
import type { Layout } from '../layout.js';
import type { UiState } from '../state.js';
import { TextPageView, textPageActions, textPageKeys } from './text-page.js';
import type { MonitorPage } from './workers.js';

function listActions(page: MonitorPage, kind: ListKind): Partial<Record<ActionId, Action<UiState>>> {
  const to = (k: ListKind): Action<UiState> => () => (k === kind ? { reaction: 'redraw' } : { reaction: 'push', push: { view: 'list', arg: { page, kind: k } } });
  return {
    ...textPageActions(page),
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

export class ListView extends TextPageView {
  readonly keys: readonly Bound<UiState>[];
  readonly kind: ListKind;

  constructor(page: MonitorPage, kind: ListKind) {
    super(page);
    this.kind = kind;
    this.keys = textPageKeys(page, listActions(page, kind));
  }

  draw(L: Layout, now: number): void {
    const shell = this.shell;
    const { box: body, height } = this.body(L);
    body.setContent(listLines(this.kind, this.page.shown.view, L.cols, height, shell.theme, this.page.staleVerdict(now)).join('\n'));
  }
}
