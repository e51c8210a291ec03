/**
 * docs/prometheus under the real Prometheus (Debian `prometheus`, 2.42 in
 * bookworm): `promtool` checks the config and the rules and runs the rules'
 * unit tests, then a real `prometheus` runs a config derived from the docs'
 * prometheus.yml — the same jobs, paths, labels and relabelling, with only
 * the target addresses (and the intervals) replaced — against live emitters
 * (a single-process server and a node:cluster primary with two workers), an
 * exporter stand-in and closed loopback ports. What Prometheus stores is
 * compared with what the emitters' own stats documents say.
 * Skips, with the reason, when prometheus/promtool are not installed.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import net from 'node:net';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClusterStats, createStatsServer, type ClusterStats, type EmitterDocument, type StatsServer } from '../../src/emitter/index.js';
import { pause } from './helpers.js';
import { killClusterWorkers } from '../emitter/helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = join(ROOT, 'docs/prometheus');
const WORKER = fileURLToPath(new URL('./prometheus-worker.js', import.meta.url));

/** Why `cmd` cannot be used, or undefined when `cmd --version` runs. */
function missing(cmd: string): string | undefined {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return `${cmd} not installed (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); apt-get install prometheus`;
  if (r.status !== 0) return `${cmd} --version exited ${r.status}`;
  return undefined;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tsgitop-'));
}

test('promtool: docs/prometheus config and rules are valid, the rules pass their unit tests, and a broken copy is refused', { timeout: 30_000 }, async (t) => {
  const why = missing('promtool');
  if (why) return t.skip(why);
  const config = await run('promtool', ['check', 'config', 'prometheus.yml'], DOCS);
  assert.equal(config.code, 0, config.out);
  assert.match(config.out, /SUCCESS: 1 rule files found/);
  assert.match(config.out, /SUCCESS: prometheus\.yml is valid prometheus config file syntax/);
  const rules = await run('promtool', ['check', 'rules', 'rules.yml'], DOCS);
  assert.equal(rules.code, 0, rules.out);
  const n = [...readFileSync(join(DOCS, 'rules.yml'), 'utf8').matchAll(/^\s*- (?:record|alert): /gm)].length;
  assert.match(rules.out, new RegExp(`SUCCESS: ${n} rules found`));
  const unit = await run('promtool', ['test', 'rules', 'rules.test.yml'], DOCS);
  assert.equal(unit.code, 0, unit.out);
  assert.match(unit.out, /SUCCESS/);

  // the checks can fail: a rule with a misspelt function, and an alert threshold the unit tests catch
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = readFileSync(join(DOCS, 'rules.yml'), 'utf8');
  assert.ok(text.includes('sum by (job, instance) (rate('));
  writeFileSync(join(dir, 'rules.yml'), text.replace('(rate(', '(rte('));
  const bad = await run('promtool', ['check', 'rules', 'rules.yml'], dir);
  assert.notEqual(bad.code, 0, 'a misspelt function is refused');
  assert.match(bad.out, /rte/);
  assert.ok(text.includes('instance:uwsgi_busy_workers:ratio >= 1'));
  writeFileSync(join(dir, 'rules.yml'), text.replace('instance:uwsgi_busy_workers:ratio >= 1', 'instance:uwsgi_busy_workers:ratio > 1'));
  copyFileSync(join(DOCS, 'rules.test.yml'), join(dir, 'rules.test.yml'));
  const wrong = await run('promtool', ['test', 'rules', 'rules.test.yml'], dir);
  assert.notEqual(wrong.code, 0, 'the unit tests catch a changed alert');
  assert.match(wrong.out, /UwsgiAllWorkersBusy/);
});

// ---- helpers for the live run

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let s = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (s += c));
        res.on('end', () => {
          let body: unknown = s;
          try {
            body = JSON.parse(s);
          } catch {
            // not JSON (e.g. /-/ready's text): keep the text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      })
      .on('error', reject);
  });
}

function getText(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** A port that was free on 127.0.0.1 a moment ago (and is closed now). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Poll `probe` until it returns a value other than undefined, or fail after `ms` with `what` and the last state. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000, last?: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}${last ? `; last: ${last()}` : ''}`);
    await pause(100);
  }
}

/**
 * The docs' prometheus.yml with the target addresses replaced through `map`
 * (`127.0.0.1:9191` → a live emitter…) and the intervals shortened. Comment
 * lines are kept as written; probe targets (`http://…`, `tcp://…`) are left
 * alone: Prometheus only passes them to the exporter as `target=`. Every
 * address must be in `map`, and every interval setting present, so a change
 * to the docs fails here instead of silently testing something else.
 */
function deriveConfig(text: string, map: ReadonlyMap<string, string>, interval: string): string {
  const seen = new Set<string>();
  const settings = { scrape_interval: 0, scrape_timeout: 0, evaluation_interval: 0 };
  const out = text.split('\n').map((line) => {
    if (/^\s*#/.test(line)) return line;
    let l = line.replace(/(?<![/\w.])127\.0\.0\.1:\d+/g, (addr) => {
      const to = map.get(addr);
      assert.ok(to, `docs/prometheus/prometheus.yml names ${addr}, which this test does not map to a live address`);
      seen.add(addr);
      return to;
    });
    l = l.replace(/^(\s+)(scrape_interval|scrape_timeout|evaluation_interval): \S+/, (_m, sp: string, key: keyof typeof settings) => {
      settings[key]++;
      return `${sp}${key}: ${interval}`;
    });
    return l;
  });
  assert.deepEqual([...seen].sort(), [...map.keys()].sort(), 'every mapped address occurs in the docs config');
  assert.deepEqual(settings, { scrape_interval: 1, scrape_timeout: 1, evaluation_interval: 1 }, 'the global intervals are set once each');
  return out.join('\n');
}

interface Prom {
  port: number;
  proc: ChildProcess;
  log(): string;
  query(q: string): Promise<Sample[]>;
  api<T>(path: string): Promise<T>;
}

async function startPrometheus(dir: string, onProc: (p: ChildProcess) => void): Promise<Prom> {
  const port = await closedPort();
  const proc = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=info'],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  onProc(proc);
  let log = '';
  proc.stderr!.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-8000);
  });
  let exited: string | undefined;
  proc.on('exit', (code, sig) => (exited = `prometheus exited (${code ?? sig}) before it was ready:\n${log}`));
  proc.on('error', (e) => (exited = `prometheus: ${e.message}`));
  const api = async <T>(path: string): Promise<T> => {
    const r = await getJson(port, path);
    const b = r.body as { status?: string; data?: T; error?: string };
    assert.equal(r.status, 200, `${path}: HTTP ${r.status} ${b.error ?? ''}`);
    assert.equal(b.status, 'success', path);
    return b.data as T;
  };
  await waitFor('prometheus /-/ready', async () => {
    if (exited) assert.fail(exited);
    try {
      return (await getText(port, '/-/ready')) === 200 ? true : undefined;
    } catch {
      return undefined; // not listening yet
    }
  }, 15_000, () => log.slice(-1000));
  return {
    port,
    proc,
    log: () => log,
    api,
    query: async (q) => (await api<{ resultType: string; result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(q)}`)).result,
  };
}

function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** worker_id → requests, from an emitter's own document. */
function requestsByWorker(doc: EmitterDocument): Record<string, number> {
  return Object.fromEntries(doc.workers.map((w) => [String(w.id), w.requests]));
}

/** worker_id → value of the samples of one instance. */
function byWorker(samples: Sample[], instance: string): Record<string, number> {
  return Object.fromEntries(samples.filter((s) => s.metric['instance'] === instance).map((s) => [s.metric['worker_id'] ?? '', Number(s.value[1])]));
}

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

test('a real Prometheus runs docs/prometheus/prometheus.yml against live emitters and stores what their stats say', { timeout: 60_000 }, async (t: TestContext) => {
  const why = missing('prometheus') ?? missing('promtool');
  if (why) return t.skip(why);

  // Everything is torn down in one hook, in order: Prometheus first (it scrapes the rest), then the emitters, then files.
  const dir = tempDir();
  let prom: ChildProcess | undefined;
  const held = new Set<http.ServerResponse>();
  const closers: (() => Promise<void>)[] = [];
  t.after(async () => {
    try {
      for (const r of held) r.end('released\n');
      if (prom) await stopProcess(prom);
      for (const c of closers.reverse()) await c();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // 1. a single-process app with the emitter on HTTP (/metrics)
  const app = http.createServer((req, res) => {
    if (req.url === '/hold') held.add(res);
    else res.end('ok\n');
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  closers.push(async () => {
    app.closeAllConnections();
    await new Promise<void>((r) => app.close(() => r()));
  });
  const single: StatsServer = await createStatsServer({ server: app, listen: { host: '127.0.0.1', port: 0, http: true, prometheus: true }, queueSampleMs: 0 });
  closers.push(() => single.close());
  const singleAddr = `127.0.0.1:${new URL(single.address!).port}`;
  const appPort = (app.address() as net.AddressInfo).port;

  // 2. a node:cluster primary with two workers
  const clustered: ClusterStats = await createClusterStats({ workers: 2, listen: { host: '127.0.0.1', port: 0, http: true, prometheus: true }, queueSampleMs: 0 });
  closers.push(async () => {
    await killClusterWorkers();
    await clustered.close();
  });
  const clusterAddr = `127.0.0.1:${new URL(clustered.address!).port}`;
  cluster.setupPrimary({ exec: WORKER, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const clusterAppPort = await new Promise<number>((resolve) => {
    let n = 0;
    const on = (_w: Worker, a: { port: number }): void => {
      if (++n === 2) {
        cluster.off('listening', on);
        resolve(a.port);
      }
    };
    cluster.on('listening', on);
    cluster.fork();
    cluster.fork();
  });

  // 3. an exporter stand-in that records what Prometheus asks it (uwsgi_exporter is not in Debian)
  const asked: string[] = [];
  const standIn = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end('');
  });
  await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
  closers.push(async () => {
    standIn.closeAllConnections();
    await new Promise<void>((r) => standIn.close(() => r()));
  });
  const standInAddr = `127.0.0.1:${(standIn.address() as net.AddressInfo).port}`;

  // 4. dead targets: closed loopback ports
  const dead1 = `127.0.0.1:${await closedPort()}`;
  const dead2 = `127.0.0.1:${await closedPort()}`;

  const docsConfig = readFileSync(join(DOCS, 'prometheus.yml'), 'utf8');
  const map = new Map([
    ['127.0.0.1:9191', singleAddr], // tsgitop-emitter, app=shop-api
    ['127.0.0.1:9192', clusterAddr], // tsgitop-emitter, app=shop-api
    ['127.0.0.1:9193', dead1], // tsgitop-emitter, app=shop-worker
    ['127.0.0.1:9117', standInAddr], // uwsgi job, and the uwsgi-probe job's exporter
    ['127.0.0.1:9118', dead2], // uwsgi job
  ]);
  writeFileSync(join(dir, 'prometheus.yml'), deriveConfig(docsConfig, map, '1s'));
  copyFileSync(join(DOCS, 'rules.yml'), join(dir, 'rules.yml'));

  const p = await startPrometheus(dir, (proc) => (prom = proc));
  const diag = (): string => p.log().slice(-1500);

  // up: 1 for live targets, 0 for the closed ports
  const want: Record<string, number> = {
    [`tsgitop-emitter ${singleAddr}`]: 1,
    [`tsgitop-emitter ${clusterAddr}`]: 1,
    [`tsgitop-emitter ${dead1}`]: 0,
    [`uwsgi ${standInAddr}`]: 1,
    [`uwsgi ${dead2}`]: 0,
    ['uwsgi-probe http://127.0.0.1:1718']: 1,
    ['uwsgi-probe tcp://127.0.0.1:1719']: 1,
  };
  let ups: Record<string, number> = {};
  await waitFor(
    'up for every target',
    async () => {
      ups = Object.fromEntries((await p.query('up')).map((s) => [`${s.metric['job']} ${s.metric['instance']}`, Number(s.value[1])]));
      return Object.keys(want).every((k) => ups[k] === want[k]) ? true : undefined;
    },
    15_000,
    () => `${JSON.stringify(ups)}\n${diag()}`,
  );
  assert.deepEqual(ups, want, 'no other targets');

  // the jobs are the docs' jobs, scraped where the docs say, with the docs' labels and relabelling
  const jobNames = [...docsConfig.matchAll(/^\s*- job_name: (\S+)$/gm)].map((m) => m[1]!);
  assert.deepEqual(jobNames, ['tsgitop-emitter', 'uwsgi', 'uwsgi-probe']);
  const targets = await p.api<{ activeTargets: { scrapePool: string; scrapeUrl: string; labels: Record<string, string>; lastError: string }[] }>('/api/v1/targets?state=active');
  assert.deepEqual([...new Set(targets.activeTargets.map((x) => x.scrapePool))].sort(), jobNames);
  const target = (job: string, instance: string) => {
    const x = targets.activeTargets.find((a) => a.scrapePool === job && a.labels['instance'] === instance);
    assert.ok(x, `target ${job} ${instance}`);
    return x;
  };
  for (const [addr, app] of [[singleAddr, 'shop-api'], [clusterAddr, 'shop-api'], [dead1, 'shop-worker']] as const) {
    const x = target('tsgitop-emitter', addr);
    assert.equal(x.scrapeUrl, `http://${addr}/metrics`);
    assert.equal(x.labels['app'], app);
  }
  assert.match(target('tsgitop-emitter', dead1).lastError, /connection refused/);
  assert.equal(target('uwsgi', standInAddr).labels['app'], 'shop-legacy');
  for (const uri of ['http://127.0.0.1:1718', 'tcp://127.0.0.1:1719']) {
    const probePath = `/probe?target=${encodeURIComponent(uri)}`;
    assert.equal(target('uwsgi-probe', uri).scrapeUrl, `http://${standInAddr}${probePath}`);
    assert.ok(asked.includes(probePath), `the exporter was asked ${probePath}; asked: ${[...new Set(asked)].join(' ')}`);
  }
  assert.ok(asked.includes('/metrics'), 'the uwsgi job scrapes the exporter at /metrics');

  // requests to both apps; the emitters count them, then Prometheus has the same per-worker counts
  const N1 = 7;
  const N2 = 12;
  for (let i = 0; i < N1; i++) assert.equal(await getText(appPort, '/'), 200);
  await Promise.all(Array.from({ length: N2 }, () => getText(clusterAppPort, '/').then((s) => assert.equal(s, 200))));
  const singleDoc = await waitFor('the single-process emitter counting the requests', async () => {
    const d = single.document();
    return sum(requestsByWorker(d)) === N1 ? d : undefined;
  });
  const clusterDoc = await waitFor('the cluster primary counting the requests', async () => {
    const d = clustered.document();
    return sum(requestsByWorker(d)) === N2 ? d : undefined;
  });
  assert.deepEqual(Object.keys(requestsByWorker(clusterDoc)).sort(), ['1', '2']);

  let seen: Sample[] = [];
  await waitFor(
    'Prometheus to store the emitters\' request counts',
    async () => {
      seen = await p.query('uwsgi_worker_requests_total{job="tsgitop-emitter"}');
      const ok =
        JSON.stringify(byWorker(seen, singleAddr)) === JSON.stringify(requestsByWorker(singleDoc)) &&
        JSON.stringify(byWorker(seen, clusterAddr)) === JSON.stringify(requestsByWorker(clusterDoc));
      return ok ? true : undefined;
    },
    15_000,
    () => JSON.stringify(seen.map((s) => [s.metric['instance'], s.metric['worker_id'], s.value[1]])),
  );
  assert.equal(sum(byWorker(seen, clusterAddr)), N2);
  assert.equal(sum(byWorker(seen, singleAddr)), N1);
  for (const s of seen) assert.equal(s.metric['app'], 'shop-api', 'the static_configs label is on every series');

  // per-worker gauges and the info series: the same as the documents
  const pids = await p.query('uwsgi_worker_pid{job="tsgitop-emitter"}');
  assert.deepEqual(byWorker(pids, clusterAddr), Object.fromEntries(clusterDoc.workers.map((w) => [String(w.id), w.pid])));
  assert.deepEqual(byWorker(pids, singleAddr), { '1': process.pid });
  const workers = Object.fromEntries((await p.query('uwsgi_workers')).map((s) => [s.metric['instance'], Number(s.value[1])]));
  assert.deepEqual(workers, { [singleAddr]: 1, [clusterAddr]: 2 });
  const info = await p.query('uwsgi_info');
  assert.deepEqual(info.map((s) => [s.metric['instance'], s.metric['version']]).sort(), [[singleAddr, singleDoc.version], [clusterAddr, clusterDoc.version]].sort());

  // rules.yml: loaded as written, every rule evaluated without error
  const ruleNames = [...readFileSync(join(DOCS, 'rules.yml'), 'utf8').matchAll(/^\s*- (?:record|alert): (\S+)$/gm)].map((m) => m[1]!);
  type Rules = { groups: { name: string; file: string; rules: { name: string; health: string; lastError?: string; type: string }[] }[] };
  let rules: Rules = { groups: [] };
  await waitFor(
    'every rule of rules.yml evaluated',
    async () => {
      rules = await p.api<Rules>('/api/v1/rules');
      return rules.groups.length > 0 && rules.groups.every((g) => g.rules.every((r) => r.health === 'ok')) ? true : undefined;
    },
    15_000,
    () => JSON.stringify(rules),
  );
  assert.deepEqual(rules.groups.map((g) => g.name), ['uwsgi-fleet']);
  assert.deepEqual(rules.groups.flatMap((g) => g.rules.map((r) => r.name)), ruleNames);

  // recording rules produce series per live emitter: the request rate is positive after the requests
  let rates: Sample[] = [];
  await waitFor(
    'instance:uwsgi_requests:rate1m > 0 for both emitters',
    async () => {
      rates = await p.query('instance:uwsgi_requests:rate1m{job="tsgitop-emitter"}');
      const r = Object.fromEntries(rates.map((s) => [s.metric['instance'], Number(s.value[1])]));
      return (r[singleAddr] ?? 0) > 0 && (r[clusterAddr] ?? 0) > 0 ? true : undefined;
    },
    15_000,
    () => JSON.stringify(rates),
  );

  // a held request makes the single-process emitter's only worker busy: the ratio rule reaches 1, the alert goes pending
  const hold = http.get({ host: '127.0.0.1', port: appPort, path: '/hold', agent: false });
  hold.on('error', () => undefined);
  closers.push(async () => {
    hold.destroy();
  });
  type Alerts = { alerts: { labels: Record<string, string>; state: string }[] };
  let state = '';
  await waitFor(
    'instance:uwsgi_busy_workers:ratio 1 and UwsgiAllWorkersBusy pending for the busy emitter',
    async () => {
      const ratio = Object.fromEntries((await p.query('instance:uwsgi_busy_workers:ratio')).map((s) => [s.metric['instance'], Number(s.value[1])]));
      const alerts = (await p.api<Alerts>('/api/v1/alerts')).alerts.filter((a) => a.labels['alertname'] === 'UwsgiAllWorkersBusy');
      state = `${JSON.stringify(ratio)} ${JSON.stringify(alerts)}`;
      const busy = alerts.find((a) => a.labels['instance'] === singleAddr);
      return ratio[singleAddr] === 1 && ratio[clusterAddr] === 0 && busy?.state === 'pending' && alerts.length === 1 ? true : undefined;
    },
    15_000,
    () => state,
  );
  assert.equal(single.document().workers[0]?.status, 'busy');
});
