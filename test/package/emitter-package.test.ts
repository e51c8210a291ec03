/**
 * The emitter as its own zero-dependency package (packages/emitter,
 * `tsgitop-emitter`, built from src/emitter; issue 14 point 1): `npm pack`
 * it (prepack builds it), install the tarball into fresh temp projects
 * (offline: it has no dependency), and check that
 * - npm adds exactly 1 package and reports no install scripts;
 * - the tarball holds the compiled code, its types, README and LICENSE, no
 *   source maps pointing at absent sources, and every README link resolves;
 * - an ES module `import`, a CommonJS `require()` (Node ≥ 20.19: require of
 *   an ES module), and TypeScript consumers under moduleResolution
 *   `nodenext` (ESM and CommonJS), `bundler` and `node10` compile (strict)
 *   and run — each starts a real stats listener on a unix socket and reads
 *   the document back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PKG = join(ROOT, 'packages/emitter');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const TYPE_ROOTS = join(ROOT, 'node_modules/@types');

function sh(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out: `${stdout}${stderr}`, stdout }),
    ),
  );
}

/**
 * What each consumer does: start a listener on a unix socket, read it raw, check the document, close — on the app's
 * thread, then (`thread: true`) from the stats thread, whose module the package must carry and find.
 */
const BODY = (sock: string): string => `
for (const thread of [false, true]) {
const stats = await E.createStatsServer({ counters: new E.RequestCounters(), listen: { path: ${JSON.stringify(sock)} }, thread });
const doc = await new Promise((resolve, reject) => {
  const chunks = [];
  const c = net.connect(${JSON.stringify(sock)});
  c.on('data', (b) => chunks.push(b));
  c.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
  c.on('error', reject);
});
await stats.close();
if (!String(doc.version).includes('tsgitop')) throw new Error('bad version ' + doc.version);
console.log('OK ' + doc.version + ' workers=' + doc.workers.length + (thread ? ' thread' : ''));
}
`;

test('tsgitop-emitter: packed, installed from the tarball with 0 dependencies; ESM, require(), and TypeScript nodenext / bundler / node10 consumers compile and run', { timeout: 300_000 }, async (t) => {
  const index = readFileSync(join(ROOT, 'src/emitter/index.ts'), 'utf8');
  assert.match(index, /\bcreateStatsServer\b/, 'the consumers below use createStatsServer');
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-emitter-pkg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  // Pack (prepack builds from src/emitter).
  const packed = await sh('npm', ['pack', '--json', '--pack-destination', dir], PKG);
  assert.equal(packed.code, 0, packed.out);
  const json = packed.stdout.slice(packed.stdout.search(/^\[/m));
  const info = (JSON.parse(json) as { filename: string; files: { path: string }[] }[])[0]!;
  const files = info.files.map((f) => f.path);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) assert.ok(files.includes(f), `${f} in ${files.join(' ')}`);
  assert.deepEqual(files.filter((f) => f.endsWith('.map') || f.endsWith('.ts') && !f.endsWith('.d.ts')), [], 'no maps, no sources');
  const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.dependencies, undefined, 'no dependencies');
  for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal((manifest.scripts as Record<string, string>)[s], undefined, s);
  const readme = readFileSync(join(PKG, 'README.md'), 'utf8');
  for (const m of readme.matchAll(/\]\(\s*([^)\s]+)\s*\)/g)) {
    const link = m[1]!;
    if (/^https?:\/\//.test(link) || link.startsWith('#')) continue;
    assert.ok(files.includes(link.split('#')[0]!), `README link ${link} resolves inside the tarball`);
  }
  const tgz = join(dir, info.filename);

  const consumer = async (name: string, pkgJson: Record<string, unknown>): Promise<string> => {
    const p = join(dir, name);
    mkdirSync(p);
    writeFileSync(join(p, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, ...pkgJson }));
    const r = await sh('npm', ['install', '--offline', '--no-audit', '--no-fund', tgz], p);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /added 1 package\b/, r.out);
    assert.doesNotMatch(r.out, /install-scripts|install script/i, r.out);
    const ls = await sh('npm', ['ls', '--all', '--parseable'], p);
    assert.deepEqual(ls.out.trim().split('\n').slice(1).map((l) => l.slice(p.length + 1)), ['node_modules/tsgitop-emitter'], 'the emitter brings no dependency');
    return p;
  };
  const run = async (cwd: string, file: string): Promise<void> => {
    const r = await sh(process.execPath, [file], cwd);
    assert.equal(r.code, 0, `${cwd}/${file}: ${r.out}`);
    assert.match(r.out, /^OK 2\.0\.\d+-tsgitop-\d+\.\d+\.\d+ workers=\d+$/m, r.out);
    assert.match(r.out, /^OK 2\.0\.\d+-tsgitop-\d+\.\d+\.\d+ workers=1 thread$/m, r.out);
  };
  const tsc = async (cwd: string, options: Record<string, unknown>): Promise<void> => {
    writeFileSync(
      join(cwd, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', outDir: 'out', rootDir: '.', skipLibCheck: false, typeRoots: [TYPE_ROOTS], types: ['node'], ...options }, include: ['*.ts'] }),
    );
    const r = await sh(process.execPath, [TSC, '-p', 'tsconfig.json'], cwd);
    assert.equal(r.code, 0, `tsc in ${cwd} (${JSON.stringify(options)}): ${r.out}`);
  };

  // ESM import, plain JavaScript.
  const esm = await consumer('esm', { type: 'module' });
  writeFileSync(join(esm, 'index.js'), `import * as E from 'tsgitop-emitter';\nimport net from 'node:net';\n${BODY(join(esm, 's.sock'))}`);
  await run(esm, 'index.js');

  // CommonJS require() of the ES module package.
  const cjs = await consumer('cjs', {});
  writeFileSync(join(cjs, 'index.js'), `const E = require('tsgitop-emitter');\nconst net = require('node:net');\n(async () => {${BODY(join(cjs, 's.sock'))}})().catch((e) => { console.error(e); process.exit(1); });\n`);
  await run(cjs, 'index.js');

  // TypeScript consumers: typed use of the API, compiled strictly, then run.
  const TS = (sock: string, wrap: boolean): string => {
    const typed = `const opts: E.StatsServerOptions = { counters: new E.RequestCounters(), listen: { path: ${JSON.stringify(sock)} } };\nvoid opts;\n`;
    const body = BODY(sock).replace('const chunks = [];', 'const chunks: Buffer[] = [];').replace('(b) =>', '(b: Buffer) =>').replace('await new Promise(', 'await new Promise<{ version: string; workers: unknown[] }>(');
    return wrap ? `${typed}(async () => {${body}})().catch((e) => { console.error(e); process.exit(1); });\n` : `${typed}${body}\nexport {};\n`;
  };
  const nodenextEsm = await consumer('ts-nodenext-esm', { type: 'module' });
  writeFileSync(join(nodenextEsm, 'index.ts'), `import * as E from 'tsgitop-emitter';\nimport net from 'node:net';\n${TS(join(nodenextEsm, 's.sock'), false)}`);
  await tsc(nodenextEsm, { module: 'nodenext', moduleResolution: 'nodenext' });
  await run(nodenextEsm, 'out/index.js');

  const nodenextCjs = await consumer('ts-nodenext-cjs', {});
  writeFileSync(join(nodenextCjs, 'index.ts'), `import * as E from 'tsgitop-emitter';\nimport net = require('node:net');\n${TS(join(nodenextCjs, 's.sock'), true)}`);
  await tsc(nodenextCjs, { module: 'nodenext', moduleResolution: 'nodenext' });
  await run(nodenextCjs, 'out/index.js');

  const bundler = await consumer('ts-bundler', { type: 'module' });
  writeFileSync(join(bundler, 'index.ts'), `import * as E from 'tsgitop-emitter';\nimport net from 'node:net';\n${TS(join(bundler, 's.sock'), false)}`);
  await tsc(bundler, { module: 'esnext', moduleResolution: 'bundler', esModuleInterop: true });
  await run(bundler, 'out/index.js');

  const node10 = await consumer('ts-node10', {});
  writeFileSync(join(node10, 'index.ts'), `import * as E from 'tsgitop-emitter';\nimport net = require('node:net');\n${TS(join(node10, 's.sock'), true)}`);
  await tsc(node10, { module: 'commonjs', moduleResolution: 'node10' });
  await run(node10, 'out/index.js');
});

test('tsgitop depends on tsgitop-emitter and re-exports it as tsgitop/emitter (both installed from their tarballs)', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-reexport-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; exports: Record<string, unknown>; version: string };
  const emitterVersion = (JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(root.dependencies['tsgitop-emitter'], emitterVersion, 'tsgitop depends on this very emitter version');
  const e = await sh('npm', ['pack', '--json', '--pack-destination', dir], PKG);
  assert.equal(e.code, 0, e.out);
  const emitterTgz = join(dir, (JSON.parse(e.stdout.slice(e.stdout.search(/^\[/m))) as { filename: string }[])[0]!.filename);
  // tsgitop's tarball (dist/ is built), with its terminal dependencies left out so no registry is needed:
  // only tsgitop-emitter stays, which comes from the tarball above.
  const p = await sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT);
  assert.equal(p.code, 0, p.out);
  const tgz = join(dir, (JSON.parse(p.stdout.slice(p.stdout.search(/^\[/m))) as { filename: string }[])[0]!.filename);
  const x = join(dir, 'x');
  mkdirSync(x);
  await sh('tar', ['xzf', tgz, '-C', x], dir);
  const manifest = JSON.parse(readFileSync(join(x, 'package/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies = { 'tsgitop-emitter': manifest.dependencies['tsgitop-emitter']! };
  writeFileSync(join(x, 'package/package.json'), JSON.stringify(manifest, null, 2));
  const local = join(dir, 'tsgitop-local.tgz');
  await sh('tar', ['czf', local, '-C', x, 'package'], dir);
  const proj = join(dir, 'app');
  mkdirSync(proj);
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  const r = await sh('npm', ['install', '--offline', '--no-audit', '--no-fund', emitterTgz, local], proj);
  assert.equal(r.code, 0, r.out);
  writeFileSync(
    join(proj, 'index.js'),
    `import * as viaTsgitop from 'tsgitop/emitter';\nimport * as direct from 'tsgitop-emitter';\nimport { createRequire } from 'node:module';\nconst req = createRequire(import.meta.url)('tsgitop/emitter');\n` +
      `if (viaTsgitop.instrument !== direct.instrument || req.instrument !== direct.instrument) throw new Error('tsgitop/emitter is not tsgitop-emitter');\n` +
      `console.log('OK ' + Object.keys(viaTsgitop).length);\n`,
  );
  const run = await sh(process.execPath, ['index.js'], proj);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /^OK \d+$/m);
});
