/**
 * The `version` string the emitter reports.
 *
 * uWSGI reports e.g. `2.0.21-debian` (its version plus a distribution
 * suffix). We report `2.0.21-tsgitop-<package version>`: it starts with the
 * uWSGI version whose stats format we reproduce, so a consumer that checks
 * the version (or just prints it, like uwsgitop's header) keeps working,
 * and the suffix tells a human — and tsgitop — that the peer is a Node.js
 * server running the tsgitop emitter, not uWSGI itself.
 */
import { readFileSync } from 'node:fs';

/** uWSGI release whose stats document layout the emitter reproduces. */
export const UWSGI_FORMAT_VERSION = '2.0.21';

let cached: string | undefined;

/** The package version from package.json, or `0.0.0` if it cannot be read. */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  // dist/src/emitter/version.js → ../../../package.json; src/emitter → ../../package.json
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'tsgitop' && typeof pkg.version === 'string') {
        cached = pkg.version;
        break;
      }
    } catch {
      // try the next candidate
    }
  }
  return cached;
}

/** `2.0.21-tsgitop-<pkgversion>`. */
export function emitterVersion(): string {
  return `${UWSGI_FORMAT_VERSION}-tsgitop-${packageVersion()}`;
}
