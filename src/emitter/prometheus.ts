/**
 * Prometheus text exposition (format 0.0.4) of a stats document. Metric
 * names and meanings are listed in src/emitter/README.md. Names follow
 * the community uWSGI exporter where one exists, but no series carries the
 * worker `status` as a label on a counter (a label that changes would break
 * the counter's series); status is exposed as its own gauge.
 */
import type { EmitterDocument } from './doc.js';

/** Escape a label value: backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escape HELP text: backslash and newline. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function fmt(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

class Exposition {
  private out = '';
  family(name: string, type: 'gauge' | 'counter', help: string): void {
    this.out += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  }
  sample(name: string, labels: string, value: number): void {
    this.out += labels ? `${name}{${labels}} ${fmt(value)}\n` : `${name} ${fmt(value)}\n`;
  }
  text(): string {
    return this.out;
  }
}

function lbl(pairs: Array<[string, string | number]>): string {
  return pairs.map(([k, v]) => `${k}="${escapeLabelValue(String(v))}"`).join(',');
}

type WorkerMetric = [name: string, type: 'gauge' | 'counter', help: string, get: (w: EmitterDocument['workers'][number]) => number];

const WORKER_METRICS: WorkerMetric[] = [
  ['uwsgi_worker_requests_total', 'counter', 'Requests served by the worker (slot), across respawns.', (w) => w.requests],
  ['uwsgi_worker_delta_requests', 'gauge', 'Requests served since the worker was last (re)spawned.', (w) => w.delta_requests],
  ['uwsgi_worker_exceptions_total', 'counter', 'Requests that ended in an exception (handler threw, response error, or status >= 500).', (w) => w.exceptions],
  ['uwsgi_worker_harakiri_count_total', 'counter', 'Harakiri kills (always 0 for Node.js).', (w) => w.harakiri_count],
  ['uwsgi_worker_signals_total', 'counter', 'uWSGI signals handled (always 0 for Node.js).', (w) => w.signals],
  ['uwsgi_worker_respawn_count_total', 'counter', 'Times the worker slot was spawned (1 for the first spawn).', (w) => w.respawn_count],
  ['uwsgi_worker_transmitted_bytes_total', 'counter', 'Response bytes written (status line, headers and body).', (w) => w.tx],
  ['uwsgi_worker_running_time_seconds_total', 'counter', 'Time spent serving requests.', (w) => w.running_time / 1e6],
  ['uwsgi_worker_average_response_time_seconds', 'gauge', 'uWSGI running average response time: avg = (avg + rt) / 2 per request.', (w) => w.avg_rt / 1e6],
  ['uwsgi_worker_accepting', 'gauge', '1 if the worker is accepting requests.', (w) => w.accepting],
  ['uwsgi_worker_busy', 'gauge', '1 if the worker is serving at least one request.', (w) => (w.status === 'busy' ? 1 : 0)],
  ['uwsgi_worker_rss_bytes', 'gauge', 'Worker resident memory.', (w) => w.rss],
  ['uwsgi_worker_vsz_bytes', 'gauge', 'Worker virtual memory size (0 if unknown).', (w) => w.vsz],
  ['uwsgi_worker_last_spawn_time_seconds', 'gauge', 'Unix time of the last (re)spawn of the worker slot.', (w) => w.last_spawn],
  ['uwsgi_worker_pid', 'gauge', 'Process id of the worker (0 if the slot has no live process).', (w) => w.pid],
];

/**
 * Render the document as Prometheus text.
 * @returns exposition text, ending with a newline
 */
export function renderPrometheus(doc: EmitterDocument): string {
  const e = new Exposition();
  e.family('uwsgi_info', 'gauge', 'Stats emitter identity; the value is always 1.');
  e.sample('uwsgi_info', lbl([['version', doc.version]]), 1);
  e.family('uwsgi_listen_queue_length', 'gauge', 'Connections waiting in the listen (accept) queues.');
  e.sample('uwsgi_listen_queue_length', '', doc.listen_queue);
  e.family('uwsgi_listen_queue_errors_total', 'counter', 'Samples that found a listen queue full.');
  e.sample('uwsgi_listen_queue_errors_total', '', doc.listen_queue_errors);
  e.family('uwsgi_signal_queue_length', 'gauge', 'uWSGI signal queue length (always 0 for Node.js).');
  e.sample('uwsgi_signal_queue_length', '', doc.signal_queue);
  e.family('uwsgi_workers', 'gauge', 'Worker slots.');
  e.sample('uwsgi_workers', '', doc.workers.length);

  const socketMetrics: Array<[string, string, (s: EmitterDocument['sockets'][number]) => number]> = [
    ['uwsgi_socket_queue_length', 'Connections waiting in the socket accept queue.', (s) => s.queue],
    ['uwsgi_socket_max_queue_length', 'Maximum accept queue length (listen backlog).', (s) => s.max_queue],
  ];
  for (const [name, help, get] of socketMetrics) {
    e.family(name, 'gauge', help);
    for (const s of doc.sockets) e.sample(name, lbl([['name', s.name], ['proto', s.proto]]), get(s));
  }

  // label strings built once per worker / core (ids are integers: nothing to escape)
  const wl = doc.workers.map((w) => `worker_id="${w.id}"`);
  for (const [name, type, help, get] of WORKER_METRICS) {
    e.family(name, type, help);
    for (let i = 0; i < doc.workers.length; i++) e.sample(name, wl[i]!, get(doc.workers[i]!));
  }
  e.family('uwsgi_worker_status', 'gauge', 'Worker status (idle, busy, cheap, pause): 1 for the current status.');
  for (let i = 0; i < doc.workers.length; i++) e.sample('uwsgi_worker_status', `${wl[i]!},status="${escapeLabelValue(doc.workers[i]!.status)}"`, 1);

  const coreMetrics: Array<[string, 'gauge' | 'counter', string, (c: EmitterDocument['workers'][number]['cores'][number]) => number]> = [
    ['uwsgi_worker_core_requests_total', 'counter', 'Requests served by the core (concurrent request slot).', (c) => c.requests],
    ['uwsgi_worker_core_in_request', 'gauge', '1 if the core is serving a request.', (c) => c.in_request],
    ['uwsgi_worker_core_write_errors_total', 'counter', 'Responses not completely written (client went away).', (c) => c.write_errors],
    ['uwsgi_worker_core_read_errors_total', 'counter', 'Request bodies not completely received.', (c) => c.read_errors],
  ];
  const cl = doc.workers.map((w, i) => w.cores.map((c) => `${wl[i]!},core_id="${c.id}"`));
  for (const [name, type, help, get] of coreMetrics) {
    e.family(name, type, help);
    for (let i = 0; i < doc.workers.length; i++) {
      const cores = doc.workers[i]!.cores;
      const labels = cl[i]!;
      for (let j = 0; j < cores.length; j++) e.sample(name, labels[j]!, get(cores[j]!));
    }
  }
  return e.text();
}
