import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Recorder, RecordError } from '../../src/record/recorder.js';
import { compactJson, errorLine, sampleLine } from '../../src/record/lines.js';
import { RecordingIndex } from '../../src/record/reader.js';
import { StatsError } from '../../src/protocol/errors.js';
import { fixture, rawDoc, tempDir } from './helpers.js';

const T = { timeout: 30_000 };

function lines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), `${file} ends with a newline`);
  return text.slice(0, -1).split('\n');
}

test('compactJson drops only insignificant whitespace and keeps every byte of strings', () => {
  const raw = '\uFEFF{ "a" :\t"x y\\t\\" z\\\\" ,\n "b" : [1, 2.50, -0e1] ,"c":{ } }\n';
  assert.equal(compactJson(raw).toString('utf8'), '{"a":"x y\\t\\" z\\\\","b":[1,2.50,-0e1],"c":{}}');
  // A real uWSGI document (tab-indented, "vars":[\n\n\t\t\t\t\t]) compacts to the same value on one line.
  const real = fixture('load-4p4t.json');
  const c = compactJson(real);
  assert.ok(!c.includes(0x0a));
  assert.deepEqual(JSON.parse(c.toString('utf8')), JSON.parse(real.toString('utf8')));
  assert.ok(c.length < real.length);
});

test('compactJson: any JSON value, pretty-printed, compacts to the same value (property)', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.constantFrom('\t', '  ', ''), (v, indent) => {
      const pretty = JSON.stringify(v, null, indent);
      const c = compactJson(Buffer.from(pretty)).toString('utf8');
      assert.ok(!c.includes('\n'));
      assert.deepEqual(JSON.parse(c), JSON.parse(pretty));
    }),
    { numRuns: 300 },
  );
});

test('record lines: fixed key order, compact document, failures with their code', () => {
  const s = sampleLine('web-1', 1_700_000_000_123.4, fixture('idle-4p.json')).toString('utf8');
  assert.ok(s.startsWith('{"t":1700000000123,"addr":"web-1","doc":{"version":"2.0.21-debian"'), s.slice(0, 80));
  assert.ok(s.endsWith('}\n'));
  assert.equal(s.indexOf('\n'), s.length - 1);
  const v = JSON.parse(s) as { t: number; addr: string; doc: unknown };
  assert.deepEqual(v.doc, JSON.parse(fixture('idle-4p.json').toString('utf8')));
  const e = errorLine('web-1', 5, new StatsError('REFUSED', 'connection refused by 127.0.0.1:1\n(nothing listening there)')).toString('utf8');
  assert.equal(e, '{"t":5,"addr":"web-1","err":"connection refused by 127.0.0.1:1 (nothing listening there)","code":"REFUSED"}\n');
});

test('a new recording: header line, one line per sample or failure, every line replays', T, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'rec.jsonl');
  const rec = await Recorder.open(file, { now: () => 42 });
  rec.record('a', 1000, fixture('two-reads-1.json'));
  rec.recordError('a', 2000, new StatsError('TIMEOUT', 'no complete answer from a within 5 s'));
  rec.record('a', 3000, fixture('two-reads-2.json'));
  await rec.close();
  const ls = lines(file);
  assert.equal(ls.length, 4);
  assert.deepEqual(JSON.parse(ls[0]!), { tsgitop_recording: 1, created: 42, writer: 'tsgitop' });
  assert.deepEqual(
    ls.slice(1).map((l) => Object.keys(JSON.parse(l) as object)),
    [['t', 'addr', 'doc'], ['t', 'addr', 'err', 'code'], ['t', 'addr', 'doc']],
  );
  assert.equal(rec.stats.records, 3);
  assert.equal(rec.stats.rotations, 0);
  assert.equal(rec.stats.failed, undefined);
  // close() is idempotent and a record after close is dropped, not thrown.
  await rec.close();
  rec.record('a', 4000, '{"workers":[]}');
  assert.equal(rec.stats.dropped, 1);
  assert.equal(lines(file).length, 4);
});

test('rotation at a small maxBytes: FILE → FILE.1 … FILE.3, whole lines only, nothing lost in between', T, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'rec.jsonl');
  const maxBytes = 4096;
  const rec = await Recorder.open(file, { maxBytes });
  const n = 60;
  for (let i = 0; i < n; i++) rec.record('web', i, rawDoc(i, { workers: 3 })); // ~1.2 KB compacted
  await rec.flush();
  assert.ok(rec.stats.rotations >= 10, `rotated ${rec.stats.rotations} times`);
  assert.ok(!existsSync(`${file}.4`), 'only 3 generations are kept');
  const gens = [`${file}.3`, `${file}.2`, `${file}.1`, file];
  const ts: number[] = [];
  for (const g of gens) {
    assert.ok(existsSync(g), `${g} exists`);
    const size = readFileSync(g).length;
    assert.ok(size <= maxBytes, `${g} is ${size} bytes, at most ${maxBytes}`);
    const ls = lines(g);
    assert.equal(JSON.parse(ls[0]!).tsgitop_recording, 1, `${g} starts with a header`);
    for (const l of ls.slice(1)) {
      const v = JSON.parse(l) as { t: number; doc: { workers: { requests: number }[] } };
      assert.equal(v.doc.workers[0]!.requests, v.t);
      ts.push(v.t);
    }
  }
  // The four files hold consecutive records ending with the last one: no line was lost at a rotation.
  assert.deepEqual(ts, Array.from({ length: ts.length }, (_, k) => n - ts.length + k));
  await rec.close();
});

test('a line larger than maxBytes gets a file of its own', T, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'rec.jsonl');
  const rec = await Recorder.open(file, { maxBytes: 2048 });
  rec.record('a', 1, rawDoc(1, { workers: 1 }));
  rec.record('a', 2, rawDoc(2, { workers: 1, pad: 5000 }));
  rec.record('a', 3, rawDoc(3, { workers: 1 }));
  await rec.close();
  const big = lines(`${file}.1`);
  assert.equal(big.length, 2);
  assert.equal(JSON.parse(big[1]!).t, 2);
  assert.deepEqual(lines(`${file}.2`).slice(1).map((l) => JSON.parse(l).t), [1]);
  assert.deepEqual(lines(file).slice(1).map((l) => JSON.parse(l).t), [3]);
});

test('appending to a recording already at maxBytes rotates it before the first new line', T, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'rec.jsonl');
  const a = await Recorder.open(file);
  for (let i = 0; i < 4; i++) a.record('x', i, rawDoc(i));
  await a.close();
  const oldSize = readFileSync(file).length;
  const b = await Recorder.open(file, { maxBytes: Math.max(1024, oldSize - 10) });
  b.record('x', 4, rawDoc(4));
  await b.close();
  assert.equal(b.stats.rotations, 1);
  assert.deepEqual(lines(`${file}.1`).slice(1).filter((l) => !l.includes('tsgitop_recording')).map((l) => JSON.parse(l).t), [0, 1, 2, 3]);
  assert.deepEqual(lines(file).slice(1).map((l) => JSON.parse(l).t), [4]);
});

test('appending to an existing recording starts a new session; a non-recording file is refused untouched', T, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'rec.jsonl');
  const a = await Recorder.open(file);
  a.record('x', 1, rawDoc(1));
  await a.close();
  const b = await Recorder.open(file);
  b.record('x', 2, rawDoc(2));
  await b.close();
  const ls = lines(file);
  assert.equal(ls.length, 4);
  assert.equal(JSON.parse(ls[2]!).tsgitop_recording, 1, 'session header');
  const idx = await RecordingIndex.open(file);
  t.after(() => idx.close());
  assert.equal(idx.info.records, 2);
  assert.equal(idx.info.sessions, 1);

  const other = join(dir, 'notes.txt');
  writeFileSync(other, 'my notes\n');
  await assert.rejects(Recorder.open(other), (e: unknown) => {
    assert.ok(e instanceof RecordError);
    assert.match(e.message, /notes\.txt: the file exists and is not a tsgitop recording/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  assert.equal(readFileSync(other, 'utf8'), 'my notes\n');
});

test('open errors are one-line RecordErrors', T, async (t) => {
  const dir = tempDir(t);
  await assert.rejects(Recorder.open(join(dir, 'missing', 'rec.jsonl')), (e: unknown) => {
    assert.ok(e instanceof RecordError);
    assert.match(e.message, /^cannot record to .*missing\/rec\.jsonl: no such file or directory \(ENOENT\)$/);
    return true;
  });
  await assert.rejects(Recorder.open(dir), /it is a directory \(EISDIR\)/);
});

test('a torn last line (crash mid-write) is closed off when appending, and skipped by readers', T, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'rec.jsonl');
  const a = await Recorder.open(file);
  a.record('x', 1, rawDoc(1));
  a.record('x', 2, rawDoc(2));
  await a.close();
  const full = readFileSync(file);
  truncateSync(file, full.length - 7); // the second record loses its end and its newline
  const torn = await RecordingIndex.open(file);
  assert.equal(torn.info.torn, true);
  assert.ok(torn.info.tornBytes > 0);
  assert.equal(torn.info.records, 1);
  await torn.close();

  const b = await Recorder.open(file);
  b.record('x', 3, rawDoc(3));
  await b.close();
  const idx = await RecordingIndex.open(file);
  t.after(() => idx.close());
  assert.equal(idx.info.torn, false);
  assert.equal(idx.info.badLines, 1, 'the torn fragment is one skipped line');
  assert.deepEqual(idx.info.badLineNumbers, [3]);
  assert.deepEqual([idx.time(0), idx.time(1)], [1, 3]);
  const e = await idx.load(1);
  assert.equal(e.kind, 'doc');
});

test('a write error (ENOSPC on /dev/full) is reported once and never throws', T, async (t) => {
  if (!existsSync('/dev/full')) return t.skip('/dev/full not available');
  const errors: RecordError[] = [];
  const rec = await Recorder.open('/dev/full', { onError: (e) => errors.push(e) });
  for (let i = 0; i < 20; i++) {
    rec.record('x', i, rawDoc(i));
    rec.recordError('x', i, new Error('boom'));
    await rec.flush();
  }
  await rec.close();
  assert.equal(errors.length, 1, 'reported exactly once');
  assert.match(errors[0]!.message, /^recording to \/dev\/full stopped: writing failed: no space left on device \(ENOSPC\)$/);
  assert.equal(errors[0]!.code, 'ENOSPC');
  assert.equal(rec.failed, errors[0]!.message);
  assert.ok(rec.stats.dropped > 0);
});

test('a rotation error (directory gone) is reported once; the recorder keeps not crashing', T, async (t) => {
  const dir = tempDir(t);
  const sub = join(dir, 'sub');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(sub);
  const file = join(sub, 'rec.jsonl');
  const errors: RecordError[] = [];
  const rec = await Recorder.open(file, { maxBytes: 2048, onError: (e) => errors.push(e) });
  rec.record('x', 1, rawDoc(1));
  await rec.flush();
  rmSync(sub, { recursive: true, force: true });
  for (let i = 2; i < 10; i++) rec.record('x', i, rawDoc(i));
  await rec.flush();
  await rec.close();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /stopped: rotating failed: no such file or directory \(ENOENT\)/);
});

test('cutting a recording anywhere (a crash mid-write) leaves every complete line readable (property)', T, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'rec.jsonl');
  const rec = await Recorder.open(file);
  for (let i = 0; i < 6; i++) {
    if (i === 3) rec.recordError('x', i, new StatsError('REFUSED', 'refused'));
    else rec.record('x', i, rawDoc(i, { workers: 1 }));
  }
  await rec.close();
  const full = readFileSync(file);
  const ends: number[] = [];
  for (let i = 0; i < full.length; i++) if (full[i] === 0x0a) ends.push(i + 1);
  const headerEnd = ends[0]!;
  const cutFile = join(dir, 'cut.jsonl');
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: headerEnd, max: full.length }), async (cut) => {
      writeFileSync(cutFile, full.subarray(0, cut));
      const idx = await RecordingIndex.open(cutFile, { readBufferBytes: 4096 });
      try {
        const complete = ends.filter((e) => e <= cut).length - 1; // minus the header
        assert.equal(idx.info.records, complete);
        assert.equal(idx.info.torn, !ends.includes(cut));
        assert.equal(idx.info.badLines, 0);
        for (let i = 0; i < idx.length; i++) {
          const e = await idx.load(i);
          assert.equal(e.t, i);
          assert.equal(e.kind, i === 3 ? 'err' : 'doc');
        }
      } finally {
        await idx.close();
      }
    }),
    { numRuns: 60 },
  );
});
