/**
 * The Emperor document's model: throttle level, blacklist (uWSGI
 * core/emperor.c: a vassal that dies without becoming loyal is blacklisted;
 * each new attempt raises its throttle level) and vassal events.
 */
import type { EmperorSnapshot, VassalStats } from '../protocol/types.js';
import { counter, finite } from './sanitize.js';
import type { BlacklistView, EmperorView, ModelEvent, Sample } from './types.js';

function vassalName(v: { id?: string | undefined }, i: number): string {
  return typeof v.id === 'string' ? v.id : `#${i}`;
}

export function blacklistOf(doc: EmperorSnapshot): BlacklistView[] {
  const list = Array.isArray(doc.blacklist) ? doc.blacklist : [];
  return list.map((b, i) => ({
    vassal: vassalName(b, i),
    throttleLevel: counter(b.throttle_level),
    attempts: counter(b.attempt),
    firstAttempt: counter(b.first_attempt),
    lastAttempt: counter(b.last_attempt),
  }));
}

function respawnsOf(v: VassalStats): number | undefined {
  return counter(v.extra?.['respawns']);
}

/** Vassal events between two reads: spawned (new, new pid or respawns up), died (gone), blacklisted (new entry or more attempts). */
export function vassalEvents(cur: EmperorSnapshot, prev: EmperorSnapshot, at: number): ModelEvent[] {
  const out: ModelEvent[] = [];
  const before = new Map<string, VassalStats>();
  prev.vassals.forEach((v, i) => before.set(vassalName(v, i), v));
  const seen = new Set<string>();
  cur.vassals.forEach((v, i) => {
    const name = vassalName(v, i);
    seen.add(name);
    const p = before.get(name);
    const pid = finite(v.pid);
    if (!p) {
      out.push({ at, kind: 'vassal', message: `vassal ${name} spawned${pid !== undefined ? ` (pid ${pid})` : ''}`, ...(pid !== undefined ? { newPid: pid } : {}) });
      return;
    }
    const ppid = finite(p.pid);
    const r = respawnsOf(v);
    const pr = respawnsOf(p);
    if ((pid !== undefined && ppid !== undefined && pid !== ppid) || (r !== undefined && pr !== undefined && r > pr)) {
      const e: ModelEvent = { at, kind: 'vassal', message: `vassal ${name} respawned${ppid !== undefined && pid !== undefined && ppid !== pid ? ` (pid ${ppid} -> ${pid})` : ''}` };
      if (ppid !== undefined) e.oldPid = ppid;
      if (pid !== undefined) e.newPid = pid;
      out.push(e);
    }
  });
  prev.vassals.forEach((v, i) => {
    const name = vassalName(v, i);
    if (seen.has(name)) return;
    const pid = finite(v.pid);
    out.push({ at, kind: 'vassal', message: `vassal ${name} died${pid !== undefined ? ` (pid ${pid})` : ''}`, ...(pid !== undefined ? { oldPid: pid } : {}) });
  });
  const pb = new Map(blacklistOf(prev).map((b) => [b.vassal, b]));
  const cb = blacklistOf(cur);
  for (const b of cb) {
    const p = pb.get(b.vassal);
    if (!p || (b.attempts !== undefined && p.attempts !== undefined && b.attempts > p.attempts)) {
      out.push({
        at,
        kind: 'vassal',
        message: `vassal ${b.vassal} blacklisted (attempt ${b.attempts ?? '?'}, throttle ${b.throttleLevel ?? '?'}s)`,
      });
    }
  }
  const cbNames = new Set(cb.map((b) => b.vassal));
  for (const name of pb.keys()) if (!cbNames.has(name)) out.push({ at, kind: 'vassal', message: `vassal ${name} left the blacklist` });
  return out;
}

/** The model-derived parts of an EmperorView. */
export function buildEmperor(cur: Sample<EmperorSnapshot>, prev: Sample<EmperorSnapshot> | undefined): Pick<EmperorView, 'throttleLevel' | 'blacklist' | 'events' | 'diagnosis'> {
  const out: Pick<EmperorView, 'throttleLevel' | 'blacklist' | 'events' | 'diagnosis'> = {
    blacklist: blacklistOf(cur.doc),
    events: prev ? vassalEvents(cur.doc, prev.doc, cur.at) : [],
    diagnosis: [],
  };
  const t = counter(cur.doc.throttle_level);
  if (t !== undefined) out.throttleLevel = t;
  return out;
}
