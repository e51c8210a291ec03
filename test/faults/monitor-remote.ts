/**
 * The real monitor (headless harness + real fetchStats) in a child process,
 * driven over stdin/stdout JSON lines — for faults that need another uid
 * (permission denied: root ignores file modes, so the monitor runs as
 * nobody).
 *
 * Usage: node monitor-remote.js ADDRESS
 * Commands: {"id":1,"wait":"REGEX","timeoutMs":5000} → {"id":1,"ok":true,"screen":"…"}
 *           {"id":2,"quit":true}                    → {"id":2,"exit":0}
 */
import { createInterface } from 'node:readline';
import { startRealMonitor } from './real-monitor.js';

const address = process.argv[2] ?? '';
const m = startRealMonitor(undefined, address, { timeoutMs: 500 });

function say(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line) as { id: number; wait?: string; timeoutMs?: number; quit?: boolean };
  void (async () => {
    if (msg.quit) {
      const code = await m.h.quit();
      say({ id: msg.id, exit: code, raw: m.h.out.raw.length, stats: m.stats });
      process.stdin.destroy();
      return;
    }
    const re = new RegExp(msg.wait ?? '.');
    try {
      await m.h.waitFor(() => re.test(m.h.text()), `/${msg.wait}/`, msg.timeoutMs ?? 5000);
      say({ id: msg.id, ok: true, screen: m.h.text(), stats: m.stats });
    } catch (e) {
      say({ id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e), screen: m.h.text(), stats: m.stats });
    }
  })();
});
say({ ready: true, uid: process.getuid?.() });
