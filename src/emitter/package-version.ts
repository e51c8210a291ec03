/**
 * The package version, as a constant: the emitter must not read
 * package.json at run time (a bundled consumer has none next to the code,
 * and reported `2.0.21-tsgitop-0.0.0`). Kept equal to package.json's
 * `version` by test/emitter/version.test.ts, which fails with the line to
 * write here when they differ.
 */
export const PACKAGE_VERSION = '0.1.0';
