import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStatsServer } from '../../src/emitter/index.js';
import { Recorder } from '../../src/record/recorder.js';
import { Replay } from '../../src/record/replay.js';
import { RecordingIndex } from '../../src/record/reader.js';
import { recordingSource } from '../../src/record/source.js';
import { sampleLine, headerLine } from '../../src/record/lines.js';
import { parseAddress } from '../../src/protocol/address.js';
import { parseStats } from '../../src/protocol/parse.js';
import type { Sample } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';
import type { MonitorOptions } from '../../src/tui/app.js';
import { freePort } from '../helpers/uwsgi.js';
import { FIXTURES, fixture, tempDir } from './helpers.js';

const T = { timeout: 30_000 };

test('every captured uWSGI document survives a record → replay round trip unchanged', T, async (t) => {
  const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.json') && n !== 'capture-info.json');
  assert.ok(names.length >= 10);
  const file = join(tempDir(t), 'fixtures.rec');
  writeFileSync(file, headerLine(0) + names.map((n, i) => sampleLine(n, i, fixture(n)).toString('utf8')).join(''));
  const idx = await RecordingIndex.open(file);
  t.after(() => idx.close());
  assert.deepEqual(idx.info.addresses, names);
  for (let i = 0; i < names.length; i++) {
    const e = await idx.load(i);
    assert.equal(e.kind, 'doc', names[i]);
    if (e.kind === 'doc') assert.deepEqual(e.doc, parseStats(fixture(names[i]!)), names[i]);
  }
});

test('recordingSource: live reads are recorded and replay as they were read; failures too; an abort is not', T, async (t) => {
  const dir = tempDir(t);
  const app = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const stats = await createStatsServer({ server: app, listen: { path: join(dir, 's.sock') }, queueSampleMs: 0 });
  t.after(async () => {
    await stats.close();
    await new Promise<void>((r) => app.close(() => r()));
  });
  const rec = await Recorder.open(join(dir, 'live.rec'));
  const source = recordingSource(parseAddress(stats.address!), rec, { timeoutMs: 2000, label: 'app' });
  const live: Sample<StatsDocument>[] = [];
  for (let i = 0; i < 3; i++) live.push(await source());
  const deadPort = await freePort();
  const dead = recordingSource(parseAddress(`127.0.0.1:${deadPort}`), rec, { timeoutMs: 2000, label: 'app' });
  await assert.rejects(dead(), { code: 'REFUSED' });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(source(ac.signal), { name: 'AbortError' });
  await rec.close();
  assert.equal(rec.stats.records, 4, '3 samples + 1 failure; the aborted read is not recorded');

  const replay = await Replay.open(rec.file, { paused: true });
  t.after(() => replay.close());
  // The replay plugs into the monitor: its source and clock have MonitorOptions' types.
  const opts: Pick<MonitorOptions, 'source' | 'now'> = { source: replay.source, now: replay.now };
  assert.equal(typeof opts.source, 'function');
  for (let i = 0; i < 3; i++) {
    const s = await replay.source();
    assert.equal(s.at, live[i]!.at, 'recorded time = the live Sample.at');
    assert.deepEqual(s.doc, live[i]!.doc, 'the same document');
    replay.stepForward();
  }
  await assert.rejects(replay.source(), (e: unknown) => (e as { code?: string }).code === 'REFUSED' && /connection refused/.test((e as Error).message));
});
