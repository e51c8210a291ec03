/**
 * The architecture is enforced (ARCHITECTURE.md): the import graph of src/
 * has no cycle and no layer breach. Each rule is also shown to fail on a
 * hand-made bad graph, so the check itself can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { checkGraph, findCycles, loadGraph, loadedBy, parseImports, type Graph } from './graph.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function graph(spec: Record<string, [string, 'value' | 'type' | 'dynamic'][]>): Graph {
  return new Map(Object.entries(spec).map(([k, v]) => [k, v.map(([to, kind]) => ({ to, kind }))]));
}

test('parseImports: value, type-only, re-export and lazy imports; comments ignored', () => {
  const src = [
    "import blessed from 'blessed';",
    "import type { A } from './a.js';",
    "import { type B, type C } from './b.js';",
    "import { type D, e } from './d.js';",
    "export { f } from './f.js';",
    "export type { G } from './g.js';",
    "// import x from './commented.js';",
    "/* import y from './block.js'; */",
    "const m = await import('./lazy.js');",
    "let r: import('./typeonly.js').Recorder;",
  ].join('\n');
  assert.deepEqual(parseImports(src), [
    { spec: 'blessed', kind: 'value' },
    { spec: './a.js', kind: 'type' },
    { spec: './b.js', kind: 'type' },
    { spec: './d.js', kind: 'value' },
    { spec: './f.js', kind: 'value' },
    { spec: './g.js', kind: 'type' },
    { spec: './lazy.js', kind: 'dynamic' },
    { spec: './typeonly.js', kind: 'type' },
  ]);
});

test('the import graph of src/ has no cycle and no layer breach', () => {
  const g = loadGraph(SRC);
  assert.ok(g.size > 50, `read ${g.size} modules`);
  assert.ok(g.has('cli/main.ts') && g.has('tui/app.ts') && g.has('model/view.ts'));
  assert.deepEqual(checkGraph(g), []);
  // The one-shot path really is small: no blessed, no model.
  const oneShot = loadedBy(g, 'cli/dump.ts');
  assert.ok(oneShot.has('protocol/reader.ts'));
  assert.ok(![...oneShot].some((m) => m === 'blessed' || m.startsWith('model/')));
});

test('each rule fails when broken (bad graphs)', () => {
  const base = {
    'cli/main.ts': [['cli/values.ts', 'value'], ['cli/dump.ts', 'dynamic'], ['tui/app.ts', 'dynamic']],
    'cli/fast.ts': [['cli/dump.ts', 'dynamic']],
    'cli/values.ts': [],
    'cli/dump.ts': [['protocol/reader.ts', 'value']],
    'protocol/reader.ts': [['node:net', 'value']],
    'model/view.ts': [['protocol/types.ts', 'type']],
    'protocol/types.ts': [],
    'tui/app.ts': [['blessed', 'value'], ['model/view.ts', 'value']],
    'emitter/index.ts': [['node:http', 'value']],
  } as Record<string, [string, 'value' | 'type' | 'dynamic'][]>;
  assert.deepEqual(checkGraph(graph(base)), [], 'the base graph is clean');
  const broken = (patch: Record<string, [string, 'value' | 'type' | 'dynamic'][]>): string[] => checkGraph(graph({ ...base, ...patch }));

  // a cycle, even through a type-only or lazy edge
  assert.match(broken({ 'cli/values.ts': [['cli/main.ts', 'type']] }).join('\n'), /^cycle: cli\/main\.ts → cli\/values\.ts → cli\/main\.ts$/m);
  assert.deepEqual(findCycles(graph({ a: [['b.ts', 'value']], 'b.ts': [['c.ts', 'dynamic']], 'c.ts': [['b.ts', 'type']] })), ['b.ts → c.ts → b.ts']);
  // model / protocol / record import the TUI or blessed
  assert.match(broken({ 'model/view.ts': [['tui/app.ts', 'type']] }).join('\n'), /layer: model\/view\.ts imports tui\/app\.ts/);
  assert.match(broken({ 'record/replay.ts': [['blessed', 'value']] }).join('\n'), /layer: record\/replay\.ts imports blessed/);
  // the model does I/O
  assert.match(broken({ 'model/view.ts': [['protocol/reader.ts', 'value']] }).join('\n'), /the model is pure/);
  // the TUI does I/O
  assert.match(broken({ 'tui/app.ts': [['protocol/reader.ts', 'value']] }).join('\n'), /layer: tui\/app\.ts imports protocol\/reader\.ts \(the TUI does no I\/O\)/);
  assert.match(broken({ 'tui/app.ts': [['node:net', 'value']] }).join('\n'), /the TUI does no I\/O/);
  assert.deepEqual(broken({ 'tui/app.ts': [['protocol/reader.ts', 'type']] }), [], 'a type import is no I/O');
  // the emitter imports something outside itself
  assert.match(broken({ 'emitter/index.ts': [['model/view.ts', 'value']] }).join('\n'), /the emitter stands alone/);
  assert.match(broken({ 'emitter/index.ts': [['commander', 'value']] }).join('\n'), /the emitter stands alone/);
  // the one-shot path loads blessed or the model
  assert.match(broken({ 'cli/dump.ts': [['protocol/reader.ts', 'value'], ['model/view.ts', 'value']] }).join('\n'), /one-shot: cli\/dump\.ts loads model\/view\.ts/);
  assert.match(broken({ 'cli/fast.ts': [['cli/dump.ts', 'dynamic'], ['tui/app.ts', 'value']] }).join('\n'), /one-shot: cli\/fast\.ts loads blessed/);
  assert.match(broken({ 'cli/fast.ts': [['cli/dump.ts', 'dynamic'], ['model/view.ts', 'dynamic']] }).join('\n'), /one-shot: cli\/fast\.ts loads model\/view\.ts/, 'what the fast path loads lazily is on the path');
  assert.deepEqual(broken({ 'cli/main.ts': [['cli/values.ts', 'value'], ['model/view.ts', 'value']] }), [], 'the full CLI may load the model');
});
