import http from 'node:http';
const [mode, mod] = process.argv.slice(2);
// The lower bounds of issue 13 point 7 (bench/results/emitter.md, stop 31): inline counting and timing, and a
// diagnostics_channel hook. plain and inst are the two modes run.sh has always compared.
let n = 0, sum = 0, perf;
if (mode === 'min1' || mode === 'minclock' || mode === 'min1on' || mode === 'dc') ({ performance: perf } = await import('node:perf_hooks'));
const handlers = {
  // min0: the floor of counting alone
  min0: (req, res) => { n++; res.end('hello world\n'); },
  // minclock: counter + two clock reads around res.end, no listener
  minclock: (req, res) => { n++; const t = perf.now(); res.end('hello world\n'); sum += perf.now() - t; },
  // min1: counter + clock + one 'finish' listener (correct latency)
  min1: (req, res) => { n++; const t = perf.now(); res.once('finish', () => { sum += perf.now() - t; }); res.end('hello world\n'); },
  // min1on: as min1 but res.on (no once wrapper, no removal on emit)
  min1on: (req, res) => { n++; const t = perf.now(); res.on('finish', () => { sum += perf.now() - t; }); res.end('hello world\n'); },
  // dc: library-style hook via node:diagnostics_channel (handler untouched; subscribers set up below)
  dc: (req, res) => { res.end('hello world\n'); },
};
if (mode === 'dc') {
  const dc = await import('node:diagnostics_channel');
  dc.subscribe('http.server.request.start', (m) => { n++; m.response.__t0 = perf.now(); });
  dc.subscribe('http.server.response.finish', (m) => { sum += perf.now() - m.response.__t0; });
}
const server = http.createServer(handlers[mode] ?? ((req, res) => { res.end('hello world\n'); }));
if (mode === 'inst') {
  const { instrument } = await import(mod);
  instrument(server);
}
if (handlers[mode]) process.on('SIGTERM', () => { process.stderr.write(`COUNT ${n} SUM ${sum}\n`); process.exit(0); });
server.listen(0, '127.0.0.1', () => { process.stdout.write(`PORT ${server.address().port}\n`); });
