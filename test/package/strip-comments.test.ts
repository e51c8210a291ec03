/**
 * scripts/strip-comments.mjs: the bundles lose their comments, leading blanks
 * and empty lines (V8 keeps a script's source in memory: issue 13, point 2)
 * and nothing else — strings, templates and regular expressions that look
 * like comments stay, and a comment's line break stays where it ends a
 * statement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript') as unknown;
const { stripComments, sameProgram } = (await import(new URL('../../../scripts/strip-comments.mjs', import.meta.url).href)) as {
  stripComments: (ts: unknown, text: string) => string;
  sameProgram: (ts: unknown, a: string, b: string) => boolean;
};

const TRICKY = `/**
 * GONE file comment.
 */
'use strict';
// GONE line comment
const s1 = "// not a comment"; // GONE comment
const s2 = '/* not a comment */';
    const re = /\\/\\/x\\/*/g; /* GONE */
const t = \`line one
    // kept, indented
  /* kept */ \${s1 /* GONE in a substitution */ + \`nested // kept\`} end\`;
function f() {
  return /*
  GONE across lines: the return ends here
  */ 42;
}
const sum = 1 /* GONE between */ + 2;
const div = 10 / 2 / 5;


const out = [s1, s2, re.source, re.test('//x/'), t, f(), sum, div];
out;
`;

test('stripComments: comments, leading blanks and empty lines go; strings, templates, regular expressions and line breaks that end statements stay', () => {
  const lean = stripComments(ts, TRICKY);
  assert.ok(!lean.includes('GONE'), lean);
  assert.ok(lean.includes('"// not a comment"') && lean.includes("'/* not a comment */'"), lean);
  assert.ok(!/\n\n/.test(lean), 'no empty lines');
  assert.ok(lean.includes('\n    // kept, indented\n  /* kept */ '), 'template text as it was');
  assert.ok(lean.length < TRICKY.length - 150, `${lean.length} of ${TRICKY.length}`);
  assert.equal(JSON.stringify(runInNewContext(lean)), JSON.stringify(runInNewContext(TRICKY)));
  const [, , , , , fromF] = runInNewContext(lean) as unknown[];
  assert.equal(fromF, undefined, 'the comment across lines still ends the return statement');
  assert.equal(sameProgram(ts, TRICKY, lean), true);
  assert.equal(stripComments(ts, lean), lean, 'stripping again changes nothing');
});

test('sameProgram tells a changed program from the same one', () => {
  assert.equal(sameProgram(ts, 'function f() { return\n1 }', 'function f() { return 1 }'), false);
  assert.equal(sameProgram(ts, 'const a = "x" // c\n', 'const a = "x"\n'), true);
  assert.equal(sameProgram(ts, 'const a = `x`', 'const a = `y`'), false);
});

test('both built bundles are already without comments, and much smaller than their modules', () => {
  for (const [bundle, first] of [
    ['../../src/cli/main.bundle.js', '../../src/cli/main.js'],
    ['../../src/cli/oneshot.bundle.cjs', '../../src/cli/fast.js'],
  ] as const) {
    const text = readFileSync(fileURLToPath(new URL(bundle, import.meta.url)), 'utf8');
    assert.equal(stripComments(ts, text), text, `${bundle} has comments or blank lines left`);
    // The entry module's first statement is in the bundle without its comment lines.
    const entry = readFileSync(fileURLToPath(new URL(first, import.meta.url)), 'utf8');
    assert.ok(/^\s*\/[*/]/m.test(entry), `${first} has comments to lose`);
  }
});
