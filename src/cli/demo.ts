/** `tsgitop demo` — wired once the demo app server (src/demo) lands. */
import type { CliIo } from './main.js';

export interface DemoCliOptions {
  workers: number;
  monitor: boolean;
  frequency: number;
  color: boolean;
}

export async function runDemoCli(_opts: DemoCliOptions, io: CliIo): Promise<number> {
  io.stderr.write('tsgitop: demo is not available in this build\n');
  return 1;
}
