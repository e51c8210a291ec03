import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classifyJson, type JsonShape } from '../../src/protocol/jsonscan.js';
import { sampleDoc } from './helpers.js';

const b = (s: string): Buffer => Buffer.from(s);

const TABLE: Array<[string, JsonShape]> = [
  ['', 'empty'],
  [' \n\t\r ', 'empty'],
  ['{}', 'complete'],
  [' {"a":[1,-2.5e+3,true,false,null,"x\\u00e9\\n"]} \n', 'complete'],
  ['"str"', 'complete'],
  ['0', 'complete'],
  ['-0.5E-7', 'complete'],
  ['\ufeff{}', 'complete'],
  ['{', 'prefix'],
  ['{"workers":[', 'prefix'],
  ['{"workers":[{"id":1}', 'prefix'],
  ['{"a"', 'prefix'],
  ['{"a":', 'prefix'],
  ['{"a":1,', 'prefix'],
  ['{"a":"unfinished', 'prefix'],
  ['{"a":"esc\\', 'prefix'],
  ['{"a":"\\u00', 'prefix'],
  ['[tr', 'prefix'],
  ['[fals', 'prefix'],
  ['[nul', 'prefix'],
  ['[-', 'prefix'],
  ['[1.', 'prefix'],
  ['[1e', 'prefix'],
  ['[1e+', 'prefix'],
  ['{"req_info":{\n\n}', 'prefix'], // ends on a '}' but the document is still open
  ['-', 'prefix'],
  ['"', 'prefix'],
  ['{}}', 'invalid'],
  ['{} {}', 'invalid'],
  ['hello', 'invalid'],
  ['HTTP/1.0 200 OK', 'invalid'],
  ['{"a" 1}', 'invalid'],
  ['{"a":1 "b":2}', 'invalid'],
  ['{1:2}', 'invalid'],
  ['[1,]', 'invalid'],
  ['[,1]', 'invalid'],
  ['{"a":1,}', 'invalid'],
  ['[01]', 'invalid'],
  ['[1.e3]', 'invalid'],
  ['[+1]', 'invalid'],
  ['[.5]', 'invalid'],
  ['[True]', 'invalid'],
  ['[nulx]', 'invalid'],
  ['["a\\x"]', 'invalid'],
  ['["\\u12g4"]', 'invalid'],
  ['["tab\there"]', 'invalid'],
  ['[}', 'invalid'],
  ['{]', 'invalid'],
  ['[1}', 'invalid'],
  ['{"a":1]', 'invalid'],
];

for (const [input, expected] of TABLE) {
  test(`classifyJson(${JSON.stringify(input)}) = ${expected}`, () => {
    assert.equal(classifyJson(b(input)), expected);
  });
}

test('bytes ≥ 0x80 are fine inside strings only', () => {
  assert.equal(classifyJson(Buffer.from([0x22, 0xc3, 0xa9, 0x22])), 'complete');
  assert.equal(classifyJson(Buffer.from([0x5b, 0xc3, 0xa9, 0x5d])), 'invalid');
});

test('every cut of a real document is a prefix; the whole is complete', () => {
  const doc = b(sampleDoc(2));
  assert.equal(classifyJson(doc), 'complete');
  for (let i = 1; i < doc.length; i++) {
    assert.equal(classifyJson(doc.subarray(0, i)), 'prefix', `cut at ${i}`);
  }
});

test('100k-deep nesting: complete, prefix when cut, no stack overflow', () => {
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  assert.equal(classifyJson(b(deep)), 'complete');
  assert.equal(classifyJson(b(deep.slice(0, 150000))), 'prefix');
});

// Properties: the scanner agrees with JSON.parse.
const JSONISH = fc.string({
  unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '0', '1', '-', '+', '.', 'e', 'E', 't', 'r', 'u', 'f', 'a', 'l', 's', 'n', ' ', '\n', '\\', 'x', '\u0001', 'é'),
  maxLength: 24,
});

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

test('property: complete ⟺ JSON.parse accepts (grammar-biased random text)', () => {
  fc.assert(
    fc.property(JSONISH, (s) => {
      assert.equal(classifyJson(b(s)) === 'complete', parses(s), JSON.stringify(s));
    }),
    { numRuns: 20000 },
  );
});

test('property: any JSON value serialises to complete; every proper cut of an object/array is a prefix', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (v, pretty) => {
      const text = JSON.stringify(v, null, pretty ? '\t' : undefined);
      assert.equal(classifyJson(b(text)), 'complete');
      if (text.startsWith('{') || text.startsWith('[')) {
        const bytes = b(text);
        for (let i = 1; i < bytes.length; i++) assert.equal(classifyJson(bytes.subarray(0, i)), 'prefix', `${text} cut at ${i}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: prefix means some continuation exists (JSON.parse rejects it as-is)', () => {
  fc.assert(
    fc.property(JSONISH, (s) => {
      if (classifyJson(b(s)) === 'prefix') assert.equal(parses(s), false);
    }),
    { numRuns: 20000 },
  );
});
