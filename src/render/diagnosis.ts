/**
 * Batch text / --json of the diagnosis (issue 12 point 6), the header's truth
 * facts (listen queue as `lq 9/8 FULL`, `avg now` and the lifetime mean) and
 * the Emperor's blacklist.
 */
import { formatCount, formatMs, formatTimestamp } from '../format.js';
import { formatAge } from '../model/diagnosis.js';
import { queueText } from '../model/sockets.js';
import type { EmperorView, ServerView, Verdict, View } from '../model/types.js';

/** `diagnosis: queue full: … | slow request: …` or `diagnosis: ok`. */
export function diagnosisLine(verdicts: readonly Verdict[] | undefined): string {
  if (!verdicts || verdicts.length === 0) return 'diagnosis: ok';
  return `diagnosis: ${verdicts.map((v) => v.message).join(' | ')}`;
}

export function diagnosisJson(view: View): Record<string, unknown>[] {
  return (view.diagnosis ?? []).map((v) => ({
    rule: v.rule,
    severity: v.severity,
    message: v.message,
    worker_key: v.workerKey ?? null,
    worker_id: v.workerId ?? null,
    socket: v.socket ?? null,
    vassal: v.vassal ?? null,
  }));
}

/** Header fact of the listen queue: the worst socket (`lq: 9/8 FULL`), else the master's listen_queue. */
export function lqFact(view: ServerView): string {
  return `lq: ${queueText(view.header.worstSocket) ?? formatCount(view.header.listenQueue)}`;
}

/** Header facts of the response time: `avg now: 12ms` (this interval) and `mean: 9.1ms` (lifetime). */
export function avgFacts(view: ServerView): string[] {
  const out = [`avg now: ${formatMs(view.totals.avgNow)}`, `mean: ${formatMs(view.totals.avgMean)}`];
  if (view.totals.inFlight > 0) out.push(`in flight: ${view.totals.inFlight}${view.totals.oldestRequestAge !== undefined ? ` (oldest ${formatAge(view.totals.oldestRequestAge)})` : ''}`);
  return out;
}

/** --json of the sockets. */
export function socketsJson(view: ServerView): Record<string, unknown>[] {
  return view.sockets.map((k) => ({
    name: k.name,
    proto: k.proto,
    queue: k.queue ?? null,
    max_queue: k.maxQueue ?? null,
    shared: k.shared ?? null,
    can_offload: k.canOffload ?? null,
    full: k.full,
    fill_pct: k.fillPct ?? null,
    measured: k.measured,
  }));
}

/** Emperor header facts: throttle level. */
export function emperorFacts(view: EmperorView): string[] {
  return view.throttleLevel === undefined ? [] : [`throttle: ${view.throttleLevel}`];
}

/** The Emperor's blacklist section (empty without entries) and its events. */
export function emperorLines(view: EmperorView): string[] {
  const out: string[] = [];
  for (const e of view.events ?? []) out.push(`event: ${e.kind}: ${e.message}`);
  const bl = view.blacklist ?? [];
  if (bl.length > 0) {
    out.push('', `blacklist (${bl.length}):`);
    for (const b of bl) {
      out.push(`  ${b.vassal}  throttle ${b.throttleLevel ?? '-'}s  attempts ${b.attempts ?? '-'}  last ${b.lastAttempt !== undefined ? formatTimestamp(b.lastAttempt * 1000) : '-'}`);
    }
  }
  return out;
}

export function emperorJson(view: EmperorView): Record<string, unknown> {
  return {
    throttle_level: view.throttleLevel ?? null,
    blacklist: (view.blacklist ?? []).map((b) => ({
      vassal: b.vassal,
      throttle_level: b.throttleLevel ?? null,
      attempts: b.attempts ?? null,
      first_attempt: b.firstAttempt ?? null,
      last_attempt: b.lastAttempt ?? null,
    })),
    events: (view.events ?? []).map((e) => ({ at: e.at, kind: e.kind, message: e.message })),
    diagnosis: diagnosisJson(view),
  };
}

/** The fleet's per-target worst verdicts under its table: `diagnosis:` and `  LABEL: verdict` for each target that has one. */
export function fleetVerdictLines(rows: readonly { label: string; verdict: Verdict | undefined }[]): string[] {
  const bad = rows.filter((r) => r.verdict !== undefined);
  if (bad.length === 0) return [];
  return ['', 'diagnosis (worst per target):', ...bad.map((r) => `  ${r.label}: ${r.verdict!.message}`)];
}
