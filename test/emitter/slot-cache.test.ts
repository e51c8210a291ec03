// The cluster primary keeps each worker's JSON text between stats reads and
// re-renders only the slots that changed: the bytes must always equal a fresh
// rendering of the whole document, and an unchanged slot must not be rebuilt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:cluster';
import { __testing } from '../../src/emitter/cluster.js';
import { buildDocument } from '../../src/emitter/builder.js';
import { renderDocument, renderHead } from '../../src/emitter/render.js';
import type { WorkerReport } from '../../src/emitter/ipc.js';

const { newSlot, slotToWorker, setReport, renderSlots } = __testing;
type Slot = ReturnType<typeof newSlot>;
const IDENTITY = { pid: 42, uid: 1000, gid: 1000, cwd: '/srv/"app"' };
const SOCKETS = [{ name: '127.0.0.1:8080', proto: 'http', queue: 3, max_queue: 511, shared: 0, can_offload: 0 }];

function report(requests: number, cores: number[], paths?: string[]): WorkerReport {
  const r: WorkerReport = {
    requests, exceptions: 1, tx: 100 * requests, runningTime: 7 * requests, avgRt: 7, inFlight: cores[4] ? 1 : 0,
    rss: 1000, vsz: 2000, maxCores: cores.length / 5, overflow: false, cores,
  };
  if (paths) r.paths = paths;
  return r;
}

function slots(n: number): Slot[] {
  const out: Slot[] = [];
  for (let i = 1; i <= n; i++) {
    const s = newSlot(i);
    s.worker = {} as Worker;
    s.pid = 100 + i;
    s.accepting = true;
    s.respawnCount = 1;
    s.lastSpawn = 1_795_424_737;
    setReport(s, report(i, [i, 0, 0, 0, 0, 1, 0, 0, 0, 0]));
    out.push(s);
  }
  return out;
}

function fresh(ss: Slot[], minified: boolean): string {
  return renderDocument(buildDocument({ identity: IDENTITY, listenQueue: 3, listenQueueErrors: 0, sockets: SOCKETS, workers: ss.map((s) => slotToWorker(s, 2)) }), minified);
}

function cachedBytes(ss: Slot[], minified: boolean): Buffer {
  const head = renderHead(buildDocument({ identity: IDENTITY, listenQueue: 3, listenQueueErrors: 0, sockets: SOCKETS, workers: [] }), minified);
  return renderSlots(head, ss, 2, minified);
}

function cached(ss: Slot[], minified: boolean): string {
  return cachedBytes(ss, minified).toString();
}

function same(ss: Slot[], what: string): void {
  for (const m of [false, true]) assert.equal(cached(ss, m), fresh(ss, m), `${what} (${m ? 'minified' : 'pretty'})`);
}

test('slot texts kept between reads equal a fresh rendering through every kind of change', () => {
  const ss = slots(4);
  same(ss, 'first read');
  same(ss, 'second read, nothing changed');
  setReport(ss[1]!, report(50, [40, 0, 0, 0, 1_795_424_800, 10, 0, 1, 0, 0]));
  same(ss, 'counters and cores of slot 2 changed');
  setReport(ss[2]!, { ...ss[2]!.report!, rss: 5555 });
  same(ss, 'only rss of slot 3 changed (cores text reused)');
  setReport(ss[0]!, report(1, [1, 0, 0, 0, 1_795_424_801, 1, 0, 0, 0, 0], ['GET', '/a', '', '']));
  same(ss, 'request paths appear');
  setReport(ss[0]!, report(1, [1, 0, 0, 0, 1_795_424_801, 1, 0, 0, 0, 0], ['GET', '/b', '', '']));
  same(ss, 'only a path changed');
  // a worker exits: what the primary does on 'exit' (base totals, no report, no worker)
  const s4 = ss[3]!;
  s4.base.requests += s4.report!.requests;
  s4.baseCores = new Map([[0, [4, 0, 0, 0, 0]]]);
  s4.worker = undefined;
  setReport(s4, undefined);
  s4.ver++;
  s4.coresVer++;
  same(ss, 'slot 4 cheap, with base cores');
  s4.worker = {} as Worker;
  s4.respawnCount++;
  s4.ver++;
  setReport(s4, report(2, [2, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  same(ss, 'slot 4 respawned and reporting');
  ss[2]!.disconnected = true;
  ss[2]!.ver++;
  same(ss, 'slot 3 paused');
  const idle = newSlot(5);
  ss.push(idle);
  same(ss, 'a slot that never reported');
});

test('a report equal to the previous one changes nothing; a changed slot is rebuilt, the others are not', () => {
  const ss = slots(3);
  cached(ss, false);
  const texts = ss.map((s) => s.text);
  const vers = ss.map((s) => s.ver);
  for (const s of ss) setReport(s, { ...s.report!, cores: [...s.report!.cores] }); // equal content, new objects (as every IPC message is)
  assert.deepEqual(ss.map((s) => s.ver), vers, 'equal reports do not mark a slot changed');
  cached(ss, false);
  assert.ok(ss.every((s, i) => s.text === texts[i]), 'no slot rebuilt');
  setReport(ss[1]!, { ...ss[1]!.report!, requests: 99 });
  cached(ss, false);
  assert.equal(ss[0]!.text, texts[0]);
  assert.equal(ss[2]!.text, texts[2]);
  assert.notEqual(ss[1]!.text, texts[1], 'the changed slot was rebuilt');
  assert.equal(ss[1]!.text!.coresPretty, texts[1]!.coresPretty, 'its unchanged cores text was reused');
  same(ss, 'after the partial rebuild');
});

test('a changed slot is rendered by the render queue, off the read: the read then only copies it', () => {
  const ss = slots(3);
  cached(ss, false);
  const q = new __testing.RenderQueue(() => [true, false], () => 2, false);
  setReport(ss[1]!, report(77, [70, 0, 0, 0, 1_795_424_900, 7, 0, 0, 0, 0]));
  q.add(ss[1]!);
  q.add(ss[1]!);
  assert.equal(q.size, 1, 'a slot is queued once however often it changes');
  assert.equal(__testing.isRendered(ss[1]!, 2, false), false);
  q.drain();
  assert.equal(q.size, 0);
  const t = ss[1]!.text!;
  assert.equal(t.ver, ss[1]!.ver, 'rendered for the new report');
  assert.ok(t.pretty !== undefined && t.pretty.includes('"requests":77'), 'pretty text rendered by the queue');
  assert.equal(t.mini, undefined, 'minified not served: not rendered');
  const before = cachedBytes(ss, false);
  const beforeText = before.toString();
  assert.equal(ss[1]!.text, t, 'the read reused the text the queue rendered');
  same(ss, 'after a slot rendered by the queue');
  // the slot's memory is reused for its next text: a previous read's bytes must not change with it
  setReport(ss[1]!, report(123456789, [70, 0, 0, 0, 0, 8, 0, 0, 0, 0], ['GET', '/a/much/longer/path/than/before', '', '']));
  q.add(ss[1]!);
  q.drain();
  assert.ok(ss[1]!.text!.pretty!.includes('"requests":123456789'));
  assert.equal(cached(ss, false), fresh(ss, false), 'after the slot was re-rendered into its own memory');
  assert.equal(before.toString(), beforeText, "an earlier read's bytes are untouched");
  // a layout nobody serves is left for a read
  const none = new __testing.RenderQueue(() => [false, false], () => 2, false);
  setReport(ss[2]!, report(5, [5, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
  none.add(ss[2]!);
  none.drain();
  assert.equal(__testing.isRendered(ss[2]!, 2, false), false, 'not served: nothing rendered');
  same(ss, 'after a report stored only');
});

test('the render queue works in slices: a budget stops it, the rest stays queued, and it never throws', () => {
  const ss = slots(40);
  const q = new __testing.RenderQueue(() => [true, true], () => 2, false);
  for (const s of ss) {
    setReport(s, { ...s.report!, requests: s.report!.requests + 1000 });
    q.add(s);
  }
  q.drain(0); // a spent budget: one group of eight, then it yields
  assert.equal(q.size, 32);
  assert.ok(ss.slice(0, 8).every((s) => __testing.isRendered(s, 2, false) && __testing.isRendered(s, 2, true)), 'the first slots rendered in both layouts');
  assert.ok(ss.slice(8).every((s) => !__testing.isRendered(s, 2, false)), 'the rest waits');
  // a slot whose rendering throws is skipped, not fatal
  (ss[20] as { report: unknown }).report = { ...ss[20]!.report!, cores: null };
  ss[20]!.ver++;
  q.drain();
  assert.equal(q.size, 0);
  assert.ok(ss.every((s, i) => i === 20 || __testing.isRendered(s, 2, false)));
});

test('a read with nothing changed gives the previous bytes; any change (a slot, the head) gives fresh ones', () => {
  const ss = slots(3);
  const memo: Parameters<typeof renderSlots>[4] = {};
  const head = (q: number): string => renderHead(buildDocument({ identity: IDENTITY, listenQueue: q, listenQueueErrors: 0, sockets: SOCKETS, workers: [] }), false);
  const a = renderSlots(head(3), ss, 2, false, memo);
  assert.equal(renderSlots(head(3), ss, 2, false, memo), a, 'unchanged: the same bytes object');
  setReport(ss[2]!, { ...ss[2]!.report!, requests: 1234 });
  const b = renderSlots(head(3), ss, 2, false, memo);
  assert.notEqual(b, a);
  assert.equal(b.toString(), fresh(ss, false), 'a changed slot: fresh bytes');
  const c = renderSlots(head(4), ss, 2, false, memo);
  assert.notEqual(c, b);
  assert.ok(c.toString().includes('"listen_queue":4'), 'a changed head: fresh bytes');
  ss.push(newSlot(4));
  assert.ok(renderSlots(head(4), ss, 2, false, memo).toString().includes('"id":4'), 'a new slot: fresh bytes');
});

test("a read fills the spare buffer prepared for it (garbage in it is overwritten), and only once", () => {
  const ss = slots(5);
  const head = renderHead(buildDocument({ identity: IDENTITY, listenQueue: 3, listenQueueErrors: 0, sockets: SOCKETS, workers: [] }), false);
  const spare = Buffer.alloc(1 << 16, 0x41);
  const state: Parameters<typeof renderSlots>[4] = { spare };
  const a = renderSlots(head, ss, 2, false, state);
  assert.equal(a.buffer, spare.buffer, 'the spare memory was used');
  assert.equal(state!.spare, undefined, 'and handed out');
  assert.equal(a.toString(), fresh(ss, false));
  setReport(ss[0]!, { ...ss[0]!.report!, requests: 4242 });
  const b = renderSlots(head, ss, 2, false, state);
  assert.notEqual(b.buffer, spare.buffer, 'no spare: fresh memory');
  assert.equal(b.toString(), fresh(ss, false));
  assert.equal(a.toString().includes('4242'), false, 'the earlier read is untouched');
  const small: Parameters<typeof renderSlots>[4] = { spare: Buffer.alloc(16) };
  const headMini = renderHead(buildDocument({ identity: IDENTITY, listenQueue: 3, listenQueueErrors: 0, sockets: SOCKETS, workers: [] }), true);
  assert.equal(renderSlots(headMini, ss, 2, true, small).toString(), fresh(ss, true), 'a spare too small is not used');
  assert.equal(small!.spare!.length, 16);
});
