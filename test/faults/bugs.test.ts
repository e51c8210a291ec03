/**
 * Regression tests for bugs the reliability suite found in other parts of
 * the tree (both fixed): History allocating a series for every key of a
 * 100k-worker document before trimming to maxKeys, and commander's own
 * 'error:' line printed for the demo subcommand before tsgitop's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runCli } from '../cli/run-cli.js';
import { figure } from './mode.js';

const historyUrl = new URL('../../src/model/index.js', import.meta.url).href;
const parseUrl = new URL('../../src/protocol/parse.js', import.meta.url).href;
const docsUrl = new URL('./docs.js', import.meta.url).href;

function runNode(args: string[], script: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err: err.slice(-2000) }));
  });
}

test(
  'History.update on a 100k-worker view keeps its live memory near maxKeys x 3 rings',
  {
    timeout: 120_000,
  },
  async () => {
    // The views of two 100k-worker reads take ~60 MB; 4096 keys x 3 rings x 240 points ~25 MB.
    // 384 MB of old space is plenty for that, not for 300k rings.
    const script = `
      const { buildView, History } = await import(${JSON.stringify(historyUrl)});
      const { parseStats } = await import(${JSON.stringify(parseUrl)});
      const { wideDoc } = await import(${JSON.stringify(docsUrl)});
      let text = wideDoc(100000, 1);
      const a = { doc: parseStats(text), at: 1000 };
      text = wideDoc(100000, 2);
      const b = { doc: parseStats(text), at: 2000 };
      text = '';
      const v1 = buildView(a);
      const v2 = buildView(b, a);
      const h = new History({ capacity: 240 });
      h.update(v1);
      h.update(v2);
      process.stdout.write('size ' + h.size);
    `;
    const r = await runNode(['--max-old-space-size=384'], script);
    assert.equal(r.code, 0, `the child died (exit ${r.code}): ${r.err.split('\n').find((l) => /heap|memory/i.test(l)) ?? r.err}`);
    assert.equal(r.out, 'size 4096');
  },
);

/** `tsgitop demo …` errors that commander detects itself (unknown option, missing value, extra argument). */
const DEMO_CASES: string[][] = [['demo', '--bogus'], ['demo', '-w'], ['demo', '--frequency'], ['demo', 'extra']];

test(
  'tsgitop demo with a bad option: one line on stderr, exit code 2',
  {
    timeout: 60_000,
  },
  async () => {
    const rows: { args: string[]; code: number | null; message: string }[] = [];
    const problems: string[] = [];
    for (const args of DEMO_CASES) {
      const r = await runCli(args, { timeoutMs: 20_000 });
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      rows.push({ args, code: r.code, message: lines.join(' ⏎ ') });
      if (r.code !== 2 || lines.length !== 1 || !lines[0]!.startsWith('tsgitop: ')) problems.push(`${args.join(' ')}: exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`);
    }
    figure('cli', 'demo usage rows', rows);
    assert.deepEqual(problems, []);
  },
);
