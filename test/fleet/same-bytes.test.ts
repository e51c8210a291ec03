/**
 * Issue 13 point 6, the reads: a target that answers byte for byte what it
 * answered last time is not parsed again — the poller (and fetchStats with
 * `previous`) hands out the last document object at the new read time —
 * while any other answer, even one of the same length differing in one
 * digit, is parsed. Against a real stats server on a unix socket whose
 * answer the test switches between reads; and with the recorder on, every
 * read is still recorded with the document's text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { fetchStats } from '../../src/protocol/reader.js';
import { ByteSink } from '../../src/protocol/transport.js';
import { parseAddress } from '../../src/protocol/address.js';
import { parseStats, serializeStats } from '../../src/protocol/parse.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import { FleetDiagnosis } from '../../src/fleet/diagnosis.js';
import { parseTargets } from '../../src/fleet/targets.js';
import type { FleetSnapshot } from '../../src/fleet/view.js';
import type { StatsSnapshot } from '../../src/protocol/types.js';
import { Recorder } from '../../src/record/recorder.js';
import { RecordingIndex } from '../../src/record/reader.js';
import { tempDir } from './helpers.js';

const DIR = fileURLToPath(new URL('../../../fixtures/uwsgi/', import.meta.url));
const ONE = readFileSync(`${DIR}two-reads-1.json`);
const TWO = readFileSync(`${DIR}two-reads-2.json`);

/** A stats server on a unix socket answering `answer` (switchable) to every connection; counts connections. */
async function server(t: TestContext, path: string): Promise<{ answer: Buffer; served: () => number }> {
  const state: { answer: Buffer; n: number } = { answer: ONE, n: 0 };
  const s = net.createServer((sock) => {
    state.n++;
    sock.on('error', () => {});
    sock.end(state.answer);
  });
  await new Promise<void>((resolve) => s.listen(path, resolve));
  t.after(() => new Promise<void>((resolve) => s.close(() => resolve())));
  return {
    get answer() {
      return state.answer;
    },
    set answer(b: Buffer) {
      state.answer = b;
    },
    served: () => state.n,
  };
}

/** Until Date.now() is past `ms` (yielding to the event loop; bounded). */
async function clockPast(ms: number): Promise<void> {
  const deadline = performance.now() + 1000;
  while (Date.now() <= ms) {
    assert.ok(performance.now() < deadline, 'the wall clock did not move');
    await new Promise((r) => setImmediate(r));
  }
}

/** `b` with the last digit of its first requests counter changed (same length, one byte differs). */
function oneDigitOff(b: Buffer): Buffer {
  const text = b.toString('utf8');
  const m = /"requests": ?(\d+)/.exec(text);
  assert.ok(m, 'a requests counter');
  const digits = m[1]!;
  const last = digits[digits.length - 1]!;
  const changed = digits.slice(0, -1) + (last === '9' ? '8' : String(Number(last) + 1));
  const out = Buffer.from(text.slice(0, m.index) + m[0].replace(digits, changed) + text.slice(m.index + m[0].length));
  assert.equal(out.length, b.length);
  assert.notDeepEqual(out, b);
  return out;
}

test('ByteSink with the last answer expected: the bytes collected are always exactly those pushed, however they are cut; all of it is the expected buffer itself', () => {
  const expect = Buffer.from(ONE);
  const variants: [string, Buffer][] = [
    ['the same', Buffer.from(ONE)],
    ['first byte differs', Buffer.concat([Buffer.from('['), ONE.subarray(1)])],
    ['one digit differs', oneDigitOff(ONE)],
    ['last byte differs', Buffer.concat([ONE.subarray(0, -1), Buffer.from('!')])],
    ['a prefix of it', ONE.subarray(0, 1000)],
    ['it and more', Buffer.concat([ONE, Buffer.from('\n{}')])],
    ['another document', TWO],
    ['empty', Buffer.alloc(0)],
  ];
  // Cut into pieces: whole; at fixed sizes; at the byte where variants start to differ.
  const cuts = (n: number): number[][] => [[n], [1, n - 1], [7, 100, 993, n - 1100], Array.from({ length: Math.ceil(n / 512) }, (_, i) => Math.min(512, n - i * 512))];
  let checked = 0;
  for (const [name, bytes] of variants) {
    for (const sizes of cuts(bytes.length)) {
      const sink = new ByteSink(1 << 20, undefined, undefined, expect);
      let at = 0;
      for (const size of sizes) {
        if (size <= 0 || at >= bytes.length) continue;
        assert.ok(sink.push(bytes.subarray(at, at + size)), `${name}: pushed`);
        at += size;
      }
      if (at < bytes.length) assert.ok(sink.push(bytes.subarray(at)));
      const got = sink.take();
      assert.deepEqual(got, bytes, `${name}, cut ${sizes.join('+')}`);
      assert.equal(got === expect, name === 'the same', `${name}: the expected buffer itself only when it is all of it`);
      checked++;
    }
  }
  assert.ok(checked >= 30);
  // The size cap still holds while matching.
  const capped = new ByteSink(100, undefined, undefined, expect);
  assert.equal(capped.push(expect.subarray(0, 101)), false);
});

test('fetchStats with previous: the same bytes give the previous document object at a new time; other bytes are parsed', async (t) => {
  const path = join(tempDir(t), 's.sock');
  const srv = await server(t, path);
  const addr = parseAddress(path);
  const a = await fetchStats(addr);
  assert.deepEqual(a.doc, parseStats(ONE));
  await clockPast(a.at);
  const b = await fetchStats(addr, undefined, a);
  assert.equal(b.doc, a.doc, 'not parsed again: the same object');
  assert.ok(b.at > a.at, 'read at the new time');
  srv.answer = oneDigitOff(ONE);
  const c = await fetchStats(addr, undefined, b);
  assert.notEqual(c.doc, a.doc, 'one digit changed: parsed');
  assert.deepEqual(c.doc, parseStats(srv.answer));
  assert.notDeepEqual(c.doc, a.doc);
  srv.answer = TWO;
  const d = await fetchStats(addr, undefined, c);
  assert.deepEqual(d.doc, parseStats(TWO));
  assert.equal(srv.served(), 4);
});

test('fleet poller: an unchanged answer is the same document at the new time, a changed one is parsed; a target flipping between two documents is right on every refresh', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'flip.sock');
  const srv = await server(t, path);
  const targets = parseTargets(`flip = ${path}`, 'test');
  const rec = await Recorder.open(join(dir, 'fleet.rec'));
  const poller = new FleetPoller({ targets, intervalMs: 1000, timeoutMs: 3000, recorder: rec });
  t.after(() => poller.close());
  const diagnosis = new FleetDiagnosis();
  const reqs = (b: Buffer): number => ((parseStats(b) as StatsSnapshot).workers ?? []).reduce((n, w) => n + (w.requests ?? 0), 0);

  // What each refresh serves, and what each must show.
  const plan = [ONE, ONE, ONE, TWO, TWO, ONE, TWO, ONE, ONE, oneDigitOff(ONE)];
  let last: FleetSnapshot | undefined;
  for (let i = 0; i < plan.length; i++) {
    srv.answer = plan[i]!;
    // Reads at least a millisecond apart: a usable interval for rates.
    await clockPast(last?.targets[0]!.cur?.at ?? 0);
    const snap = await poller.tick();
    const s = snap.targets[0]!;
    assert.ok(s.cur, `refresh ${i}: read`);
    assert.deepEqual(s.cur.doc, parseStats(plan[i]!), `refresh ${i}: the document served`);
    const same = i > 0 && plan[i]!.equals(plan[i - 1]!);
    if (i > 0) {
      assert.equal(s.cur.doc === s.prev!.doc, same, `refresh ${i}: ${same ? 'the same answer is not parsed again' : 'a new answer is parsed'}`);
      assert.ok(s.cur.at > s.prev!.at, `refresh ${i}: read at a new time`);
    }
    const view = diagnosis.view(snap);
    const row = view.rows[0]!;
    assert.equal(row.state, 'up');
    assert.equal(row.ageMs, Math.max(0, snap.at - s.cur.at));
    if (i > 0) {
      const seconds = (s.cur.at - s.prev!.at) / 1000;
      const delta = reqs(plan[i]!) - reqs(plan[i - 1]!);
      // Counters that went down (TWO → ONE) give no rate; otherwise Δrequests / Δt, 0 for the same answer.
      if (delta < 0) assert.equal(row.rps, undefined, `refresh ${i}`);
      else assert.ok(Math.abs(row.rps! - delta / seconds) < 1e-9 * Math.max(1, delta / seconds), `refresh ${i}: rps ${row.rps} vs ${delta / seconds}`);
      if (same) assert.equal(row.rps, 0);
    }
    last = snap;
  }
  assert.equal(srv.served(), plan.length, 'one read per refresh');

  // Every read recorded, each with its own document's text.
  await poller.close();
  await rec.close();
  const idx = await RecordingIndex.open(rec.file);
  t.after(() => idx.close());
  const records = Array.from(idx.recordsOf('flip'));
  assert.equal(records.length, plan.length);
  for (let i = 0; i < records.length; i++) {
    const e = await idx.load(records[i]!);
    assert.ok(e.kind === 'doc', `record ${i}`);
    assert.equal(serializeStats(e.doc), serializeStats(parseStats(plan[i]!)), `record ${i}`);
  }
});
