/**
 * docs/prometheus is tested, not just written. This file needs no Prometheus:
 * the emitter job's metrics_path serves Prometheus text on a live emitter, and
 * every metric name the docs (README table, rules.yml, src/emitter/README.md)
 * mention for the emitter is in what it serves. prometheus-real.test.ts runs
 * promtool and a real Prometheus on the same files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createStatsServer } from '../../src/emitter/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = `${ROOT}docs/prometheus/`;

// ---- the emitter under test

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      })
      .on('error', reject);
  });
}

/** Metric families declared in a Prometheus text exposition. */
function families(text: string): Set<string> {
  const out = new Set<string>();
  for (const l of text.split('\n')) {
    const m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(l);
    if (m) out.add(m[1]!);
  }
  return out;
}

const NAME_RE = /\buwsgi_[a-z_]*[a-z]\b/g;

test('prometheus.yml: the emitter job scrapes a path where a live emitter serves Prometheus text; rules and docs name only real metrics', { timeout: 30_000 }, async (t) => {
  const app = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const stats = await createStatsServer({ server: app, listen: { host: '127.0.0.1', port: 0, http: true, prometheus: true }, queueSampleMs: 0 });
  t.after(async () => {
    await stats.close();
    app.closeAllConnections();
    await new Promise<void>((r) => app.close(() => r()));
  });
  const port = Number(new URL(stats.address!).port);
  const appPort = (app.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => http.get({ host: '127.0.0.1', port: appPort, path: '/', agent: false }, (r) => r.resume().on('end', resolve)).on('error', reject));

  // The emitter job of prometheus.yml (the block from its job_name to the next job) scrapes /metrics over plain HTTP.
  const config = readFileSync(`${DOCS}prometheus.yml`, 'utf8');
  assert.match(config, /^rule_files:\n {2}- rules\.yml$/m);
  const jobs = config.split(/^(?= {2}- job_name: )/m).slice(1);
  const emitterJobs = jobs.filter((j) => j.startsWith('  - job_name: tsgitop'));
  assert.equal(emitterJobs.length, 1, 'one emitter job');
  const emitterJob = emitterJobs[0]!;
  const path = /^ {4}metrics_path: (\S+)$/m.exec(emitterJob)?.[1] ?? '/metrics';
  assert.equal(/^ {4}scheme: (\S+)$/m.exec(emitterJob)?.[1] ?? 'http', 'http', 'the emitter speaks plain HTTP');
  const r = await get(port, path);
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/plain; version=0\.0\.4/, `${path} answers Prometheus text, not JSON`);
  const served = families(r.body);
  // Sanity of the check itself: the emitter's other paths serve JSON, which has no metric families.
  const json = await get(port, '/stats');
  assert.equal(json.type, 'application/json');
  assert.equal(families(json.body).size, 0);
  assert.ok(served.size >= 20, `${served.size} metric families served`);

  assert.ok(jobs.some((j) => j.startsWith('  - job_name: uwsgi')), 'an exporter job');

  // The metrics table of the README: the emitter column must be served; "same" rows are common names.
  const readme = readFileSync(`${DOCS}README.md`, 'utf8');
  const table = readme.slice(readme.indexOf('<!-- metrics-table:start -->'), readme.indexOf('<!-- metrics-table:end -->'));
  assert.ok(table.length > 100, 'the README has the marked metrics table');
  const exporterNames = new Set<string>();
  let rows = 0;
  for (const line of table.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 3 || cells[0] === 'what' || cells[0]!.startsWith('---')) continue;
    rows++;
    const emitterNames = cells[1]!.match(NAME_RE) ?? [];
    for (const n of emitterNames) assert.ok(served.has(n), `README names ${n} for the emitter; the emitter serves it`);
    if (cells[2]!.startsWith('same')) for (const n of emitterNames) exporterNames.add(n);
    for (const n of cells[2]!.match(NAME_RE) ?? []) exporterNames.add(n);
  }
  assert.ok(rows >= 20, `${rows} table rows`);

  // rules.yml: every metric exists in the emitter and (per the table) in the exporter, so the rules fit both jobs.
  // Every rule is one `record:`/`alert:` line and one single-line `expr:` (promtool checks the rest).
  const rulesText = readFileSync(`${DOCS}rules.yml`, 'utf8');
  const recorded = [...rulesText.matchAll(/^ {6}- record: (\S+)$/gm)].map((m) => m[1]!);
  const ruleCount = [...rulesText.matchAll(/^ {6}- (?:record|alert): \S+$/gm)].length;
  const exprs = [...rulesText.matchAll(/^ {8}expr: (.+)$/gm)].map((m) => m[1]!);
  assert.equal(exprs.length, ruleCount, 'one expr per rule');
  assert.ok(ruleCount >= 6, `${ruleCount} rules`);
  let used = 0;
  for (const expr of exprs) {
    for (const n of expr.match(NAME_RE) ?? []) {
      if (recorded.some((rec) => rec.includes(n))) continue; // part of a recording rule's name
      used++;
      assert.ok(served.has(n), `rules.yml uses ${n}; the emitter serves it`);
      assert.ok(exporterNames.has(n), `rules.yml uses ${n}; the README says uwsgi_exporter exports it too`);
    }
  }
  assert.ok(used >= 6, `${used} metric uses in rules.yml`);

  // The emitter's own README lists its metrics: all of them are served, and all served ones are listed.
  const emitterReadme = readFileSync(`${ROOT}src/emitter/README.md`, 'utf8');
  const section = emitterReadme.slice(emitterReadme.indexOf('## Prometheus metrics'));
  const documented = new Set((section.slice(0, section.indexOf('\n## ', 5) > 0 ? section.indexOf('\n## ', 5) : undefined).match(/^\| `(uwsgi_[a-z_]+)`/gm) ?? []).map((s) => s.slice(3, -1)));
  assert.ok(documented.size >= 20);
  for (const n of documented) assert.ok(served.has(n), `src/emitter/README.md documents ${n}; the emitter serves it`);
  for (const n of served) assert.ok(documented.has(n), `the emitter serves ${n}; src/emitter/README.md documents it`);
});
