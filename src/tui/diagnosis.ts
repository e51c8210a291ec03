/**
 * The monitor's diagnosis line (under the header) and the text of the three
 * issue-12 views: the diagnosis list (`!`), the requests in flight (`i`) and
 * the sockets (`o`). Pure: model data in, tagged lines out; every server
 * string goes through the one sanitizer.
 */
import { queueText, UNMEASURED_QUEUE } from '../model/sockets.js';
import type { ServerView, Verdict, View } from '../model/types.js';
import { CORES_NOT_REPORTED, coresNotReported } from '../model/view.js';
import type { HeaderItem } from './header.js';
import { clean, clip, pad } from './text.js';
import type { Theme } from './theme.js';
import { inflightLine } from '../render/inflight.js';

/**
 * The diagnosis header item — a line of its own under the header — with the
 * most severe verdict first (`stale` when reads stopped) and how many more
 * `!` lists; undefined when no rule fires (the header keeps its lines).
 */
export function diagnosisItem(verdicts: readonly Verdict[] | undefined, stale?: Verdict): HeaderItem | undefined {
  const all = [...(stale ? [stale] : []), ...(verdicts ?? [])];
  if (all.length === 0) return undefined;
  const critical = all.some((v) => v.severity === 'critical');
  // The count first, so that clipping on a narrow terminal never hides that there is more.
  const more = all.length > 1 ? `[1 of ${all.length}, ! lists all] ` : '';
  return { label: 'diagnosis', value: more + clean(all[0]!.message), style: critical ? 'bad' : 'warn', breakBefore: true, clippable: 'right' };
}

/** Which of the three lists a {@link ListView} shows. */
export type ListKind = 'diagnosis' | 'inflight' | 'sockets';

export const LIST_TITLES: Record<ListKind, string> = {
  diagnosis: 'Diagnosis (most severe first; 1-9: the n-th verdict\'s worker)',
  inflight: 'Requests in flight (oldest first; method and path only)',
  sockets: 'Listening sockets',
};

function title(text: string, width: number, theme: Theme): string {
  return theme.paint(pad(clip(text, width), width), 'tableHead');
}

/** Lines of a list view for `view` (undefined: no data yet). */
export function listLines(kind: ListKind, view: View | undefined, width: number, height: number, theme: Theme, stale?: Verdict): string[] {
  const lines: string[] = [title(LIST_TITLES[kind], width, theme)];
  const body: string[] = [];
  if (!view) body.push('no data yet');
  else if (kind === 'diagnosis') {
    const all = [...(stale ? [stale] : []), ...(view.diagnosis ?? [])];
    if (all.length === 0) body.push(theme.paint('ok: no rule fires', 'good'));
    all.forEach((v, i) => {
      const where = v.workerId !== undefined ? ` [worker ${v.workerId}]` : v.socket ? ` [socket ${clean(v.socket)}]` : v.vassal ? ` [vassal ${clean(v.vassal)}]` : '';
      body.push(theme.paint(clip(`${i + 1}. ${v.severity === 'critical' ? 'CRIT' : 'warn'} ${clean(v.message)}${where}`, width), v.severity === 'critical' ? 'bad' : 'warn'));
    });
  } else if (view.kind !== 'server') {
    body.push(`no ${kind === 'inflight' ? 'requests' : 'sockets'} in an Emperor document`);
  } else if (kind === 'inflight') {
    const list = view.inflight;
    if (list.length === 0) body.push(coresNotReported(view.workers) ? CORES_NOT_REPORTED : 'no request in flight');
    for (const f of list) body.push(clip(clean(inflightLine(f)), width));
  } else {
    body.push(...socketLines(view, width, theme));
  }
  const room = Math.max(0, height - 1);
  if (body.length > room && room > 0) {
    const shown = body.slice(0, room - 1);
    shown.push(theme.paint(`… ${body.length - shown.length} more`, 'dim'));
    return [...lines, ...shown];
  }
  return [...lines, ...body];
}

function socketLines(view: ServerView, width: number, theme: Theme): string[] {
  if (view.sockets.length === 0) return ['no sockets reported'];
  const head = `${pad('NAME', 34)} ${pad('PROTO', 8)} ${pad('QUEUE/MAX', 16)} ${pad('SHARED', 6)} OFFLOAD`;
  const out = [theme.paint(clip(head, width), 'dim')];
  for (const k of view.sockets) {
    const q = k.measured ? (queueText(k) ?? '-') : 'not measured';
    const line = `${pad(clip(clean(k.name) || '-', 34), 34)} ${pad(clip(clean(k.proto) || '-', 8), 8)} ${pad(q, 16)} ${pad(k.shared === undefined ? '-' : String(k.shared), 6)} ${k.canOffload === undefined ? '-' : String(k.canOffload)}`;
    out.push(theme.paint(clip(line, width), k.full ? 'bad' : (k.queue ?? 0) > 0 ? 'warn' : 'plain'));
  }
  if (view.sockets.some((k) => !k.measured)) out.push(theme.paint(clip(UNMEASURED_QUEUE, width), 'warn'));
  return out;
}
