/**
 * src/tui/widgets.ts newScreen inside tmux: blessed's `tmux -V` at start-up is
 * not run, and the screen still knows it runs in tmux (and which version).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import blessed from 'blessed';
import { newScreen, tmuxVersionOf } from '../../src/tui/widgets.js';
import { headlessStreams } from '../helpers/headless.js';

test('tmuxVersionOf: TERM_PROGRAM_VERSION of tmux, else 2', () => {
  assert.equal(tmuxVersionOf({ TERM_PROGRAM: 'tmux', TERM_PROGRAM_VERSION: '3.3a' }), 3.3);
  assert.equal(tmuxVersionOf({ TERM_PROGRAM: 'tmux', TERM_PROGRAM_VERSION: 'next-3.4' }), 2);
  assert.equal(tmuxVersionOf({ TERM_PROGRAM: 'iTerm.app', TERM_PROGRAM_VERSION: '3.4.19' }), 2);
  assert.equal(tmuxVersionOf({}), 2);
});

test('newScreen in tmux runs no `tmux -V` (stock blessed does), keeps TMUX, and the program knows tmux and its version', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-tmuxv-'));
  const marker = join(dir, 'ran');
  // A `tmux` first on PATH that leaves a file behind when run.
  writeFileSync(join(dir, 'tmux'), `#!/bin/sh\ntouch ${marker}\necho "tmux 3.9"\n`);
  chmodSync(join(dir, 'tmux'), 0o755);
  const saved = { TMUX: process.env.TMUX, PATH: process.env.PATH, TERM_PROGRAM: process.env.TERM_PROGRAM, TERM_PROGRAM_VERSION: process.env.TERM_PROGRAM_VERSION };
  const screens: blessed.Widgets.Screen[] = [];
  t.after(() => {
    for (const s of screens) s.destroy();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  process.env.TMUX = '/tmp/tmux-test/default,1,0';
  process.env.PATH = `${dir}:${saved.PATH ?? ''}`;
  process.env.TERM_PROGRAM = 'tmux';
  process.env.TERM_PROGRAM_VERSION = '3.3a';
  const streams = (): { input: never; output: never } => headlessStreams(40, 10);
  const stock = blessed.screen({ ...streams(), terminal: 'xterm-256color', warnings: false });
  screens.push(stock);
  assert.equal(existsSync(marker), true, 'stock blessed runs tmux -V (else this test proves nothing)');
  rmSync(marker);
  const screen = newScreen({ ...streams(), terminal: 'xterm-256color', warnings: false });
  screens.push(screen);
  assert.equal(existsSync(marker), false, 'newScreen ran tmux');
  assert.equal(process.env.TMUX, '/tmp/tmux-test/default,1,0');
  const program = screen.program as unknown as { tmux: boolean; tmuxVersion: number };
  assert.equal(program.tmux, true);
  assert.equal(program.tmuxVersion, 3.3);
});
