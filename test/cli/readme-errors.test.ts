/**
 * The README's table of malformed-input errors is true: each command, run
 * through the real `bin/tsgitop` (in a temp dir where `app.sock` does not
 * exist), prints exactly that one line on stderr, nothing on stdout, and
 * exits with code 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN } from './run-cli.js';

const README = new URL('../../../README.md', import.meta.url);

interface Row {
  args: string[];
  stderr: string;
}

/** The rows between the errors-table markers: `| \`tsgitop ARGS\` | \`LINE\` |`. */
function readmeRows(): Row[] {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('<!-- errors-table:start -->');
  const end = text.indexOf('<!-- errors-table:end -->');
  assert.ok(start >= 0 && end > start, 'README has the errors table markers');
  const rows: Row[] = [];
  for (const line of text.slice(start, end).split('\n')) {
    const m = /^\| `tsgitop((?: [^`]*)?)` \| `(.*)` \|$/.exec(line);
    if (!m) continue;
    // Arguments are space-separated; none in the table contains a space or a quote.
    rows.push({ args: m[1]!.trim() === '' ? [] : m[1]!.trim().split(' '), stderr: m[2]! });
  }
  return rows;
}

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('README errors table: every row is what the real CLI prints, exit 2', async (t) => {
  const rows = readmeRows();
  assert.ok(rows.length >= 20, `the table has its rows (${rows.length})`);
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-readme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wrong: string[] = [];
  // Two at a time: each is a short-lived node process.
  for (let i = 0; i < rows.length; i += 2) {
    const batch = rows.slice(i, i + 2);
    const results = await Promise.all(batch.map((r) => run(r.args, dir)));
    batch.forEach((r, j) => {
      const got = results[j]!;
      const want = r.stderr + '\n';
      if (got.code !== 2 || got.stderr !== want || got.stdout !== '') {
        wrong.push(`tsgitop ${r.args.join(' ')}: exit ${got.code}, stderr ${JSON.stringify(got.stderr)}, stdout ${JSON.stringify(got.stdout.slice(0, 80))}`);
      }
    });
  }
  assert.deepEqual(wrong, []);
});
