/**
 * Text charts drawn with block elements (▁▂▃▄▅▆▇█). Pure functions of a
 * series (oldest → newest; `undefined` = a gap) and a size. They only scale
 * values for drawing; the values themselves come from the model's History.
 *
 * Why not blessed-contrib's sparkline/line: its sparkline hard-codes colour
 * tags and keeps the *oldest* points when the series is wider than the box,
 * and the line chart always emits colour escapes (no `--no-color` mode).
 */

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

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
    for (const v of pts) if (v !== undefined && Number.isFinite(v) && v >= 0 && v < min) min = v;
    if (!Number.isFinite(min)) min = 0;
  }
  const span = max - min;
  let s = '';
  for (const v of pts) {
    if (v === undefined || !Number.isFinite(v) || v < 0) s += ' ';
    else if (span <= 0) s += BLOCKS[0];
    else s += BLOCKS[Math.min(7, Math.max(0, Math.round(((v - min) / span) * 7)))];
  }
  return ' '.repeat(Math.max(0, width - pts.length)) + s;
}

/**
 * A bar chart `height` lines tall and `width` columns wide (one column per
 * point, newest at the right), scaled so that `max` (default: the largest
 * visible value) fills the height. Returns lines top → bottom.
 */
export function barChart(values: readonly (number | undefined)[], width: number, height: number, max?: number): string[] {
  const h = Math.max(1, height);
  const pts = lastPoints(values, width);
  const top = max !== undefined && max > 0 ? max : maxOf(pts);
  const padLeft = Math.max(0, width - pts.length);
  const eighths = pts.map((v) => {
    if (v === undefined || !Number.isFinite(v) || v <= 0 || top <= 0) return v === undefined ? -1 : 0;
    return Math.max(1, Math.round((Math.min(v, top) / top) * h * 8));
  });
  const lines: string[] = [];
  for (let row = h - 1; row >= 0; row--) {
    let line = ' '.repeat(padLeft);
    for (const e of eighths) {
      if (e < 0) line += row === 0 ? '·' : ' ';
      else {
        const fill = e - row * 8;
        line += fill >= 8 ? BLOCKS[7] : fill > 0 ? BLOCKS[fill - 1] : row === 0 ? '▁' : ' ';
      }
    }
    lines.push(line);
  }
  return lines;
}
