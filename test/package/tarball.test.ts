/**
 * The published tarball, as `npm pack --dry-run --json` lists it (issue 14
 * points 4–6):
 * - LICENSE (MIT, as package.json says) is in it;
 * - every relative link of every Markdown file in it resolves to a file in
 *   it (and a `#fragment` to a heading of that file); absolute links must
 *   be http(s);
 * - every source map in it points at sources that are in it (or embeds them);
 * - its package.json has no script npm runs when the package is installed
 *   as a dependency (preinstall, install, postinstall, prepare); and the
 *   packed tarball (its dependencies list dropped, so no registry is
 *   needed), installed into a fresh project, makes npm (11.16+ lists install
 *   scripts) report none — and its one-shot runs from there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface PackEntry {
  path: string;
}

function packList(): Set<string> {
  // --ignore-scripts: no prepack rebuild under the other tests' feet (dist/ is built already).
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [info] = JSON.parse(out) as [{ files: PackEntry[] }];
  // Compiled files of sources deleted since (tsc never removes them) are left out: prepack rebuilds dist/ from scratch.
  const stale = (f: string): boolean => {
    const m = /^dist\/(src\/.+?)\.(?:js|js\.map|d\.ts)$/.exec(f);
    return m !== null && !existsSync(join(ROOT, `${m[1]}.ts`)) && !/\.bundle(?:\.vm)?\.js$/.test(f);
  };
  return new Set(info.files.map((f) => f.path).filter((f) => !stale(f)));
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to '-'. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(md: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of md.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const s = slug(m[1]!);
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    out.add(n === 0 ? s : `${s}-${n}`);
  }
  return out;
}

/** Markdown link targets outside code spans and fences. */
function links(md: string): string[] {
  const text = md.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, (s) => (s.startsWith('`[') ? s.slice(1, -1) : ''));
  return [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

test('LICENSE is in the tarball, MIT as package.json says', () => {
  const files = packList();
  assert.ok(files.has('LICENSE'), [...files].filter((f) => !f.startsWith('dist/')).join(' '));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license?: string };
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n[\s\S]*Permission is hereby granted, free of charge/);
});

test('every link of every Markdown file in the tarball resolves inside it', () => {
  const files = packList();
  const mds = [...files].filter((f) => f.endsWith('.md'));
  assert.ok(mds.includes('README.md'));
  const bad: string[] = [];
  let checked = 0;
  for (const md of mds) {
    const text = readFileSync(join(ROOT, md), 'utf8');
    for (const link of links(text)) {
      checked++;
      if (/^https?:\/\//.test(link) || link.startsWith('mailto:')) continue;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) {
        bad.push(`${md}: ${link} (not http/https)`);
        continue;
      }
      const [path, frag] = link.split('#') as [string, string | undefined];
      const target = path === '' ? md : normalize(join(dirname(md), decodeURIComponent(path))).replace(/\\/g, '/');
      if (!files.has(target) && ![...files].some((f) => f.startsWith(`${target.replace(/\/$/, '')}/`))) {
        bad.push(`${md}: ${link} → ${target} is not in the tarball`);
        continue;
      }
      if (frag && target.endsWith('.md') && !anchors(readFileSync(join(ROOT, target), 'utf8')).has(frag)) bad.push(`${md}: ${link} → no heading #${frag} in ${target}`);
    }
  }
  assert.ok(checked > 0, 'the READMEs have links');
  assert.deepEqual(bad, []);
});

test('every source map in the tarball points at sources in it', () => {
  const files = packList();
  const maps = [...files].filter((f) => f.endsWith('.map'));
  assert.ok(maps.length > 0);
  const bad: string[] = [];
  for (const m of maps) {
    const map = JSON.parse(readFileSync(join(ROOT, m), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
    map.sources.forEach((s, i) => {
      if (typeof map.sourcesContent?.[i] === 'string') return;
      const target = normalize(join(dirname(m), map.sourceRoot ?? '', s)).replace(/\\/g, '/');
      if (!files.has(target)) bad.push(`${m}: ${s}`);
    });
  }
  for (const js of [...files].filter((f) => f.endsWith('.js'))) {
    const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(ROOT, js), 'utf8'))?.[1];
    if (ref !== undefined && !ref.startsWith('data:') && !files.has(normalize(join(dirname(js), ref)).replace(/\\/g, '/'))) bad.push(`${js} → ${ref}`);
  }
  assert.deepEqual(bad.slice(0, 20), []);
});

test('no install-time scripts: none in package.json, and npm reports none when the tarball is installed', { timeout: 180_000 }, async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(pkg.scripts?.[s], undefined, `scripts.${s}`);
  // Publishing builds first (prepack); a checkout's own `npm ci` builds through postprepare, which npm never runs for a dependency.
  assert.match(pkg.scripts?.prepack ?? '', /rmSync\('dist'.*&& npm run build$/, 'prepack builds dist/ from scratch');

  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-tarball-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  // The same tarball without its dependencies (blessed, commander…), so the install needs no registry: npm's
  // install-script check looks at this package's own manifest, which is unchanged but for `dependencies`.
  const x = join(dir, 'x');
  mkdirSync(x);
  execFileSync('tar', ['xzf', join(dir, tgz), '-C', x]);
  const manifest = JSON.parse(readFileSync(join(x, 'package/package.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(manifest.scripts, pkg.scripts, 'the tarball carries the same scripts');
  delete manifest.dependencies;
  writeFileSync(join(x, 'package/package.json'), JSON.stringify(manifest, null, 2));
  const local = join(dir, 'tsgitop-nodeps.tgz');
  execFileSync('tar', ['czf', local, '-C', x, 'package']);
  const proj = join(dir, 'consumer');
  mkdirSync(proj);
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const r = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile('npm', ['install', '--offline', '--no-audit', '--no-fund', local], { cwd: proj, encoding: 'utf8', timeout: 150_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? 1 : 0, out: `${stdout}${stderr}` }),
    ),
  );
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /install-scripts|install script/i, r.out);
  // Installed from the tarball, the one-shot runs (it needs no dependency): one line, exit 1, for a missing socket.
  const run = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
    execFile(process.execPath, [join(proj, 'node_modules/tsgitop/bin/tsgitop'), '--connect-and-read', join(dir, 'none.sock')], (e, _o, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, stderr }),
    ),
  );
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^tsgitop: .*none\.sock.*\n$/);
});
