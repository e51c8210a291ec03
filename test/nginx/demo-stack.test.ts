/**
 * `tsgitop demo --stack` as a person runs it: in tmux, it starts nginx-light → gunicorn (stats
 * module) → a Flask app under load in a private temp dir and opens the monitor with the nginx front
 * line; q stops everything it started (no nginx, gunicorn or python process of its dir is left, the
 * dir is gone) and the terminal is restored. Without the packages: one line naming them, exit 1.
 */
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, assertOneLineError, runCli } from '../cli/run-cli.js';
import { TmuxSession, assertTerminalRestored, tmuxAvailable } from '../helpers/tmux.js';
import { until, uwsgiAvailable } from '../helpers/uwsgi.js';
import { GUNICORN, pythonAvailable } from '../gunicorn/helpers.js';
import { nginxAvailable } from './helpers.js';

const UWSGI_BIN = '/usr/bin/uwsgi';

function uwsgiSkip(): string | undefined {
  const u = uwsgiAvailable();
  if (!u.ok) return u.reason;
  return existsSync(UWSGI_BIN) ? undefined : `${UWSGI_BIN} missing (apt-get install uwsgi-core)`;
}

function skipReason(): string | undefined {
  const n = nginxAvailable();
  if (!n.ok) return n.reason;
  const g = pythonAvailable('flask');
  if (!g.ok) return g.reason;
  return tmuxAvailable();
}

/** Pids whose command line mentions `dir` (gunicorn: --chdir DIR; its workers; nginx: -p DIR), and their children. */
function pidsUsing(dir: string): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) out.push({ pid: Number(e), cmd });
    } catch {
      /* gone */
    }
  }
  // and their children (nginx's worker process names no dir)
  for (const p of [...out]) {
    try {
      for (const c of readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)) {
        if (!out.some((o) => o.pid === c)) out.push({ pid: c, cmd: readFileSync(`/proc/${c}/cmdline`, 'utf8').replace(/\0/g, ' ') });
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \S+ Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x'));
  } catch {
    return false;
  }
}

const CASES = [
  { server: 'gunicorn', how: 'q' },
  { server: 'gunicorn', how: 'C-c' },
  { server: 'gunicorn', how: 'SIGTERM' },
  { server: 'uWSGI', how: 'q' },
] as const;

for (const { server, how } of CASES) {
  test(`demo --stack in tmux: nginx front line and ${server} workers on screen; ${how} stops everything and restores the terminal`, async (t) => {
    const why = skipReason() ?? (server === 'uWSGI' ? uwsgiSkip() : undefined);
    if (why) return t.skip(why);
    let command = `node ${BIN} demo --stack --no-color`;
    if (server === 'uWSGI') {
      // without gunicorn in PATH, the stack runs uWSGI (python3 plugin) behind nginx's uwsgi_pass
      const bin = mkdtempSync(join(tmpdir(), 'tsgitop-upath-'));
      t.after(() => rmSync(bin, { recursive: true, force: true }));
      symlinkSync(UWSGI_BIN, join(bin, 'uwsgi'));
      command = `PATH=${bin} ${process.execPath} ${BIN} demo --stack --no-color`;
    }
    const tm = TmuxSession.start(t, command, { name: 'stack', cols: 140, rows: 35 });
    let dir: string | undefined;
    t.after(() => {
      // last resort if an assertion failed before the demo stopped
      if (dir) for (const p of pidsUsing(dir)) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const screen = await tm.waitScreen(
      (s) => new RegExp(`nginx [\\d.]+ req/s {2}conns \\d+ \\(w \\d+\\) {2}→ {2}${server} [1-9][\\d.]* req/s {2}busy \\d/4`).test(s) && /cwd (\/\S*tsgitop-stack-\S+)/.test(s),
      `the nginx front line beside 4 ${server} workers with traffic`,
      45_000,
    );
    if (process.env.SHOW_SCREEN) console.log(screen);
    dir = /cwd (\/\S*tsgitop-stack-\S+)/.exec(screen)![1]!;
    assert.ok(existsSync(dir), `the stack's temp dir ${dir} exists while it runs`);
    const lines = screen.split('\n');
    const at = lines.findIndex((l) => /^\s*nginx [\d.]+ req\/s/.test(l));
    assert.ok(at >= 0 && at < 3, `the front line is at the top:\n${screen}`);
    assert.match(screen, /workers 4 /, 'the header counts 4 gunicorn workers');
    // the table: one row per worker with a pid
    const rows = lines.filter((l) => /^\s+[1-4]\s+[\d.]+\s+\d+\s+\d+/.test(l));
    assert.equal(rows.length, 4, screen);
    const procs = pidsUsing(dir);
    assert.ok(procs.some((p) => /nginx: master/.test(p.cmd)) && procs.some((p) => /nginx: worker/.test(p.cmd)), `nginx master and worker of the stack run: ${JSON.stringify(procs)}`);
    const re = server === 'uWSGI' ? /uwsgi/ : /gunicorn/;
    assert.ok(procs.filter((p) => re.test(p.cmd)).length >= 5, `${server} master + 4 workers run: ${JSON.stringify(procs)}`);
    // the stats socket is the owner's only
    const st = (await import('node:fs')).statSync(join(dir, 'stats.sock'));
    assert.equal(st.mode & 0o777, 0o600);

    if (how === 'SIGTERM') {
      // the demo's node process: the child of the pane's shell
      const shell = Number(tm.display('#{pane_pid}'));
      const kids = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/).map(Number);
      assert.equal(kids.length, 1, `one child of the pane's shell: ${kids.join(',')}`);
      process.kill(kids[0]!, 'SIGTERM');
    } else tm.keys(how);
    const stty = await tm.exited(30_000);
    // q and Ctrl-C (a key in the monitor) quit with 0; SIGTERM with 143
    assert.match(stty, how === 'SIGTERM' ? /^exit=143$/m : /^exit=0$/m);
    assertTerminalRestored(tm, stty);
    // nothing it started is left (the pids seen, or any process naming its dir), and the dir is gone
    const gone = await until(() => procs.every((p) => !alive(p.pid)) && pidsUsing(dir!).length === 0, Date.now() + 5_000);
    assert.ok(gone, `left: ${JSON.stringify(pidsUsing(dir).concat(procs.filter((p) => alive(p.pid))))}`);
    assert.equal(existsSync(dir), false, `${dir} removed`);
  });
}

test('demo --stack without the packages: one line naming the Debian packages, exit 1', async (t) => {
  // A PATH with nothing in it: no gunicorn (nginx may still be found in /usr/sbin).
  const empty = mkdtempSync(join(tmpdir(), 'tsgitop-nopath-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  const r = await runCli(['demo', '--stack'], { env: { PATH: empty } });
  assert.equal(r.code, 1, r.stderr);
  assertOneLineError(r.stderr);
  assert.match(r.stderr, /^tsgitop: demo --stack needs nginx \(with stub_status\), gunicorn and Flask: apt-get install gunicorn python3-flask( nginx-light)?\n$/);
  assert.equal(r.stdout.length, 0);

  // gunicorn and Flask there, but an "nginx" without stub_status first in PATH: only nginx-light is named.
  const g = pythonAvailable('flask');
  if (!g.ok || !existsSync(GUNICORN)) return t.skip(g.ok ? 'gunicorn not installed (apt-get install gunicorn)' : g.reason);
  const fake = mkdtempSync(join(tmpdir(), 'tsgitop-fakepath-'));
  t.after(() => rmSync(fake, { recursive: true, force: true }));
  symlinkSync(GUNICORN, join(fake, 'gunicorn'));
  writeFileSync(join(fake, 'nginx'), '#!/bin/sh\necho "nginx version: fake" >&2\nexit 0\n', { mode: 0o755 });
  const r2 = await runCli(['demo', '--stack'], { env: { PATH: fake } });
  assert.equal(r2.code, 1, r2.stderr);
  assertOneLineError(r2.stderr);
  assert.match(r2.stderr, /apt-get install nginx-light\n$/);
});

test('demo --stack --no-monitor prints the stats address and --front URL, serves until SIGINT, then leaves nothing', async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  const child = spawn(process.execPath, [BIN, 'demo', '--stack', '--no-monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let dir: string | undefined;
  t.after(async () => {
    // an assertion failed first: stop the demo as a user would (it stops its stack), then by force
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      if (!(await until(() => child.exitCode !== null || child.signalCode !== null, Date.now() + 15_000))) child.kill('SIGKILL');
    }
    if (dir) for (const p of pidsUsing(dir)) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  assert.ok(await until(() => out.includes('\n') || child.exitCode !== null, Date.now() + 45_000), `no address printed; stderr: ${err}`);
  const m = /^(\/\S*tsgitop-stack-[^/\s]+)\/stats\.sock --front (http:\/\/127\.0\.0\.1:\d+\/nginx_status)\n$/.exec(out);
  assert.ok(m, `stdout: ${JSON.stringify(out)} stderr: ${err}`);
  dir = m[1]!;
  // the address and URL are real: tsgitop reads them, the front line counts the load through nginx
  const r = await runCli(['-b', '-n', '2', '-f', '0.5', '--width', '160', '--front', m[2]!, `${dir}/stats.sock`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString(), /^nginx [\d.]+ req\/s {2}conns \d+ \(w \d+\) {2}→ {2}gunicorn [1-9][\d.]* req\/s {2}busy \d\/4/m);
  assert.ok(await until(() => pidsUsing(dir!).filter((p) => !/watchdog|^sleep/.test(p.cmd)).length >= 7, Date.now() + 20_000), `gunicorn master + 4 workers, nginx master + worker: ${JSON.stringify(pidsUsing(dir))}`);
  const procs = pidsUsing(dir);
  child.kill('SIGINT');
  assert.equal(await closed, 0, err);
  assert.deepEqual(procs.filter((p) => alive(p.pid)), []);
  assert.equal(existsSync(dir), false);
});

test('demo --stack when nginx fails to start: one line saying so, exit 1, gunicorn stopped and the dir removed', async (t) => {
  const g = pythonAvailable('flask');
  if (!g.ok || !existsSync(GUNICORN)) return t.skip(g.ok ? 'gunicorn not installed (apt-get install gunicorn)' : g.reason);
  const fake = mkdtempSync(join(tmpdir(), 'tsgitop-fakepath-'));
  t.after(() => rmSync(fake, { recursive: true, force: true }));
  symlinkSync(GUNICORN, join(fake, 'gunicorn'));
  // an "nginx" that has stub_status but cannot start
  writeFileSync(join(fake, 'nginx'), '#!/bin/sh\nif [ "$1" = -V ]; then echo "configure arguments: --with-http_stub_status_module" >&2; exit 0; fi\necho "nginx: [emerg] refused by the test" >&2\nexit 1\n', { mode: 0o755 });
  const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('tsgitop-stack-')));
  const r = await runCli(['demo', '--stack'], { env: { PATH: fake }, timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  assertOneLineError(r.stderr);
  assert.match(r.stderr, /^tsgitop: the stack demo could not start: nginx did not start/);
  const left = readdirSync(tmpdir()).filter((n) => n.startsWith('tsgitop-stack-') && !before.has(n));
  assert.deepEqual(left, [], 'no temp dir of the stack is left');
  for (const n of left) rmSync(join(tmpdir(), n), { recursive: true, force: true });
});

test('demo --stack killed with SIGKILL: its watchdog stops nginx and gunicorn and removes the dir', async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  const child = spawn(process.execPath, [BIN, 'demo', '--stack', '--no-monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.resume();
  let dir: string | undefined;
  t.after(() => {
    child.kill('SIGKILL');
    if (dir) for (const p of pidsUsing(dir)) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  assert.ok(await until(() => out.includes('\n') || child.exitCode !== null, Date.now() + 45_000), 'no address printed');
  dir = /^(\/\S*tsgitop-stack-[^/\s]+)\/stats\.sock /.exec(out)![1]!;
  // the address is printed once gunicorn listens; its workers may still be booting
  const servers = (): Array<{ pid: number; cmd: string }> => pidsUsing(dir!).filter((p) => !/watchdog|^sleep/.test(p.cmd));
  assert.ok(await until(() => servers().length >= 7, Date.now() + 20_000), `gunicorn master + 4 workers, nginx master + worker: ${JSON.stringify(pidsUsing(dir))}`);
  const procs = pidsUsing(dir);
  assert.ok(procs.some((p) => /watchdog/.test(p.cmd)), `a watchdog runs: ${JSON.stringify(procs)}`);
  child.kill('SIGKILL');
  // the watchdog polls once a second
  const gone = await until(() => procs.every((p) => !alive(p.pid)) && pidsUsing(dir!).length === 0 && !existsSync(dir!), Date.now() + 10_000);
  assert.ok(gone, `left: ${JSON.stringify(procs.filter((p) => alive(p.pid)))} dir exists: ${existsSync(dir)}`);
});
