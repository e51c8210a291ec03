/**
 * Test helper: a real nginx (Debian nginx-light) run like an unprivileged process, as the project
 * notes describe: `nginx -p DIR -c DIR/nginx.conf -g "daemon off; pid DIR/nginx.pid;"`, its own
 * config, error log and every *_temp_path inside a temp dir, listening on 127.0.0.1 ports only.
 * Ready = every port answers; stop() = SIGQUIT then SIGKILL of its process group, wait until gone,
 * remove the dir (idempotent; a process 'exit' hook kills leftovers).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../helpers/uwsgi.js';
import { spawnGroup } from '../helpers/group.js';
import { freePort } from '../helpers/net.js';
import type { TestContext } from 'node:test';
import { get, startGunicorn, type Gunicorn } from '../gunicorn/helpers.js';

export const NGINX = '/usr/sbin/nginx';

export function nginxAvailable(): { ok: true } | { ok: false; reason: string } {
  const r = spawnSync(existsSync(NGINX) ? NGINX : 'nginx', ['-V'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return { ok: false, reason: 'nginx not installed (apt-get install nginx-light)' };
  if (!/with-http_stub_status_module/.test(r.stderr + r.stdout)) return { ok: false, reason: 'this nginx has no stub_status module (apt-get install nginx-light)' };
  return { ok: true };
}

/** uwsgi_params as Debian ships it (used when /etc/nginx/uwsgi_params is missing). */
const UWSGI_PARAMS = `uwsgi_param QUERY_STRING $query_string;
uwsgi_param REQUEST_METHOD $request_method;
uwsgi_param CONTENT_TYPE $content_type;
uwsgi_param CONTENT_LENGTH $content_length;
uwsgi_param REQUEST_URI $request_uri;
uwsgi_param PATH_INFO $document_uri;
uwsgi_param DOCUMENT_ROOT $document_root;
uwsgi_param SERVER_PROTOCOL $server_protocol;
uwsgi_param REQUEST_SCHEME $scheme;
uwsgi_param REMOTE_ADDR $remote_addr;
uwsgi_param REMOTE_PORT $remote_port;
uwsgi_param SERVER_PORT $server_port;
uwsgi_param SERVER_NAME $server_name;
uwsgi_param HTTP_HOST $host;
`;

/** The stub_status location the README shows. */
export const STATUS_LOCATION = `location = /nginx_status {
            stub_status;
            access_log off;
            allow 127.0.0.1;
            deny all;
        }`;

/** A location serving a uWSGI over the uwsgi protocol, as the uWSGI/nginx guides write it. */
export function uwsgiLocation(upstream: string): string {
  return `location / {
            include uwsgi_params;
            uwsgi_pass ${upstream};
        }`;
}

/** A location proxying to gunicorn, as gunicorn's deployment guide writes it. */
export function proxyLocation(upstream: string, extra = ''): string {
  return `location / {
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_redirect off;
            proxy_pass http://${upstream};${extra}
        }`;
}

export interface Nginx {
  dir: string;
  /** The listening port of each server block, in order. */
  ports: number[];
  statusUrl: string;
  log(): string;
  stop(): Promise<void>;
}

/** Start nginx with one server block per `servers` entry (the body of each: its locations). */
export async function startNginx(servers: string[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-nginx-'));
  // Run as root (CI containers), nginx's workers drop to `nobody`: they must reach their temp dirs.
  if (process.getuid?.() === 0) chmodSync(dir, 0o711);
  const ports = await Promise.all(servers.map(() => freePort()));
  writeFileSync(join(dir, 'uwsgi_params'), existsSync('/etc/nginx/uwsgi_params') ? readFileSync('/etc/nginx/uwsgi_params') : UWSGI_PARAMS);
  const conf = `worker_processes 1;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${servers.map((body, i) => `    server {\n        listen 127.0.0.1:${ports[i]};\n        ${STATUS_LOCATION}\n        ${body}\n    }`).join('\n')}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const proc = spawnGroup(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid;`], dir, ['SIGQUIT']);
  const log = (): string => proc.output() + (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
  const stop = proc.stop;
  const accepts = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
  const ok = await until(async () => proc.exited() || (await Promise.all(ports.map(accepts))).every(Boolean), Date.now() + 15_000, 50);
  if (!ok || proc.exited()) {
    const text = log();
    await stop();
    throw new Error(`nginx did not start:\n${text.slice(-2000)}`);
  }
  return { dir, ports, statusUrl: `http://127.0.0.1:${ports[0]}/nginx_status`, log, stop };
}

/**
 * Keep `lanes` clients sending GET `path` through nginx (each waits for its answer), for at most
 * `ms` and `max` requests or until stop(); the statuses seen (0: no answer).
 */
export function saturate(port: number, path: string, lanes = 8, ms = 20_000, max = 300): { statuses: number[]; stop(): Promise<void> } {
  const statuses: number[] = [];
  let stopped = false;
  const end = Date.now() + ms;
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (!stopped && Date.now() < end && sent < max) {
      sent++;
      statuses.push(await get(port, path, {}, 10_000).catch(() => 0));
    }
  };
  const all = Promise.all(Array.from({ length: lanes }, lane));
  return {
    statuses,
    async stop() {
      stopped = true;
      await all;
    },
  };
}

/**
 * gunicorn with 1 sync worker and --backlog 2 behind nginx (proxy_connect_timeout 1s), kept
 * saturated by 8 lanes of /slow?s=1; resolves once its listen queue is full. Everything is stopped
 * by `t.after`.
 */
export async function saturatedStack(t: TestContext): Promise<{ g: Gunicorn; n: Nginx; load: ReturnType<typeof saturate> }> {
  const g = await startGunicorn({ workers: 1, backlog: 2 });
  t.after(() => g.stop());
  const n = await startNginx([proxyLocation(`127.0.0.1:${g.port}`, '\n            proxy_connect_timeout 1s;')]);
  t.after(() => n.stop());
  const load = saturate(n.ports[0]!, '/slow?s=1');
  t.after(() => load.stop());
  await g.waitDoc((d) => d.sockets[0]!.queue >= d.sockets[0]!.max_queue, 'the listen queue full');
  return { g, n, load };
}
