/**
 * The interactive fleet view through a headless terminal: real stats
 * servers (tsgitop emitters on a temp-dir unix socket and on 127.0.0.1), a
 * dead target (a closed 127.0.0.1 port), a server killed mid-run, Enter →
 * the target's monitor → q/Esc back, keys, colours off, resize.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseTargets, type Target } from '../../src/fleet/targets.js';
import type { TargetReader } from '../../src/fleet/poller.js';
import { FLEET_KEYMAP } from '../../src/tui/keys.js';
import { footerHints } from '../../src/tui/keys.js';
import { buildFleetTable, fleetRowLine, fleetTotalsLine } from '../../src/tui/fleet/table.js';
import { buildFleetView } from '../../src/fleet/view.js';
import { makeTheme } from '../../src/tui/theme.js';
import { freePort } from '../helpers/net.js';
import { Recorder } from '../../src/record/recorder.js';
import { RecordingIndex } from '../../src/record/reader.js';
import { colourSgr } from '../tui/harness.js';
import { synthDoc, type SynthOptions } from '../tui/synth.js';
import { startEmitter, tempDir } from './helpers.js';
import { rowLabels, rowOf, startFleetHarness, stateOf, type FleetHarness, type FleetHarnessOptions } from './harness.js';

const T = { timeout: 30_000 };

function start(t: TestContext, o: FleetHarnessOptions): FleetHarness {
  const h = startFleetHarness(o);
  t.after(async () => {
    await h.quit();
  });
  return h;
}

/** The header's `targets N  up a  stale b  down c`. */
function counts(h: FleetHarness): string | undefined {
  return /targets \d+\s+up \d+\s+stale \d+\s+down \d+/.exec(h.text())?.[0].replace(/\s+/g, ' ');
}

test('fleet view over real sockets: a unix-socket emitter, a 127.0.0.1 emitter and a closed port; rows, states, totals; a killed server goes STALE then DOWN while the others keep refreshing', T, async (t) => {
  const dir = tempDir(t);
  const unix = await startEmitter(t, join(dir, 'a.sock'));
  const tcp = await startEmitter(t, { port: 0 });
  const dead = await freePort();
  const targets = parseTargets(`unix = ${unix.address}\ntcp = ${tcp.address}\ndead = 127.0.0.1:${dead}\n`, 'fleet.txt');
  const h = start(t, { targets, intervalMs: 150, timeoutMs: 1000, staleAfterMs: 800, downAfterMs: 2000, cols: 100, rows: 24 });

  await h.waitFor(() => stateOf(h, 'unix') === 'up' && stateOf(h, 'tcp') === 'up' && stateOf(h, 'dead') === 'DOWN', 'two targets up, one down');
  assert.equal(counts(h), 'targets 3 up 2 stale 0 down 1');
  assert.match(h.lines()[0]!, /tsgitop fleet\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, 'the time in the header');
  assert.match(rowOf(h, 'dead')!, /DOWN\s+connection refused by 127\.0\.0\.1:\d+/, 'the dead target shows its error');
  // Each emitter is one worker: the rows say x/1, the totals line sums the up targets.
  assert.match(rowOf(h, 'unix')!, /\s[01]\/1\s/);
  assert.match(rowOf(h, 'tcp')!, /\s[01]\/1\s/);
  const totals = (): string => h.lines().find((l) => l.startsWith('Σ'))!;
  await h.waitFor(() => totals() !== undefined, 'the totals line');
  assert.match(totals(), /^Σ 2 up of 3\s+[012]\/2\s/);
  // Column titles come from FLEET_COLUMNS.
  assert.match(h.text(), /TARGET\s+STATE\s+BUSY\s+RPS\s+LQ\s+AVG\s+AGE\s+EXC\/s\s+RSS/);

  // Traffic on the TCP emitter shows as a rate in its row and in the totals.
  const rpsOf = (label: string): number => Number(rowOf(h, label)!.slice(17).trim().split(/\s+/)[2]);
  for (let i = 0; i < 20; i++) assert.equal(await tcp.request(), 200);
  await h.waitFor(() => rpsOf('tcp') > 0, 'a rate on the tcp row');

  // Kill the unix emitter: it goes STALE (last numbers kept), then DOWN; tcp stays up all along and keeps refreshing.
  await unix.close();
  const tcpStates = new Set<string>();
  const watch = (): void => {
    const s = stateOf(h, 'tcp');
    if (s !== undefined) tcpStates.add(s);
  };
  await h.waitFor(() => (watch(), stateOf(h, 'unix') === 'STALE'), 'the killed target STALE');
  assert.match(rowOf(h, 'unix')!, /STALE\s+[01]\/1/, 'a stale row keeps its last numbers');
  assert.match(h.text(), /stale 1/);
  // While it is not up, new traffic on tcp still reaches the screen.
  const before = h.frames.length;
  let sawRate = false;
  const end = Date.now() + 8000;
  const traffic = (async () => {
    while (!sawRate && Date.now() < end) await tcp.request();
  })();
  await h.waitFor(() => {
    watch();
    if (rpsOf('tcp') > 0 && stateOf(h, 'unix') !== 'up') sawRate = true;
    return sawRate && h.frames.length > before + 2;
  }, 'tcp refreshing while unix is stale');
  await traffic;
  await h.waitFor(() => (watch(), stateOf(h, 'unix') === 'DOWN'), 'the killed target DOWN', 10_000);
  assert.deepEqual([...tcpStates], ['up'], 'tcp never left up');
  assert.equal(counts(h), 'targets 3 up 1 stale 0 down 2');
  assert.match(totals(), /^Σ 1 up of 3\s+[01]\/1\s/);
  assert.equal(await h.quit(), 0);
});

test('Enter opens the selected target\'s monitor (its address in the header); q and Esc return to the fleet; Ctrl-C in the monitor quits everything', T, async (t) => {
  const dir = tempDir(t);
  const em = await startEmitter(t, join(dir, 'em.sock'));
  const dead = await freePort();
  const deadAddr = `127.0.0.1:${dead}`;
  const targets = parseTargets(`${em.address}\n${deadAddr}\n`, 'fleet.txt');
  const h = start(t, { targets, intervalMs: 150, timeoutMs: 1000, cols: 120, rows: 30 });
  const fleetShown = (): boolean => h.current() === 'fleet' && /tsgitop fleet/.test(h.text()) && /^TARGET\s+STATE/m.test(h.text());
  await h.waitFor(() => fleetShown() && /up 1\s+stale 0\s+down 1/.test(h.text()), 'the fleet table');
  assert.match(h.lines().at(-1)!, /q quit\s+\? help\s+Enter monitor/, 'footer hints from the fleet key map');

  // The first row (the emitter) is selected: Enter opens its monitor.
  await h.press('\r');
  await h.waitFor(() => h.current() === 'monitor' && /WID\s+%\s+PID/.test(h.text()) && /tsgitop/.test(h.text()), 'the monitor of the emitter');
  assert.ok(h.text().includes(em.address), `the monitor names ${em.address}:\n${h.text()}`);
  assert.match(h.text(), /uWSGI 2\.0\.21-tsgitop/);
  assert.match(h.lines().at(-1)!, /^q back to fleet/, 'the monitor\'s footer says q goes back');
  assert.ok(!/tsgitop fleet/.test(h.text()), 'the fleet screen is gone');

  // q: back to the fleet table, the same row still selected.
  await h.press('q');
  await h.waitFor(fleetShown, 'the fleet table again');
  assert.equal(h.exitCode, undefined, 'q in the monitor did not quit');

  // Down to the dead target; Enter opens its monitor (no data, the error), Esc comes back.
  await h.press('j');
  await h.press('\r');
  await h.waitFor(() => h.current() === 'monitor' && h.text().includes(`tsgitop ${deadAddr}`) && /NO DATA/.test(h.text()), 'the monitor of the dead target');
  assert.match(h.text(), /connection refused/);
  await h.press('\x1b');
  await h.waitFor(fleetShown, 'the fleet table after Esc');
  assert.match(h.text(), new RegExp(`${deadAddr.replace(/\./g, '\\.')}\\s+connection refused`), 'the selected target\'s error in the status line');

  // Back and forth again: no listener piles up on the terminal streams.
  const listeners = (): number[] => [h.inp.listenerCount('data'), h.inp.listenerCount('keypress'), h.out.listenerCount('resize'), h.out.listenerCount('error')];
  const base = listeners();
  for (let i = 0; i < 3; i++) {
    await h.press('\r');
    await h.waitFor(() => h.current() === 'monitor' && /NO DATA/.test(h.text()), `monitor, round ${i}`);
    await h.press('q');
    await h.waitFor(fleetShown, `fleet, round ${i}`);
  }
  assert.deepEqual(listeners(), base, 'listeners on input/output after three round trips');

  // Ctrl-C inside an opened monitor quits the whole program with 0.
  await h.press('\r');
  await h.waitFor(() => h.current() === 'monitor', 'the monitor once more');
  assert.equal(await h.quit(), 0);
  assert.ok(!h.out.raw.endsWith('\x1b[?1049h'), 'left the alternate screen');
});

test('--record in the live fleet view: every target is recorded under its label, also while a monitor is open (the fleet keeps polling)', T, async (t) => {
  const dir = tempDir(t);
  const em = await startEmitter(t, join(dir, 'em.sock'));
  const dead = await freePort();
  const targets = parseTargets(`em = ${em.address}\ndead = 127.0.0.1:${dead}\n`, 'fleet.txt');
  const rec = await Recorder.open(join(dir, 'fleet.rec'));
  t.after(() => rec.close());
  const h = start(t, { targets, intervalMs: 100, timeoutMs: 1000, recorder: rec, cols: 100, rows: 24 });
  await h.waitFor(() => stateOf(h, 'em') === 'up' && stateOf(h, 'dead') === 'DOWN', 'the fleet table');
  await h.press('\r');
  await h.waitFor(() => h.current() === 'monitor' && /WID\s+%\s+PID/.test(h.text()), 'the monitor of em');
  // While the monitor has the screen, the fleet's reads go on: the recording grows by several records.
  const n = rec.stats.records;
  await h.waitFor(() => rec.stats.records >= n + 4, 'records written while the monitor is open');
  assert.equal(h.current(), 'monitor');
  await h.press('q');
  await h.waitFor(() => h.current() === 'fleet' && /tsgitop fleet/.test(h.text()), 'back to the fleet');
  assert.equal(await h.quit(), 0);
  await rec.close();
  const idx = await RecordingIndex.open(rec.file);
  t.after(() => idx.close());
  const kinds = (label: string): string[] => Array.from(idx.recordsOf(label), (i) => idx.kind(i));
  assert.ok(kinds('em').length >= 3 && kinds('em').every((k) => k === 'doc'), `em: ${kinds('em').join(',')}`);
  assert.ok(kinds('dead').length >= 3 && kinds('dead').every((k) => k === 'err'), `dead: ${kinds('dead').join(',')}`);
});

/** Fixture reader: target i has `workers[i]` workers; every read is one synthetic tick later, stamped now. */
function fixtureReader(opts: Record<string, SynthOptions>, failing = new Set<string>()): TargetReader {
  const ticks = new Map<string, number>();
  return async (target) => {
    if (failing.has(target.label)) throw new Error(`no route to ${target.label}`);
    const n = (ticks.get(target.label) ?? 0) + 1;
    ticks.set(target.label, n);
    return { doc: synthDoc(n, opts[target.label]!), at: Date.now() };
  };
}

function fixtureTargets(labels: readonly string[]): Target[] {
  return parseTargets(labels.map((l, i) => `${l} = /tmp/tsgitop-fleet-fixture-${i}.sock`).join('\n'), 'fleet.txt');
}

test('fleet keys: P/M sort biggest first, s steps columns, r reverses, a title click sorts, / filters, ? lists the fleet key map; no colour codes with color off; live resize down to 80x24', T, async (t) => {
  const labels = ['web2', 'api', 'web1'];
  const opts: Record<string, SynthOptions> = { web2: { workers: 1 }, api: { workers: 4 }, web1: { workers: 2 } };
  const h = start(t, { targets: fixtureTargets(labels), read: fixtureReader(opts), intervalMs: 100, color: false, cols: 120, rows: 30 });
  await h.waitFor(() => rowLabels(h, labels).length === 3 && labels.every((l) => /^[\d.]+[kM]?$/.test(rowOf(h, l)!.slice(17).trim().split(/\s+/)[2] ?? '')), 'three rows with rates');
  assert.deepEqual(rowLabels(h, labels), labels, 'target order at first');

  await h.press('P');
  assert.deepEqual(rowLabels(h, labels), ['api', 'web1', 'web2'], 'P: RPS, biggest first');
  assert.match(h.text(), /▼RPS/);
  await h.press('r');
  assert.deepEqual(rowLabels(h, labels), ['web2', 'web1', 'api'], 'r: reversed');
  await h.press('M');
  assert.deepEqual(rowLabels(h, labels), ['api', 'web1', 'web2'], 'M: RSS, biggest first');
  await h.press('1');
  assert.deepEqual(rowLabels(h, labels), ['api', 'web1', 'web2'].sort(), "1: TARGET, in its own direction (ascending; not RSS's, as htop)");
  await h.press('1');
  assert.deepEqual(rowLabels(h, labels), ['api', 'web1', 'web2'].sort().reverse(), '1 again: TARGET descending');
  // A click on the BUSY title (mouse press + release at x=24, y=3: the title row).
  const titleRow = h.lines().findIndex((l) => /^TARGET/.test(l));
  h.inp.write(`\x1b[<0;25;${titleRow + 1}M`);
  await h.press(`\x1b[<0;25;${titleRow + 1}m`);
  await h.waitFor(() => /[▲▼]BUSY/.test(h.text()), 'BUSY sorted by a click');
  // s: the next column (RPS), S: back to BUSY.
  await h.press('s');
  assert.match(h.text(), /[▲▼]RPS/);
  await h.press('S');
  assert.match(h.text(), /[▲▼]BUSY/);

  // Filter: only the web targets.
  await h.press('/');
  for (const ch of 'web') await h.press(ch);
  await h.press('\r');
  await h.waitFor(() => rowLabels(h, labels).length === 2 && !rowLabels(h, labels).includes('api'), 'filtered to web*');
  assert.match(h.text(), /filter "web" 2\/3/);
  await h.press('\x1b');
  await h.waitFor(() => rowLabels(h, labels).length === 3, 'filter cleared');

  // Help: every fleet key map entry's name is listed (scrolled).
  await h.press('?');
  await h.waitFor(() => /tsgitop fleet keys/.test(h.text()), 'help overlay');
  assert.match(h.text(), /Enter\s+Open the selected target's monitor/);
  await h.press('?');
  await h.waitFor(() => !/tsgitop fleet keys/.test(h.text()), 'help closed');
  const footer = h.lines().at(-1)!;
  for (const hint of footerHints('main', FLEET_KEYMAP).slice(0, 4)) assert.ok(footer.includes(`${hint.key} ${hint.label}`), `footer has ${hint.key} ${hint.label}: ${footer}`);

  // Resize to 80x24: the table still has TARGET/STATE/BUSY/RPS and the totals line; the footer stays on the last line.
  h.out.resizeTo(80, 24);
  await h.waitFor(() => h.lines().every((l) => l.length <= 80) && /^q quit/.test(h.lines()[23] ?? '') && h.lines().some((l) => l.startsWith('Σ 3 up of 3')), 'redrawn at 80x24');
  assert.match(h.text(), /TARGET\s+STATE\s+[▲▼]?BUSY\s+[▲▼]?RPS/);
  h.out.resizeTo(60, 16);
  await h.waitFor(() => h.lines().every((l) => l.length <= 60) && /^q quit/.test(h.lines()[15] ?? ''), 'redrawn at 60x16');

  assert.deepEqual(colourSgr(h.out.raw), [], 'no colour codes with color off');
  assert.equal(await h.quit(), 0);
});

test('fleet view with colour: states coloured (green up, red DOWN), a failing fixture target shows its error', T, async (t) => {
  const labels = ['ok', 'bad'];
  const h = start(t, { targets: fixtureTargets(labels), read: fixtureReader({ ok: { workers: 2 } }, new Set(['bad'])), intervalMs: 100, cols: 100, rows: 24 });
  await h.waitFor(() => stateOf(h, 'ok') === 'up' && stateOf(h, 'bad') === 'DOWN', 'states');
  assert.match(rowOf(h, 'bad')!, /DOWN\s+no route to bad/);
  assert.ok(colourSgr(h.out.raw).length > 0, 'colour codes with colour on');
  assert.equal(await h.quit(), 0);
});

test('fleet table (pure): a row without data shows its error after STATE; the totals line is formatted by the same columns', () => {
  const theme = makeTheme(false);
  const now = Date.now();
  const [a, b] = fixtureTargets(['a', 'b']);
  const view = buildFleetView({
    at: now,
    timing: { intervalMs: 1000 },
    targets: [
      { target: a!, cur: { doc: synthDoc(2, { workers: 3 }), at: now - 100 }, prev: { doc: synthDoc(1, { workers: 3 }), at: now - 1100 }, reads: 2 },
      { target: b!, error: { message: 'connection refused by x', at: now }, reads: 1 },
    ],
  });
  const table = buildFleetTable({ view, width: 80, sortId: undefined, reverse: false, filter: '' });
  const untag = (s: string): string => s.replace(/\{[^}]*\}/g, '');
  const rowA = untag(fleetRowLine(table, view.rows[0]!, 80, theme, now, false));
  const rowB = untag(fleetRowLine(table, view.rows[1]!, 80, theme, now, false));
  assert.equal(rowA.length, 80);
  assert.match(rowA, /^a\s+up\s+1\/3\s+60\.0\s/);
  assert.match(rowB, /^b\s+DOWN\s+connection refused by x\s*$/);
  const tot = untag(fleetTotalsLine(table, view.totals, 80, theme, now));
  assert.match(tot, /^Σ 1 up of 2\s+1\/3\s+60\.0\s/);
  // Narrow: the columns drop by priority, TARGET and STATE stay.
  const narrow = buildFleetTable({ view, width: 30, sortId: 'rps', reverse: true, filter: '' });
  assert.deepEqual(narrow.columns.map((c) => c.id).slice(0, 2), ['target', 'state']);
  assert.equal(narrow.sortId, 'rps');
  assert.deepEqual(buildFleetTable({ view, width: 80, sortId: undefined, reverse: false, filter: 'DOWN' }).rows.map((r) => r.label), ['b']);
});
