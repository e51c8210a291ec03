/**
 * The fleet's per-target verdict includes the stateful rules (issue 12 point 6):
 * one Diagnoser per target, fed each new read — a crash loop in one target
 * shows in the fleet view, in a live session (fake clock, fake source) and
 * across fleet batch --json iterations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetSession } from '../../src/fleet/session.js';
import { FleetDiagnosis } from '../../src/fleet/diagnosis.js';
import { runFleetBatch } from '../../src/fleet/batch.js';
import type { TargetReader } from '../../src/fleet/poller.js';
import type { FleetView } from '../../src/fleet/view.js';
import { parseTargets } from '../../src/fleet/targets.js';
import { server, worker } from '../model/factory.js';
import type { Sample } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';

/** Target `a` is calm; target `b`'s worker 1 respawns (new pid, respawn_count + 1) on every read after the first, its processes serving nothing. */
function fakeSource(now: () => number): { read: TargetReader; next: (label: string) => Sample<StatsDocument>; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const next = (label: string): Sample<StatsDocument> => {
    const n = (reads.get(label) ?? 0) + 1;
    reads.set(label, n);
    const respawn = label === 'b' ? n - 1 : 0;
    const doc = server({
      workers: [
        // (its requests all the current process's: each replaced one served none — dying young, a crash loop)
        worker({ id: 1, pid: 100 + respawn, respawn_count: 1 + respawn, requests: 10 * n, delta_requests: 10 * n, rss: 30_000_000 }),
        worker({ id: 2, pid: 200, requests: 10 * n, rss: 30_000_000 }),
      ],
    });
    return { doc, at: now() };
  };
  const read: TargetReader = async (target) => next(target.label);
  return { read, next, reads };
}

test('fleet session (fake clock, fake source): a worker respawning 3 times within the window makes that target\'s worst verdict crash loop, the other\'s none; redraws do not count a read twice', async (t) => {
  let now = Date.UTC(2026, 0, 1);
  const timers: { at: number; resolve: () => void }[] = [];
  const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      timers.push({ at: now + ms, resolve });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  const advance = (ms: number): void => {
    now += ms;
    for (const x of timers.splice(0).filter((x) => (x.at <= now ? true : (timers.push(x), false)))) x.resolve();
  };
  const { read, reads } = fakeSource(() => now);
  const targets = parseTargets('a = /tmp/tsgitop-fd-a.sock\nb = /tmp/tsgitop-fd-b.sock\n', 'fleet.txt');
  const session = new FleetSession({ targets, intervalMs: 1000, read, now: () => now, sleep, diagnosis: { crashRespawns: 3, crashWindowSeconds: 60 } });
  t.after(() => session.close());
  const seen: FleetView[] = [];
  let wake: (() => void) | undefined;
  session.start((v) => {
    seen.push(v);
    wake?.();
  }, (where, e) => assert.fail(`${where}: ${String(e)}`));
  const until = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && seen.length < n; i++) await new Promise<void>((r) => ((wake = r), setImmediate(r)));
    assert.ok(seen.length >= n, `frame ${n}`);
  };
  const verdicts = (v: FleetView): [string, string | null][] => v.rows.map((r) => [r.label, r.verdict?.rule ?? null]);
  await until(1);
  assert.deepEqual(verdicts(seen[0]!), [['a', null], ['b', null]]);
  for (let i = 2; i <= 3; i++) {
    advance(1000);
    await until(i);
    assert.deepEqual(verdicts(seen.at(-1)!), [['a', null], ['b', null]], `${i - 1} respawn(s) of b: not yet a crash loop`);
  }
  // Redraws between refreshes (the clock ticking) re-show the same reads: no respawn counted twice.
  for (let i = 0; i < 3; i++) assert.deepEqual(verdicts(session.clockView()!), [['a', null], ['b', null]]);
  advance(1000);
  await until(4);
  const v = seen.at(-1)!;
  assert.deepEqual(verdicts(v), [['a', null], ['b', 'crash_loop']]);
  assert.equal(v.rows[1]!.verdict!.message, 'crash loop: worker 1 respawned 3 times in 60s');
  assert.equal(v.rows[1]!.view!.diagnosis?.[0]?.rule, 'crash_loop', 'the drill-down view carries the diagnosis too');
  assert.equal(session.clockView()!.rows[1]!.verdict?.rule, 'crash_loop', 'a redraw keeps the verdict');
  // A monitor pushed from the fleet reads nothing itself.
  const before = reads.get('b');
  await session.monitorFeed(targets[1]!).source();
  assert.equal(reads.get('b'), before);
});

test('FleetDiagnosis: the thresholds are the snapshot\'s; a removed target\'s Diagnoser is dropped', async () => {
  let now = 1_700_000_000_000;
  const { next } = fakeSource(() => now);
  const [a, b] = parseTargets('a = :1\nb = :2\n', 't');
  const fd = new FleetDiagnosis();
  let prevB: Sample<StatsDocument> | undefined;
  let last: FleetView | undefined;
  for (let i = 0; i < 3; i++) {
    const curA = next('a');
    const curB = next('b');
    last = fd.view({
      at: now,
      timing: { intervalMs: 1000 },
      diagnosis: { crashRespawns: 2 },
      targets: [
        { target: a!, reads: i + 1, cur: curA },
        { target: b!, reads: i + 1, cur: curB, ...(prevB ? { prev: prevB } : {}) },
      ],
    });
    prevB = curB;
    now += 1000;
  }
  assert.equal(last!.rows[1]!.verdict?.rule, 'crash_loop', '--crash-loop 2 reached the per-target Diagnoser');
  assert.equal(fd.tracked, 2);
  fd.view({ at: now, timing: { intervalMs: 1000 }, targets: [{ target: a!, reads: 4, cur: next('a') }] });
  assert.equal(fd.tracked, 1, 'b left the fleet: its memory is gone');
});

test('fleet batch --json -n 4: the same per-target Diagnoser across iterations (b turns crash loop on the 3rd respawn)', async () => {
  const { read } = fakeSource(() => Date.now());
  const targets = parseTargets('a = /tmp/tsgitop-fd-c.sock\nb = /tmp/tsgitop-fd-d.sock\n', 'fleet.txt');
  const lines: string[] = [];
  const code = await runFleetBatch(targets, { intervalMs: 20, iterations: 4, json: true, read }, (s) => {
    lines.push(s);
  });
  assert.equal(code, 0);
  const rules = lines.map((l) => (JSON.parse(l) as { targets: { verdict: { rule: string } | null }[] }).targets.map((x) => x.verdict?.rule ?? null));
  // The baseline read (no respawn) is fed too; iteration k has seen k respawns of b.
  assert.deepEqual(rules, [[null, null], [null, null], [null, 'crash_loop'], [null, 'crash_loop']]);
});
