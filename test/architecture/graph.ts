/**
 * The import graph of src/ and the architecture rules over it (see
 * ARCHITECTURE.md). Pure: `parseImports` reads one file's import
 * specifiers, `checkGraph` takes a graph (module → edges) and returns every
 * broken rule as one line. The test runs it over the real tree and over
 * hand-made bad graphs, so each rule is shown to fail when broken.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/** How a module is imported: a value import (loaded at once), a type-only one (erased), a lazy import(). */
export type EdgeKind = 'value' | 'type' | 'dynamic';

export interface Edge {
  /** A src-relative module path ('cli/main.ts'), or a package / node: name ('blessed', 'node:net'). */
  to: string;
  kind: EdgeKind;
}

export type Graph = Map<string, Edge[]>;

/** Import specifiers of one TypeScript source, with their kind. Comments are ignored. */
export function parseImports(source: string): { spec: string; kind: EdgeKind }[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const out: { spec: string; kind: EdgeKind }[] = [];
  const stat = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?([^;'"]*?\bfrom\s+)?['"]([^'"]+)['"]/g;
  for (let m = stat.exec(code); m; m = stat.exec(code)) {
    const isExport = m[1] === 'export';
    if (isExport && m[3] === undefined) continue; // `export 'x'` is not a thing; `export const` has no from
    const typeOnly = m[2] !== undefined || (m[3] !== undefined && /^\{\s*(type\s+[^,}]+\s*,?\s*)+\}\s*from\s+$/.test(m[3].trim() + ' '));
    out.push({ spec: m[4]!, kind: typeOnly ? 'type' : 'value' });
  }
  const dyn = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = dyn.exec(code); m; m = dyn.exec(code)) out.push({ spec: m[1]!, kind: 'dynamic' });
  // `import('x').Type` in a type position is type-only.
  const typeDyn = /\bimport\(\s*['"]([^'"]+)['"]\s*\)\s*\.\s*[A-Z]/g;
  for (let m = typeDyn.exec(code); m; m = typeDyn.exec(code)) {
    const i = out.findIndex((e) => e.kind === 'dynamic' && e.spec === m![1]);
    if (i >= 0) out[i] = { spec: m[1]!, kind: 'type' };
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The import graph of every .ts file under `srcDir`; relative imports resolve to src-relative .ts paths. */
export function loadGraph(srcDir: string): Graph {
  const g: Graph = new Map();
  for (const file of walk(srcDir)) {
    const from = relative(srcDir, file).split('\\').join('/');
    const edges: Edge[] = [];
    for (const { spec, kind } of parseImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const to = posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, '.ts');
        edges.push({ to, kind });
      } else {
        edges.push({ to: spec.startsWith('node:') ? spec : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'), kind });
      }
    }
    g.set(from, edges);
  }
  void dirname;
  return g;
}

const isLocal = (m: string): boolean => m.endsWith('.ts');
const inDir = (m: string, d: string): boolean => m.startsWith(d + '/');
const UI_PACKAGES = new Set(['blessed', 'blessed-contrib']);
/** Modules that do I/O (sockets, files, processes): the TUI must not import them itself. */
const IO_MODULES = new Set(['node:net', 'node:fs', 'node:fs/promises', 'node:http', 'node:https', 'node:child_process', 'node:dgram', 'node:tls', 'node:cluster']);
const IO_FILES = new Set(['protocol/reader.ts', 'protocol/transport.ts', 'protocol/http.ts', 'record/recorder.ts', 'record/reader.ts', 'record/replay.ts', 'record/fleet-replay.ts', 'fleet/poller.ts']);

/** The terminal plumbing: the one TUI module allowed a file read (/proc/self/stat, for job control). */
const TERMINAL = 'tui/terminal.ts';

/** Modules loaded when `from` is loaded (value imports, transitively; type-only and lazy imports are not loaded). */
export function loadedBy(g: Graph, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const m = stack.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    for (const e of g.get(m) ?? []) if (e.kind === 'value') stack.push(e.to);
  }
  return seen;
}

/** Every cycle among local modules over all edges (value, type and lazy), each as `a → b → a`. */
export function findCycles(g: Graph): string[] {
  const out: string[] = [];
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (m: string): void => {
    state.set(m, 1);
    path.push(m);
    for (const e of g.get(m) ?? []) {
      if (!isLocal(e.to) || !g.has(e.to)) continue;
      const s = state.get(e.to);
      if (s === 1) {
        const ring = path.slice(path.indexOf(e.to));
        // One line per cycle, however many times the walk meets it: start it at its smallest module.
        const k = ring.indexOf([...ring].sort()[0]!);
        const line = [...ring.slice(k), ...ring.slice(0, k), ring[k]!].join(' → ');
        if (!out.includes(line)) out.push(line);
      }
      else if (s === undefined) visit(e.to);
    }
    path.pop();
    state.set(m, 2);
  };
  for (const m of [...g.keys()].sort()) if (!state.has(m)) visit(m);
  return out;
}

/**
 * The architecture rules. Returns one line per violation (empty: all hold):
 * - no import cycle (value, type or lazy edges) among src modules;
 * - model/, protocol/ and record/ never load blessed or anything in tui/;
 * - model/ is pure: it imports only model/, protocol/types and columns-free code (no node: I/O, no protocol reader);
 * - tui/ does no I/O: no tui file imports a socket/file/process module or an I/O module of src
 *   (the terminal plumbing, tui/terminal.ts, reads /proc for job control);
 * - emitter/ imports nothing outside emitter/ except node: builtins;
 * - the --connect-and-read path (cli/fast.ts and what it loads for the dump; cli/dump.ts) never loads
 *   blessed or model/.
 */
export function checkGraph(g: Graph): string[] {
  const bad: string[] = [];
  for (const c of findCycles(g)) bad.push(`cycle: ${c}`);
  for (const [m, edges] of g) {
    const low = inDir(m, 'model') || inDir(m, 'protocol') || inDir(m, 'record');
    for (const e of edges) {
      if (low && (UI_PACKAGES.has(e.to) || inDir(e.to, 'tui'))) bad.push(`layer: ${m} imports ${e.to} (model/protocol/record never import the TUI or blessed)`);
      if (inDir(m, 'model') && e.kind !== 'type' && (IO_MODULES.has(e.to) || IO_FILES.has(e.to))) bad.push(`layer: ${m} imports ${e.to} (the model is pure)`);
      if (inDir(m, 'tui') && m !== TERMINAL && e.kind !== 'type' && (IO_MODULES.has(e.to) || IO_FILES.has(e.to))) bad.push(`layer: ${m} imports ${e.to} (the TUI does no I/O)`);
      if (inDir(m, 'emitter') && !(inDir(e.to, 'emitter') || e.to.startsWith('node:'))) bad.push(`layer: ${m} imports ${e.to} (the emitter stands alone)`);
    }
  }
  // The one-shot: bin/tsgitop loads cli/fast.ts, which loads what the dump needs lazily.
  if (g.has('cli/fast.ts')) {
    const entries = ['cli/fast.ts', ...(g.get('cli/fast.ts') ?? []).filter((e) => e.kind === 'dynamic').map((e) => e.to)];
    const loaded = new Set(entries.flatMap((m) => [...loadedBy(g, m)]));
    for (const m of loaded) {
      if (UI_PACKAGES.has(m) || inDir(m, 'model')) bad.push(`one-shot: cli/fast.ts loads ${m} (--connect-and-read never loads blessed or model code)`);
    }
  }
  for (const entry of ['cli/dump.ts']) {
    if (!g.has(entry)) continue;
    for (const m of loadedBy(g, entry)) {
      if (UI_PACKAGES.has(m) || inDir(m, 'model')) bad.push(`one-shot: ${entry} loads ${m} (--connect-and-read never loads blessed or model code)`);
    }
  }
  return bad;
}
