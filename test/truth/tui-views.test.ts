/**
 * Issue 12 in the monitor, headless (xterm harness): the diagnosis line
 * appears under the header only when a rule fires; the Emperor's throttle
 * and blacklist are in its header with the crash-loop verdict, and keys that
 * mean nothing for vassals (detail, chart, cores, totals) are not offered.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../tui/harness.js';
import { synth, synthEmperor, T0 } from '../tui/synth.js';
import { core, server, worker } from '../model/factory.js';

function start(t: TestContext): Harness {
  const h = startHarness({ clock: T0 });
  t.after(() => h.quit());
  return h;
}

test('monitor: no diagnosis line while healthy; a full queue puts it right under the header; ! lists, o shows FULL', async (t) => {
  const h = start(t);
  await h.src.resolve(synth(0, { workers: 2, cores: 1 }));
  await h.waitFor(() => /WID/.test(h.text()), 'the table');
  assert.doesNotMatch(h.text(), /diagnosis/);
  const busy = (at: number) =>
    ({
      doc: server({
        listen_queue: 9,
        sockets: [{ name: '127.0.0.1:8000', proto: 'uwsgi', queue: 9, max_queue: 8, shared: 0, can_offload: 0, extra: {} }],
        workers: [1, 2].map((id) => worker({ id, pid: 100 + id, status: 'busy', requests: 10, cores: [core({ in_request: true, request: { method: 'GET', path: `/p${id}`, start: at / 1000 - 3 } })] })),
      }),
      at,
    });
  await h.src.resolve(busy(T0 + 1000));
  await h.waitFor(() => /diagnosis \[1 of 2, ! lists all\] saturated/.test(h.text()), 'the diagnosis line');
  const lines = h.lines();
  assert.match(lines[3]!, /^diagnosis \[1 of 2, ! lists all\] saturated: all 2 workers busy, 9 waiting/);
  assert.match(lines[0]!, /lq 9\/8 FULL/);
  await h.press('!');
  await h.waitFor(() => /Diagnosis \(most severe first/.test(h.text()), 'the verdict list');
  assert.match(h.text(), /1\. CRIT saturated: all 2 workers busy/);
  assert.match(h.text(), /2\. CRIT queue full: 127\.0\.0\.1:8000 9\/8 FULL \[socket 127\.0\.0\.1:8000\]/);
  await h.press('2');
  await h.waitFor(() => /verdict 2 is about a socket/.test(h.text()), 'no worker behind a socket verdict');
  await h.press('o');
  await h.waitFor(() => /Listening sockets/.test(h.text()), 'the sockets list');
  assert.match(h.text(), /127\.0\.0\.1:8000\s+uwsgi\s+9\/8 FULL/);
  await h.press('i');
  await h.waitFor(() => /Requests in flight/.test(h.text()), 'the in-flight list');
  assert.match(h.text(), /worker 1 core 0 pid 101 {2}GET \/p1 {2}3s/);
});

test('Emperor: throttle and blacklist in the header, crash-loop diagnosis, no detail/chart/cores/totals offered', async (t) => {
  const h = start(t);
  const e = synthEmperor(2);
  e.doc.throttle_level = 2;
  e.doc.blacklist = [{ id: 'bad.ini', throttle_level: 3, attempt: 4, first_attempt: 1, last_attempt: 2, extra: {} }];
  await h.src.resolve(e);
  await h.waitFor(() => /app2\.ini/.test(h.text()), 'the vassals');
  const text = h.text();
  assert.match(text, /throttle 2/);
  assert.match(text, /blacklist bad\.ini \(attempt 4, 3s\)/);
  assert.match(text, /diagnosis crash loop: vassal bad\.ini blacklisted \(attempt 4, throttle 3s\)/);
  const footer = h.lines().filter((l) => /\? help/.test(l)).at(-1)!;
  assert.doesNotMatch(footer, /detail|chart|cores|totals/);
  await h.press('c');
  await h.waitFor(() => /no throughput chart for vassals/.test(h.text()), 'c says why');
});
