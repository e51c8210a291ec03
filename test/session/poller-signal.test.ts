/**
 * The monitor's poller makes one AbortController for its life (not one per
 * read: issue 13), so every read must take its listener off the shared
 * signal as it ends — answered, refused, timed out or too big — and stop()
 * must still abort the read in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Poller } from '../../src/session/poller.js';
import { recordingSource } from '../../src/record/source.js';
import { parseAddress } from '../../src/protocol/address.js';

const DOC = readFileSync(new URL('../../../fixtures/uwsgi/idle-4p.json', import.meta.url));

type Mode = 'answer' | 'hang' | 'big' | 'close';

test('one abort signal for all reads: no listener left behind by any read; stop() aborts the read in flight', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-poller-'));
  const path = join(dir, 's.sock');
  let mode: Mode = 'answer';
  const open = new Set<Socket>();
  const server: Server = createServer((c) => {
    open.add(c);
    c.on('close', () => open.delete(c));
    c.on('error', () => {});
    if (mode === 'answer') c.end(DOC);
    else if (mode === 'big') c.end(Buffer.alloc(DOC.length + 4096, 0x20));
    else if (mode === 'close') c.destroy();
    // 'hang': accept and never answer
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.after(() => {
    for (const c of open) c.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = recordingSource(parseAddress(path), undefined, { timeoutMs: 300, maxBytes: 2048 + DOC.length });
  const signals = new Set<AbortSignal>();
  const outcomes: string[] = [];
  let wake: (() => void) | undefined;
  const p = new Poller({
    read: (signal?: AbortSignal) => {
      if (signal) signals.add(signal);
      return read(signal);
    },
    intervalMs: () => 1,
    backoffInitialMs: 1,
    backoffMaxMs: 1,
    onSuccess: () => {
      outcomes.push('ok');
      wake?.();
    },
    onFailure: (e) => {
      outcomes.push(e instanceof Error ? e.message : String(e));
      wake?.();
    },
  });
  t.after(() => p.stop());
  const settled = (n: number): Promise<void> =>
    new Promise<void>((res, rej) => {
      const deadline = setTimeout(() => rej(new Error(`only ${outcomes.length} reads settled: ${outcomes.join(' | ')}`)), 10_000);
      wake = () => {
        if (outcomes.length >= n) {
          clearTimeout(deadline);
          wake = undefined;
          res();
        }
      };
    });
  const listeners = (): number => [...signals].reduce((n, s) => n + getEventListeners(s, 'abort').length, 0);

  p.start();
  await settled(5);
  for (const m of ['close', 'big', 'hang'] as const) {
    mode = m;
    await settled(outcomes.length + 2);
  }
  mode = 'answer';
  await settled(outcomes.length + 2);
  assert.ok(outcomes.filter((o) => o === 'ok').length >= 7, outcomes.join(' | '));
  assert.ok(outcomes.some((o) => /no complete answer .* within/.test(o)), `a read timed out: ${outcomes.join(' | ')}`);
  assert.equal(signals.size, 1, 'one signal for every read');
  // Between reads (the poller waits 1 ms), nothing listens; during one, that read alone.
  assert.ok(listeners() <= 1, `${listeners()} listeners on the signal after ${outcomes.length} reads`);

  // A read that hangs, then stop(): it is aborted at once, not left to its deadline.
  mode = 'hang';
  const before = outcomes.length;
  await new Promise<void>((res, rej) => {
    let tries = 0;
    const check = (): void => {
      if (open.size > 0 && listeners() === 1) res();
      else if (++tries > 400) rej(new Error('no read in flight within 2 s'));
      else setTimeout(check, 5);
    };
    check();
  });
  const [signal] = signals;
  p.stop();
  assert.equal(signal!.aborted, true);
  assert.equal(listeners(), 0, 'the aborted read took its listener off');
  assert.equal(outcomes.length, before, 'a stopped poller reports nothing');
});
