import type { StatusClass } from './types.js';

/**
 * Classify a uWSGI worker status string. Exact `idle`, `busy`, `cheap`,
 * `pause`; anything starting with `sig` (uWSGI reports `sig` and e.g. `sig12`
 * style variants) → `sig`; any other present string → `other` (shown
 * verbatim by renderers); absent → `unknown`.
 */
export function statusClass(status: string | undefined): StatusClass {
  if (status === undefined) return 'unknown';
  switch (status) {
    case 'idle':
    case 'busy':
    case 'cheap':
    case 'pause':
      return status;
    default:
      return status.startsWith('sig') ? 'sig' : 'other';
  }
}

/** Classes whose entry/exit is worth an event (idle↔busy is too noisy). */
export function isNotableClass(c: StatusClass): boolean {
  return c === 'cheap' || c === 'pause' || c === 'sig';
}
