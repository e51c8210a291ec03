#!/usr/bin/env node
// Build step (after tsc): dist/src/cli/fast.js and every module it reaches
// (static and dynamic relative imports) in ONE file,
// dist/src/cli/oneshot.bundle.cjs, which bin/tsgitop loads for the one-shot
// `--connect-and-read` so it starts about as fast as `node -e 0` (each
// separate ES module costs an async read, a parse and a link: ~1 ms each on
// a small machine). The sources stay the truth: this only rearranges tsc's
// output. Each module becomes a factory run on first use (so a dynamic
// import stays lazy), Node built-ins load through require() when the module
// that needs them runs, and exports are live getters.
//
// It handles the forms tsc emits for this code base — `import {a, b as c}
// from`, `import x from`, `import * as ns from`, `export {a} from`,
// `export {a, b as c}`, `export function|class|const|let|async function`,
// `import('./x.js')` — and fails loudly on anything else (import.meta,
// `export default`, `export *`), rather than bundle something wrong.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { sameProgram, stripComments } from './strip-comments.mjs';

const root = fileURLToPath(new URL('../dist/src/', import.meta.url));

// Two bundles: the one-shot's (no package, nothing but what a dump needs) and the full
// command line's (main.js and every module it reaches, the monitor's included: ~120
// modules in one file instead of one async read, parse and link each at every start).
// Packages (commander) load through require(); import.meta.url is each module's own URL.
const BUNDLES = [
  // CommonJS, as bin/tsgitop (bin/package.json): a CommonJS entry that require()s it starts ~5 ms sooner than an ES one.
  { entry: 'cli/fast.js', out: 'cli/oneshot.bundle.cjs', exports: ['oneShotArgs', 'runOneShot'], packages: false, cjs: true, what: 'src/cli/fast.ts and what it reaches' },
  // Split: the monitor's modules in main.bundle.js, the rest (demo, emitter, recording and replay, fleet, batch,
  // completion…) in main.rest.bundle.js, read only when the command needs one of them. V8 keeps a script's source in memory
  // as long as it runs: the monitor then holds 0.3 MB of source instead of 0.5 (issue 13, point 2). main.bundle.js
  // holds what main.js reaches through static imports and, of its dynamic imports, those of `keep` (the monitor's
  // path) with everything they reach; main.rest.bundle.js every other module, and takes the shared ones from main.bundle.js.
  {
    entry: 'cli/main.js',
    out: 'cli/main.bundle.js',
    exports: ['main'],
    packages: true,
    cjs: false,
    what: 'src/cli/main.ts and what the monitor reaches',
    split: { out: 'cli/main.rest.bundle.js', keep: ['cli/monitor.js', 'fleet/targets.js', 'columns.js', 'tui/app.js'] },
    script: 'cli/main.bundle.vm.js',
  },
];
/** The main bundle's own modules when it is split (see BUNDLES); undefined: one bundle. */
let CORE;
/** The file the split-off modules are in, relative to the main bundle. */
let REST_URL;

/** Modules of the main bundle: `entry`'s static imports, its dynamic imports in `keep`, and all that those reach. */
function coreOf(entry, keep) {
  const seen = new Set();
  const walk = (id) => {
    if (seen.has(id)) return;
    seen.add(id);
    const src = readFileSync(join(root, id), 'utf8');
    for (const m of src.matchAll(/^(?:import\s+[^\n]*?\s+from|export\s+\{[^}]*\}\s+from)\s+'(\.[^']+)';$/gm)) walk(resolveId(id, m[1]));
    for (const m of src.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
      const d = resolveId(id, m[1]);
      if (id !== entry || keep.includes(d)) walk(d);
    }
  };
  walk(entry);
  return seen;
}
let PACKAGES = false;

let mods = new Map(); // id → transformed body
let order = [];

function fail(id, what) {
  throw new Error(`bundle-oneshot: ${id}: ${what} is not supported`);
}

function resolveId(from, spec) {
  return normalize(join(dirname(from), spec)).replace(/\\/g, '/');
}

function bindings(list) {
  // "a, b as c" → "a, b: c"
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(\w+)\s+as\s+(\w+)$/.exec(s);
      return m ? `${m[1]}: ${m[2]}` : s;
    })
    .join(', ');
}

const require = createRequire(import.meta.url);

/**
 * Named imports of a built-in: a function loads its module on first call
 * (node:child_process, node:fs/promises… cost ~0.5 ms each, and the
 * one-shot rarely calls them); anything else is read at once.
 */
function lazyBuiltin(spec, list) {
  const mod = require(spec);
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [, name, local = name] = /^(\w+)(?:\s+as\s+(\w+))?$/.exec(s);
      return typeof mod[name] === 'function' && !/^[A-Z]/.test(name)
        ? `const ${local} = (...a) => __require(${JSON.stringify(spec)}).${name}(...a);`
        : `const { ${name}: ${local} } = __require(${JSON.stringify(spec)});`;
    })
    .join(' ');
}

function load(id) {
  if (mods.has(id)) return;
  mods.set(id, null);
  let src = readFileSync(join(root, id), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  if (/\bimport\.meta\b/.test(src)) {
    if (!PACKAGES) fail(id, 'import.meta');
    src = src.replace(/\bimport\.meta\.url\b/g, `__url(${JSON.stringify(id)})`);
    if (/\bimport\.meta\b/.test(src)) fail(id, 'import.meta other than import.meta.url');
  }
  if (/^export\s+default\b/m.test(src)) fail(id, 'export default');
  if (/^export\s+\*/m.test(src)) fail(id, 'export *');
  const exported = [];
  const deps = [];
  const dep = (spec) => {
    if (spec.startsWith('.')) {
      const d = resolveId(id, spec);
      deps.push(d);
      return `__load(${JSON.stringify(d)})`;
    }
    if (!spec.startsWith('node:') && !PACKAGES) fail(id, `the package import '${spec}'`);
    return `__require(${JSON.stringify(spec)})`;
  };
  // Static imports (one line each in tsc's output).
  src = src.replace(/^import\s+(.+?)\s+from\s+'([^']+)';$/gm, (_all, what, spec) => {
    const from = dep(spec);
    let m;
    if ((m = /^\{([^}]*)\}$/.exec(what))) return spec.startsWith('node:') ? lazyBuiltin(spec, m[1]) : `const { ${bindings(m[1])} } = ${from};`;
    if ((m = /^\*\s+as\s+(\w+)$/.exec(what))) return `const ${m[1]} = ${from};`;
    if ((m = /^(\w+)$/.exec(what))) return spec.startsWith('node:') || (PACKAGES && !spec.startsWith('.')) ? `const ${m[1]} = ${from};` : fail(id, `default import of ${spec}`);
    if ((m = /^(\w+),\s*\{([^}]*)\}$/.exec(what))) {
      if (!spec.startsWith('node:')) fail(id, `default import of ${spec}`);
      return `const ${m[1]} = ${from}; const { ${bindings(m[2])} } = ${m[1]};`;
    }
    return fail(id, `import ${what}`);
  });
  // (a line that merely starts with "import" — Python inside a template string — is not an ES import)
  if (/^import\s+(?:[^\n]*\sfrom\s+'|')/m.test(src)) fail(id, 'an import form');
  // Re-exports.
  src = src.replace(/^export\s+\{([^}]*)\}\s+from\s+'([^']+)';$/gm, (_all, list, spec) => {
    const from = dep(spec);
    const out = [];
    for (const s of list.split(',').map((x) => x.trim()).filter(Boolean)) {
      const m = /^(\w+)(?:\s+as\s+(\w+))?$/.exec(s);
      if (!m) fail(id, `export { ${s} }`);
      const local = `__re_${m[2] ?? m[1]}`;
      out.push(`${m[1]}: ${local}`);
      exported.push([m[2] ?? m[1], local]);
    }
    return `const { ${out.join(', ')} } = ${from};`;
  });
  src = src.replace(/^export\s+\{([^}]*)\};$/gm, (_all, list) => {
    for (const s of list.split(',').map((x) => x.trim()).filter(Boolean)) {
      const m = /^(\w+)(?:\s+as\s+(\w+))?$/.exec(s);
      if (!m) fail(id, `export { ${s} }`);
      exported.push([m[2] ?? m[1], m[1]]);
    }
    return '';
  });
  src = src.replace(/^export\s+((?:async\s+)?function\*?|class|const|let|var)\s+(\w+)/gm, (_all, kind, name) => {
    exported.push([name, name]);
    return `${kind} ${name}`;
  });
  if (/^export\s/m.test(src)) fail(id, 'an export form');
  // Dynamic imports of our own modules: lazy, from the bundle.
  src = src.replace(/\bimport\(\s*'([^']+)'\s*\)/g, (_all, spec) => {
    if (!spec.startsWith('.') && !(PACKAGES && spec.startsWith('node:'))) fail(id, `import('${spec}')`);
    // From the main bundle into the split-off one: that file is read now (once).
    if (CORE && spec.startsWith('.') && CORE.has(id) && !CORE.has(resolveId(id, spec))) {
      deps.push(resolveId(id, spec));
      return `__rest().then((r) => r.__load(${JSON.stringify(resolveId(id, spec))}))`;
    }
    return `Promise.resolve().then(() => ${dep(spec)})`;
  });
  if (/\bimport\(/.test(src)) fail(id, 'a computed import()');
  const getters = exported.map(([name, local]) => `get ${name}() { return ${local}; }`).join(', ');
  mods.set(id, `// ${id}\n${src}\nreturn { ${getters} };`);
  order.push(id);
  for (const d of deps) load(d);
}

// Without comments, leading blanks and empty lines (scripts/strip-comments.mjs): V8 keeps the source in memory.
// TypeScript (a build dependency) parses it; checked to be the same program, else the build fails.
let ts;
try {
  ts = require('typescript');
} catch {
  ts = undefined;
}
function minify(text, out) {
  if (!ts) return text;
  const lean = stripComments(ts, text);
  if (!sameProgram(ts, text, lean)) throw new Error(`bundle-oneshot: ${out}: the bundle without comments is not the same program`);
  return lean;
}

/**
 * The head of the main bundle in either form, given the expression of its own URL (`self`) and how `stale` is
 * declared: packages required from it, module URLs, and the stale check.
 */
function urlHead(self, declareStale) {
  return [
    `const __require = createRequire(${self});`,
    `const __url = (id) => new URL('../' + id, ${self}).href;`,
    '// A module compiled after this bundle (tsc alone, without this step) makes it stale: bin/tsgitop then loads the modules.',
    `const __sources = ${JSON.stringify(order)};`,
    `const __built = statSync(new URL(${self})).mtimeMs;`,
    `${declareStale} stale = __sources.some((id) => { try { return statSync(new URL('../' + id, ${self})).mtimeMs > __built; } catch { return true; } });`,
  ];
}

for (const b of BUNDLES) {
  PACKAGES = b.packages;
  mods = new Map();
  order = [];
  CORE = b.split ? coreOf(b.entry, b.split.keep) : undefined;
  REST_URL = b.split ? './' + relative(dirname(b.out), b.split.out) : undefined;
  load(b.entry);
  const head = b.cjs
    ? [
        "'use strict';",
        "const { statSync } = require('node:fs');",
        "const { join: __join } = require('node:path');",
        'const __require = require;',
        '// A module compiled after this bundle (tsc alone, without this step) makes it stale: bin/tsgitop then loads the modules.',
        `const __sources = ${JSON.stringify(order)};`,
        'const __built = statSync(__filename).mtimeMs;',
        "exports.stale = __sources.some((id) => { try { return statSync(__join(__dirname, '..', id)).mtimeMs > __built; } catch { return true; } });",
      ]
    : ["import { createRequire } from 'node:module';", "import { statSync } from 'node:fs';", ...urlHead('import.meta.url', 'export const')];
  const own = CORE ? order.filter((id) => CORE.has(id)) : order;
  const rest = CORE ? order.filter((id) => !CORE.has(id)) : [];
  const defs = (ids) => ['const __defs = {', ...ids.map((id) => `${JSON.stringify(id)}: () => {\n${mods.get(id)}\n},`), '};', 'const __done = new Map();'];
  const loadBody = [
    '  let m = __done.get(id);',
    '  if (m === undefined) {',
    '    __done.set(id, (m = {}));',
    '    Object.defineProperties(m, Object.getOwnPropertyDescriptors(__defs[id]()));',
    '  }',
    '  return m;',
    '}',
  ];
  const ascii = (text, out) => minify(text, out).replace(/[^\x00-\x7f]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (b.split) {
    // The split-off modules: every module shared with the main bundle is taken from it (one instance of each).
    const restParts = [
      `// Generated by scripts/bundle-oneshot.mjs from the compiled sources (what ${b.out} leaves out: read only when needed). Do not edit.`,
      "import { createRequire } from 'node:module';",
      'const __require = createRequire(import.meta.url);',
      "const __url = (id) => new URL('../' + id, import.meta.url).href;",
      // The main bundle's loader, handed over by the main bundle that reads this one (its ES module form or its
      // script form, bin/tsgitop's code-cached one): the modules shared with it are its instances, whichever form runs.
      'let __main;',
      'export function __bind(load) {',
      '  __main ??= load;',
      '}',
      ...defs(rest),
      'export function __load(id) {',
      '  if (!Object.hasOwn(__defs, id)) return __main(id);',
      ...loadBody,
      '',
    ];
    writeFileSync(join(root, b.split.out), ascii(restParts.join('\n'), b.split.out));
    process.stderr.write(`bundle-oneshot: ${rest.length} modules → ${relative(process.cwd(), join(root, b.split.out))}\n`);
  }
  const body = [
    ...defs(own),
    `${b.split ? 'export ' : ''}function __load(id) {`,
    ...loadBody,
    `const __entry = __load(${JSON.stringify(b.entry)});`,
  ];
  const parts = [
    `// Generated by scripts/bundle-oneshot.mjs from the compiled sources (${b.what}). Do not edit.`,
    ...head,
    ...(b.split ? [`const __rest = () => import(${JSON.stringify(REST_URL)}).then((r) => (r.__bind(__load), r));`] : []),
    ...body,
    ...b.exports.map((e) => (b.cjs ? `exports.${e} = __entry.${e};` : `export const ${e} = __entry.${e};`)),
    '',
  ];
  if (b.script) {
    // The same modules as one function expression in a classic script: bin/tsgitop compiles it with node:vm and
    // V8's code cache made at build time (scripts/code-cache.mjs), which an ES module cannot take on Node 20.
    // The launcher passes require, the URL of this file and the import of the split-off bundle.
    const script = [
      `// Generated by scripts/bundle-oneshot.mjs: ${b.out} as a script for bin/tsgitop's code cache. Do not edit.`,
      '(function (require, __self, __importRest) {',
      "'use strict';",
      "const { createRequire } = require('node:module');",
      "const { statSync } = require('node:fs');",
      ...urlHead('__self', 'const'),
      'const __rest = () => __importRest().then((r) => (r.__bind(__load), r));',
      ...body.map((l) => l.replace(/^export function __load\(/, 'function __load(')),
      `return { stale, __load, ${b.exports.map((e) => `${e}: __entry.${e}`).join(', ')} };`,
      '})',
      '',
    ];
    writeFileSync(join(root, b.script), ascii(script.join('\n'), b.script));
    process.stderr.write(`bundle-oneshot: the same as a script → ${relative(process.cwd(), join(root, b.script))}\n`);
  }
  // Pure ASCII: every other character as its \\uXXXX escape (UTF-16 units, as JavaScript source reads them; the same
  // value in strings, regular expressions, template literals and identifiers, and nothing in comments). V8 keeps
  // a script's source in memory for as long as it runs, one byte per character when every character fits in one,
  // else two: 0.75 MB less for the monitor's bundle.
  writeFileSync(join(root, b.out), ascii(parts.join('\n'), b.out));
  process.stderr.write(`bundle-oneshot: ${own.length} modules → ${relative(process.cwd(), join(root, b.out))}\n`);
}
