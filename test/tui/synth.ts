/** Synthetic stats documents for the TUI tests (built on the model's test factory). */
import { core, emperor, sample, server, vassal, worker } from '../model/factory.js';
import type { EmperorSnapshot, StatsSnapshot, WorkerStats } from '../../src/protocol/types.js';
import type { Sample } from '../../src/model/types.js';

export { core, emperor, sample, server, vassal, worker };

/** ms since epoch of tick 0 (2025-01-15 12:00:00 UTC). */
export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

export interface SynthOptions {
  workers: number;
  cores?: number;
  /** Master pid (a restart changes it). */
  masterPid?: number;
  /** First worker pid. */
  pidBase?: number;
  listenQueue?: number;
  /** Status of worker i (default: every 3rd busy). */
  status?: (i: number) => string;
  /** Requests of worker i at `tick` (default (i+1) * 10 * tick + i). */
  requests?: (i: number, tick: number) => number;
}

/**
 * A server document at `tick`: worker i (id i+1, pid pidBase+i) has served
 * `requests(i, tick)` requests spread over its cores (core 0 gets the odd
 * one; the last core stays unused so the "unused cores" toggle has work).
 */
export function synthDoc(tick: number, o: SynthOptions): StatsSnapshot {
  const nc = o.cores ?? 2;
  const workers: WorkerStats[] = [];
  for (let i = 0; i < o.workers; i++) {
    const req = o.requests ? o.requests(i, tick) : (i + 1) * 10 * tick + i;
    const status = o.status ? o.status(i) : i % 3 === 1 ? 'busy' : 'idle';
    const cores = [];
    const used = Math.max(1, nc - 1);
    for (let c = 0; c < nc; c++) {
      const share = c < used ? Math.floor(req / used) + (c === 0 ? req % used : 0) : 0;
      cores.push(core({ id: c, requests: nc === 1 ? req : share, in_request: status === 'busy' && c === 0 }));
    }
    workers.push(
      worker({
        id: i + 1,
        pid: (o.pidBase ?? 1000) + i,
        requests: req,
        exceptions: i === 0 ? tick : 0,
        status,
        rss: (20 + i) * 1024 * 1024,
        vsz: (100 + i) * 1024 * 1024,
        tx: req * 512,
        avg_rt: 1000 + i * 250,
        running_time: req * 1000,
        last_spawn: Math.floor(T0 / 1000) - 3600,
        cores,
        apps: [{ id: 0, mountpoint: '', requests: req, exceptions: 0, modifier1: 0, startup_time: 0, chdir: '/srv/app', extra: {} }],
      }),
    );
  }
  return server({ pid: o.masterPid ?? 999, listen_queue: o.listenQueue ?? 0, workers });
}

/** A sample of synthDoc at `tick`, taken at T0 + tick seconds. */
export function synth(tick: number, o: SynthOptions): Sample<StatsSnapshot> {
  return sample(synthDoc(tick, o), T0 + tick * 1000);
}

/** An Emperor document with `n` vassals. */
export function synthEmperor(n: number): Sample<EmperorSnapshot> {
  const vassals = [];
  for (let i = 0; i < n; i++) {
    vassals.push(vassal({ id: `app${i + 1}.ini`, pid: 3000 + i, extra: { born: Math.floor(T0 / 1000) - 60, last_mod: Math.floor(T0 / 1000) - 120, loyal: 1, ready: 1, accepting: 1, respawns: i, uid: 33, gid: 33 } }));
  }
  return sample(emperor({ pid: 555, emperor: ['/etc/uwsgi/vassals'], emperor_tyrant: true, vassals }), T0);
}
