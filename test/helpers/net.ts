/** Small socket helpers shared by tests (loopback only). */
import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was just bound and released: nothing listens
 * there now. Used both as a free port to hand to a server, and as a dead
 * target (connecting to it is refused).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close((err) => (err ? reject(err) : port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}
