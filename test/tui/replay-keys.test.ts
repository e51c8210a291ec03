/** The replay section of the key map, the REPLAY marker's text and the replay read pacing: pure functions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYMAP, REPLAY_KEYMAP, bindingFor, footerHints, helpKeysText, helpLines, keyMapFor, replayDirection } from '../../src/tui/keys.js';
import { helpKeysText as fullHelpKeysText } from '../../src/tui/help-keys.js';
import { REPLAY_MIN_READ_MS, formatSpeed, replayReadIntervalMs, replayStatusText, type ReplayStatus } from '../../src/tui/replay-marker.js';
import { helpBox, statusLine, type StatusInput } from '../../src/tui/status.js';
import { makeTheme } from '../../src/tui/theme.js';
import { formatTimestamp } from '../../src/format.js';

const theme = makeTheme(false);
const plain = (s: string): string => s.replace(/\{[^{}]*\}/g, '');

test('replay key map: bound only in a replay, where it wins over the table and the detail', () => {
  const live = keyMapFor({ replay: false });
  assert.equal(live, KEYMAP, 'the live monitor keeps its map as is');
  const rep = keyMapFor({ replay: true });
  for (const ctx of ['main', 'detail'] as const) {
    assert.equal(bindingFor('space', ctx, rep)?.action, 'replayPause');
    assert.equal(bindingFor('p', ctx, rep)?.action, 'replayPause');
    assert.equal(bindingFor('.', ctx, rep)?.action, 'replayStep');
    assert.equal(bindingFor(',', ctx, rep)?.action, 'replayStep');
    assert.equal(bindingFor('+', ctx, rep)?.action, 'replaySpeed');
    assert.equal(bindingFor('-', ctx, rep)?.action, 'replaySpeed');
    assert.equal(bindingFor('[', ctx, rep)?.action, 'replaySeek');
    assert.equal(bindingFor('}', ctx, rep)?.action, 'replayJump');
    assert.equal(bindingFor('C-c', ctx, rep)?.action, 'quit', 'global keys still win');
  }
  // The live bindings are untouched: p freezes the display, space pages, the replay keys do nothing.
  assert.equal(bindingFor('p', 'main')?.action, 'pause');
  assert.equal(bindingFor('space', 'main')?.action, 'pageDown');
  for (const k of ['.', ',', '+', '-', '[', ']', '{', '}']) assert.equal(bindingFor(k, 'main'), undefined, `live: ${k} unbound`);
  // In a replay, PgDn still pages (with its other keys); the display pause is gone entirely.
  assert.equal(bindingFor('pagedown', 'main', rep)?.action, 'pageDown');
  assert.ok(!rep.some((b) => b.action === 'pause'), 'the display pause is neither bound nor listed in a replay');
  assert.ok(!rep.find((b) => b.action === 'pageDown')!.keys.includes('space'));
  // The replay entries come right after '?'.
  const help = rep.findIndex((b) => b.action === 'help');
  assert.deepEqual(rep.slice(help + 1, help + 1 + REPLAY_KEYMAP.length), REPLAY_KEYMAP);
});

test('replay key map: no key means two things in a replay; directions of the two-way keys', () => {
  const rep = keyMapFor({ replay: true });
  for (const ctx of ['main', 'detail'] as const) {
    const seen = new Map<string, string>();
    for (const b of rep) {
      if (!b.contexts.includes(ctx) && !b.contexts.includes('global') && !b.contexts.includes('replay')) continue;
      for (const k of b.keys) {
        const prev = seen.get(k);
        assert.ok(prev === undefined || prev === b.action, `${ctx}: key ${k} bound to ${prev} and ${b.action}`);
        seen.set(k, b.action);
      }
    }
  }
  assert.equal(replayDirection('.'), 1);
  assert.equal(replayDirection(','), -1);
  assert.equal(replayDirection('+'), 1);
  assert.equal(replayDirection('='), 1);
  assert.equal(replayDirection('-'), -1);
  assert.equal(replayDirection('_'), -1);
  assert.equal(replayDirection(']'), 1);
  assert.equal(replayDirection('['), -1);
  assert.equal(replayDirection('}'), 1);
  assert.equal(replayDirection('{'), -1);
  assert.equal(replayDirection('q'), 0);
  assert.equal(replayDirection(undefined), 0);
});

test('help lines, footer and --help-keys: a replay section, listed only for a replay', () => {
  const rep = keyMapFor({ replay: true });
  const lines = helpLines(rep);
  assert.deepEqual(
    lines.filter((l) => l.where === 'replay').map((l) => l.key),
    REPLAY_KEYMAP.map((b) => b.name),
  );
  assert.ok(!helpLines().some((l) => l.where === 'replay'));
  assert.deepEqual(footerHints('main', rep).slice(0, 5).map((h) => `${h.key} ${h.label}`), ['q quit', '? help', 'space/p play/pause', ',/. step', '-/+ speed']);
  assert.ok(footerHints('detail', rep).some((h) => h.label === 'play/pause'), 'replay keys work in the detail view too');
  assert.ok(!footerHints('main').some((h) => h.label === 'play/pause'));
  const box = plain(helpBox(120, 60, 0, theme, rep).content);
  for (const b of REPLAY_KEYMAP) assert.ok(box.includes(b.help));

  const text = helpKeysText();
  const [liveText, replayText] = text.split('\nReplay (tsgitop --replay FILE)');
  assert.ok(liveText !== undefined && replayText !== undefined, text);
  for (const b of KEYMAP) assert.ok(liveText.includes(b.help), `live section lists ${b.name}`);
  for (const b of REPLAY_KEYMAP) {
    assert.ok(!liveText.includes(b.help), `live section does not list ${b.name}`);
    assert.match(replayText, new RegExp(`^  ${b.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +${b.help.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}  \\[replay\\]$`, 'm'));
  }
});

const S: ReplayStatus = { paused: false, speed: 2, position: 119, length: 3600, clock: Date.UTC(2026, 10, 23, 10, 12, 3), atEnd: false, target: 'web1', others: 0 };

test('REPLAY marker text: speed, play/pause/end, the replay clock, the position, the target of a fleet recording', () => {
  const ts = formatTimestamp(S.clock);
  assert.equal(replayStatusText(S), `×2 ▶ ${ts} (record 120/3600)`);
  assert.equal(replayStatusText({ ...S, speed: 1, paused: true }), `×1 ⏸ paused ${ts} (record 120/3600)`);
  assert.equal(replayStatusText({ ...S, speed: 0.25, atEnd: true, position: 3599 }), `×0.25 ■ end ${ts} (record 3600/3600)`);
  assert.equal(replayStatusText({ ...S, others: 2, target: 'web\x1b1' }), `×2 ▶ ${ts} (record 120/3600) · web\\x1b1, 2 other targets: --replay-target`);
  assert.equal(replayStatusText({ ...S, others: 1 }).endsWith('web1, 1 other target: --replay-target'), true);
  assert.equal(formatSpeed(0.5), '×0.5');
  assert.equal(formatSpeed(16), '×16');
});

test('status line: the REPLAY marker leads (before an outage), and a replay is never "live"', () => {
  const base: StatusInput = { cols: 200, now: S.clock, theme, addressLabel: 'web1 (replay of f)', paused: false, every: '1s', fast: false, filter: '', filterEditing: false };
  assert.equal(plain(statusLine({ ...base, lastGoodAt: S.clock })), '● live · every 1s');
  const rep = plain(statusLine({ ...base, lastGoodAt: S.clock, replay: S }));
  assert.equal(rep, ` REPLAY   ${replayStatusText(S)}`);
  const down = plain(statusLine({ ...base, lastGoodAt: S.clock - 5000, lastError: { message: 'refused', retryAt: S.clock }, replay: S }));
  assert.ok(down.startsWith(` REPLAY   ${replayStatusText(S)}   STALE 5.0s `), down);
  assert.ok(!plain(statusLine({ ...base, replay: S })).includes('connecting'), 'no "connecting to" in a replay');
  const narrow = plain(statusLine({ ...base, cols: 30, lastGoodAt: S.clock, replay: S }));
  assert.ok(narrow.startsWith(' REPLAY ') && narrow.length <= 30, narrow);
});

test('replay reads: every refresh interval of recorded time, at most 20 a second', () => {
  assert.equal(replayReadIntervalMs(1000, 1), 1000);
  assert.equal(replayReadIntervalMs(1000, 4), 250);
  assert.equal(replayReadIntervalMs(1000, 16), 62.5);
  assert.equal(replayReadIntervalMs(1000, 64), REPLAY_MIN_READ_MS);
  assert.equal(replayReadIntervalMs(1000, 0.25), 4000);
  assert.equal(replayReadIntervalMs(1000, Number.NaN), 1000);
});

test("README's keys section is exactly what --help-keys prints", async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('```\nKeys of the live monitor');
  assert.ok(start >= 0, 'README has the keys block');
  const end = readme.indexOf('```\n', start + 4);
  assert.equal(readme.slice(start + 4, end), fullHelpKeysText(), 'paste the output of `tsgitop --help-keys` into README.md');
});
