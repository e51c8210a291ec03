#!/usr/bin/env node
// Builds packages/emitter (the zero-dependency `tsgitop-emitter` package) from
// the sources in src/emitter — they stay the truth; the package is their
// compiled output plus src/emitter/README.md and the LICENSE. No source maps
// (the sources are not in that package). Run by the package's build/prepack.
import { copyFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = join(root, 'packages/emitter');
rmSync(join(pkg, 'dist'), { recursive: true, force: true });
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
copyFileSync(join(root, 'src/emitter/README.md'), join(pkg, 'README.md'));
copyFileSync(join(root, 'LICENSE'), join(pkg, 'LICENSE'));
