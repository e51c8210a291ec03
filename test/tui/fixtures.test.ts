/**
 * The monitor on documents written by a real uWSGI 2.0.21 (fixtures/uwsgi/):
 * every fixture draws without a render error or a wrapped line on 80x24 and
 * 200x50, and the facts each fixture was captured for show on screen.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseStats } from '../../src/protocol/parse.js';
import type { Sample } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

const DIR = fileURLToPath(new URL('../../../fixtures/uwsgi/', import.meta.url));
const INFO = JSON.parse(readFileSync(DIR + 'capture-info.json', 'utf8')) as {
  fixtures: Record<string, { interval_ms?: number; read1_end_ms?: number; read2_end_ms?: number }>;
};
const AT = Date.parse('2026-11-23T09:40:00Z');

function fixture(name: string, at = AT): Sample<StatsDocument> {
  return { doc: parseStats(readFileSync(DIR + name)), at };
}

function start(t: TestContext, o: HarnessOptions = {}): Harness {
  const h = startHarness({ clock: AT, ...o });
  t.after(async () => {
    await h.quit();
  });
  return h;
}

function assertClean(h: Harness, name: string): void {
  assert.deepEqual(h.frames.filter((f) => f.error !== undefined), [], `${name}: render errors`);
  assert.ok(!h.text().includes('render error'), `${name}: render error on screen`);
  const b = h.term.buffer.active;
  for (let i = 0; i < h.term.rows; i++) assert.ok(!b.getLine(i)!.isWrapped, `${name}: line ${i} wrapped`);
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'capture-info.json').sort();

test('every real fixture draws cleanly on 80x24 and 200x50, in each cores mode', async (t) => {
  assert.ok(files.length >= 10, `fixtures found: ${files.join(', ')}`);
  for (const [cols, rows] of [
    [80, 24],
    [200, 50],
  ] as const) {
    for (const name of files) {
      const h = start(t, { cols, rows });
      const s = fixture(name);
      await h.feed(s);
      await h.feed({ ...s, at: s.at + 1000 });
      assertClean(h, `${name} ${cols}x${rows}`);
      if (s.doc.kind === 'server') {
        for (let i = 0; i < 3; i++) {
          await h.press('a');
          assertClean(h, `${name} ${cols}x${rows} cores mode ${i}`);
        }
        await h.press('j');
        await h.press('\r');
        assert.match(h.text(), /Worker /, `${name}: detail view`);
        assertClean(h, `${name} ${cols}x${rows} detail`);
      }
      await h.quit();
    }
  }
});

test('two real reads 1012 ms apart: 99.8 requests per second', async (t) => {
  const h = start(t);
  const info = INFO.fixtures['two-reads']!;
  await h.src.resolve(fixture('two-reads-1.json', info.read1_end_ms!));
  await h.waitFor(() => h.lines()[0]!.includes('RPS -'), 'the first read');
  await h.src.resolve(fixture('two-reads-2.json', info.read2_end_ms!));
  await h.waitFor(() => /RPS \d/.test(h.lines()[0]!), 'the second read');
  assert.match(h.lines()[0]!, /RPS 99\.8 /);
});

test('real statuses: cheap workers (id 0, pid 0), paused workers, busy cores in flight', async (t) => {
  const c = start(t);
  await c.src.resolve(fixture('cheaper.json'));
  await c.waitFor(() => c.text().includes('cheap'), 'cheap workers');
  assert.equal(c.text().match(/ cheap\b/g)?.length, 3, 'two rows, and the header');
  assert.match(c.text(), /workers \d+ \(2 cheap\)/);

  const p = start(t);
  await p.src.resolve(fixture('paused.json'));
  await p.waitFor(() => p.text().includes('pause'), 'paused workers');
  assert.equal(p.text().match(/ pause\b/g)?.length, 2);

  const l = start(t);
  await l.src.resolve(fixture('load-4p4t.json'));
  await l.waitFor(() => l.text().includes('busy'), 'busy workers');
  await l.press('a'); // merged cores: busy only where in_request
  await l.press('u');
  await l.press('e'); // the event log off: all 16 cores fit on 80x24
  const lines = l.lines().filter((x) => /^\s+\d+:\d+\s/.test(x));
  assert.equal(lines.length, 16);
  assert.equal(lines.filter((x) => /\sbusy\s/.test(x)).length, 8);
});

test('a real respawn (kill -9 of worker 1) shows in the event log and the status line', async (t) => {
  const h = start(t, { cols: 120, rows: 40 });
  await h.feed(fixture('respawn-before.json'));
  await h.src.resolve(fixture('respawn-after.json', AT + 1000));
  await h.waitFor(() => /worker 1 respawned \(pid \d+ -> \d+\)/.test(h.text()), 'the respawn event');
  assert.match(h.text(), /Events \(1\)/);
});

test('real Emperor document: scan dir, tyrant flag, vassals', async (t) => {
  const h = start(t);
  await h.src.resolve(fixture('emperor.json'));
  await h.waitFor(() => h.text().includes('alpha.ini'), 'the vassals');
  assert.match(h.text(), /uWSGI Emperor 2\.0\.21-debian/);
  assert.match(h.text(), /tyrant no/);
  assert.match(h.text(), /emperor \S*vassals/);
  assert.match(h.text(), /beta\.ini[\s\S]*alpha\.ini/);
});

test('a server without cores (--stats-no-cores) says so: the cores view, the worker detail, the requests in flight', async (t) => {
  const h = start(t, { cols: 160, rows: 40 });
  await h.feed(fixture('no-cores.json'));
  await h.press('a');
  assert.match(h.text(), /cores not reported \(uWSGI runs with --stats-no-cores\)/);
  await h.press('a');
  await h.press('a'); // back to the worker table
  await h.press('\r');
  assert.match(h.text(), /Cores: cores not reported/);
  await h.press('i'); // the requests in flight from the worker's page too; Esc comes back to it
  assert.match(h.text(), /Requests in flight[\s\S]*cores not reported/);
  await h.press('\x1b');
  assert.match(h.text(), /Worker 1 {2}pid/);
});
