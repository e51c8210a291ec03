/**
 * The `version` string the emitter reports.
 *
 * uWSGI reports e.g. `2.0.21-debian` (its version plus a distribution
 * suffix). We report `2.0.21-tsgitop-<package version>`: it starts with the
 * uWSGI version whose stats format we reproduce, so a consumer that checks
 * the version (or just prints it, like uwsgitop's header) keeps working,
 * and the suffix tells a human — and tsgitop — that the peer is a Node.js
 * server running the tsgitop emitter, not uWSGI itself.
 *
 * The package version is a compiled-in constant (package-version.ts), never
 * read from package.json at run time, so bundling does not change it.
 */
import { PACKAGE_VERSION } from './package-version.js';

/** uWSGI release whose stats document layout the emitter reproduces. */
export const UWSGI_FORMAT_VERSION = '2.0.21';

/** The package version (a constant kept in sync with package.json by a test). */
export function packageVersion(): string {
  return PACKAGE_VERSION;
}

/** `2.0.21-tsgitop-<pkgversion>`. */
export function emitterVersion(): string {
  return `${UWSGI_FORMAT_VERSION}-tsgitop-${PACKAGE_VERSION}`;
}
