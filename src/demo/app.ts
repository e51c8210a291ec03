/**
 * The demo's request handler: a small mix of fast, slow, failing, throwing
 * and large responses, so every column of the monitor moves.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Routes the demo serves (and the load generator requests). */
export const DEMO_ROUTES = ['/fast', '/medium', '/slow', '/fail', '/throw', '/large'] as const;
export type DemoRoute = (typeof DEMO_ROUTES)[number];

const LARGE = Buffer.alloc(512 * 1024, 'x');

function randInt(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  switch (path) {
    case '/':
    case '/fast':
      res.setHeader('Content-Type', 'text/plain');
      res.end('hello from the tsgitop demo\n');
      return;
    case '/medium': {
      const t = setTimeout(() => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ ok: true, items: Array.from({ length: 50 }, (_, i) => i) }));
      }, randInt(5, 60));
      res.on('close', () => clearTimeout(t));
      return;
    }
    case '/slow': {
      const t = setTimeout(() => res.end('slow\n'), randInt(200, 2500));
      res.on('close', () => clearTimeout(t));
      return;
    }
    case '/fail':
      res.statusCode = 500;
      res.end('internal error (demo)\n');
      return;
    case '/throw':
      throw new Error('demo handler failure');
    case '/large':
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end(LARGE);
      return;
    default:
      res.statusCode = 404;
      res.end('not found\n');
  }
}

/**
 * The demo handler. Like Express or Fastify, a handler that throws is
 * turned into a 500 (which the emitter counts as an exception).
 */
export function demoHandler(req: IncomingMessage, res: ServerResponse): void {
  try {
    route(req, res);
  } catch {
    if (!res.headersSent) res.statusCode = 500;
    res.end('internal error (demo: handler threw)\n');
  }
}
