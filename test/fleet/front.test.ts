/**
 * Issue 15 section 2: nginx fronts in the fleet — a `front` line in a
 * targets file, a row of its own kind (conns, req/s, state), kept out of the
 * workers' totals; read from a real nginx's stub_status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { parseTargets } from '../../src/fleet/targets.js';
import { buildFleetView } from '../../src/fleet/view.js';
import { fleetToJson, renderFleetText } from '../../src/fleet/render.js';
import { FleetPoller } from '../../src/fleet/poller.js';
import { StatsError } from '../../src/protocol/errors.js';
import type { StubStatus } from '../../src/protocol/nginx.js';
import { synthDoc } from '../tui/synth.js';
import { nginxAvailable, startNginx } from '../nginx/helpers.js';

const FILE = 'app = 127.0.0.1:9191\nfront edge = http://127.0.0.1:8080/nginx_status  # nginx\nfront http://127.0.0.1:8081/nginx_status\n';

test('targets file: `front LABEL = URL` and `front URL` are nginx fronts; a front must be an http URL', () => {
  const [app, edge, bare] = parseTargets(FILE, 'fleet.txt');
  assert.equal(app!.front, undefined);
  assert.deepEqual([edge!.label, edge!.front, edge!.address.kind], ['edge', true, 'http']);
  assert.deepEqual([bare!.label, bare!.front], ['http://127.0.0.1:8081/nginx_status', true]);
  assert.throws(
    () => parseTargets('front /run/app/stats.sock\n', 'fleet.txt'),
    (e: unknown) => e instanceof StatsError && e.code === 'BAD_ADDRESS' && /^fleet\.txt:1: .*stub_status/.test(e.message),
  );
  // A target labelled "front" (LABEL = ADDRESS) is still a stats server.
  assert.equal(parseTargets('front = 127.0.0.1:9191\n', 'f')[0]!.front, undefined);
});

const page = (p: Partial<StubStatus>): StubStatus => ({ active: 41, accepts: 1000, handled: 1000, requests: 5000, reading: 1, writing: 12, waiting: 28, ...p });

test('a front row: conns, req/s from two reads, state; not summed with the workers; batch and JSON', () => {
  const now = Date.now();
  const [app, edge, bare] = parseTargets(FILE, 'fleet.txt');
  const view = buildFleetView({
    at: now,
    timing: { intervalMs: 1000 },
    targets: [
      { target: app!, cur: { doc: synthDoc(2, { workers: 2 }), at: now - 100 }, prev: { doc: synthDoc(1, { workers: 2 }), at: now - 1100 }, reads: 2 },
      { target: edge!, front: { status: page({ requests: 5320 }), at: now - 100 }, frontPrev: { status: page({}), at: now - 1100 }, reads: 2 },
      { target: bare!, error: { message: 'connection refused by 127.0.0.1:8081', at: now }, reads: 1 },
    ],
  });
  const [, f, down] = view.rows;
  assert.deepEqual([f!.kind, f!.state, f!.conns, f!.rps, f!.workers], ['nginx', 'up', 41, 320, undefined]);
  assert.equal(down!.state, 'down');
  const appRps = view.rows[0]!.rps!;
  assert.equal(view.totals.rps, appRps, 'the front\'s req/s is not added to the workers\' RPS');
  assert.equal(view.totals.up, 2);
  const text = renderFleetText(view, { width: 200 });
  const line = text.split('\n').find((l) => l.startsWith('edge '))!;
  assert.match(line, /^edge\s+up\s+conns\s+41\s+320\s/, line);
  assert.match(line, /nginx/);
  const json = fleetToJson(view) as { targets: { kind: string | null; conns: number | null; rps: number | null }[] };
  assert.deepEqual([json.targets[1]!.kind, json.targets[1]!.conns, json.targets[1]!.rps], ['nginx', 41, 320]);
});

const n = nginxAvailable();
test('a real nginx front in the fleet poller: its stub_status becomes a row (conns, req/s, up)', { skip: n.ok ? false : n.reason, timeout: 60_000 }, async (t) => {
  const ng = await startNginx(['location / { return 200 "ok"; }']);
  t.after(() => ng.stop());
  const targets = parseTargets(`front edge = ${ng.statusUrl}\n`, 'fleet.txt');
  const poller = new FleetPoller({ targets, intervalMs: 200, timeoutMs: 5000 });
  t.after(() => poller.close());
  await poller.tick();
  // Known traffic between two reads: 10 requests through nginx.
  for (let i = 0; i < 10; i++) {
    await new Promise<void>((resolve, reject) => {
      http.get(`http://127.0.0.1:${ng.ports[0]}/`, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  }
  let row = buildFleetView(await poller.tick()).rows[0]!;
  for (let i = 0; i < 20 && row.rps === undefined; i++) row = buildFleetView(await poller.tick()).rows[0]!;
  assert.equal(row.kind, 'nginx');
  assert.equal(row.state, 'up');
  assert.ok((row.conns ?? 0) >= 1, 'the stub_status read itself is an active connection');
  assert.ok((row.requests ?? 0) >= 11, `nginx counted the 10 requests and the reads: ${row.requests}`);
  assert.ok((row.rps ?? 0) > 0, `req/s from two reads: ${row.rps}`);
});

test('fleet TUI: the front row shows conns and its state; Enter on it says why no monitor opens', { timeout: 30_000 }, async (t) => {
  const { startFleetHarness } = await import('./harness.js');
  const targets = parseTargets('app = 127.0.0.1:9191\nfront edge = http://127.0.0.1:8080/nginx_status\n', 'fleet.txt');
  let requests = 5000;
  const h = startFleetHarness({
    targets,
    intervalMs: 100,
    color: false,
    cols: 100,
    rows: 24,
    read: async (target) => {
      if (target.front) {
        requests += 30;
        const at = Date.now();
        return { front: { status: page({ requests }), at }, at };
      }
      return { doc: synthDoc(1, { workers: 2 }), at: Date.now() };
    },
  });
  t.after(async () => {
    await h.quit();
  });
  await h.waitFor(() => /^edge\s+up\s+conns\s+41\s+[\d.]+k?\s/m.test(h.text()), 'the front row with conns and req/s');
  assert.match(h.text(), /^app\s+up\s+\d+\/2\s/m);
  await h.press('G');
  await h.press('\r');
  await h.waitFor(() => h.text().includes('an nginx front: no workers to open'), 'the message');
  assert.equal(h.current(), 'fleet');
});
