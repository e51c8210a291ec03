import net from 'node:net';
import { execFileSync } from 'node:child_process';
const [port, pid, n1, n2] = process.argv.slice(2).map(Number);
const sock = net.connect(port, '127.0.0.1');
const reqBytes = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
let done = 0, buf = '';
function dump() { execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' }); }
sock.on('data', (d) => {
  buf += d.toString('latin1');
  let i;
  while ((i = buf.indexOf('hello world\n')) >= 0) {
    buf = buf.slice(i + 12); done++;
    if (done === n1 || done === n2) dump();
    if (done === n2) { sock.end(); return; }
    sock.write(reqBytes);
  }
});
sock.on('connect', () => sock.write(reqBytes));
sock.on('close', () => process.exit(0));
