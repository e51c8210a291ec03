import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escText } from '../../src/tui/table.js';

test('escText: braces become blessed escapes, brace-free text comes back unchanged', () => {
  assert.equal(escText('plain 12.3 ms'), 'plain 12.3 ms');
  assert.equal(escText(''), '');
  assert.equal(escText('{red-fg}x{/red-fg}'), '{open}red-fg{close}x{open}/red-fg{close}');
  assert.equal(escText('only }'), 'only {close}');
  assert.equal(escText('only {'), 'only {open}');
  assert.equal(escText('{}{}'), '{open}{close}{open}{close}');
});
