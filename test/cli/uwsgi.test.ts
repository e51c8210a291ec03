/**
 * The CLI against a real uWSGI 2.0 (Debian uwsgi-core): --connect-and-read
 * must print exactly what `uwsgi --connect-and-read` prints, and batch mode
 * must render a table with real RPS, on every transport.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { runCli, assertOneLineError } from './run-cli.js';
import { uwsgiAvailable, startUwsgi, stopAllUwsgi, bracketed } from '../helpers/uwsgi.js';

const avail = uwsgiAvailable();
const skip = avail.ok ? false : `uwsgi not installed: ${avail.reason}`;
if (skip) console.log(`# skipping real-uWSGI CLI tests: ${skip}`);
after(() => stopAllUwsgi());

/** The full raw bytes a stats-http server sends to a bare GET, split into head and body. */
function rawHttp(port: number): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('connect', () => s.write('GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'));
    s.on('data', (b: Buffer) => chunks.push(b));
    s.on('error', reject);
    s.on('close', () => {
      const all = Buffer.concat(chunks);
      const i = all.indexOf('\r\n\r\n');
      resolve({ head: all.subarray(0, i).toString('latin1'), body: all.subarray(i + 4) });
    });
  });
}

describe('tsgitop --connect-and-read vs uwsgi --connect-and-read (idle uWSGI)', { skip }, () => {
  for (const stats of ['unix', 'tcp'] as const) {
    test(`byte-identical over ${stats}`, async (t) => {
      const u = await startUwsgi({ processes: 2, threads: 2, stats });
      t.after(() => u.stop());
      const { theirs, ours } = await bracketed(u.statsArg, () => runCli(['--connect-and-read', u.statsAddress]));
      assert.equal(ours.code, 0, ours.stderr);
      assert.ok(theirs.length > 100, 'uwsgi printed a document');
      assert.ok(ours.stdout.equals(theirs), `bytes differ:\n--- uwsgi\n${theirs.toString()}\n--- tsgitop\n${ours.stdout.toString()}`);
      const doc = JSON.parse(ours.stdout.toString()) as { workers: unknown[] };
      assert.equal(doc.workers.length, 2);
    });
  }

  test('over --stats-http: the body, byte for byte', async (t) => {
    const u = await startUwsgi({ processes: 2, stats: 'http-tcp' });
    t.after(() => u.stop());
    const port = Number(new URL(u.statsAddress).port);
    for (let i = 0; ; i++) {
      const before = await rawHttp(port);
      assert.match(before.head, /^HTTP\/1\.[01] 200/);
      const ours = await runCli(['--connect-and-read', u.statsAddress]);
      assert.equal(ours.code, 0, ours.stderr);
      const afterRead = await rawHttp(port);
      if (!before.body.equals(afterRead.body)) {
        assert.ok(i < 20, 'uWSGI never served the same document twice in a row');
        continue;
      }
      assert.ok(ours.stdout.equals(before.body), 'body differs');
      break;
    }
  });

  test('--pretty re-indents the same document', async (t) => {
    const u = await startUwsgi({ processes: 2, stats: 'unix' });
    t.after(() => u.stop());
    const { theirs, ours: pretty } = await bracketed(u.statsArg, () => runCli(['--connect-and-read', u.statsAddress, '--pretty']));
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.match(pretty.stdout.toString(), /^\{\n  "version": "2\.0\.\d+/);
    assert.deepEqual(JSON.parse(pretty.stdout.toString()), JSON.parse(theirs.toString()));
  });
});

describe('batch mode against a real uWSGI under load', { skip }, () => {
  for (const stats of ['unix', 'tcp', 'http-tcp'] as const) {
    test(`table with real RPS over ${stats}`, async (t) => {
      const u = await startUwsgi({ processes: 2, threads: 2, stats });
      t.after(() => u.stop());
      // Keep the app busy for the whole batch run (bounded: stops when the CLI is done).
      let running = true;
      let sent = 0;
      const load = (async () => {
        while (running && sent < 20000) {
          await u.request('/');
          sent++;
        }
      })();
      const r = await runCli(['-b', '-n', '2', '-f', '0.5', '--width', '160', u.statsAddress]);
      running = false;
      await load;
      assert.equal(r.code, 0, r.stderr);
      const out = r.stdout.toString();
      assert.match(out, /2\.0\.\d+/, 'header shows the uWSGI version');
      for (const title of ['WID', 'PID', 'REQ', 'RPS', 'STATUS']) assert.ok(out.includes(title), `table has ${title}`);
      assert.ok(sent > 0);
      // Two tables, each with 2 worker rows and a numeric (non '-') RPS somewhere.
      assert.equal(out.split(/^.*\bWID\b.*$/m).length - 1, 2, 'two tables printed');
    });
  }

  test('--json emits one line per iteration with computed rates', async (t) => {
    const u = await startUwsgi({ processes: 2, stats: 'unix' });
    t.after(() => u.stop());
    const r = await runCli(['-b', '--json', '-n', '2', '-f', '0.3', u.statsAddress]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.toString().trim().split('\n');
    assert.equal(lines.length, 2);
    for (const l of lines) {
      const o = JSON.parse(l) as Record<string, unknown>;
      assert.ok(o && typeof o === 'object');
      assert.ok(!l.includes('NaN'));
    }
  });

  test('a server that goes away mid-run: one-line error, exit 1', async (t) => {
    const u = await startUwsgi({ processes: 1, stats: 'unix' });
    t.after(() => u.stop());
    await u.stop();
    const r = await runCli(['-b', u.statsAddress]);
    assert.equal(r.code, 1);
    assertOneLineError(r.stderr);
  });
});
