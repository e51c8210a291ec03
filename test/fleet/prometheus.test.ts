/**
 * docs/prometheus is tested, not just written: the example prometheus.yml is
 * parsed, every emitter job's metrics_path is scraped from a live emitter,
 * and every metric name the docs (and rules.yml, and src/emitter/README.md)
 * mention for the emitter must be in what it serves.
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

// ---- a small YAML subset: block mappings and sequences, flow sequences, quoted and plain scalars, comments

type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  no: number;
}

function stripComment(s: string): string {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = undefined;
    } else if (c === "'" || c === '"') q = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return s.slice(0, i);
  }
  return s;
}

function scalar(s: string): Yaml {
  const t = s.trim();
  if (t.startsWith('[')) {
    assert.ok(t.endsWith(']'), `flow sequence: ${t}`);
    const inner = t.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((x) => scalar(x));
  }
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) return t.slice(1, -1);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'null' || t === '~' || t === '') return null;
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(t)) return Number(t);
  return t;
}

function parseYaml(text: string): Yaml {
  const lines: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const s = stripComment(raw).replace(/\s+$/, '');
    if (s.trim() === '') return;
    assert.ok(!/^\t/.test(s), `line ${i + 1}: tabs are not YAML indentation`);
    lines.push({ indent: s.length - s.trimStart().length, text: s.trim(), no: i + 1 });
  });
  let pos = 0;
  const block = (indent: number): Yaml => {
    const first = lines[pos];
    if (!first || first.indent < indent) return null;
    if (first.text.startsWith('- ') || first.text === '-') {
      const out: Yaml[] = [];
      while (pos < lines.length && lines[pos]!.indent === first.indent && lines[pos]!.text.startsWith('-')) {
        const l = lines[pos]!;
        const rest = l.text.slice(1).trimStart();
        // "- key: value" starts a mapping whose further keys are indented to the key's column
        lines[pos] = { indent: l.indent + (l.text.length - rest.length), text: rest, no: l.no };
        if (rest === '') {
          pos++;
          out.push(block(first.indent + 1));
        } else if (/^[^'"[\]{}]+?:(\s|$)/.test(rest)) out.push(block(lines[pos]!.indent));
        else {
          pos++;
          out.push(scalar(rest));
        }
      }
      return out;
    }
    const map: { [k: string]: Yaml } = {};
    while (pos < lines.length && lines[pos]!.indent === first.indent) {
      const l = lines[pos]!;
      const m = /^([^'"[\]{}]+?):(?:\s+(.*))?$/.exec(l.text);
      assert.ok(m, `line ${l.no}: expected "key: value", got ${JSON.stringify(l.text)}`);
      pos++;
      const key = m[1]!.trim();
      assert.ok(!(key in map), `line ${l.no}: duplicate key ${key}`);
      if (m[2] !== undefined && m[2] !== '') map[key] = scalar(m[2]);
      else map[key] = pos < lines.length && lines[pos]!.indent > l.indent ? block(lines[pos]!.indent) : lines[pos]?.indent === l.indent && lines[pos]!.text.startsWith('-') ? block(l.indent) : null;
    }
    return map;
  };
  const v = block(0);
  assert.equal(pos, lines.length, `unparsed YAML from line ${lines[pos]?.no}`);
  return v;
}

test('the YAML subset parser reads what the example uses', () => {
  assert.deepEqual(
    parseYaml(['a: 1', 'b:', '  - x: "q # not a comment"', '    y: [\'1\', 2]', '  - plain', 'c:', '- k: v', '# end']. join('\n')),
    { a: 1, b: [{ x: 'q # not a comment', y: ['1', 2] }, 'plain'], c: [{ k: 'v' }] },
  );
  assert.throws(() => parseYaml('a: 1\na: 2\n'), /duplicate key a/);
});

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

test('prometheus.yml: every emitter job scrapes a path where a live emitter serves Prometheus text; rules and docs name only real metrics', { timeout: 30_000 }, async (t) => {
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

  const config = parseYaml(readFileSync(`${DOCS}prometheus.yml`, 'utf8')) as { scrape_configs: Record<string, Yaml>[]; rule_files?: string[] };
  assert.ok(Array.isArray(config.scrape_configs) && config.scrape_configs.length >= 2);
  assert.deepEqual(config.rule_files, ['rules.yml']);
  const emitterJobs = config.scrape_configs.filter((j) => String(j['job_name']).startsWith('tsgitop'));
  assert.ok(emitterJobs.length >= 1, 'an emitter job');
  let served = new Set<string>();
  for (const job of emitterJobs) {
    const path = (job['metrics_path'] as string | undefined) ?? '/metrics';
    assert.equal(job['scheme'] ?? 'http', 'http', 'the emitter speaks plain HTTP');
    const statics = job['static_configs'] as { targets: string[] }[];
    for (const sc of statics) for (const target of sc.targets) assert.match(target, /^[a-z0-9.-]+:[0-9]+$/, `${target} is host:port`);
    const r = await get(port, path);
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/, `${path} answers Prometheus text, not JSON`);
    served = families(r.body);
  }
  // Sanity of the check itself: the emitter's other paths serve JSON, which has no metric families.
  const json = await get(port, '/stats');
  assert.equal(json.type, 'application/json');
  assert.equal(families(json.body).size, 0);
  assert.ok(served.size >= 20, `${served.size} metric families served`);

  const uwsgiJobs = config.scrape_configs.filter((j) => String(j['job_name']).startsWith('uwsgi'));
  assert.ok(uwsgiJobs.length >= 1, 'an exporter job');

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
  const rules = parseYaml(readFileSync(`${DOCS}rules.yml`, 'utf8')) as { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] };
  const recorded = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
  let used = 0;
  for (const g of rules.groups) {
    for (const r of g.rules) {
      assert.ok(r.record || r.alert, 'a rule records or alerts');
      for (const n of r.expr.match(NAME_RE) ?? []) {
        if ([...recorded].some((rec) => rec.includes(n))) continue; // part of a recording rule's name
        used++;
        assert.ok(served.has(n), `rules.yml uses ${n}; the emitter serves it`);
        assert.ok(exporterNames.has(n), `rules.yml uses ${n}; the README says uwsgi_exporter exports it too`);
      }
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
