/**
 * Synthetic uWSGI-shaped stats documents for benchmarks: tab-indented like
 * uWSGI, `cores` cores per worker, counters advancing with `tick`, ~30 %
 * busy workers and ~20 % cores in a request. Deterministic for a seed.
 */
/** Deterministic pseudo-random numbers (xorshift32): every run measures the same documents. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

export function synthDocument(workers: number, cores: number, tick: number, rand: () => number): string {
  const ws = [];
  for (let i = 1; i <= workers; i++) {
    const cs = [];
    let req = 0;
    for (let c = 0; c < cores; c++) {
      const r = 1000 * tick + Math.floor(rand() * 50) * tick + i;
      req += r;
      cs.push({ id: c, requests: r, static_requests: 0, routed_requests: 0, offloaded_requests: 0, write_errors: 0, read_errors: 0, in_request: rand() < 0.2 ? 1 : 0, vars: [], req_info: {} });
    }
    ws.push({
      id: i,
      pid: 10_000 + i,
      accepting: 1,
      requests: req,
      delta_requests: req,
      exceptions: Math.floor(req / 1000),
      harakiri_count: 0,
      signals: 0,
      signal_queue: 0,
      status: rand() < 0.3 ? 'busy' : 'idle',
      rss: Math.floor(50e6 + rand() * 1e7),
      vsz: 300_000_000,
      running_time: req * 1500,
      last_spawn: 1_700_000_000,
      respawn_count: 1,
      tx: req * 2048,
      avg_rt: Math.floor(1000 + rand() * 5000),
      apps: [{ id: 0, modifier1: 0, mountpoint: '', startup_time: 0, requests: req, exceptions: 0, chdir: '/srv/app' }],
      cores: cs,
    });
  }
  return JSON.stringify(
    { version: '2.0.21-debian', listen_queue: tick % 7, listen_queue_errors: 0, signal_queue: 0, load: 3, pid: 9999, uid: 33, gid: 33, cwd: '/srv/app', locks: [], sockets: [], workers: ws },
    null,
    '\t',
  );
}
