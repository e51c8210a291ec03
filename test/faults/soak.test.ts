/**
 * Soak: the monitor at 10 Hz on the demo cluster (a worker crash every
 * 2–4 s) for 45 s (bounded) or 10 min (TSGITOP_FAULTS=long). Asserts no
 * heap/RSS growth beyond the stated bounds, no leaked handles or timers
 * after stop, no render error, no junk on screen, and that the monitor saw
 * the respawns. The figures go to RELIABILITY.md (scripts/faults/report.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak, soakMarkdown } from './soak-lib.js';
import { BUDGET, LONG, figure } from './mode.js';

/** Bounds: heap after GC may not grow by more than this between the first and the last samples. */
const HEAP_BOUND_MIB = LONG ? 8 : 4;
const RSS_BOUND_MIB = LONG ? 48 : 32;

test(`soak: monitor at 10 Hz on the crashing demo cluster for ${BUDGET.soakMs / 1000} s`, { timeout: BUDGET.soakMs + 120_000 }, async (t) => {
  const r = await runSoak({ durationMs: BUDGET.soakMs, sampleEveryMs: BUDGET.soakSampleMs, hz: 10, workers: 4, crashMs: 2000 });
  figure('soak', 'result', r);
  figure('soak', 'markdown', soakMarkdown(r));
  figure('soak', 'bounds', { heapGrowthMiB: HEAP_BOUND_MIB, rssGrowthMiB: RSS_BOUND_MIB });
  t.diagnostic(soakMarkdown(r));
  assert.equal(r.exitCode, 0, 'the monitor quit cleanly');
  assert.equal(r.renderErrors, 0, 'no render error');
  assert.deepEqual(r.junkSeen, [], 'no NaN/Infinity/undefined drawn');
  assert.ok(r.respawnsSeen >= 1, `the monitor saw the demo's respawns (${r.respawnsSeen})`);
  assert.ok(r.readsOk >= r.durationS * 5, `reads kept coming (${r.readsOk} ok in ${r.durationS} s)`);
  assert.ok(r.readsFailed <= Math.max(2, r.reads * 0.01), `at most 1% failed reads (${r.readsFailed}: ${JSON.stringify(r.codes)})`);
  assert.ok(r.notLiveSamples <= 1, `live on (nearly) every sample (${r.notLiveSamples} not live)`);
  assert.ok(r.heapGrowthMiB <= HEAP_BOUND_MIB, `heap grew ${r.heapGrowthMiB} MiB (bound ${HEAP_BOUND_MIB})`);
  assert.ok(r.rssGrowthMiB <= RSS_BOUND_MIB, `RSS grew ${r.rssGrowthMiB} MiB (bound ${RSS_BOUND_MIB})`);
  assert.deepEqual(r.leaked, {}, `handles/timers left after stop: ${JSON.stringify(r.leaked)}`);
});
