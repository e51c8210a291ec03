/**
 * The README's "Deploying behind nginx" section shows the configuration the real-nginx tests run
 * (test/nginx/stack.test.ts builds its config from the same location blocks), and a gunicorn
 * command line whose module path is what `tsgitop --gunicorn-config` prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { proxyLocation, STATUS_LOCATION, uwsgiLocation } from './helpers.js';

const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

function section(): string {
  const start = README.indexOf('## Deploying behind nginx');
  assert.ok(start >= 0, 'the README has the section');
  const end = README.indexOf('\n## ', start + 5);
  return README.slice(start, end < 0 ? undefined : end);
}

/** One line per statement, comment markers and indentation dropped. */
const norm = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.replace(/^\s*#\s?/, '').trim())
    .filter((l) => l !== '')
    .join('\n');

test('README: the nginx locations are the tested ones', () => {
  const text = norm(section());
  assert.ok(text.includes(norm(STATUS_LOCATION)), 'stub_status location');
  assert.ok(text.includes(norm(uwsgiLocation('unix:/run/app/uwsgi.sock'))), 'uwsgi_pass location');
  assert.ok(text.includes(norm(proxyLocation('127.0.0.1:8000'))), 'proxy_pass location');
});

test('README: the gunicorn command line uses the shipped module and the documented settings', () => {
  const s = section();
  assert.match(s, /gunicorn -c "\$\(tsgitop --gunicorn-config\)" --env TSGITOP_STATS=\/run\/app\/stats\.sock/);
  const mod = readFileSync(fileURLToPath(new URL('../../../python/tsgitop_gunicorn.py', import.meta.url)), 'utf8');
  for (const env of s.match(/TSGITOP_[A-Z_]+/g) ?? []) assert.ok(mod.includes(`'${env}'`), `the module reads ${env}`);
  assert.match(s, /stats = \/run\/app\/stats\.sock/);
});
