// V8's code cache for the monitor (issue 13: the first minute's CPU). A monitor spends ~90 ms of CPU in its first
// 20 s parsing and compiling its bundle's functions, one by one as they first run (V8 compiles lazily). This script
// runs the monitor's bundle, as a script (dist/src/cli/main.bundle.vm.js, scripts/bundle-oneshot.mjs), through a
// few dozen frames of a synthetic 64-worker uWSGI document on a headless screen, then asks V8 for the code of
// every function compiled so far (vm.Script#createCachedData) and writes it beside the script. bin/tsgitop hands
// it back to V8 when it compiles the script: V8 checks it (its own version, its flags, the source's length) and
// uses it, or rejects it and compiles as usual. bin/tsgitop also ignores it when the script is newer than it.
//
// Run by `npm run build` after the bundles. V8's flags must be the ones the launcher compiles the script under:
// this process leaves them alone (the monitor's JIT policy, src/cli/jit.ts, changes them only after the script is
// compiled: runMonitor is called here directly, not through runMonitorCli).
//
//   node scripts/code-cache.mjs          writes dist/src/cli/main.bundle.vm.cache (+ .json: the Node and V8 it is for)
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const cli = fileURLToPath(new URL('../dist/src/cli/', import.meta.url));
const file = join(cli, 'main.bundle.vm.js');
const out = join(cli, 'main.bundle.vm.cache');
const FRAMES = 25;
const DEADLINE_MS = 30_000;

// The cache is an optimisation: when this script cannot make one (no unix sockets, a monitor that does not draw in
// time), the build goes on without it and bin/tsgitop compiles the script as V8 would anyway.
process.on('uncaughtException', skip);
process.on('unhandledRejection', skip);
function skip(e) {
  rmSync(out, { force: true });
  rmSync(out + '.json', { force: true });
  process.stderr.write(`code-cache: no code cache made (${e instanceof Error ? e.message : String(e)}): the monitor compiles as it starts\n`);
  process.exit(0);
}

const { synthDocument, rng } = await import(new URL('../dist/bench/synth.js', import.meta.url).href);

const script = new vm.Script(readFileSync(file, 'latin1'), { filename: file });
const api = script.runInThisContext()(require, pathToFileURL(file).href, () => import(pathToFileURL(join(cli, 'main.rest.bundle.js')).href));
const { runMonitor } = api.__load('tui/app.js');
const { parseAddress } = api.__load('protocol/address.js');
const { recordingSource } = api.__load('record/source.js');

// A synthetic uWSGI 2.0 stats server on a unix socket: a new document at each read, as under light load.
const dir = mkdtempSync(join(tmpdir(), 'tsgitop-cache-'));
const sock = join(dir, 'stats.sock');
const rand = rng(13);
let tick = 0;
const server = createServer((c) => {
  c.on('error', () => {});
  c.end(synthDocument(64, 2, tick++, rand));
});
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(sock, resolve);
});

// A 160×50 terminal that discards what is drawn.
const output = new Writable({
  write(_chunk, _enc, done) {
    done();
  },
});
Object.assign(output, { columns: 160, rows: 50 });
const input = new PassThrough();

let frames = 0;
let quit;
const enough = new Promise((resolve) => (quit = resolve));
const timer = setTimeout(() => quit('timeout'), DEADLINE_MS);
const addr = parseAddress(sock);
const code = await Promise.race([
  runMonitor({
    source: recordingSource(addr, undefined, { timeoutMs: 5000, maxBytes: 64 * 1024 * 1024 }),
    addressLabel: addr.display,
    node: 'build',
    frequencyMs: 10,
    color: true,
    input,
    output,
    processHandlers: false,
    hooks: {
      rendered() {
        if (++frames === FRAMES) quit('frames');
      },
    },
  }),
  enough.then((why) => {
    if (why === 'timeout') throw new Error(`code-cache: the monitor drew ${frames} of ${FRAMES} frames in ${DEADLINE_MS} ms`);
    input.write('q');
    return undefined;
  }),
]).finally(() => clearTimeout(timer));
server.close();
rmSync(dir, { recursive: true, force: true });
if (code !== undefined && code !== 0) throw new Error(`code-cache: the monitor exited with ${code}`);

const data = script.createCachedData();
writeFileSync(out, data);
writeFileSync(out + '.json', JSON.stringify({ node: process.version, v8: process.versions.v8 }) + '\n');
process.stderr.write(`code-cache: ${frames} frames, ${(data.length / 1024).toFixed(0)} KiB → ${out}\n`);
// The monitor's screen may hold a timer or the input open: this script is done.
process.exit(0);
