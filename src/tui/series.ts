/**
 * Pure chart helpers: the one-line block sparklines of the worker detail
 * view, and the series preparation for the throughput chart, which is drawn
 * by blessed-contrib's braille line chart (see chart.ts). Functions of a
 * series (oldest → newest; `undefined` = a gap) and a size; they only scale
 * values for drawing, the values themselves come from the model's History.
 *
 * Why the detail view's sparklines are not blessed-contrib's `sparkline`
 * widget: that widget is a box laid out as `title` line, spark line, blank
 * line, with the title wrapped in hard-coded `{bold}{<colour>-fg}` tags, and
 * it draws the *oldest* `width − 2` points. The `sparkline` package it uses
 * computes `((v − min) << 8)` in 32-bit integers, so RSS in bytes overflows
 * (`[50e6, 51e6, 60e6]` gives one glyph for three points), fractional rates
 * below 1/s all draw flat, and a gap (`undefined`) flattens the whole line.
 * The block sparkline below is six lines of arithmetic without any of that.
 */

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

function known(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v) && v >= 0;
}

function maxOf(values: readonly (number | undefined)[]): number {
  let m = 0;
  for (const v of values) if (v !== undefined && Number.isFinite(v) && v > m) m = v;
  return m;
}

/** The newest `width` points of a series. */
export function lastPoints<T>(values: readonly T[], width: number): T[] {
  if (width <= 0) return [];
  return values.length > width ? values.slice(values.length - width) : values.slice();
}

/**
 * One-line sparkline of the newest `width` points. Scaled from 0 to the
 * maximum, or with `relative` from the minimum to the maximum (for gauges
 * like RSS whose changes are small next to their size). A gap is a space;
 * the lowest value is the lowest block. Right-aligned: short series are
 * padded on the left so "now" is always at the right edge.
 */
export function sparkline(values: readonly (number | undefined)[], width: number, relative = false): string {
  const pts = lastPoints(values, width);
  const max = maxOf(pts);
  let min = 0;
  if (relative) {
    min = Infinity;
    for (const v of pts) if (known(v) && v < min) min = v;
    if (!Number.isFinite(min)) min = 0;
  }
  const span = max - min;
  let s = '';
  for (const v of pts) {
    if (!known(v)) s += ' ';
    else if (span <= 0) s += BLOCKS[0];
    else s += BLOCKS[Math.min(7, Math.max(0, Math.round(((v - min) / span) * 7)))];
  }
  return ' '.repeat(Math.max(0, width - pts.length)) + s;
}

/** A series ready for blessed-contrib's line chart: numbers only, one x label per point. */
export interface LineSeries {
  /** Values to plot, all finite and ≥ 0. */
  y: number[];
  /** One non-empty label per point (the read's local clock time). */
  x: string[];
  /** Points of `y` that were gaps in the input (interpolated for the line). */
  gaps: number;
  /** The newest input value (undefined when it is a gap or there is none). */
  last: number | undefined;
  /** The largest known value plotted (undefined when none is known). */
  max: number | undefined;
}

/** Local `HH:MM:SS` of a time in ms since the epoch ('?' when unknown). */
export function clockLabel(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '?';
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * The newest `maxPoints` points of `values` (aligned at the newest end with
 * `times`, the reads' clock times in ms) as a line-chart series. The line
 * chart cannot draw gaps, and a gap drawn as 0 would be a false dip: gaps
 * before the first known value are dropped, inner gaps are interpolated
 * between their known neighbours, trailing gaps hold the last known value.
 * Non-finite or negative values count as gaps, so nothing the chart would
 * turn into an endless line (Infinity) ever reaches it.
 */
export function lineSeries(values: readonly (number | undefined)[], times: readonly (number | undefined)[], maxPoints: number): LineSeries {
  const n = Math.min(values.length, Math.max(0, Math.floor(maxPoints)));
  const vs = values.slice(values.length - n);
  const ts = times.slice(Math.max(0, times.length - n));
  const timeAt = (i: number): number | undefined => ts[ts.length - (vs.length - i)];
  const lastIn = vs.length > 0 ? vs[vs.length - 1] : undefined;
  const out: LineSeries = { y: [], x: [], gaps: 0, last: known(lastIn) ? lastIn : undefined, max: undefined };
  const first = vs.findIndex(known);
  if (first < 0) return out;
  let prev = first;
  for (let i = first; i < vs.length; i++) {
    const v = vs[i];
    let y: number;
    if (known(v)) {
      y = v;
      prev = i;
      if (out.max === undefined || v > out.max) out.max = v;
    } else {
      out.gaps++;
      let next = i + 1;
      while (next < vs.length && !known(vs[next])) next++;
      const a = vs[prev] as number;
      const b = next < vs.length ? (vs[next] as number) : a;
      y = next < vs.length ? a + ((b - a) * (i - prev)) / (next - prev) : a;
    }
    out.y.push(y);
    out.x.push(clockLabel(timeAt(i)));
  }
  return out;
}

/**
 * A y scale with round steps for a chart with room for `maxLabels` y labels:
 * `step` is 1, 2 or 5 × 10^k (2.5 × 10^k from 25 up), `labels` the number of
 * labels used (0, step, … below the top), and the top of the chart `maxY`
 * = labels × step, leaving some room above `max`. `whole`: steps of at
 * least 1 (counts). `maxY` is always > 0.
 */
export function niceScale(max: number | undefined, maxLabels: number, whole = false): { maxY: number; step: number; labels: number } {
  const n = Math.max(1, Math.floor(maxLabels));
  const m = max !== undefined && Number.isFinite(max) && max > 0 ? max * 1.05 : 0;
  let step = 1;
  if (m > 0) {
    const raw = m / n;
    const p = 10 ** Math.floor(Math.log10(raw));
    const steps = p >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10];
    step = steps.map((k) => k * p).find((x) => x >= raw * (1 - 1e-9)) ?? 10 * p;
    if (whole) step = Math.max(1, Math.ceil(step));
    // Round away binary noise (0.1 × 3) so labels print as typed.
    step = Number(step.toPrecision(12));
  }
  const labels = Math.max(1, Math.min(n, Math.ceil(m / step - 1e-9)));
  return { maxY: Number((step * labels).toPrecision(12)), step, labels };
}
