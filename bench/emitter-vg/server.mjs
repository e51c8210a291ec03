import http from 'node:http';
const [mode, mod] = process.argv.slice(2);
const server = http.createServer((req, res) => { res.end('hello world\n'); });
if (mode === 'inst') {
  const { instrument } = await import(mod);
  instrument(server);
}
server.listen(0, '127.0.0.1', () => { process.stdout.write(`PORT ${server.address().port}\n`); });
