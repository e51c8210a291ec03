/**
 * `--front URL`: nginx's stub_status read beside the stats server on every refresh. A front that
 * cannot be read is a line saying why (the workers' table goes on), never a failure of the run.
 */
import type { Address } from '../protocol/address.js';
import { fetchStubStatus, type FrontSample } from '../protocol/nginx.js';
import { frontText, frontToJson, frontVerdict, frontView, stackText, type FrontView } from '../model/front.js';
import { sortVerdicts } from '../model/diagnosis.js';
import type { View } from '../model/types.js';
import { clean, oneLine } from '../text/sanitize.js';

export class FrontReader {
  #prev: FrontSample | undefined;
  last: FrontView | undefined;
  error: string | undefined;

  constructor(
    readonly addr: Extract<Address, { kind: 'http' }>,
    readonly opts: { timeoutMs: number },
  ) {}

  #inFlight: Promise<void> | undefined;

  /** Start a read unless one is in flight (the monitor: the front never delays the stats reads). */
  pollInBackground(): void {
    this.#inFlight ??= this.poll().finally(() => (this.#inFlight = undefined));
  }

  /** One read; keeps the previous sample for the rates. Never throws. */
  async poll(): Promise<void> {
    try {
      const s = await fetchStubStatus(this.addr, { timeoutMs: this.opts.timeoutMs });
      this.last = frontView(s, this.#prev);
      this.#prev = s;
      this.error = undefined;
    } catch (e) {
      this.last = undefined;
      this.error = oneLine(e);
    }
  }

  /**
   * The front beside `view`: adds the front's verdict to `view.diagnosis` (most severe first) and
   * returns the text line (sanitized) and the JSON object.
   */
  apply(view: View): { line: string; json: Record<string, unknown> } {
    const f = this.last;
    if (f === undefined) {
      const err = this.error ?? 'not read yet';
      return { line: clean(`nginx: ${err}`), json: { kind: 'nginx', error: err } };
    }
    if (view.kind !== 'server') return { line: clean(frontText(f)), json: frontToJson(f) };
    const v = frontVerdict(f, view);
    if (v && !view.diagnosis.some((d) => d.message === v.message)) view.diagnosis = sortVerdicts([v, ...view.diagnosis]);
    return { line: clean(stackText(f, view)), json: frontToJson(f) };
  }
}
