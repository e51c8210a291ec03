#!/usr/bin/env node
// Writes tsgitop.1 (the man page) from the option table, via the built
// dist/src/cli/man.js (run after tsc, in `npm run build`). `--check` writes
// nothing and exits 1 when tsgitop.1 is not current.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const { renderMan } = await import(new URL('dist/src/cli/man.js', root).href);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const page = renderMan(version);
const file = new URL('tsgitop.1', root);
let current = '';
try {
  current = readFileSync(file, 'utf8');
} catch {}
if (process.argv.includes('--check')) {
  if (current !== page) {
    process.stderr.write('tsgitop.1 is not current: run node scripts/man.mjs\n');
    process.exit(1);
  }
} else if (current !== page) {
  writeFileSync(file, page);
}
