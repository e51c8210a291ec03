/**
 * The CLI's fleet batch mode, --targets, --record and --replay argument
 * handling, over real unix sockets serving real uWSGI fixture documents.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, assertOneLineError } from './run-cli.js';
import { freePort } from '../helpers/net.js';

const dir = mkdtempSync(join(tmpdir(), 'tsgitop-cli-fleet-'));
const servers: Server[] = [];
after(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  rmSync(dir, { recursive: true, force: true });
});

const FIXTURE = readFileSync(fileURLToPath(new URL('../../../fixtures/uwsgi/two-reads-1.json', import.meta.url)));

/** A stats server on a unix socket in the temp dir that answers every connection with `doc`. */
async function statsServer(name: string, doc: Buffer = FIXTURE): Promise<string> {
  const path = join(dir, name);
  const srv = createServer((c) => c.end(doc));
  await new Promise<void>((r) => srv.listen(path, r));
  servers.push(srv);
  return path;
}

test('several addresses: one fleet table per iteration, a dead target shown DOWN, exit 0', async () => {
  const a = await statsServer('a.sock');
  const b = await statsServer('b.sock');
  const port = await freePort();
  const r = await runCli(['-b', '-n', '2', '-f', '0.2', a, b, `127.0.0.1:${port}`]);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.toString();
  assert.equal((out.match(/^TARGET\s/gm) ?? []).length, 2, 'two fleet tables');
  assert.equal((out.match(/^\S+\s+up\s+0\/2\s/gm) ?? []).length, 4, 'both live targets up, with 0 of 2 workers busy, in both tables');
  assert.match(out, /^127\.0\.0\.1:\d+\s+DOWN\s.*refused/m);
  assert.match(out, /targets: 3 \(up 2, down 1\)/);
});

test('--targets FILE with labels; a bad line is a one-line error naming FILE:LINE, exit 2', async () => {
  const a = await statsServer('c.sock');
  const good = join(dir, 'targets.txt');
  writeFileSync(good, `# the fleet\nweb1 = ${a}\n\n`);
  const ok = await runCli(['-b', '-f', '0.2', '--targets', good]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout.toString(), /^web1\s+up\s/m);
  const bad = join(dir, 'bad.txt');
  writeFileSync(bad, `web1 = ${a}\nweb2 = ftp://127.0.0.1:1\n`);
  const r = await runCli(['-b', '--targets', bad]);
  assert.equal(r.code, 2);
  assertOneLineError(r.stderr);
  assert.ok(r.stderr.includes(`${bad}:2`), r.stderr);
  const missing = await runCli(['-b', '--targets', join(dir, 'nope.txt')]);
  assert.equal(missing.code, 2);
  assertOneLineError(missing.stderr);
});

test('--record in batch mode writes a header and every read (baseline + iterations)', async () => {
  const a = await statsServer('d.sock');
  const rec = join(dir, 'rec.jsonl');
  const r = await runCli(['-b', '-n', '3', '-f', '0.1', '--record', rec, a]);
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(rec, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0]!.tsgitop_recording, 1);
  const samples = lines.slice(1);
  assert.equal(samples.length, 4, 'baseline + 3 reads');
  for (const s of samples) {
    assert.equal(s.addr, a);
    assert.deepEqual(s.doc, JSON.parse(FIXTURE.toString()), 'the document is recorded as served');
  }
  // A file that is not a recording is refused rather than appended to.
  const foreign = join(dir, 'foreign.txt');
  writeFileSync(foreign, 'hello\n');
  const refused = await runCli(['-b', '--record', foreign, a]);
  assert.equal(refused.code, 2);
  assertOneLineError(refused.stderr);
  assert.equal(readFileSync(foreign, 'utf8'), 'hello\n', 'foreign file untouched');
});

test('argument rules for --replay, --speed and several targets', async () => {
  for (const [args, re] of [
    [['--replay', join(dir, 'rec.jsonl'), ':9191'], /takes no address/],
    [['--replay', join(dir, 'rec.jsonl'), '--record', join(dir, 'x.jsonl')], /do not go together/],
    [['--speed', '2', ':9191'], /--speed only goes with --replay/],
    [['--replay', join(dir, 'rec.jsonl'), '--speed', '100'], /--speed must be a factor between 0.25 and 16/],
    [['-b', '-s', 'nope', ':9191', ':9192'], /unknown sort column 'nope'/],
  ] as const) {
    const r = await runCli([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assertOneLineError(r.stderr);
    assert.match(r.stderr, re);
  }
});
