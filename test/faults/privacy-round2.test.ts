/**
 * Reliability suite, issue 10 point 7 (the secrets half; the 0600 half is
 * record-memory-round2): a stats server whose in-flight requests carry
 * cookies, authorization, API keys and query strings in their CGI vars, as
 * uWSGI 2.0 sends them. Every output path of the real `bin/tsgitop` — `-b`,
 * `--json`, `--record` (monitor and fleet), fleet `-b`/`--json`, `--cores`,
 * the Emperor-free one-shot `--pretty` excepted as the documented raw dump —
 * carries `GET /path` and never one secret byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { figure } from './mode.js';
import { fixedServer, fixture, tempDir } from './output-helpers.js';

const T = { timeout: 120_000 };
const SECRETS = ['COOKIESECRET', 'AUTHSECRET', 'APIKEYSECRET', 'QUERYSECRET', 'FRAGSECRET', '10.9.8.7'];

function secretDoc(): string {
  const doc = fixture('load-4p4t.json') as { workers: { cores: Record<string, unknown>[] }[] };
  const now = Math.floor(Date.now() / 1000);
  doc.workers.forEach((w, i) =>
    w.cores.forEach((c, k) => {
      Object.assign(c, {
        in_request: 1,
        req_info: { request_start: now - i - k, note: 'QUERYSECRET' },
        vars: [
          'REQUEST_METHOD=POST',
          `PATH_INFO=/orders/${i}${k}`,
          `REQUEST_URI=/orders/${i}${k}?token=QUERYSECRET#FRAGSECRET`,
          'QUERY_STRING=token=QUERYSECRET',
          'REMOTE_ADDR=10.9.8.7',
          'HTTP_COOKIE=session=COOKIESECRET',
          'HTTP_AUTHORIZATION=Bearer AUTHSECRET',
          'HTTP_X_API_KEY=APIKEYSECRET',
          '',
        ],
      });
    }),
  );
  return JSON.stringify(doc, null, '\t');
}

test('privacy: request secrets in uWSGI vars never reach -b, --json, --cores, --record, fleet -b/--json or fleet recordings', T, async (t) => {
  const dir = tempDir(t, 'tsgitop-priv-');
  const body = secretDoc();
  assert.ok(SECRETS.every((s) => body.includes(s)), 'the server really sends every secret');
  const addr = await fixedServer(t, join(dir, 'stats.sock'), body);
  const targets = join(dir, 'targets');
  writeFileSync(targets, `web = ${addr}\n`);
  const runs: [string, string[], string?][] = [
    ['-b', ['-b', '-n', '1', '-f', '0.1', addr]],
    ['-b --cores', ['-b', '--cores', '-n', '1', '-f', '0.1', addr]],
    ['--json', ['--json', '-n', '1', '-f', '0.1', addr]],
    ['-b --record', ['-b', '-n', '1', '-f', '0.1', '--record', join(dir, 'm.rec'), addr], join(dir, 'm.rec')],
    ['fleet -b', ['-b', '-n', '1', '-f', '0.1', '--targets', targets]],
    ['fleet --json --record', ['--json', '-n', '1', '-f', '0.1', '--targets', targets, '--record', join(dir, 'f.rec')], join(dir, 'f.rec')],
  ];
  const rows: { output: string; bytes: number; secrets: number; paths: number }[] = [];
  for (const [name, args, file] of runs) {
    const r = await runCli(args);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const text = r.stdout.toString('utf8') + r.stderr + (file ? readFileSync(file, 'utf8') : '');
    const found = SECRETS.filter((s) => text.includes(s));
    const paths = (text.match(/\/orders\/\d+/g) ?? []).length;
    rows.push({ output: name, bytes: text.length, secrets: found.length, paths });
    assert.deepEqual(found, [], `${name} leaks ${found.join(', ')}`);
    if (name !== 'fleet -b') assert.ok(paths > 0, `${name} shows the request paths`);
  }
  // the documented exception: the raw dump is byte for byte what the server sent
  const raw = await runCli(['--connect-and-read', addr]);
  assert.equal(raw.stdout.toString('utf8'), body);
  figure('privacy', 'secrets per output', { rows, secretsSent: SECRETS.length });
});
