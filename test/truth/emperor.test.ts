/**
 * Issue 12 point 4 / "done when" 4 against a real uWSGI 2.0 Emperor
 * (`--emperor DIR --emperor-stats ADDR`): a vassal that cannot start is
 * blacklisted — the blacklist (vassal, throttle level, attempts, when) and
 * the throttle level are shown, a crash-loop verdict names it — and vassals
 * spawned, blacklisted and died raise events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupMembers, UWSGI_PLUGIN_DIR, uwsgiAvailable } from '../helpers/uwsgi.js';
import { startCli, writeApp } from './helpers.js';

const avail = uwsgiAvailable();
const skip = avail.ok ? false : `uwsgi not installed: ${avail.reason}`;
if (skip) console.log(`# skipping real-uWSGI Emperor tests: ${skip}`);

interface EmperorTick {
  kind: string;
  throttle_level: number | null;
  blacklist: { vassal: string; throttle_level: number | null; attempts: number | null; last_attempt: number | null }[];
  events: { kind: string; message: string }[];
  diagnosis: { rule: string; message: string; vassal: string | null }[];
  vassals: { id: string; pid: number }[];
}

async function stopGroup(pgid: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (const sig of ['SIGINT', 'SIGKILL'] as const) {
    try {
      process.kill(-pgid, sig);
    } catch {
      return;
    }
    const until = Math.min(deadline, Date.now() + 7000);
    while (groupMembers(pgid).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (groupMembers(pgid).length === 0) return;
  }
}

test('Emperor: a vassal that cannot start is blacklisted (verdict + event), a good one spawns and dies (events)', { skip, timeout: 90_000 }, async (t) => {
  const { app, dir, cleanup } = writeApp();
  t.after(cleanup);
  const vassals = join(dir, 'vassals');
  mkdirSync(vassals);
  const stats = join(dir, 'emperor.sock');
  const emp = spawn('uwsgi', ['--emperor', vassals, '--emperor-stats', stats, '--emperor-freq', '1'], { cwd: dir, detached: true, stdio: 'ignore' });
  const pgid = emp.pid!;
  t.after(() => stopGroup(pgid));
  const cli = startCli(['--json', '-n', '60', '-f', '0.5', stats]);
  t.after(() => cli.kill());
  const ticks = () => cli.lines.map((l) => JSON.parse(l) as EmperorTick);
  await cli.waitLine(() => true, 20_000);
  assert.equal(ticks()[0]!.kind, 'emperor');

  const common = `plugins-dir = ${UWSGI_PLUGIN_DIR}\nplugin = python3\nhttp-socket = 127.0.0.1:0\nneed-app = true\n`;
  writeFileSync(join(vassals, 'good.ini'), `[uwsgi]\n${common}wsgi-file = ${app}\n`);
  writeFileSync(join(vassals, 'bad.ini'), `[uwsgi]\n${common}wsgi-file = ${join(dir, 'missing.py')}\n`);

  await cli.waitLine((l) => (JSON.parse(l) as EmperorTick).events.some((e) => e.message.startsWith('vassal good.ini spawned (pid ')), 30_000);
  const bl = await cli.waitLine((l) => (JSON.parse(l) as EmperorTick).events.some((e) => /^vassal bad\.ini blacklisted \(attempt \d+, throttle \d+s\)$/.test(e.message)), 30_000);
  const tick = JSON.parse(bl) as EmperorTick;
  const entry = tick.blacklist.find((b) => b.vassal === 'bad.ini')!;
  assert.ok(entry, 'bad.ini in the blacklist');
  assert.ok((entry.throttle_level ?? 0) >= 1 && entry.attempts !== null && (entry.last_attempt ?? 0) > 1.7e9);
  assert.notEqual(tick.throttle_level, null);
  const v = tick.diagnosis.find((d) => d.rule === 'crash_loop')!;
  assert.equal(v.vassal, 'bad.ini');
  assert.match(v.message, /^crash loop: vassal bad\.ini blacklisted/);

  // batch text shows the blacklist and the verdict too
  const text = startCli(['-b', '-n', '1', '-f', '0.3', stats]);
  await text.done;
  const out = text.lines.join('\n');
  assert.match(out, /throttle: \d+/);
  assert.match(out, /blacklist \(1\):\n {2}bad\.ini {2}throttle \d+s {2}attempts \d+ {2}last \d{4}-/);
  assert.match(out, /^diagnosis: crash loop: vassal bad\.ini blacklisted/m);

  // removing a running vassal's config: the Emperor stops it → "died"
  rmSync(join(vassals, 'good.ini'));
  await cli.waitLine((l) => (JSON.parse(l) as EmperorTick).events.some((e) => e.message.startsWith('vassal good.ini died')), 30_000);
  cli.kill();
});
