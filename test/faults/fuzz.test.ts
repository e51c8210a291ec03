/**
 * Fuzzing (fast-check) of the reader, the parser, the model and the batch
 * renderer with random documents and with mutations of the real uWSGI
 * fixtures (values swapped for odd numbers and wrong types, keys deleted,
 * arrays duplicated, bytes flipped/cut/inserted).
 *
 * Properties, for every input:
 * - the reader and the parser either succeed or throw a StatsError (one line);
 * - a parsed document goes through buildView (with a previous read, at any
 *   interval, including zero and negative) without throwing, and no rate,
 *   share or total in the view is NaN, negative or infinite;
 * - renderText (any width, cores on or off) and viewToJson never contain
 *   NaN, Infinity or undefined.
 *
 * Bounded mode: 26,000 cases in total (~15 s); TSGITOP_FAULTS=long: ×10.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseStats } from '../../src/protocol/parse.js';
import { parseAddress } from '../../src/protocol/address.js';
import { fetchStats, readRaw } from '../../src/protocol/reader.js';
import { StatsError } from '../../src/protocol/errors.js';
import { buildView } from '../../src/model/index.js';
import type { View } from '../../src/model/types.js';
import type { StatsDocument } from '../../src/protocol/types.js';
import { renderText, viewToJson } from '../../src/render/text.js';
import { BUDGET, LONG, figure } from './mode.js';

const T = { timeout: LONG ? 3_600_000 : 120_000 };
const S = BUDGET.fuzzScale;
const RUNS = { bytes: 6000 * S, structural: 8000 * S, numbers: 6000 * S, random: 5000 * S, reader: 1000 * S };

const FIXDIR = fileURLToPath(new URL('../../../fixtures/uwsgi/', import.meta.url));
const FIXTURES: { name: string; text: string; json: unknown }[] = readdirSync(FIXDIR)
  .filter((f) => f.endsWith('.json') && f !== 'capture-info.json')
  .sort()
  .map((f) => {
    const text = readFileSync(join(FIXDIR, f), 'utf8');
    return { name: f, text, json: JSON.parse(text) as unknown };
  });

/** Cases run and outcomes, by property (recorded as figures). */
const tally: Record<string, Record<string, number>> = {};
function count(prop: string, outcome: string): void {
  const t = (tally[prop] ??= {});
  t[outcome] = (t[outcome] ?? 0) + 1;
}
after(() => {
  let total = 0;
  for (const [prop, outcomes] of Object.entries(tally)) {
    const n = Object.values(outcomes).reduce((a, b) => a + b, 0);
    total += n;
    figure('fuzz', `property ${prop}`, { cases: n, outcomes });
  }
  figure('fuzz', 'total cases', total);
});

// ------------------------------------------------------------- checks

function fail(msg: string, ctx: unknown): never {
  throw new Error(`${msg}\n  input: ${JSON.stringify(ctx)?.slice(0, 600)}`);
}

/** Parse; returns the document or the StatsError (any other throw fails the property). */
function tryParse(input: string | Buffer): StatsDocument | StatsError {
  try {
    return parseStats(input);
  } catch (e) {
    if (!(e instanceof StatsError)) fail(`parseStats threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, String(input).slice(0, 300));
    if (e.code !== 'NOT_JSON' && e.code !== 'BAD_SHAPE') fail(`unexpected code ${e.code}`, e.message);
    if (/[\r\n]/.test(e.message)) fail('multi-line error message', e.message);
    return e;
  }
}

function okRate(v: number | undefined, what: string, max = Infinity): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) throw new Error(`${what} = ${String(v)}`);
}

/** No NaN / negative / infinite rate, share or total in a view. */
function checkView(v: View): void {
  if (v.kind !== 'server') return;
  if (v.interval !== undefined) okRate(v.interval, 'interval');
  for (const w of v.workers) {
    okRate(w.rps, `worker ${w.key} rps`);
    okRate(w.txRate, `worker ${w.key} txRate`);
    okRate(w.excRate, `worker ${w.key} excRate`);
    okRate(w.share, `worker ${w.key} share`, 100);
    for (const c of w.cores) okRate(c.rps, `core ${w.key}:${String(c.id)} rps`);
  }
  const t = v.totals;
  for (const k of ['requests', 'rps', 'exceptions', 'excRate', 'tx', 'txRate', 'rss', 'vsz', 'avgRt', 'respawns', 'harakiri'] as const) okRate(t[k], `totals.${k}`);
  for (const k of ['listenQueue', 'listenQueueErrors', 'load'] as const) okRate(v.header[k], `header.${k}`);
}


/** Every number in the --json object is finite. */
function walkJson(o: unknown, path: string): void {
  if (typeof o === 'number' && !Number.isFinite(o)) throw new Error(`viewToJson ${path} = ${o}`);
  if (o === undefined) return;
  if (Array.isArray(o)) o.forEach((x, i) => walkJson(x, `${path}[${i}]`));
  else if (o && typeof o === 'object') for (const [k, x] of Object.entries(o)) walkJson(x, `${path}.${k}`);
}

/**
 * The junk words a rendering of `input` may legitimately show: those the
 * document itself carries as text (a vassal called "NaN.ini" is shown as is).
 */
function junkFor(input: string): RegExp {
  const words = ['NaN', 'Infinity', 'undefined'].filter((w) => !input.includes(w));
  return words.length === 0 ? /$^/ : new RegExp(words.join('|'));
}

function checkRender(v: View, width: number, cores: boolean, input: string): void {
  const junk = junkFor(input);
  const text = renderText(v, { width, showCores: cores });
  const m = junk.exec(text);
  if (m) throw new Error(`renderText shows '${m[0]}' at width ${width}:\n${text.slice(Math.max(0, m.index - 200), m.index + 50)}`);
  const j = viewToJson(v);
  walkJson(j, '$');
  const s = JSON.stringify(j);
  if (junk.test(s)) throw new Error(`viewToJson contains junk: ${s.slice(0, 300)}`);
}

/** The model and renderer checks for a current (and maybe previous) document; `input` = their source text. */
function modelChecks(cur: StatsDocument, prev: StatsDocument | undefined, dtMs: number, width: number, cores: boolean, input: string): void {
  const at = 1_795_000_000_000;
  const v = buildView({ doc: cur, at }, prev ? { doc: prev, at: at - dtMs } : undefined, { node: 'fuzz' });
  checkView(v);
  checkRender(v, width, cores, input);
}

// ----------------------------------------------------------- mutations

const ODD_VALUES: unknown[] = [-5, 1.5, 1e308, -1e308, 0, -0, 2 ** 53 + 1, 5e-324, -1, '', '12', 'idle', 'busy', null, true, false, [], {}, [1, 2], { a: 1 }];
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_VALUES) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
);

type Node = { parent: Record<string, unknown> | unknown[] | undefined; key: string | number; value: unknown };

function nodes(root: unknown): Node[] {
  const out: Node[] = [];
  const walk = (v: unknown, parent: Node['parent'], key: string | number): void => {
    out.push({ parent, key, value: v });
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, v, i));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, v as Record<string, unknown>, k);
  };
  walk(root, undefined, '$');
  return out;
}

/** [which node, which operation, a value] */
type Mutation = [number, number, unknown];
const mutationsArb = fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), valueArb), { minLength: 1, maxLength: 6 });

function set(n: Node, v: unknown): void {
  if (!n.parent) return;
  (n.parent as Record<string | number, unknown>)[n.key] = v;
}

/** Apply mutations to a deep copy of `json`. */
function mutate(json: unknown, ms: Mutation[]): unknown {
  const root = { $: structuredClone(json) };
  for (const [which, op, value] of ms) {
    const all = nodes(root.$);
    // the root's parent is the holder object
    all[0] = { parent: root, key: '$', value: root.$ };
    const n = all[which % all.length]!;
    switch (op) {
      case 0: // replace the value
        set(n, structuredClone(value));
        break;
      case 1: // delete the key / array element
        if (Array.isArray(n.parent)) n.parent.splice(Number(n.key), 1);
        else if (n.parent && n.parent !== root) delete (n.parent as Record<string, unknown>)[n.key as string];
        break;
      case 2: // duplicate an array (duplicate workers, cores… and their ids)
        if (Array.isArray(n.value)) n.value.push(...structuredClone(n.value));
        else if (Array.isArray(n.parent)) n.parent.push(structuredClone(n.value));
        break;
      case 3: // change the type
        if (typeof n.value === 'number') set(n, String(n.value));
        else if (typeof n.value === 'string') set(n, n.value.length);
        else if (Array.isArray(n.value)) set(n, Object.fromEntries(n.value.map((x, i) => [String(i), x])));
        else if (n.value && typeof n.value === 'object') set(n, Object.values(n.value));
        else set(n, [n.value]);
        break;
      case 4: // numbers: negate / scale / fraction
        // (an infinite number picks the first: Infinity % 4 is NaN, which picked nothing and left an undefined value)
        if (typeof n.value === 'number') set(n, [-n.value, n.value * 1e300, n.value + 0.5, n.value - 1][Number.isFinite(n.value) ? Math.abs(Math.round(n.value)) % 4 : 0]);
        else set(n, structuredClone(value));
        break;
      case 5: // copy a sibling's value (same ids, same pids)
        if (Array.isArray(n.parent) && n.parent.length > 1) n.parent[Number(n.key)] = structuredClone(n.parent[(Number(n.key) + 1) % n.parent.length]);
        else set(n, structuredClone(value));
        break;
      default: // add an unknown key
        if (n.value && typeof n.value === 'object' && !Array.isArray(n.value)) (n.value as Record<string, unknown>)[`x${which % 7}`] = structuredClone(value);
        break;
    }
  }
  return root.$;
}

const fixtureArb = fc.nat({ max: FIXTURES.length - 1 }).map((i) => FIXTURES[i]!);

/** Byte-level mutations of a fixture's text: flip, delete, insert, truncate, splice a fragment. */
const FRAGMENTS = ['1e999', 'NaN', '-', '\u0000', '[[[[', '"\\ud800"', '}', ']', ',', '"', '\\', ':', 'null', '-0', '1.5e-400', '\u2028'];
const byteOpsArb = fc.array(fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom(...FRAGMENTS)), {
  minLength: 1,
  maxLength: 5,
});

function mutateBytes(text: string, ops: [number, number, number, string][]): Buffer {
  let b = Buffer.from(text);
  for (const [pos, op, byte, frag] of ops) {
    const p = b.length === 0 ? 0 : pos % b.length;
    switch (op) {
      case 0:
        b = Buffer.from(b);
        b[p] = byte;
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, p), b.subarray(p + 1)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, p), Buffer.from([byte]), b.subarray(p)]);
        break;
      case 3:
        b = b.subarray(0, p);
        break;
      default:
        b = Buffer.concat([b.subarray(0, p), Buffer.from(frag), b.subarray(p)]);
    }
  }
  return b;
}

const widthArb = fc.oneof(fc.constantFrom(20, 80, 200), fc.integer({ min: 1, max: 400 }));
const dtArb = fc.oneof(fc.constantFrom(1000, 0, -1000, 1, 1e-9), fc.integer({ min: -5000, max: 120_000 }));

// ------------------------------------------------------------ properties

test(`fuzz: byte-mutated fixtures → parseStats succeeds or throws StatsError (${RUNS.bytes} cases)`, T, () => {
  fc.assert(
    fc.property(fixtureArb, byteOpsArb, widthArb, (fx, ops, width) => {
      const bytes = mutateBytes(fx.text, ops);
      const r = tryParse(bytes);
      if (r instanceof StatsError) return count('bytes', r.code);
      count('bytes', 'parsed');
      modelChecks(r, tryOk(fx.text), 1000, width, true, bytes.toString('latin1') + fx.text);
    }),
    { numRuns: RUNS.bytes },
  );
});

function tryOk(text: string): StatsDocument | undefined {
  const r = tryParse(text);
  return r instanceof StatsError ? undefined : r;
}

test(`fuzz: structurally mutated fixture pairs → parse, model, render hold their properties (${RUNS.structural} cases)`, T, () => {
  fc.assert(
    fc.property(fixtureArb, mutationsArb, mutationsArb, dtArb, widthArb, fc.boolean(), (fx, m1, m2, dt, width, cores) => {
      const t1 = JSON.stringify(mutate(fx.json, m1));
      const t2 = JSON.stringify(mutate(fx.json, m2));
      const cur = tryParse(t1);
      const prev = tryParse(t2);
      if (cur instanceof StatsError) return count('structural', cur.code);
      count('structural', prev instanceof StatsError ? 'parsed (prev rejected)' : 'parsed');
      modelChecks(cur, prev instanceof StatsError ? undefined : prev, dt, width, cores, t1 + t2);
      // And the other way round: the mutated read as the baseline of the real one.
      const real = tryOk(fx.text);
      if (real) modelChecks(real, cur, dt, width, cores, t1 + fx.text);
    }),
    { numRuns: RUNS.structural },
  );
});

/** Numbers only: every mutation keeps the JSON types, so nearly every case reaches the model. */
const NUMS = [-5, -1, 1.5, 0.25, 1e308, -1e308, 0, -0, 2 ** 53 + 1, 5e-324, 1e-7, 4294967296];
const numMutationsArb = fc.array(fc.tuple(fc.nat(), fc.constantFrom(...NUMS), fc.boolean()), { minLength: 1, maxLength: 12 });

function mutateNumbers(json: unknown, ms: [number, number, boolean][]): unknown {
  const root = structuredClone(json);
  const nums = nodes(root).filter((n) => typeof n.value === 'number' && n.parent);
  if (nums.length === 0) return root;
  for (const [which, v, relative] of ms) {
    const n = nums[which % nums.length]!;
    (n.parent as Record<string | number, unknown>)[n.key] = relative ? (n.value as number) * v : v;
  }
  return root;
}

test(`fuzz: fixtures with odd numbers (negative, fractional, 1e308, duplicates) → model and render (${RUNS.numbers} cases)`, T, () => {
  fc.assert(
    fc.property(fixtureArb, numMutationsArb, numMutationsArb, dtArb, widthArb, fc.boolean(), (fx, m1, m2, dt, width, cores) => {
      const t1 = JSON.stringify(mutateNumbers(fx.json, m1));
      const t2 = JSON.stringify(mutateNumbers(fx.json, m2));
      const cur = tryParse(t1);
      const prev = tryParse(t2);
      if (cur instanceof StatsError) return count('numbers', cur.code);
      count('numbers', 'parsed');
      modelChecks(cur, prev instanceof StatsError ? undefined : prev, dt, width, cores, t1 + t2);
    }),
    { numRuns: RUNS.numbers },
  );
});

/** Random documents of roughly uWSGI shape with arbitrary values in every field. */
const anyNum = fc.oneof(fc.integer({ min: -10, max: 1000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1e308, -1e308, 2 ** 64, 0.5));
const field = fc.oneof({ weight: 40, arbitrary: anyNum }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) });
const coreArb = fc.dictionary(fc.constantFrom('id', 'requests', 'static_requests', 'write_errors', 'read_errors', 'in_request', 'vars', 'req_info', 'zzz'), field, { maxKeys: 8 });
const workerArb = fc.record(
  {
    id: field,
    pid: field,
    requests: field,
    exceptions: field,
    tx: field,
    rss: field,
    vsz: field,
    avg_rt: field,
    running_time: field,
    respawn_count: field,
    harakiri_count: field,
    last_spawn: field,
    status: fc.oneof(fc.constantFrom('idle', 'busy', 'cheap', 'pause', 'sig', ''), fc.string({ maxLength: 8 }), field),
    cores: fc.array(coreArb, { maxLength: 4 }),
    apps: fc.array(fc.dictionary(fc.constantFrom('id', 'requests', 'exceptions', 'mountpoint'), field, { maxKeys: 4 }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const randomDocArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ pid: field, listen_queue: field, load: field, version: fc.string({ maxLength: 5 }), workers: fc.array(workerArb, { maxLength: 6 }) }, { requiredKeys: ['workers'] }) },
  { weight: 1, arbitrary: fc.record({ pid: field, emperor: fc.array(fc.string(), { maxLength: 2 }), vassals: fc.array(fc.dictionary(fc.constantFrom('id', 'pid', 'respawns', 'ready'), field), { maxLength: 4 }) }) },
);

test(`fuzz: random documents → parse, model, render hold their properties (${RUNS.random} cases)`, T, () => {
  fc.assert(
    fc.property(randomDocArb, randomDocArb, dtArb, widthArb, fc.boolean(), (a, b, dt, width, cores) => {
      const cur = tryParse(JSON.stringify(a));
      const prev = tryParse(JSON.stringify(b));
      if (cur instanceof StatsError) return count('random', cur.code);
      count('random', 'parsed');
      const t1 = JSON.stringify(a) + JSON.stringify(b);
      modelChecks(cur, prev instanceof StatsError ? undefined : prev, dt, width, cores, t1);
    }),
    { numRuns: RUNS.random },
  );
});

// --------------------------------------------------------------- reader

test(`fuzz: bytes from a real loopback / unix server → fetchStats and readRaw (${RUNS.reader} cases)`, T, async (t) => {
  let current: Buffer = Buffer.alloc(0);
  const sockets = new Set<net.Socket>();
  const serve = (s: net.Socket): void => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.end(current);
  };
  const tcp = net.createServer(serve);
  const dir = mkdtempSync(join(tmpdir(), 'tsgitop-fuzz-'));
  const unix = net.createServer(serve);
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all([new Promise((r) => tcp.close(r)), new Promise((r) => unix.close(r))]);
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => unix.listen(join(dir, 's.sock'), r));
  const addrs = [parseAddress(`127.0.0.1:${(tcp.address() as net.AddressInfo).port}`), parseAddress(join(dir, 's.sock'))];
  const inputArb = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fixtureArb, byteOpsArb).map(([fx, ops]) => mutateBytes(fx.text, ops)) },
    { weight: 2, arbitrary: fc.tuple(fixtureArb, mutationsArb).map(([fx, ms]) => Buffer.from(JSON.stringify(mutate(fx.json, ms)))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((u): Buffer => Buffer.from(u)) },
  );
  await fc.assert(
    fc.asyncProperty(inputArb, fc.nat({ max: 1 }), async (bytes, which) => {
      current = bytes;
      const addr = addrs[which]!;
      let raw: Buffer | StatsError;
      try {
        raw = await readRaw(addr, { timeoutMs: 5000 });
      } catch (e) {
        if (!(e instanceof StatsError)) fail(`readRaw threw ${String(e)}`, bytes.toString('latin1').slice(0, 200));
        if (e.code !== 'TRUNCATED') fail(`readRaw: unexpected code ${e.code}: ${e.message}`, bytes.toString('latin1').slice(0, 200));
        raw = e;
      }
      if (!(raw instanceof StatsError)) assert.ok(raw.equals(bytes), 'readRaw returns the bytes exactly as sent');
      try {
        const r = await fetchStats(addr, { timeoutMs: 5000 });
        count('reader', 'parsed');
        modelChecks(r.doc, undefined, 1000, 120, true, bytes.toString('latin1'));
      } catch (e) {
        if (!(e instanceof StatsError)) fail(`fetchStats threw ${String(e)}`, bytes.toString('latin1').slice(0, 200));
        if (!['TRUNCATED', 'NOT_JSON', 'BAD_SHAPE'].includes(e.code)) fail(`fetchStats: unexpected code ${e.code}: ${e.message}`, bytes.toString('latin1').slice(0, 200));
        if (/[\r\n]/.test(e.message)) fail('multi-line message', e.message);
        count('reader', e.code);
      }
    }),
    { numRuns: RUNS.reader },
  );
});
