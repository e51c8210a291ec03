/** Helpers for the fleet tests: real servers on loopback / temp-dir unix sockets, all cleaned up. */
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createStatsServer, type StatsServer } from '../../src/emitter/index.js';
import type { FleetPoller } from '../../src/fleet/poller.js';
import { buildFleetView, type FleetView } from '../../src/fleet/view.js';

export function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'tsgitop-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export interface Emitter {
  stats: StatsServer;
  /** The stats address (the unix socket path). */
  address: string;
  /** GET / on the instrumented app server; resolves with the status. */
  request(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A Node app server on 127.0.0.1:0 with the tsgitop emitter serving stats on
 * a unix socket at `path`, or on TCP 127.0.0.1 (`{ port: 0 }`: any free port).
 */
export async function startEmitter(t: TestContext, path: string | { port: number }): Promise<Emitter> {
  const server = http.createServer((_req, res) => res.end('ok\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stats = await createStatsServer({ server, listen: typeof path === 'string' ? { path } : { host: '127.0.0.1', port: path.port }, queueSampleMs: 0 });
  const port = (server.address() as net.AddressInfo).port;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await stats.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.after(close);
  return {
    stats,
    address: stats.address!,
    close,
    request: () =>
      new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
      }),
  };
}

export interface Hanging {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
}

/** A TCP server on 127.0.0.1 that accepts connections and never writes a byte. */
export async function startHanging(t: TestContext): Promise<Hanging> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const srv = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });
  return { port: (srv.address() as net.AddressInfo).port, accepted: () => accepted };
}

/** A pause between polls of a condition (the condition, not the pause, is what tests wait for). */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Tick the poller every `gapMs` until `done(view)` holds or `deadlineMs`
 * passes; returns every view seen (the last one satisfies `done` unless the
 * deadline passed).
 */
export async function tickUntil(poller: FleetPoller, done: (v: FleetView) => boolean, deadlineMs: number, gapMs = 100): Promise<FleetView[]> {
  const views: FleetView[] = [];
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = buildFleetView(await poller.tick());
    views.push(v);
    if (done(v) || Date.now() > end) return views;
    await pause(gapMs);
  }
}

/** The state of target `label` in each view. */
export function statesOf(views: readonly FleetView[], label: string): string[] {
  return views.map((v) => v.rows.find((r) => r.label === label)?.state ?? '?');
}

/** `xs` with consecutive repeats collapsed: up,up,stale,down,down → up,stale,down. */
export function runs(xs: readonly string[]): string[] {
  return xs.filter((x, i) => i === 0 || xs[i - 1] !== x);
}
