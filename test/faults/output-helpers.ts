/**
 * Helpers of the output-hardening tests (hardening round 2): stats servers
 * that answer fixed bytes on a unix socket in a temp dir, the real
 * `bin/tsgitop` in a real shell pipeline, and an independent checker of
 * what reaches a terminal (raw controls, cell widths) — deliberately not the
 * sanitizer under test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { BIN } from '../cli/run-cli.js';

export { BIN };

/** A temp dir removed after the test. */
export function tempDir(t: TestContext, prefix = 'tsgitop-out-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A server on `path` that writes `body` to every connection and closes it. Closed after the test. */
export async function fixedServer(t: TestContext, path: string, body: string | Buffer): Promise<string> {
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    s.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(path, () => resolve());
  });
  t.after(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return path;
}

const FIXDIR = fileURLToPath(new URL('../../../fixtures/uwsgi/', import.meta.url));

/** A real uWSGI fixture document, parsed. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXDIR, name), 'utf8')) as Record<string, unknown>;
}

/** The hostile strings every output test puts where a server string goes. */
export const HOSTILE: readonly string[] = [
  '\x1b]0;pwned\x07', // OSC: retitle the terminal
  '\x1b[2J', // CSI 2J: clear the screen
  '\x1b[6n', // CSI 6n: the terminal answers into the shell's input
  '\u009b2J', // C1 CSI
  'ab\u202ecd', // bidi RLO
  '\u2066x\u2069', // bidi isolate
  '忙碌中', // CJK: two cells each
  '🔥🔥', // emoji: two cells each
  'e\u0301e\u0301', // combining marks: zero cells
  'x\x1b]0;a long OSC cut by the cell\x07y', // an OSC cut by the 7-cell STATUS column
  'tab\there\nnl\x7fdel\x00nul',
];

/** A uWSGI document (real fixture shape) whose worker statuses, version and cwd are hostile. */
export function hostileServerDoc(): string {
  const doc = fixture('idle-4p.json');
  const base = (doc.workers as Record<string, unknown>[])[0]!;
  doc.workers = HOSTILE.map((h, i) => ({ ...base, id: i + 1, pid: 100 + i, status: h }));
  doc.version = `2.0${HOSTILE[0]}`;
  doc.cwd = `/srv/${HOSTILE[3]}${HOSTILE[4]}`;
  return JSON.stringify(doc);
}

/** An Emperor document (real fixture shape) whose vassal ids and scan dirs are hostile. */
export function hostileEmperorDoc(): string {
  const doc = fixture('emperor.json');
  const base = (doc.vassals as Record<string, unknown>[])[0]!;
  doc.vassals = HOSTILE.map((h, i) => ({ ...base, id: `${h}.ini`, pid: 200 + i }));
  doc.emperor = [`/etc/${HOSTILE[0]}`];
  doc.version = `2.0${HOSTILE[1]}`;
  return JSON.stringify(doc);
}

/**
 * Characters a terminal acts on: C0 except newline, DEL, C1, bidi controls
 * and isolates, line/paragraph separators (checked on decoded text).
 */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/gu;

/** Every raw control character in `text` (empty when safe). */
export function rawControls(text: string): string[] {
  return text.match(RAW_CONTROL) ?? [];
}

/**
 * Terminal cells of `s`, for the characters the tests use (independent of
 * src/text/sanitize.ts): CJK ideographs and emoji 2, combining marks 0,
 * everything else 1.
 */
export function cells(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x0300 && c <= 0x036f) continue;
    if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x1f300 && c <= 0x1faff)) n += 2;
    else n += 1;
  }
  return n;
}

export interface ShellRun {
  /** Exit code of tsgitop (the first command of the pipeline). */
  code: number;
  stderr: string;
  ms: number;
}

/**
 * Run `bin/tsgitop ARGS` in bash with its stdout going into `sink`
 * (`| head -1`, `| false`, `> /dev/full`): a real pipe or file, real
 * processes. Returns tsgitop's own exit code (PIPESTATUS) and its stderr.
 */
export function shellRun(dir: string, args: string[], sink: string, timeoutMs = 30_000): Promise<ShellRun> {
  const errFile = join(dir, `err-${Math.random().toString(36).slice(2)}`);
  const codeFile = `${errFile}.code`;
  const script = `"$NODE" "$BIN" "$@" 2>"$ERRF" ${sink}; echo "\${PIPESTATUS[0]}" >"$CODEF"`;
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script, 'tsgitop', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE: process.execPath, BIN, ERRF: errFile, CODEF: codeFile, NO_COLOR: '1' },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve({ code: Number(readFileSync(codeFile, 'utf8').trim()), stderr: readFileSync(errFile, 'utf8'), ms: Math.round(performance.now() - start) });
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
