/**
 * Key actions are data: each is a pure (state, context) → { state, reaction }
 * living in the key map next to its key and description. These run them on
 * plain objects — no blessed, no screen, no session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bind, dispatch, pickColumn, sortDefault, tableActions, type ActionContext, type SortLens, type TableInfo, type TableState } from '../../src/tui/actions.js';
import { FLEET_KEYMAP, KEYMAP } from '../../src/tui/keys.js';

interface St extends TableState {
  sortId: string | undefined;
}

const lens: SortLens<St> = { get: (s) => s.sortId, set: (s, _t, id, reverse) => ({ ...s, sortId: id, reverse }) };
const table: TableInfo = {
  keys: ['a', 'b', 'c', 'd'],
  sortIds: ['target', 'state', 'rps', 'rss'],
  sortId: undefined,
  columns: [
    { id: 'target', title: 'TARGET' },
    { id: 'state', title: 'STATE' },
    { id: 'rps', title: 'RPS', descending: true },
    { id: 'rss', title: 'RSS', descending: true },
  ],
};
const st0: St = { sortId: undefined, reverse: false, filter: '', filterEditing: false, paused: false, selected: 'a', selectedIndex: 0, top: 0 };
const ctx = (p: Partial<ActionContext> = {}): ActionContext => ({ key: undefined, count: 1, page: 2, table, rows: 24, bottom: true, ...p });
const keys = bind(FLEET_KEYMAP, tableActions(lens));
const press = (key: string, st: St = st0, c: Partial<ActionContext> = {}) => dispatch(keys, key, 'main', st, ctx(c));

test('navigation: ↓ ↑ PgDn G g move the selection and ask for a redraw only', () => {
  assert.deepEqual(press('j'), { state: { ...st0, selected: 'b' }, reaction: 'redraw' });
  assert.equal(press('down', { ...st0, selected: 'd' })!.state!.selected, 'd', 'clamped at the last row');
  assert.equal(press('k', { ...st0, selected: 'c' })!.state!.selected, 'b');
  assert.equal(press('pagedown')!.state!.selected, 'c', 'a page is ctx.page rows');
  assert.equal(press('G')!.state!.selected, 'd');
  assert.equal(press('g', { ...st0, selected: 'c' })!.state!.selected, 'a');
  assert.deepEqual(press('j', st0, { table: undefined }), { reaction: 'none' }, 'no table, nothing to move');
});

test('sort: P biggest first (the column default), 1-9 picks (again: flips), s/S step, r reverses; each rebuilds the table and says so', () => {
  const p = press('P')!;
  assert.equal(p.reaction, 'rebuild');
  assert.deepEqual([p.state!.sortId, p.state!.reverse], ['rps', true]);
  assert.equal(p.message, 'sort by RPS ▼');
  const one = press('1')!;
  assert.deepEqual([one.state!.sortId, one.state!.reverse], ['target', false]);
  const again = press('1', one.state!, { table: { ...table, sortId: 'target' } })!;
  assert.deepEqual([again.state!.sortId, again.state!.reverse], ['target', true], 'the same column again flips');
});

test('sort keys beyond the columns, s/S, r', () => {
  assert.deepEqual(dispatch(keys, '9', 'main', st0, ctx()), { reaction: 'none' }, '9: no ninth column');
  const s = press('s', st0, { table: { ...table, sortId: 'state' } })!;
  assert.equal(s.state!.sortId, 'rps');
  const S = press('S', st0, { table: { ...table, sortId: 'target' } })!;
  assert.equal(S.state!.sortId, 'rss', 'S wraps to the last column');
  const r = press('r')!;
  assert.deepEqual([r.state!.reverse, r.reaction, r.message], [true, 'rebuild', 'sort descending']);
  assert.deepEqual(pickColumn(lens, st0, table, 'state').state!.sortId, 'state');
  assert.equal(sortDefault(lens, st0, table, 'target').state!.reverse, false, 'TARGET: smallest first');
});

test('quit, back, help, filter, pause, Ctrl-L, Ctrl-Z: reactions the shell acts on', () => {
  assert.equal(press('q')!.reaction, 'quit', 'q at the bottom of the stack quits');
  assert.equal(press('q', st0, { bottom: false })!.reaction, 'pop', 'q above another view goes back');
  assert.deepEqual(press('escape', { ...st0, filter: 'web' }), { state: { ...st0, filter: '' }, reaction: 'rebuild' }, 'Esc clears a filter first');
  assert.equal(press('escape', st0, { bottom: false })!.reaction, 'pop');
  assert.equal(press('escape')!.reaction, 'redraw', 'Esc at the bottom keeps the selection');
  assert.equal(press('?')!.reaction, 'help');
  assert.deepEqual(press('/'), { state: { ...st0, filterEditing: true }, reaction: 'redraw' });
  assert.deepEqual(press('p'), { state: { ...st0, paused: true }, reaction: 'redraw' });
  assert.equal(press('C-l')!.reaction, 'realloc');
  assert.equal(press('C-z')!.reaction, 'suspend');
  assert.equal(press('x'), undefined, 'an unbound key');
});

test('bind: a key map entry without an action is neither bound nor listed; the action sits next to its key and help', () => {
  const partial = bind(KEYMAP, { quit: () => ({ reaction: 'quit' }) });
  assert.deepEqual(partial.map((b) => b.action), ['quit', 'quit'], 'Ctrl-C and q');
  for (const b of keys) assert.equal(typeof b.run, 'function', `${b.name} has its action`);
  assert.ok(keys.every((b) => b.help.length > 0 && b.keys.length > 0));
});
