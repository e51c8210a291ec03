/** Headless blessed screens for the TUI's unit tests: PassThrough streams instead of a terminal. */
import { PassThrough } from 'node:stream';
import blessed from 'blessed';

/** Input and output streams of a cols×rows "terminal" (the output drained, or handed each chunk). */
export function headlessStreams(cols: number, rows: number, onData?: (d: Buffer) => void): { input: never; output: never } {
  const output = new PassThrough() as unknown as NodeJS.WritableStream & { columns: number; rows: number };
  output.columns = cols;
  output.rows = rows;
  if (onData) (output as unknown as PassThrough).on('data', onData);
  else (output as unknown as PassThrough).resume();
  return { input: new PassThrough() as never, output: output as never };
}

/** A stock blessed screen of cols×rows on xterm-256color, destroyed after the test. */
export function headlessScreen(t: { after(fn: () => void): void }, cols = 60, rows = 12): blessed.Widgets.Screen {
  const screen = blessed.screen({ ...headlessStreams(cols, rows), terminal: 'xterm-256color', warnings: false });
  t.after(() => screen.destroy());
  return screen;
}
