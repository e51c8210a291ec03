/**
 * The reader and parser against a real uWSGI 2.0 (Debian uwsgi-core +
 * uwsgi-plugin-python3): unix, TCP, --stats-http, abstract and Emperor stats
 * servers. Skipped with a reason when uWSGI is not installed.
 */
import { freePort } from '../helpers/net.js';
import { runCli, assertOneLineError } from '../cli/run-cli.js';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { parseAddress } from '../../src/protocol/address.js';
import { readRaw, fetchStats } from '../../src/protocol/reader.js';
import type { StatsDocument, StatsSnapshot } from '../../src/protocol/types.js';
import { randomName, rejectsWith, tempDir, waitFor } from './helpers.js';
import { bracketed } from '../helpers/uwsgi.js';

const T = { timeout: 90_000 };
const PLUGIN = '/usr/lib/uwsgi/plugins/python3_plugin.so';

function whyNoUwsgi(): string | undefined {
  const r = spawnSync('uwsgi', ['--version'], { encoding: 'utf8' });
  if (r.error) return `uwsgi not installed: ${r.error.message}`;
  if (r.status !== 0) return `uwsgi --version exited ${r.status}`;
  if (!existsSync(PLUGIN)) return `uwsgi-plugin-python3 not installed: no ${PLUGIN}`;
  return undefined;
}
const missing = whyNoUwsgi();

const APP = `def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok\\n']
`;

interface Uwsgi {
  child: ChildProcess;
  log: string;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stop a uWSGI master (SIGTERM with --die-on-term), SIGKILL its group if it lingers, and verify it is gone. */
async function stop(u: Uwsgi): Promise<void> {
  const pid = u.child.pid;
  if (pid === undefined) return;
  if (u.child.exitCode === null && u.child.signalCode === null) {
    const exited = new Promise<void>((r) => u.child.once('exit', () => r()));
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 15_000)))]);
    clearTimeout(timer);
    if (!inTime) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  // Workers / vassals share the master's process group (it was started detached).
  await waitFor(() => !groupAlive(pid), `uWSGI process group ${pid} to exit`, 15_000, 50).catch(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  assert.equal(groupAlive(pid), false, `uWSGI group ${pid} still alive`);
}

function startUwsgi(t: TestContext, dir: string, args: string[]): Uwsgi {
  const app = join(dir, 'app.py');
  if (!existsSync(app)) writeFileSync(app, APP);
  const logPath = join(dir, `uwsgi-${randomName('')}.log`);
  const fd = openSync(logPath, 'w');
  const child = spawn('uwsgi', ['--plugin', 'python3', '--die-on-term', ...args], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const u: Uwsgi = {
    child,
    get log() {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
  };
  t.after(() => stop(u));
  return u;
}

function serverArgs(dir: string, processes = 2): string[] {
  return ['--master', '--processes', String(processes), '--http-socket', '127.0.0.1:0', '--wsgi-file', join(dir, 'app.py')];
}

/** Poll until a document can be fetched (uWSGI is up), or fail with its log. */
async function ready(u: Uwsgi, addrText: string, accept: (d: StatsDocument) => boolean = () => true): Promise<StatsDocument> {
  const addr = parseAddress(addrText);
  let doc: StatsDocument | undefined;
  await waitFor(
    async () => {
      if (u.child.exitCode !== null) throw new Error(`uwsgi exited ${u.child.exitCode}: ${u.log.slice(-2000)}`);
      try {
        const r = await fetchStats(addr, { timeoutMs: 2000 });
        if (!accept(r.doc)) return false;
        doc = r.doc;
        return true;
      } catch {
        return false;
      }
    },
    `uWSGI stats on ${addrText}`,
    30_000,
    100,
  ).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}; uwsgi log: ${u.log.slice(-2000)}`);
  });
  assert.ok(doc);
  return doc;
}

function server(d: StatsDocument): StatsSnapshot {
  assert.equal(d.kind, 'server');
  return d as StatsSnapshot;
}

/** Structural checks every uWSGI 2.0.21 server document passes; also catches fields we do not model. */
function checkServerDoc(d: StatsSnapshot, workers: number): void {
  assert.match(d.version ?? '', /^2\.0\./);
  assert.equal(typeof d.pid, 'number');
  assert.equal(typeof d.load, 'number');
  assert.ok(Array.isArray(d.locks) && d.locks.length > 0);
  assert.equal(d.sockets?.[0]?.proto, 'http');
  assert.deepEqual(d.extra, {}, 'no unmodelled top-level fields');
  assert.equal(d.workers.length, workers);
  d.workers.forEach((w, i) => {
    assert.equal(w.id, i + 1);
    assert.equal(typeof w.pid, 'number');
    assert.equal(typeof w.status, 'string');
    assert.equal(typeof w.last_spawn, 'number');
    assert.equal(w.extra, undefined, `no unmodelled fields in worker ${i}`);
    assert.ok(w.cores && w.cores.length >= 1);
    for (const c of w.cores) {
      assert.equal(typeof c.in_request, 'boolean');
      assert.ok(Array.isArray(c.vars));
      assert.equal(c.extra, undefined, 'no unmodelled fields in a core');
    }
    for (const a of w.apps ?? []) assert.equal(a.extra, undefined, 'no unmodelled fields in an app');
  });
}

function keyPaths(v: unknown, p = '$', out = new Set<string>()): Set<string> {
  out.add(p);
  if (Array.isArray(v)) v.forEach((c) => keyPaths(c, p + '[]', out));
  else if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) keyPaths(c, `${p}.${k}`, out);
  return out;
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

test('uWSGI --stats on a unix socket: bytes, format, counters', T, async (t) => {
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const sock = join(dir, 's.sock');
  const u = startUwsgi(t, dir, [...serverArgs(dir), '--stats', sock]);
  const d0 = server(await ready(u, sock));
  checkServerDoc(d0, 2);

  const raw = await readRaw(parseAddress(sock));
  const text = raw.toString('utf8');
  assert.ok(text.startsWith('{\n\t"version":"2.0.'), 'tab-indented, "key":value without a space');
  assert.ok(text.endsWith('}'), 'no trailing newline');
  assert.match(text, /"vars":\[\n\n\t+\]/, 'empty vars print as [\\n\\n]');

  // Same structure as uWSGI's own client prints (to stderr).
  const own = spawnSync('uwsgi', ['--connect-and-read', sock], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(own.status, 0, own.stderr);
  assert.deepEqual([...keyPaths(JSON.parse(own.stderr))].sort(), [...keyPaths(JSON.parse(text))].sort());

  // Serve requests and watch the counters move.
  const httpName = d0.sockets?.[0]?.name ?? '';
  assert.match(httpName, /^127\.0\.0\.1:\d+$/);
  for (let i = 0; i < 6; i++) assert.equal(await get(`http://${httpName}/`), 200);
  const d1 = server(
    await ready(u, sock, (d) => d.kind === 'server' && d.workers.reduce((n, w) => n + (w.requests ?? 0), 0) >= 6),
  );
  const total = d1.workers.reduce((n, w) => n + (w.requests ?? 0), 0);
  assert.equal(total, 6);
  assert.equal(
    d1.workers.reduce((n, w) => n + (w.cores ?? []).reduce((m, c) => m + (c.requests ?? 0), 0), 0),
    6,
    'core requests add up to worker requests',
  );
  assert.ok(d1.workers.some((w) => (w.tx ?? 0) > 0));
});

test('uWSGI --stats on 127.0.0.1:PORT (host:port and :port forms)', T, async (t) => {
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const port = await freePort();
  const u = startUwsgi(t, dir, [...serverArgs(dir), '--stats', `127.0.0.1:${port}`, '--threads', '2']);
  checkServerDoc(server(await ready(u, `127.0.0.1:${port}`)), 2);
  const d = server((await fetchStats(parseAddress(`:${port}`))).doc);
  assert.equal(d.workers[0]?.cores?.length, 2, '--threads 2 gives two cores per worker');
});

test('uWSGI --stats-http --stats-minified: read over http://, and the raw form is told to use http://', T, async (t) => {
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const port = await freePort();
  const u = startUwsgi(t, dir, [...serverArgs(dir), '--stats', `127.0.0.1:${port}`, '--stats-http', '--stats-minified', '--memory-report']);
  const url = `http://127.0.0.1:${port}/`;
  checkServerDoc(server(await ready(u, url)), 2);
  const raw = await readRaw(parseAddress(url));
  assert.ok(!raw.includes('\n\t'), 'minified');
  assert.equal(raw[0], 0x7b);
  // uWSGI's --stats-http waits for a request before answering: the raw protocol gets nothing.
  const e = await rejectsWith(readRaw(parseAddress(`127.0.0.1:${port}`), { timeoutMs: 500 }), 'TIMEOUT');
  assert.match(e.message, /nothing received; a --stats-http server needs http:\/\/127\.0\.0\.1:\d+\//);
});

test('uWSGI --stats @abstract', T, async (t) => {
  if (missing) return t.skip(missing);
  if (process.platform !== 'linux') return t.skip('abstract sockets are Linux-only');
  const dir = tempDir(t);
  const name = randomName();
  const u = startUwsgi(t, dir, [...serverArgs(dir, 1), '--stats', '@' + name]);
  await waitFor(() => u.log.includes(`Stats server enabled on @${name}`), 'the stats server', 30_000, 50);
  // uWSGI binds "\0NAME\0". libuv < 1.48 (Node 20) can only connect to NUL-padded names, so the
  // reader goes through `uwsgi --connect-and-read` there; newer libuv connects directly. Either way
  // the document arrives, byte for byte what uWSGI's own client prints.
  checkServerDoc(server((await fetchStats(parseAddress('@' + name))).doc), 1);
  // Read between two reads by uWSGI that agree: a fresh master still fills some fields for a moment.
  const { theirs, ours: raw } = await bracketed('@' + name, () => readRaw(parseAddress('@' + name)));
  assert.ok(raw.equals(theirs), 'same bytes as uwsgi --connect-and-read');
  const [major = 0, minor = 0] = process.versions.uv.split('.').map(Number);
  if (major === 1 && minor < 48) {
    // Without a uwsgi binary on PATH: a clear one-line error naming the way out, exit 1.
    const r = await runCli(['--connect-and-read', '@' + name], { env: { PATH: '/nonexistent' } });
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r.stderr);
    assert.match(r.stderr, /exists under a different length \(uWSGI binds "@NAME" with a trailing NUL byte\).*install uwsgi/);
  }
});

test('uWSGI Emperor --emperor-stats: an Emperor document with its vassal', T, async (t) => {
  if (missing) return t.skip(missing);
  const dir = tempDir(t);
  const vassals = join(dir, 'vassals');
  mkdirSync(vassals);
  writeFileSync(join(dir, 'app.py'), APP);
  writeFileSync(
    join(vassals, 'app.ini'),
    `[uwsgi]\nplugin = python3\nmaster = true\nprocesses = 1\nhttp-socket = 127.0.0.1:0\nwsgi-file = ${join(dir, 'app.py')}\n`,
  );
  const sock = join(dir, 'emperor.sock');
  const u = startUwsgi(t, dir, ['--emperor', vassals, '--emperor-stats', sock]);
  const d = await ready(u, sock, (doc) => doc.kind === 'emperor' && doc.vassals.length === 1 && (doc.vassals[0]?.pid ?? 0) > 0);
  assert.equal(d.kind, 'emperor');
  if (d.kind !== 'emperor') return;
  assert.match(d.version ?? '', /^2\.0\./);
  assert.deepEqual(d.emperor, [vassals]);
  assert.equal(d.emperor_tyrant, false);
  assert.equal(d.vassals[0]?.id, 'app.ini');
  assert.equal(typeof d.vassals[0]?.extra['born'], 'number');
});
