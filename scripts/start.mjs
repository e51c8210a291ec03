#!/usr/bin/env node
// `npm start`: the demo (tsgitop demo), built first only when needed — when
// dist/ is missing or a source (src/**, tsconfig.json) is newer than the last
// complete build (its last output, dist/src/cli/oneshot.bundle.cjs). The check
// stats ~150 files (a few ms); after `npm ci` (which builds, see package.json
// "postprepare") the monitor starts at once. Arguments pass through to
// `tsgitop demo` (npm start -- -w 8).
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const name of readdirSync(path)) m = Math.max(m, newest(join(path, name)));
  return m;
}

function builtAt() {
  try {
    return statSync(join(root, 'dist/src/cli/oneshot.bundle.cjs')).mtimeMs;
  } catch {
    return -1;
  }
}

if (builtAt() < Math.max(newest(join(root, 'src')), newest(join(root, 'tsconfig.json')))) {
  process.stderr.write('tsgitop: building (dist/ is missing or older than src/)…\n');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// Run the command line in this process (one Node start less).
process.argv = [process.argv[0], join(root, 'bin/tsgitop'), 'demo', ...process.argv.slice(2)];
await import('../bin/tsgitop');
