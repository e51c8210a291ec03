/**
 * A bench that runs bin/tsgitop must run what users run: the bundles `npm run build` makes. A later `tsc`
 * alone (the test build) leaves them older than the modules, and bin/tsgitop then loads ~80 modules instead
 * of one bundle — seen as +10 MB RSS and a dearer first minute (bench/results/side-uwsgi.md, stop 31).
 * `requireCurrentBundles` stops such a bench with a one-line error before it measures anything.
 */
import { createRequire } from 'node:module';

export async function requireCurrentBundles(bench: string): Promise<void> {
  const why = await staleBundle();
  if (why === undefined) return;
  console.error(`bench ${bench}: ${why} — run \`npm run build\` first (bin/tsgitop would load the modules, not what users run)`);
  process.exit(1);
}

/** Why the bundles bin/tsgitop runs are not current (undefined: they are). */
export async function staleBundle(): Promise<string | undefined> {
  try {
    const main = (await import(new URL('../src/cli/main.bundle.js', import.meta.url).href)) as { stale?: boolean };
    if (main.stale) return 'dist/src/cli/main.bundle.js is older than a module in it';
    const one = createRequire(import.meta.url)('../src/cli/oneshot.bundle.cjs') as { stale?: boolean };
    if (one.stale) return 'dist/src/cli/oneshot.bundle.cjs is older than a module in it';
  } catch {
    return 'no bundle in dist/src/cli';
  }
  return undefined;
}
