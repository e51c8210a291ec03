/**
 * The fleet table view: one row per target (state, workers busy/total, RPS,
 * listen queue, exceptions/s, average response time, memory…), a totals
 * line and a header with the target counts and the time. It renders the
 * frames of a FleetSession (src/fleet/session.ts), which does the reading;
 * Enter pushes the selected target's monitor (the worker table view) fed by
 * the fleet's own reads of that target (or, replaying, by the recording on
 * the fleet's clock); q/Esc there pops back here.
 */
import { formatBytes, formatCount, formatMs, formatRate, formatTimestamp } from '../../format.js';
import type { FleetSession } from '../../fleet/session.js';
import type { Target } from '../../fleet/targets.js';
import type { FleetRow, FleetView } from '../../fleet/view.js';
import { REPLAY_SEEK_MS } from '../../session/replay-controls.js';
import { bind, tableActions, type Action, type Bound, type SortLens, type TableState } from '../actions.js';
import { footerHints, replayDirection, type ActionId } from '../keys.js';
import type { HeaderItem } from '../header.js';
import type { Layout } from '../layout.js';
import { Memo } from '../memo.js';
import { replayStatusText } from '../replay-marker.js';
import { clean, clip, cut, formatAge, formatEvery, width } from '../text.js';
import { fleetShortLabel } from '../../fleet/render.js';
import { shortLabel } from '../../text/labels.js';
import type { Style } from '../theme.js';
import type { ShellApi, ShellTable, View } from '../view.js';
import { FLEET_REPLAY_KEYMAP, fleetKeyMap } from '../keys.js';
import { buildFleetTable, fleetColumnAt, fleetRowLine, fleetTitleLine, fleetTotalsLine, normaliseFleetSort, type FleetTable } from '../fleet/table.js';
import type { MonitorPageOptions } from './workers.js';

/** Lines of the status line at most (a long error wraps onto the others). */
const STATUS_MAX_LINES = 3;

/** Cells of a target's label in the header of the monitor opened from the fleet. */
const NODE_WIDTH = 32;

/** The footer's label of the monitor's q when opened from here. */
export const BACK_LABEL = 'back to fleet';

const TICK_MS = 1000;

export interface FleetViewArg {
  session: FleetSession;
  targets: readonly Target[];
  sortBy?: string | undefined;
  reverse?: boolean | undefined;
  /** Extra options of the monitor opened with Enter (e.g. its node label). */
  monitor?: ((target: Target) => Partial<MonitorPageOptions>) | undefined;
}

export interface FleetUiState extends TableState {
  sortId: string | undefined;
}

const lens: SortLens<FleetUiState> = {
  get: (st) => st.sortId,
  set: (st, _t, id, reverse) => ({ ...st, sortId: id, reverse }),
};

export class FleetTableView implements View<FleetUiState> {
  readonly screen = 'fleet' as const;
  readonly helpTitle = 'tsgitop fleet keys';
  readonly context = 'main' as const;
  readonly keys: readonly Bound<FleetUiState>[];
  readonly session: FleetSession;
  state: FleetUiState;
  readonly #a: FleetViewArg;
  /** The targets' labels (one array for the whole session: the short-label cache compares it cheaply). */
  readonly #labels: readonly string[];
  #shell!: ShellApi;
  /** The view on display (paused: the one of the pause). */
  #shown: FleetView | undefined;
  #memo = new Memo<FleetTable | undefined>();
  #started = false;
  #footer: { key: string; label: string }[] | undefined;
  /** Replay: the replay's status when the picture on display was taken. */
  #replayStatus: ReturnType<NonNullable<FleetSession['replay']>['controls']['status']> | undefined;

  constructor(a: FleetViewArg) {
    this.#a = a;
    this.#labels = a.targets.map((t) => t.label);
    this.session = a.session;
    this.state = { sortId: normaliseFleetSort(a.sortBy), reverse: a.reverse === true, filter: '', filterEditing: false, paused: false, selected: undefined, selectedIndex: 0, top: 0 };
    this.keys = bind(fleetKeyMap(a.session.replay !== undefined), this.#actions());
  }

  #actions(): Partial<Record<ActionId, Action<FleetUiState>>> {
    const replay = this.session.replay?.controls;
    const replayKey = (act: (dir: 1 | -1) => void): Action<FleetUiState> => (_st, ctx) => {
      if (!replay) return { reaction: 'none' };
      act(replayDirection(ctx.key, FLEET_REPLAY_KEYMAP) === -1 ? -1 : 1);
      // One frame, once the fleet at the new clock is read: the REPLAY marker and the rows always agree.
      return { reaction: 'refetch' };
    };
    return {
      ...tableActions(lens),
      open: (st) => {
        const row = this.#model()?.rows.find((r) => r.label === st.selected);
        const target = row ? this.#a.targets.find((t) => t.label === row.label) : undefined;
        if (!target) return { reaction: 'redraw', message: 'no target selected' };
        if (target.front) return { reaction: 'redraw', message: 'an nginx front: no workers to open (its connections and req/s are on its row)' };
        return { reaction: 'push', push: { view: 'monitor', arg: this.#monitorOptions(target) } };
      },
      replayPause: replayKey(() => replay!.togglePause()),
      replayStep: replayKey((d) => replay!.step(d)),
      replaySpeed: replayKey((d) => replay!.changeSpeed(d)),
      replaySeek: replayKey((d) => replay!.seek(d * REPLAY_SEEK_MS)),
      replayJump: replayKey((d) => replay!.jump(d)),
    };
  }

  /** The monitor of `target`: fed by the fleet's reads of it (or the recording, on the fleet's clock). */
  #monitorOptions(target: Target): MonitorPageOptions {
    const feed = this.session.monitorFeed(target);
    const o: MonitorPageOptions = {
      feed,
      addressLabel: feed.addressLabel ?? target.address.display,
      // The header's node: the label shortened against its siblings (they often share a long prefix).
      node: fleetShortLabel(target.label, this.#labels, NODE_WIDTH),
      intervalMs: this.session.intervalMs,
      fastMs: 100,
      replay: feed.replay,
      backLabel: BACK_LABEL,
    };
    return { ...o, ...(this.#a.monitor?.(target) ?? {}) };
  }

  now(): number {
    return this.session.now();
  }

  mount(shell: ShellApi): void {
    this.#shell = shell;
    if (this.#started) return;
    this.#started = true;
    this.session.start(
      (v) => {
        // A replay's marker is the one of the picture: the REPLAY marker and the rows always agree.
        if (this.session.replay) this.#replayStatus = this.session.replay.controls.status();
        if (!this.state.paused || this.#shown === undefined || this.session.replay) this.#shown = v;
        shell.render(this, 'tick');
      },
      (where, e) => {
        shell.fail(where, e);
        shell.render(this, 'error');
      },
      () => shell.awake(this),
    );
  }

  show(): void {
    // Back from a monitor: the table is current at once (the session kept reading).
    this.session.setShown(true);
    const v = this.session.clockView();
    if (v && !this.state.paused) this.#shown = v;
  }

  hide(): void {
    this.session.setShown(false);
  }

  unmount(): void {}

  changed(prev: FleetUiState): void {
    if (prev.paused && !this.state.paused) this.#shown = this.session.latest ?? this.#shown;
  }

  refetch(): void {
    this.session.kick();
  }

  header(now: number, cols: number): { items: HeaderItem[]; maxLines: number } {
    return { items: headerItems(this.#shown, now, cols >= 100, this.#a.targets.length), maxLines: 2 };
  }

  panes(): { chart: boolean; events: boolean } {
    return { chart: false, events: false };
  }

  #width = 80;

  #model(width = this.#width): FleetTable | undefined {
    const v = this.#shown;
    const st = this.state;
    return this.#memo.get([v, width, st.sortId, st.reverse, st.filter], () =>
      v ? buildFleetTable({ view: v, width, sortId: st.sortId, reverse: st.reverse, filter: st.filter }) : undefined,
    );
  }

  table(width: number): ShellTable | undefined {
    this.#width = width;
    const t = this.#model(width);
    if (!t) return undefined;
    return {
      info: { keys: t.rows.map((r) => r.label), sortIds: t.sortIds, sortId: t.sortId, columns: t.columns },
      columnAt: (x) => fleetColumnAt(t, x)?.id,
    };
  }

  draw(L: Layout, now: number): void {
    const shell = this.#shell;
    const th = shell.theme;
    const t = this.#model(L.cols);
    const v = this.#shown;
    shell.drawTable(this, L, {
      table: this.table(L.cols),
      headKey: t ? `${t.sortId ?? ''}|${t.reverse}|${t.columns.map((c) => c.id).join(',')}` : '',
      head: (width) => fleetTitleLine(t!, width, th),
      line: (i, selected, width) => fleetRowLine(t!, t!.rows[i]!, width, th, now, selected),
      placeholder: `reading ${this.#a.targets.length} targets …`,
      empty: `no target matches "${clean(this.state.filter)}" (Esc clears)`,
      trailer: t && v ? [fleetTotalsLine(t, v.totals, L.cols, th, now)] : [],
    });
  }

  statusHeight(cols: number, now: number): number {
    return this.status(cols, now).split('\n').length;
  }

  /**
   * The status line; the selected target's error, when it does not fit in
   * the rest of the line, wraps onto a second line (the shell gives it one
   * when the table keeps a few rows) instead of being cut.
   */
  status(cols: number, now: number): string {
    const th = this.#shell.theme;
    const st = this.state;
    const replay = this.session.replay;
    const t = this.#model(cols);
    let used = 0;
    let out = '';
    const add = (text: string, style: Style): void => {
      const sep = used > 0 ? 2 : 0;
      const room = cols - used - sep;
      if (room <= 0) return;
      const s = clip(text, room);
      out += (sep ? '  ' : '') + th.paint(s, style);
      used += sep + width(s);
    };
    if (replay) {
      // First, as in the monitor: a replay is never mistaken for live data.
      add(' REPLAY ', 'paused');
      add(replayStatusText(this.#replayStatus ?? replay.controls.status()), 'title');
    }
    const err = this.#shell.renderError();
    if (err !== undefined) add(`render error: ${err}`, 'bad');
    if (replay) {
      if (!this.#shown) add(`reading the recording of ${this.#a.targets.length} targets …`, 'dim');
    } else if (st.paused) add(` PAUSED · showing ${this.#shown ? formatAge(now - this.#shown.at) : '-'} old data · p resumes `, 'paused');
    else if (this.#shown) add(`● live · every ${formatEvery(this.session.intervalMs)}`, 'live');
    else add(`connecting to ${this.#a.targets.length} targets …`, 'dim');
    if (st.filterEditing) add(`filter: ${clean(st.filter)}▏ (Enter keeps, Esc clears)`, 'key');
    else if (st.filter !== '') add(`filter "${clean(st.filter)}" ${t?.rows.length ?? 0}/${t?.total ?? 0}`, 'key');
    const msg = this.#shell.message();
    if (msg !== undefined) add(msg, 'title');
    const row: FleetRow | undefined = t ? t.rows.find((r) => r.label === st.selected) : undefined;
    if (row) {
      // Short (against the siblings) when an error follows, so the error keeps the room.
      const room = row.error !== undefined ? 24 : Math.max(16, Math.floor(cols / 2));
      const name = fleetShortLabel(row.label, this.#labels, room);
      add(`${name}${row.label !== row.address ? ` ${shortLabel(row.address, [], Math.max(8, room - width(name) - 1))}` : ''}`, 'label');
      if (row.error !== undefined) {
        const style = row.state === 'up' ? 'warn' : 'bad';
        const e = clean(row.error);
        const rest = cols - used - (used > 0 ? 2 : 0);
        if (width(e) <= rest) add(e, style);
        else {
          // Wrap: what fits after the label, then whole lines (up to STATUS_MAX_LINES), broken at a space when one is near.
          const chunk = (text: string, room: number): string => {
            const c = cut(text, room);
            if (c.length >= text.length) return c;
            const sp = c.lastIndexOf(' ');
            return sp >= c.length / 2 ? c.slice(0, sp) : c;
          };
          let left = e;
          if (rest >= 12) {
            const head = chunk(left, rest);
            add(head, style);
            left = left.slice(head.length).trimStart();
          }
          for (let line = 1; line < STATUS_MAX_LINES && left !== ''; line++) {
            const part = line === STATUS_MAX_LINES - 1 ? clip(left, cols) : chunk(left, cols);
            out += '\n' + th.paint(part, style);
            left = left.slice(part.length).trimStart();
          }
        }
      }
    }
    return out;
  }

  footer(): { key: string; label: string }[] {
    return (this.#footer ??= footerHints('main', this.keys));
  }

  /** Between refreshes longer than the clock tick: ages and states move on (the data does not). */
  tick(): boolean {
    if (this.state.paused || this.session.replay || this.session.intervalMs <= TICK_MS) return false;
    const v = this.session.clockView();
    if (!v) return false;
    this.#shown = v;
    return true;
  }
}

function headerItems(v: FleetView | undefined, now: number, wide: boolean, count: number): HeaderItem[] {
  const ts = formatTimestamp(v?.at ?? now);
  const items: HeaderItem[] = [
    { label: '', value: 'tsgitop fleet', style: 'title' },
    { label: '', value: wide ? ts : ts.slice(11) },
  ];
  if (!v) return [...items, { label: 'targets', value: String(count) }];
  const t = v.totals;
  items.push(
    { label: 'targets', value: String(t.targets) },
    { label: 'up', value: String(t.up), style: t.up > 0 ? 'good' : 'plain' },
    { label: 'stale', value: String(t.stale), style: t.stale > 0 ? 'warn' : 'plain' },
    { label: 'down', value: String(t.down), style: t.down > 0 ? 'bad' : 'plain' },
    { label: 'workers', value: String(t.workers), breakBefore: true },
    { label: 'busy', value: String(t.busy), style: t.busy > 0 ? 'busy' : 'plain' },
    { label: 'RPS', value: formatRate(t.rps), style: 'title' },
    { label: 'exc/s', value: formatRate(t.excRate), style: (t.excRate ?? 0) > 0 ? 'bad' : 'plain' },
    { label: 'avg', value: formatMs(t.avgRt) },
    { label: 'lq', value: formatCount(t.listenQueue), style: (t.listenQueue ?? 0) > 0 ? 'warn' : 'plain' },
    { label: 'rss', value: formatBytes(t.rss) },
  );
  return items;
}
