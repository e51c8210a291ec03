/**
 * `tsgitop demo --stack`: the whole stack people deploy, on this machine, in a private temp dir —
 * a small Flask app served by gunicorn (sync workers, the shipped stats module on a unix socket
 * 0600) — or, without gunicorn, by uWSGI with the python3 plugin (its stats server, 0600, nginx's
 * uwsgi_pass) —, nginx on a free loopback port proxying to it with a stub_status location, and a loopback
 * load generator through nginx. Every process is started in its own process group and stopped by
 * that id (SIGQUIT/SIGTERM, then SIGKILL); the temp dir is removed. A process 'exit' hook kills
 * whatever is left if the caller never reaches stop().
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadGenerator } from './load.js';

/** The Debian packages the stack needs, by what they provide. */
export const STACK_PACKAGES = { gunicorn: 'gunicorn', flask: 'python3-flask', nginx: 'nginx-light' } as const;

export interface StackTools {
  /** The app server: gunicorn (preferred) or uWSGI with the python3 plugin. */
  server: 'gunicorn' | 'uwsgi';
  /** Its executable. */
  bin: string;
  nginx: string;
}

/** Where Debian installs uWSGI's plugins. */
const UWSGI_PYTHON3 = '/usr/lib/uwsgi/plugins/python3_plugin.so';

/** An executable named `name` in PATH (nginx also in /usr/sbin and /sbin, which a user's PATH often lacks). */
function which(name: string, env: NodeJS.ProcessEnv, extra: string[] = []): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of [...dirs, ...extra]) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The interpreter of a script's `#!` line (gunicorn's python: Flask must import there). */
function interpreter(script: string): string | undefined {
  try {
    const first = readFileSync(script, 'utf8').slice(0, 200).split('\n')[0] ?? '';
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!m) return undefined;
    return m[1]!.endsWith('/env') ? m[2] : m[1];
  } catch {
    return undefined;
  }
}

/**
 * The tools, or the Debian packages missing (in install order). nginx must have stub_status;
 * gunicorn's own python must import flask.
 */
export function findStackTools(env: NodeJS.ProcessEnv = process.env): { ok: true; tools: StackTools } | { ok: false; missing: string[] } {
  const missing: string[] = [];
  const imports = (py: string): boolean => {
    const r = spawnSync(py, ['-c', 'import flask'], { env, stdio: 'ignore', timeout: 20_000 });
    return !r.error && r.status === 0;
  };
  let server: Pick<StackTools, 'server' | 'bin'> | undefined;
  const gunicorn = which('gunicorn', env);
  if (gunicorn !== undefined && imports(interpreter(gunicorn) ?? 'python3')) server = { server: 'gunicorn', bin: gunicorn };
  else {
    // uWSGI's python3 plugin embeds the system python
    const uwsgi = which('uwsgi', env);
    if (uwsgi !== undefined && existsSync(UWSGI_PYTHON3) && imports('/usr/bin/python3')) server = { server: 'uwsgi', bin: uwsgi };
    else if (gunicorn === undefined) missing.push(STACK_PACKAGES.gunicorn, STACK_PACKAGES.flask);
    else missing.push(STACK_PACKAGES.flask);
  }
  const nginx = which('nginx', env, ['/usr/sbin', '/sbin']);
  if (nginx === undefined) missing.push(STACK_PACKAGES.nginx);
  else {
    const r = spawnSync(nginx, ['-V'], { encoding: 'utf8', timeout: 10_000 });
    if (r.error || !/with-http_stub_status_module/.test(`${r.stderr}${r.stdout}`)) missing.push(STACK_PACKAGES.nginx);
  }
  return missing.length > 0 || server === undefined || nginx === undefined ? { ok: false, missing } : { ok: true, tools: { ...server, nginx } };
}

/** The demo's Flask app: the same routes as the Node demo (and the load generator's). */
const APP_PY = `"""tsgitop demo --stack: a small Flask app with fast, slow and failing routes."""
import random
import time

from flask import Flask, abort

app = Flask('tsgitop_demo')


@app.route('/')
@app.route('/fast')
def fast():
    return 'fast\\n'


@app.route('/medium')
def medium():
    time.sleep(random.uniform(0.02, 0.08))
    return 'medium\\n'


@app.route('/slow')
def slow():
    time.sleep(random.uniform(0.3, 1.2))
    return 'slow\\n'


@app.route('/fail')
def fail():
    abort(500)


@app.route('/throw')
def throw():
    raise RuntimeError('tsgitop demo: an unhandled exception')


@app.route('/large')
def large():
    return 'x' * (64 * 1024)
`;

/** The uwsgi_params Debian's nginx ships (the request vars uWSGI needs). */
const UWSGI_PARAMS = ['QUERY_STRING $query_string', 'REQUEST_METHOD $request_method', 'CONTENT_TYPE $content_type', 'CONTENT_LENGTH $content_length', 'REQUEST_URI $request_uri', 'PATH_INFO $document_uri', 'DOCUMENT_ROOT $document_root', 'SERVER_PROTOCOL $server_protocol', 'REQUEST_SCHEME $scheme', 'REMOTE_ADDR $remote_addr', 'REMOTE_PORT $remote_port', 'SERVER_PORT $server_port', 'SERVER_NAME $server_name', 'HTTP_HOST $host']
  .map((p) => `            uwsgi_param ${p};`)
  .join('\n');

function appLocation(server: StackTools['server'], upstream: number): string {
  if (server === 'uwsgi') {
    return `location / {
${UWSGI_PARAMS}
            uwsgi_pass 127.0.0.1:${upstream};
        }`;
  }
  return `location / {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_redirect off;
            proxy_pass http://app;
        }`;
}

function nginxConf(dir: string, port: number, upstream: number, server: StackTools['server']): string {
  return `worker_processes 1;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    upstream app { server 127.0.0.1:${upstream}; keepalive 8; }
    server {
        listen 127.0.0.1:${port};
        location = /nginx_status {
            stub_status;
            access_log off;
            allow 127.0.0.1;
            deny all;
        }
        ${appLocation(server, upstream)}
    }
}
`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= end) return false;
    await tick(50);
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}

/** sh -c WATCHDOG name PARENT_PID DIR: once PARENT_PID is gone, SIGKILL the groups of DIR/.pgids, remove DIR. */
const WATCHDOG = `p=$1; d=$2
while kill -0 "$p" 2>/dev/null; do sleep 1; done
for g in $(cat "$d/.pgids" 2>/dev/null); do kill -KILL -"$g" 2>/dev/null; done
rm -rf "$d"`;

interface Child {
  pgid: number;
  name: string;
  exited: () => boolean;
  /** The signal that ends it quickly (gunicorn: SIGQUIT; nginx: SIGTERM). */
  signal: NodeJS.Signals;
}

export interface Stack {
  dir: string;
  /** The app server's stats socket (0600). */
  statsAddress: string;
  /** nginx's stub_status URL. */
  statusUrl: string;
  nginxPort: number;
  /** The process group ids started (gunicorn, nginx). */
  pids: number[];
  stop(): Promise<void>;
}

export interface StackOptions {
  tools: StackTools;
  /** gunicorn sync workers or uWSGI processes (default 4). */
  workers?: number;
  /** Load lanes through nginx (default 6). */
  concurrency?: number;
}

/** The gunicorn stats module shipped in the package. */
export function gunicornModulePath(): string {
  // dist/src/demo/stack.js → ../../../python
  return fileURLToPath(new URL('../../../python/tsgitop_gunicorn.py', import.meta.url));
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-stack-'));
  // Run as root, nginx's worker drops to `nobody` and must reach its temp dirs (the files stay 0600).
  if (process.getuid?.() === 0) chmodSync(dir, 0o711);
  const children: Child[] = [];
  let load: LoadGenerator | undefined;
  let stopping: Promise<void> | undefined;
  const killAll = (): void => {
    stopWatchdog();
    for (const c of children) {
      try {
        process.kill(-c.pgid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killAll);
  // If this process dies without running its exit hook (SIGKILL, OOM), a watchdog kills the process
  // groups listed in DIR/.pgids and removes DIR; stop() ends the watchdog first.
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'tsgitop-stack-watchdog', String(process.pid), dir], { detached: true, stdio: 'ignore' });
  watchdog.once('error', () => undefined);
  watchdog.unref();
  const stopWatchdog = (): void => {
    if (watchdog.pid === undefined) return;
    try {
      process.kill(-watchdog.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      stopWatchdog();
      await load?.stop();
      for (const c of [...children].reverse()) {
        if (!c.exited() || groupAlive(c.pgid)) {
          try {
            process.kill(-c.pgid, c.signal);
          } catch {
            /* gone */
          }
        }
      }
      for (const c of children) {
        if (!(await until(() => c.exited() && !groupAlive(c.pgid), 10_000))) {
          try {
            process.kill(-c.pgid, 'SIGKILL');
          } catch {
            /* gone */
          }
          await until(() => !groupAlive(c.pgid), 5_000);
        }
      }
      rmSync(dir, { recursive: true, force: true });
      process.off('exit', killAll);
    })());
  const start = (name: string, cmd: string, args: string[], signal: NodeJS.Signals): Child => {
    const p = spawn(cmd, args, { cwd: dir, detached: true, stdio: 'ignore', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    let exited = false;
    p.once('exit', () => (exited = true));
    p.once('error', () => (exited = true));
    if (p.pid === undefined) throw new Error(`${name} could not be started (${cmd})`);
    const c: Child = { pgid: p.pid, name, exited: () => exited, signal };
    children.push(c);
    writeFileSync(join(dir, '.pgids'), `${children.map((x) => x.pgid).join(' ')}\n`, { mode: 0o600 });
    return c;
  };
  try {
    writeFileSync(join(dir, 'demo_app.py'), APP_PY, { mode: 0o600 });
    const statsAddress = join(dir, 'stats.sock');
    const workers = o.workers ?? 4;
    let upstream = 0;
    if (o.tools.server === 'gunicorn') {
      const glog = join(dir, 'gunicorn.log');
      const g = start(
        'gunicorn',
        o.tools.bin,
        ['-c', gunicornModulePath(), '--chdir', dir, '-b', '127.0.0.1:0', '-w', String(workers), '--graceful-timeout', '2', '--timeout', '30', '--error-logfile', glog, '--env', `TSGITOP_STATS=${statsAddress}`, '--env', 'TSGITOP_STATS_PATHS=1', 'demo_app:app'],
        'SIGQUIT',
      );
      const listening = (): boolean => {
        let text = '';
        try {
          text = readFileSync(glog, 'utf8');
        } catch {
          return false;
        }
        const m = /Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
        if (m) upstream = Number(m[1]);
        return upstream > 0 && existsSync(statsAddress);
      };
      if (!(await until(() => g.exited() || listening(), 30_000)) || g.exited()) throw new Error(`gunicorn did not start: ${tail(glog) || 'no log'}`);
    } else {
      const ulog = join(dir, 'uwsgi.log');
      upstream = await freePort();
      // SIGINT: uWSGI 2.0's immediate shutdown (SIGTERM would reload it); umask 077: the stats socket is owner-only from the start
      const u = start(
        'uwsgi',
        o.tools.bin,
        ['--plugin', 'python3', '--master', '--processes', String(workers), '--socket', `127.0.0.1:${upstream}`, '--stats', statsAddress, '--umask', '077', '--chdir', dir, '--module', 'demo_app:app', '--need-app', '--memory-report', '--disable-logging', '--harakiri', '30', '--logto', ulog],
        'SIGINT',
      );
      if (!(await until(async () => u.exited() || (existsSync(statsAddress) && (await accepts(upstream))), 30_000)) || u.exited()) {
        throw new Error(`uWSGI did not start: ${tail(ulog) || 'no log'}`);
      }
      // umask 077 left it 0700 (owner only): make it the 0600 of every file we write
      chmodSync(statsAddress, 0o600);
    }
    // The free port can be taken between our probe and nginx's bind: then nginx exits; try another.
    let nginxPort = 0;
    for (let attempt = 1; ; attempt++) {
      nginxPort = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, nginxPort, upstream, o.tools.server), { mode: 0o600 });
      if (process.getuid?.() === 0) chmodSync(join(dir, 'nginx.conf'), 0o644);
      const n = start('nginx', o.tools.nginx, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid;`], 'SIGTERM');
      const up = await until(async () => n.exited() || (await accepts(nginxPort)), 15_000);
      if (up && !n.exited()) break;
      const why = tail(join(dir, 'nginx-error.log'));
      if (attempt >= 3 || !/Address already in use/.test(why)) throw new Error(`nginx did not start: ${why || 'no log'}`);
    }
    load = new LoadGenerator({ port: nginxPort, concurrency: o.concurrency ?? 6, pauseMs: [20, 200] });
    load.start();
    return { dir, statsAddress, statusUrl: `http://127.0.0.1:${nginxPort}/nginx_status`, nginxPort, pids: children.map((c) => c.pgid), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
