/**
 * Property-based tests: whatever the input, the protocol layer either
 * succeeds or throws/rejects with a StatsError — never a TypeError, a
 * RangeError, an unhandled rejection or a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type net from 'node:net';
import fc from 'fast-check';
import { parseStats } from '../../src/protocol/parse.js';
import { parseAddress } from '../../src/protocol/address.js';
import { readRaw, fetchStats } from '../../src/protocol/reader.js';
import { StatsError } from '../../src/protocol/errors.js';
import { sampleDoc, startServer, tempDir } from './helpers.js';

const T = { timeout: 120_000 };

/** Run parseStats; return the StatsError it threw, or undefined. Anything else fails the property. */
function tryParse(input: string | Uint8Array): StatsError | undefined {
  try {
    parseStats(input);
    return undefined;
  } catch (e) {
    if (e instanceof StatsError) {
      assert.ok(e.code === 'NOT_JSON' || e.code === 'BAD_SHAPE', `unexpected code ${e.code}`);
      assert.doesNotMatch(e.message, /[\r\n]/);
      if (e.code === 'BAD_SHAPE') assert.ok(e.path !== undefined && e.message.startsWith(e.path + ':'), e.message);
      return e;
    }
    throw new Error(`parseStats threw a non-StatsError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

test('property: arbitrary bytes → parseStats succeeds or throws StatsError', T, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      tryParse(bytes);
    }),
    { numRuns: 5000 },
  );
});

const KNOWN_KEYS = [
  'workers', 'vassals', 'emperor', 'emperor_tyrant', 'version', 'pid', 'load', 'locks', 'sockets', 'id', 'requests',
  'status', 'rss', 'apps', 'cores', 'in_request', 'vars', 'req_info', 'mountpoint', 'name', 'queue', '__proto__', 'x',
];
const key = fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.string({ maxLength: 6 }));

test('property: arbitrary JSON values (at the top and in known places) → StatsError or success', T, () => {
  const anyObj = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });
  const docs = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    anyObj,
    fc.record({ workers: fc.array(anyObj, { maxLength: 4 }) }),
    fc.record({ workers: fc.array(fc.record({ cores: fc.array(anyObj, { maxLength: 3 }), apps: fc.array(anyObj, { maxLength: 2 }) }), { maxLength: 3 }) }),
    fc.record({ vassals: fc.array(anyObj, { maxLength: 3 }), emperor: fc.jsonValue({ maxDepth: 2 }) }),
  );
  fc.assert(
    fc.property(docs, fc.boolean(), (v, asBuffer) => {
      const text = JSON.stringify(v) ?? 'null';
      tryParse(asBuffer ? Buffer.from(text) : text);
    }),
    { numRuns: 4000 },
  );
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

// ---- mutated valid documents -------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Step = string | number;

const BASE_SERVER = JSON.parse(sampleDoc(3)) as Json;
const BASE_EMPEROR = JSON.parse(
  '{"version":"2.0.21-debian","pid":6088,"uid":0,"gid":0,"cwd":"/v","emperor":["/v"],"emperor_tyrant":0,"throttle_level":0,' +
    '"vassals":[{"id":"app.ini","pid":6090,"born":1,"ready":1},{"id":"b.ini","pid":7,"respawns":0}],"blacklist":[]}',
) as Json;

function allPaths(v: Json, prefix: Step[] = [], out: Step[][] = []): Step[][] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(v)) v.forEach((c, i) => allPaths(c, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) allPaths(c, [...prefix, k], out);
  return out;
}

function pathText(p: Step[]): string {
  return '$' + p.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
}

function setAt(root: Json, p: Step[], value: Json | undefined): Json {
  const copy = structuredClone(root);
  let cur: Json = copy;
  for (let i = 0; i < p.length - 1; i++) cur = (cur as Record<string | number, Json>)[p[i] as string | number] as Json;
  const last = p[p.length - 1] as string | number;
  const holder = cur as Record<string | number, Json>;
  if (value === undefined) {
    if (Array.isArray(holder)) holder.splice(last as number, 1);
    else delete holder[last];
  } else holder[last] = value;
  return copy;
}

const SERVER_PATHS = allPaths(BASE_SERVER);
const EMPEROR_PATHS = allPaths(BASE_EMPEROR);

test('property: a valid document with one value replaced → success, or BAD_SHAPE at (or under) that path', T, () => {
  fc.assert(
    fc.property(fc.boolean(), fc.nat(), fc.jsonValue({ maxDepth: 2 }), (emperorDoc, pick, value) => {
      const base = emperorDoc ? BASE_EMPEROR : BASE_SERVER;
      const paths = emperorDoc ? EMPEROR_PATHS : SERVER_PATHS;
      const p = paths[pick % paths.length] as Step[];
      const mutated = setAt(base, p, value as Json);
      const e = tryParse(JSON.stringify(mutated));
      if (e === undefined) return;
      const where = pathText(p);
      // Replacing the discriminating array itself can turn the document into "not a stats document".
      if (e.code === 'BAD_SHAPE' && (where === '$.workers' || where === '$.vassals' || where === '$.emperor')) return;
      assert.equal(e.code, 'BAD_SHAPE', e.message);
      assert.ok(e.path === where || e.path?.startsWith(where + '.') || e.path?.startsWith(where + '['), `${e.path} is not under ${where}`);
    }),
    { numRuns: 4000 },
  );
});

test('property: the same, with a wrong-typed scalar in a known numeric field → BAD_SHAPE at exactly that path', T, () => {
  const numericLeaves = SERVER_PATHS.filter((p) => {
    let cur: Json = BASE_SERVER;
    for (const s of p) cur = (cur as Record<string | number, Json>)[s] as Json;
    const last = p[p.length - 1];
    // `in_request` also takes booleans; locks' values are opaque.
    return typeof cur === 'number' && last !== 'in_request' && p[0] !== 'locks';
  });
  assert.ok(numericLeaves.length > 50);
  fc.assert(
    fc.property(fc.constantFrom(...numericLeaves), fc.oneof(fc.string(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({})), (p, value) => {
      const e = tryParse(JSON.stringify(setAt(BASE_SERVER, p, value as Json)));
      assert.ok(e, 'rejected');
      assert.equal(e.code, 'BAD_SHAPE');
      assert.equal(e.path, pathText(p));
    }),
    { numRuns: 2000 },
  );
});

test('property: deleting any key or element of a valid document keeps it valid (except removing workers)', T, () => {
  fc.assert(
    fc.property(fc.boolean(), fc.nat(), (emperorDoc, pick) => {
      const base = emperorDoc ? BASE_EMPEROR : BASE_SERVER;
      const paths = emperorDoc ? EMPEROR_PATHS : SERVER_PATHS;
      const p = paths[pick % paths.length] as Step[];
      const e = tryParse(JSON.stringify(setAt(base, p, undefined)));
      // Every field is optional; only a server document without `workers` stops being a stats document.
      if (e) assert.equal(pathText(p), '$.workers', e.message);
      else assert.notEqual(pathText(p), '$.workers');
    }),
    { numRuns: 2000 },
  );
});

test('property: byte-level damage to a valid document (cut, flip, insert) → StatsError or success', T, () => {
  const doc = Buffer.from(sampleDoc(2));
  fc.assert(
    fc.property(
      fc.oneof(
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
      ),
      (m) => {
        const at = m.at % doc.length;
        let bytes: Buffer;
        if (m.kind === 'cut') bytes = doc.subarray(0, at);
        else if (m.kind === 'flip') {
          bytes = Buffer.from(doc);
          bytes[at] = m.byte;
        } else bytes = Buffer.concat([doc.subarray(0, at), m.bytes, doc.subarray(at)]);
        const e = tryParse(bytes);
        if (m.kind === 'cut') assert.equal(e?.code, 'NOT_JSON', 'every cut is an incomplete document');
      },
    ),
    { numRuns: 3000 },
  );
});

// ---- over real sockets -----------------------------------------------------------

interface Reply {
  bytes: Uint8Array;
  rst: boolean;
}

test('property: arbitrary bytes from a real loopback server → readRaw/fetchStats resolve or reject with StatsError', T, async (t) => {
  let reply: Reply = { bytes: new Uint8Array(), rst: false };
  const onConn = (sock: net.Socket): void => {
    const r = reply;
    sock.write(r.bytes, () => {
      // An abrupt close: a TCP RST, or (unix sockets have no RST) a plain destroy.
      if (r.rst) {
        if (sock.remoteFamily) sock.resetAndDestroy();
        else sock.destroy();
      } else sock.end();
    });
  };
  const dir = tempDir(t);
  const tcp = await startServer(t, { host: '127.0.0.1' }, onConn);
  const unix = await startServer(t, { path: join(dir, 'p.sock') }, onConn);
  const doc = Buffer.from(sampleDoc(1));
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 2048 }),
    fc.nat({ max: doc.length }).map((n) => doc.subarray(0, n)),
    fc.tuple(fc.nat({ max: doc.length }), fc.uint8Array({ maxLength: 64 })).map(([n, tail]) => Buffer.concat([doc.subarray(0, n), tail])),
    fc.constant(doc),
  );
  await fc.assert(
    fc.asyncProperty(payload, fc.boolean(), fc.boolean(), async (bytes, rst, overUnix) => {
      reply = { bytes, rst };
      const addr = parseAddress(overUnix ? unix.address : tcp.address);
      for (const op of ['raw', 'stats'] as const) {
        try {
          const got = op === 'raw' ? await readRaw(addr, { timeoutMs: 5000 }) : (await fetchStats(addr, { timeoutMs: 5000 })).raw;
          assert.ok(Buffer.from(bytes).equals(got), 'what resolves is exactly what was sent');
        } catch (e) {
          if (!(e instanceof StatsError)) throw new Error(`${op} rejected with a non-StatsError: ${String(e)}`);
          assert.doesNotMatch(e.message, /[\r\n]/);
          assert.notEqual(e.code, 'TIMEOUT', `${op}: ${e.message}`);
        }
      }
    }),
    { numRuns: 200 },
  );
});

test('property: arbitrary bytes as an HTTP response → StatsError or success', T, async (t) => {
  let reply: Uint8Array = new Uint8Array();
  const srv = await startServer(t, { host: '127.0.0.1' }, (sock) => {
    const r = reply;
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        sock.off('data', onData);
        sock.end(r);
      }
    };
    sock.on('data', onData);
  });
  const addr = parseAddress(`http://${srv.address}/`);
  const statusLine = fc.constantFrom('HTTP/1.1 200 OK\r\n', 'HTTP/1.0 200 OK\r\n', 'HTTP/1.1 404 Not Found\r\n', 'HTTP/1.1 302 Found\r\nLocation: /x\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n', '', 'HTTP/9 ');
  const headers = fc.constantFrom('', 'Content-Length: 5\r\n', 'Content-Length: 0\r\n', 'Content-Type: application/json\r\n', 'Content-Length: x\r\n');
  const response = fc
    .tuple(statusLine, headers, fc.boolean(), fc.uint8Array({ maxLength: 512 }))
    .map(([s, h, blank, body]) => Buffer.concat([Buffer.from(s + h + (blank ? '\r\n' : '')), body]));
  await fc.assert(
    fc.asyncProperty(response, async (bytes) => {
      reply = bytes;
      for (const op of [readRaw, fetchStats]) {
        try {
          await op(addr, { timeoutMs: 5000 });
        } catch (e) {
          if (!(e instanceof StatsError)) throw new Error(`rejected with a non-StatsError: ${String(e)}`);
          assert.doesNotMatch(e.message, /[\r\n]/);
          assert.notEqual(e.code, 'TIMEOUT', e.message);
        }
      }
    }),
    { numRuns: 200 },
  );
});
