/**
 * Batch text of the requests being served now (issue 12 point 5): under the
 * worker table, `requests in flight (N):` and one line per request, oldest
 * first, at most `max`. Only method and path (without query) exist in the
 * model — parseStats dropped every other request var.
 */
import { formatAge } from '../model/diagnosis.js';
import type { InFlightView, ServerView } from '../model/types.js';

/** Most in-flight requests listed in batch text. */
export const MAX_INFLIGHT_LINES = 20;

/** One request: `worker 2 core 0 pid 1234  GET /report  3s`. */
export function inflightLine(f: InFlightView): string {
  const w = f.workerId !== undefined ? `worker ${f.workerId}` : `worker ${f.workerKey}`;
  const core = f.coreId !== undefined ? ` core ${f.coreId}` : '';
  const pid = f.pid !== undefined ? ` pid ${f.pid}` : '';
  const age = f.age !== undefined ? formatAge(f.age) : '-';
  return `${w}${core}${pid}  ${f.method ?? '-'} ${f.path ?? '-'}  ${age}`;
}

/** The in-flight section (empty when no core is in a request). */
export function inflightLines(view: ServerView, max = MAX_INFLIGHT_LINES): string[] {
  const list = view.inflight;
  if (list.length === 0) return [];
  const out = ['', `requests in flight (${list.length}):`];
  for (const f of list.slice(0, max)) out.push('  ' + inflightLine(f));
  if (list.length > max) out.push(`  … ${list.length - max} more`);
  return out;
}

/** --json form of the in-flight list (oldest first; age in seconds). */
export function inflightJson(view: ServerView): Record<string, unknown>[] {
  return view.inflight.map((f) => ({
    worker_key: f.workerKey,
    worker_id: f.workerId ?? null,
    core_id: f.coreId ?? null,
    pid: f.pid ?? null,
    method: f.method ?? null,
    path: f.path ?? null,
    request_start: f.start ?? null,
    age: f.age ?? null,
  }));
}
