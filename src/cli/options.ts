/**
 * THE option table of the command line (issue 14 points 7 and 8): one record
 * per option — flags, value name, description, default, group. Commander is
 * configured from it (main.ts), and `--help` (help.ts), the man page
 * (man.ts → tsgitop.1) and the shell completions (completion.ts) are
 * generated from it, so none of them can drift from what the parser accepts.
 *
 * Pure data plus tiny helpers; no commander import here.
 */
import { DEFAULT_DIAGNOSIS } from '../model/diagnosis.js';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT } from './defaults.js';

export type OptionGroup = 'modes' | 'connection' | 'display' | 'batch' | 'recording' | 'fleet' | 'diagnosis' | 'front';

/** What kind of value an option takes, for completion (files, addresses, column ids). */
export type ValueKind = 'address' | 'file' | 'column' | 'url' | 'number';

export interface OptionSpec {
  /** `-f, --frequency` or `--pretty` (no value name). */
  flags: string;
  /** The value name as commander shows it in its errors (`<seconds>`), without brackets. */
  value?: string;
  /** What completion offers for the value. */
  kind?: ValueKind;
  description: string;
  /** The default commander gets (a string, as values.ts parses it) and help prints. */
  default?: string;
  /** A default that is not a fixed value, for help only ("terminal width, or 200"). */
  defaultText?: string;
  group: OptionGroup;
}

export const GROUP_TITLES: Readonly<Record<OptionGroup, string>> = {
  modes: 'Modes',
  connection: 'Connection',
  display: 'Display (monitor and batch)',
  batch: 'Batch output (-b, or stdout not a terminal)',
  recording: 'Recording and replay',
  fleet: 'Fleet (several servers)',
  diagnosis: 'Diagnosis thresholds',
  front: 'Front (nginx) and gunicorn',
};

const D = DEFAULT_DIAGNOSIS;

/** The root command's options, in help order within each group. */
export const ROOT_OPTIONS: readonly OptionSpec[] = [
  // modes
  { group: 'modes', flags: '--connect-and-read', value: 'address', kind: 'address', description: 'print the stats document once, exactly as received, and exit' },
  { group: 'modes', flags: '--pretty', description: 'with --connect-and-read: re-indent the JSON (2 spaces)' },
  { group: 'modes', flags: '-b, --batch', description: 'batch mode: print the worker table as plain text (automatic when stdout is not a terminal)' },
  { group: 'modes', flags: '--help-columns', description: 'list the columns of every table (workers, cores, vassals, fleet) and exit' },
  { group: 'modes', flags: '--help-keys', description: 'list the keys of the monitor, of a replay and of the fleet view, and exit' },
  { group: 'modes', flags: '-v, --version', description: 'print the version and exit' },
  { group: 'modes', flags: '-h, --help', description: 'show this help and exit' },
  // connection
  { group: 'connection', flags: '-t, --timeout', value: 'seconds', kind: 'number', description: 'connect + read timeout for one stats read', default: DEFAULT_TIMEOUT },
  { group: 'connection', flags: '--max-bytes', value: 'size', kind: 'number', description: 'refuse a stats document larger than this (65536, 512K, 64M, 1G; real uWSGI: 0.5 MB idle, 9 MB with 2048 requests in flight)', default: DEFAULT_MAX_BYTES },
  // display
  { group: 'display', flags: '-f, --frequency', value: 'seconds', kind: 'number', description: 'refresh interval in seconds (fractional allowed)', default: '1' },
  { group: 'display', flags: '-s, --sort', value: 'column', kind: 'column', description: 'sort by this column id (e.g. rps, req, rss); see --help-columns', defaultText: 'wid' },
  { group: 'display', flags: '-r, --reverse', description: "reverse the sort column's default order (rates, memory and times sort biggest first)" },
  { group: 'display', flags: '--no-color', description: 'no colours (also when NO_COLOR is set)' },
  // batch
  { group: 'batch', flags: '-n, --iterations', value: 'n', kind: 'number', description: 'number of tables to print', default: '1' },
  { group: 'batch', flags: '--json', description: 'one JSON line per iteration with the computed rates' },
  { group: 'batch', flags: '--cores', description: "list each worker's cores under it" },
  { group: 'batch', flags: '--width', value: 'columns', kind: 'number', description: 'table width', defaultText: 'terminal width, or 200 when not a terminal' },
  // recording
  { group: 'recording', flags: '--record', value: 'file', kind: 'file', description: 'append every snapshot read to FILE (JSON lines, mode 0600, rotated at 64 MiB, 3 generations kept)' },
  { group: 'recording', flags: '--replay', value: 'file', kind: 'file', description: 'play a recording back in the live monitor (a fleet recording: in the fleet view)' },
  { group: 'recording', flags: '--speed', value: 'factor', kind: 'number', description: 'with --replay: playback speed, 0.25 to 16', default: '1' },
  { group: 'recording', flags: '--replay-target', value: 'label', description: 'with --replay of a fleet recording: play only this target, in the monitor' },
  // fleet
  { group: 'fleet', flags: '--targets', value: 'file', kind: 'file', description: 'several stats servers: one address per line, optionally LABEL = ADDRESS (the fleet view; with -b a fleet table)' },
  // diagnosis (issue 12 point 6; defaults from the model's DEFAULT_DIAGNOSIS)
  { group: 'diagnosis', flags: '--slow', value: 'seconds', kind: 'number', description: 'a request in flight longer than this is a slow request', default: String(D.slowSeconds) },
  { group: 'diagnosis', flags: '--crash-loop', value: 'n', kind: 'number', description: 'a worker or vassal respawned (or the master restarted) this many times within --crash-window is a crash loop', default: String(D.crashRespawns) },
  { group: 'diagnosis', flags: '--crash-window', value: 'seconds', kind: 'number', description: 'the crash-loop window', default: String(D.crashWindowSeconds) },
  { group: 'diagnosis', flags: '--mem-growth', value: 'percent', kind: 'number', description: 'a worker whose RSS rose steadily by more than this over --mem-window', default: String(D.memGrowthPct) },
  { group: 'diagnosis', flags: '--mem-window', value: 'seconds', kind: 'number', description: 'the memory-growth window', default: String(D.memWindowSeconds) },
  { group: 'diagnosis', flags: '--error-rate', value: 'per-second', kind: 'number', description: 'more exceptions per second than this (all workers, over the last 5 s of reads) is an error burst', default: String(D.errorRate) },
  { group: 'diagnosis', flags: '--apps-optional', description: "workers without an application are expected (a PHP, CGI or router-only uWSGI): no 'no app loaded' verdict" },
  { group: 'diagnosis', flags: '--stale', value: 'seconds', kind: 'number', description: 'no fresh read for this long is stale', default: String(D.staleSeconds) },
  // front
  { group: 'front', flags: '--front', value: 'url', kind: 'url', description: "nginx's stub_status URL (e.g. http://127.0.0.1:8080/nginx_status), read beside the stats server: a front line above the monitor's header and -b's table, a front object in --json" },
  { group: 'front', flags: '--gunicorn-config', description: 'print the path of the gunicorn stats module and exit (gunicorn -c "$(tsgitop --gunicorn-config)" --env TSGITOP_STATS=PATH app:app)' },
];

export interface CommandSpec {
  name: string;
  /** Positional arguments as shown in usage (`<shell>`). */
  args?: string;
  description: string;
  options: readonly OptionSpec[];
}

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'demo',
    description: 'start a demo Node.js cluster app server with the stats emitter, under synthetic load, and monitor it',
    options: [
      { group: 'modes', flags: '-w, --workers', value: 'n', kind: 'number', description: 'number of cluster workers (1 to 64)', default: '4' },
      { group: 'modes', flags: '--stack', description: 'the deployed stack instead: nginx (stub_status) in front of gunicorn (stats module) or else uWSGI (python3 plugin) serving a Flask app under load, in a private temp dir, monitored with the nginx front line (needs gunicorn, python3-flask, nginx-light)' },
      { group: 'modes', flags: '--no-monitor', description: 'do not open the monitor: print the stats address and run until Ctrl-C' },
      { group: 'modes', flags: '-f, --frequency', value: 'seconds', kind: 'number', description: 'monitor refresh interval in seconds', default: '1' },
      { group: 'modes', flags: '--no-color', description: 'no colours' },
    ],
  },
  {
    name: 'completion',
    args: '<shell>',
    description: `print a shell completion script (${COMPLETION_SHELLS.join(', ')}) and exit`,
    options: [],
  },
];

export const ADDRESS_HELP = 'stats server: /path/app.status, unix:PATH, @abstract, host:port, :port, [::1]:port, http(s)://host:port/path';

/** `-f, --frequency <seconds>`: the flags string commander is given. */
export function commanderFlags(o: OptionSpec): string {
  return o.value === undefined ? o.flags : `${o.flags} <${o.value}>`;
}

/** Every flag of an option: `['-f', '--frequency']`. */
export function optionFlags(o: OptionSpec): string[] {
  return o.flags.split(/,\s*/).map((f) => f.trim());
}

/** The long flag: `--frequency`. */
export function longFlag(o: OptionSpec): string {
  return optionFlags(o).find((f) => f.startsWith('--'))!;
}

/** The default as help and the man page print it (unquoted), or undefined. */
export function shownDefault(o: OptionSpec): string | undefined {
  return o.default ?? o.defaultText;
}

export const ENVIRONMENT: readonly { name: string; description: string }[] = [
  { name: 'NO_COLOR', description: 'set to any non-empty value: no colours, as --no-color (https://no-color.org).' },
  { name: 'TERM', description: 'unset or dumb: no full-screen monitor; tsgitop prints batch text instead, with one line on stderr saying why (--replay needs the monitor and exits 2).' },
  { name: 'LC_ALL, LC_CTYPE, LANG', description: 'the first one set and non-empty decides the character set: not UTF-8 (LANG=C, POSIX, ISO-8859-1) draws ASCII only. None set: UTF-8.' },
  { name: 'TSGITOP_DEBUG', description: 'set to 1: a fatal monitor error also prints its stack trace.' },
  { name: 'TSGITOP_V8_OPT', description: "set to 1: the monitor keeps V8's optimizing compiler on for small documents too (by default it is off until a document of 256 KiB or more: less CPU on start-up and less memory, the same steady CPU)." },
  { name: 'XDG_CACHE_HOME', description: "where the monitor keeps V8's compiled code for a Node other than the one that built the package, so that its next start compiles less: $XDG_CACHE_HOME/tsgitop (else ~/.cache/tsgitop; a directory of mode 0700, one file of ~0.5 MB per V8 version, mode 0600). It holds no data from any server; deleting it is always safe." },
  { name: 'TSGITOP_V8_SIZE', description: "set to 0: the monitor lets V8 grow its heap in its default large steps for small documents too (by default it grows it in smaller steps until a document of 256 KiB or more: ~4 MB less memory, a full GC every ~20 s instead of ~40 s)." },
];

export const EXIT_STATUS: readonly { code: string; description: string }[] = [
  { code: '0', description: 'success; the monitor quit with q; stdout closed early (a pipe to head).' },
  { code: '1', description: 'the stats server could not be read (no socket, refused, timeout, bad or oversized answer); stdout not writable.' },
  { code: '2', description: 'bad option, option value or address (one line on stderr, nothing read).' },
  { code: '3', description: 'the --replay recording cannot be played.' },
  { code: '129, 130, 143', description: 'the monitor ended by SIGHUP, SIGINT, SIGTERM (terminal restored first).' },
];

export const EXAMPLES: readonly { command: string; description: string }[] = [
  { command: 'tsgitop /tmp/app.status', description: 'monitor a uWSGI started with --stats /tmp/app.status' },
  { command: 'tsgitop 127.0.0.1:9191', description: '... started with --stats 127.0.0.1:9191 (http://127.0.0.1:9191 with --stats-http)' },
  { command: 'tsgitop --connect-and-read :9191 | jq .workers[0]', description: 'the raw stats document, once' },
  { command: 'tsgitop -b -n 5 -f 2 -s rps app.status', description: 'five tables, two seconds apart, busiest first (like top -b)' },
  { command: 'tsgitop a.status b.status :9191', description: 'the fleet view: one row per server, Enter opens its monitor' },
  { command: 'tsgitop --record web.rec app.status', description: 'record while monitoring; later: tsgitop --replay web.rec' },
  { command: 'tsgitop demo', description: 'a demo Node.js cluster with the emitter, under load, monitored' },
  { command: 'source <(tsgitop completion bash)', description: 'shell completion for this bash session' },
];
