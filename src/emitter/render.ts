/**
 * Serialises an {@link EmitterDocument} byte-for-byte in the layout of
 * uWSGI 2.0's stats writer (core/stats.c): tab indentation, `"key":value`
 * with no space, `{`/`[` followed by a newline, and the same quirks for empty
 * containers (`"vars":[\n\n\t\t\t\t\t]`) and for an object that is a value
 * (`"req_info":\t\t\t\t\t{`). With `minified` every newline and tab is
 * dropped, exactly like `--stats-minified`.
 *
 * The writer mirrors uWSGI's state machine (a `tabs` depth counter bumped by
 * object/list open and close) rather than a generic pretty printer, so
 * the output matches even where uWSGI's indentation is odd. Unlike uWSGI,
 * string values are JSON-escaped (uWSGI prints them raw, so a `"` in a cwd
 * would break its JSON); numbers are clamped to non-negative safe integers
 * (uWSGI prints unsigned 64-bit integers).
 */
import type { EmitterCore, EmitterDocument, EmitterWorker } from './doc.js';

const TABS: string[] = [];
for (let i = 0; i < 16; i++) TABS.push('\t'.repeat(i));

/** Non-negative safe integer, as uWSGI's `%llu` would print it. */
export function uint(n: number): number {
  if (!(n > 0)) return 0; // also catches NaN
  if (n >= Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  return Math.floor(n);
}

class Writer {
  out: string;
  private tabs = 1;
  private readonly nl: string;
  constructor(private readonly minified: boolean) {
    this.nl = minified ? '' : '\n';
    this.out = '{' + this.nl;
  }
  private applyTabs(): void {
    if (this.minified) return;
    this.out += TABS[this.tabs] ?? '\t'.repeat(this.tabs);
  }
  comma(): void {
    this.out += ',' + this.nl;
  }
  objectOpen(): void {
    this.applyTabs();
    if (!this.minified) this.tabs++;
    this.out += '{' + this.nl;
  }
  objectClose(): void {
    if (!this.minified) {
      this.out += '\n';
      this.tabs--;
      this.applyTabs();
    }
    this.out += '}';
  }
  listOpen(): void {
    this.tabs++;
    this.out += '[' + this.nl;
  }
  listClose(): void {
    if (!this.minified) {
      this.out += '\n';
      this.tabs--;
      this.applyTabs();
    }
    this.out += ']';
  }
  key(k: string): void {
    this.applyTabs();
    this.out += '"' + k + '":';
  }
  /** `"k":<uint>` — `k` must be a JSON-safe constant. */
  num(k: string, n: number): void {
    this.applyTabs();
    this.out += '"' + k + '":' + uint(n);
  }
  str(k: string, v: string): void {
    this.applyTabs();
    this.out += '"' + k + '":' + JSON.stringify(v);
  }
  /** uWSGI's var list items: one string per line, unindented, each followed by a comma, then `""`. */
  varList(vars: readonly string[]): void {
    for (const v of vars) this.out += JSON.stringify(v) + ',' + this.nl;
    this.out += '""';
  }
  /** Key that may contain arbitrary characters (lock names). */
  numAnyKey(k: string, n: number): void {
    this.applyTabs();
    this.out += JSON.stringify(k) + ':' + uint(n);
  }
}

function writeCore(w: Writer, c: EmitterCore): void {
  w.objectOpen();
  w.num('id', c.id);
  w.comma();
  w.num('requests', c.requests);
  w.comma();
  w.num('static_requests', c.static_requests);
  w.comma();
  w.num('routed_requests', c.routed_requests);
  w.comma();
  w.num('offloaded_requests', c.offloaded_requests);
  w.comma();
  w.num('write_errors', c.write_errors);
  w.comma();
  w.num('read_errors', c.read_errors);
  w.comma();
  w.num('in_request', c.in_request);
  w.comma();
  // Request vars: only REQUEST_METHOD and PATH_INFO, and only when the owner opted in
  // (uWSGI sends every CGI var — headers, cookies, query — the emitter never has them).
  w.key('vars');
  w.listOpen();
  if (c.vars !== undefined && c.vars.length > 0) w.varList(c.vars);
  w.listClose();
  w.comma();
  w.key('req_info');
  w.objectOpen();
  if (c.request_start !== undefined) w.num('request_start', c.request_start);
  w.objectClose();
  w.objectClose();
}

function writeWorker(w: Writer, wk: EmitterWorker): void {
  w.objectOpen();
  w.num('id', wk.id);
  w.comma();
  w.num('pid', wk.pid);
  w.comma();
  w.num('accepting', wk.accepting);
  w.comma();
  w.num('requests', wk.requests);
  w.comma();
  w.num('delta_requests', wk.delta_requests);
  w.comma();
  w.num('exceptions', wk.exceptions);
  w.comma();
  w.num('harakiri_count', wk.harakiri_count);
  w.comma();
  w.num('signals', wk.signals);
  w.comma();
  w.num('signal_queue', wk.signal_queue);
  w.comma();
  w.str('status', wk.status);
  w.comma();
  w.num('rss', wk.rss);
  w.comma();
  w.num('vsz', wk.vsz);
  w.comma();
  w.num('running_time', wk.running_time);
  w.comma();
  w.num('last_spawn', wk.last_spawn);
  w.comma();
  w.num('respawn_count', wk.respawn_count);
  w.comma();
  w.num('tx', wk.tx);
  w.comma();
  w.num('avg_rt', wk.avg_rt);
  w.comma();
  w.key('apps');
  w.listOpen();
  for (let j = 0; j < wk.apps.length; j++) {
    const a = wk.apps[j]!;
    w.objectOpen();
    w.num('id', a.id);
    w.comma();
    w.num('modifier1', a.modifier1);
    w.comma();
    w.str('mountpoint', a.mountpoint);
    w.comma();
    w.num('startup_time', a.startup_time);
    w.comma();
    w.num('requests', a.requests);
    w.comma();
    w.num('exceptions', a.exceptions);
    w.comma();
    w.str('chdir', a.chdir);
    w.objectClose();
    if (j < wk.apps.length - 1) w.comma();
  }
  w.listClose();
  w.comma();
  w.key('cores');
  w.listOpen();
  for (let j = 0; j < wk.cores.length; j++) {
    writeCore(w, wk.cores[j]!);
    if (j < wk.cores.length - 1) w.comma();
  }
  w.listClose();
  w.objectClose();
}

/**
 * Render a stats document exactly as uWSGI 2.0.21 would lay it out.
 * @param doc the document
 * @param minified drop all whitespace (uWSGI `--stats-minified`)
 * @returns the JSON text (no trailing newline, like uWSGI)
 */
export function renderDocument(doc: EmitterDocument, minified = false): string {
  const w = new Writer(minified);
  w.str('version', doc.version);
  w.comma();
  w.num('listen_queue', doc.listen_queue);
  w.comma();
  w.num('listen_queue_errors', doc.listen_queue_errors);
  w.comma();
  w.num('signal_queue', doc.signal_queue);
  w.comma();
  w.num('load', doc.load);
  w.comma();
  w.num('pid', doc.pid);
  w.comma();
  w.num('uid', doc.uid);
  w.comma();
  w.num('gid', doc.gid);
  w.comma();
  w.str('cwd', doc.cwd);
  w.comma();
  w.key('locks');
  w.listOpen();
  for (let i = 0; i < doc.locks.length; i++) {
    const lock = doc.locks[i]!;
    w.objectOpen();
    const ks = Object.keys(lock);
    for (let k = 0; k < ks.length; k++) {
      w.numAnyKey(ks[k]!, lock[ks[k]!] ?? 0);
      if (k < ks.length - 1) w.comma();
    }
    w.objectClose();
    if (i < doc.locks.length - 1) w.comma();
  }
  w.listClose();
  w.comma();
  w.key('sockets');
  w.listOpen();
  for (let i = 0; i < doc.sockets.length; i++) {
    const s = doc.sockets[i]!;
    w.objectOpen();
    w.str('name', s.name);
    w.comma();
    w.str('proto', s.proto);
    w.comma();
    w.num('queue', s.queue);
    w.comma();
    w.num('max_queue', s.max_queue);
    w.comma();
    w.num('shared', s.shared);
    w.comma();
    w.num('can_offload', s.can_offload);
    w.objectClose();
    if (i < doc.sockets.length - 1) w.comma();
  }
  w.listClose();
  w.comma();
  w.key('workers');
  w.listOpen();
  for (let i = 0; i < doc.workers.length; i++) {
    writeWorker(w, doc.workers[i]!);
    if (i < doc.workers.length - 1) w.comma();
  }
  w.listClose();
  w.objectClose();
  return w.out;
}
