/**
 * The throughput chart pane (`c`): total RPS and listen queue over the
 * History, drawn with blessed-contrib's braille line chart
 * (lib/widget/charts/line.js, a drawille canvas: 2×4 dots per cell), one
 * chart per series side by side (each with its own y scale), under one
 * title line carrying the figures ("now", "max", reads).
 *
 * Two small adaptations of contrib's widget, in a subclass:
 * - `--no-color` / NO_COLOR: the canvas frame (drawille's `frame()`) wraps
 *   every braille cell in `ESC[3Nm … ESC[39m` and every label in
 *   `ESC[3Nm ESC[4Nm … ESC[39m ESC[49m`, whatever the styles say (even
 *   'normal' yields ESC[39m). With colour off the subclass strips those SGR
 *   sequences from the frame before blessed parses it, so the screen gets
 *   the same braille dots and labels and not one colour code.
 * - The widget's canvas keeps `width×2−12` by `height×4−8` dots, sized once
 *   on attach. Without a border that wastes 6 columns and leaves the last
 *   row empty (contrib reserves 11 dots under the axis for x labels, which
 *   sit 8 dots down), so the subclass sizes the canvas to the whole box plus
 *   that one empty row, which blessed clips (with wrapping off: a full-width
 *   line followed by an SGR reset would otherwise wrap).
 * The widgets exist only while the chart is on screen (they are created on
 * show and on a size change, destroyed on hide), and contrib's module is
 * loaded the first time the chart is shown: a hidden chart costs nothing.
 * Only the line chart's own module is loaded, not blessed-contrib's index,
 * which pulls in every widget's dependencies (map, markdown, pictures):
 * about 17 ms instead of about 120 ms.
 */
import { createRequire } from 'node:module';
import type blessed from 'blessed';
import { newBox } from './widgets.js';
import { formatCount, formatRate } from '../format.js';
import { lineSeries, niceScale, type LineSeries } from './series.js';
import { clip, pad } from './text.js';
import type { Theme } from './theme.js';

/** A rectangle on the screen, in cells. */
export interface Rect {
  top: number;
  left: number;
  width: number;
  height: number;
}

/** Where the parts of the chart pane go. `lq` is absent on narrow panes (the title still carries its figures). */
export interface ChartLayout {
  title: Rect;
  rps: Rect;
  lq?: Rect;
}

/** Pane width from which the listen queue gets its own chart next to the RPS chart. */
export const CHART_SPLIT_MIN_COLS = 56;

/** Split the pane: a title row, then the RPS chart and (wide enough) the listen-queue chart to its right. */
export function chartLayout(area: Rect): ChartLayout {
  const width = Math.max(1, area.width);
  const title: Rect = { top: area.top, left: area.left, width, height: 1 };
  const height = Math.max(1, area.height - 1);
  const top = area.top + 1;
  if (width < CHART_SPLIT_MIN_COLS) return { title, rps: { top, left: area.left, width, height } };
  const lqWidth = Math.max(24, Math.min(60, Math.round(width * 0.38)));
  const rpsWidth = width - lqWidth - 1;
  return {
    title,
    rps: { top, left: area.left, width: rpsWidth, height },
    lq: { top, left: area.left + rpsWidth + 1, width: lqWidth, height },
  };
}

/** Title text of the RPS chart. */
export function rpsTitle(s: LineSeries, reads: number): string {
  return `Total RPS  now ${formatRate(s.last)}  max ${formatRate(s.max)}  (${reads} reads)`;
}

/** Title text of the listen-queue chart. */
export function lqTitle(s: LineSeries): string {
  return `Listen queue  now ${formatCount(s.last)}  max ${formatCount(s.max)}`;
}

/** The tagged title line: each title over its chart, or both in one line when there is one chart. */
export function chartTitleLine(layout: ChartLayout, rps: LineSeries, lq: LineSeries, reads: number, theme: Theme): string {
  const w = layout.title.width;
  const text = layout.lq
    ? pad(clip(rpsTitle(rps, reads), layout.rps.width), layout.rps.width + 1) + clip(lqTitle(lq), layout.lq.width)
    : clip(`Total RPS now ${formatRate(rps.last)} max ${formatRate(rps.max)} · Listen queue now ${formatCount(lq.last)} max ${formatCount(lq.max)}`, w);
  return theme.paint(pad(text, w), 'tableHead');
}

/** Y labels that fit a chart of `rows` rows (two rows apart; the last two rows are the axis and the x labels). */
export function yLabelCount(rows: number): number {
  return Math.max(1, Math.min(4, Math.floor((rows - 2) / 2)));
}

/** Points a chart of `width` columns shows: about one per dot column. */
export function chartPoints(width: number): number {
  return Math.max(2, width * 2 - 12);
}

const SGR = /\x1b\[[0-9;]*m/g;

/** `text` without SGR sequences (colours and attributes). */
export function stripSgr(text: string): string {
  return text.replace(SGR, '');
}

// ------------------------------------------------------------ contrib glue

interface LineData {
  title: string;
  x: string[];
  y: number[];
  style?: { line?: string };
}

/** What tsgitop uses of blessed-contrib's line chart (lib/widget/charts/line.js). */
interface ContribLine extends blessed.Widgets.BoxElement {
  canvasSize: { width: number; height: number };
  calcSize(): void;
  setData(data: LineData[]): void;
}

interface LineOptions extends blessed.Widgets.BoxOptions {
  showLegend: boolean;
  numYLabels: number;
  wholeNumbersOnly: boolean;
  minY: number;
  maxY: number;
  xPadding: number;
  xLabelPadding: number;
  style: { line: string; text: string; baseline: string };
  /** tsgitop: strip colour codes from the canvas frame. */
  noColor: boolean;
}

type LineClass = new (options: LineOptions) => ContribLine;

let lineClass: LineClass | undefined;

/** contrib's line chart with tsgitop's two adaptations (see the module comment); loaded on first use. */
function chartClass(): LineClass {
  if (lineClass) return lineClass;
  const Line = createRequire(import.meta.url)('blessed-contrib/lib/widget/charts/line.js') as LineClass;
  lineClass = class ThroughputLine extends Line {
    override calcSize(): void {
      this.canvasSize = { width: Math.max(2, Number(this.width) * 2), height: Math.max(4, (Number(this.height) + 1) * 4) };
    }

    // blessed calls setContent from its constructor too: read the flag from
    // the options (set before construction), not from a class field.
    override setContent(content: string): void {
      const noColor = (this.options as Partial<LineOptions> | undefined)?.noColor === true;
      super.setContent(noColor ? stripSgr(content) : content);
    }
  };
  return lineClass;
}

/** Input of one chart draw: the series as of the display, and a version that changes whenever they do. */
export interface ChartInput {
  rps: readonly (number | undefined)[];
  listenQueue: readonly (number | undefined)[];
  /** Clock time (ms) of each read, aligned with the series. */
  times: readonly (number | undefined)[];
  /** Changes whenever the series change (a new read, a clear, a pause cut). */
  version: string;
}

const same = (a: Rect | undefined, b: Rect | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.top === b.top && a.left === b.left && a.width === b.width && a.height === b.height);

/** The chart pane's widgets. `draw` shows it in an area; `hide` removes the widgets. */
export class ThroughputChart {
  readonly #screen: blessed.Widgets.Screen;
  readonly #theme: Theme;
  #title: blessed.Widgets.BoxElement | undefined;
  #rps: ContribLine | undefined;
  #lq: ContribLine | undefined;
  #layout: ChartLayout | undefined;
  #version: string | undefined;

  constructor(screen: blessed.Widgets.Screen, theme: Theme) {
    this.#screen = screen;
    this.#theme = theme;
  }

  /** Draw the chart in `area` (at least 2 rows: the title and one chart row). */
  draw(area: Rect, input: ChartInput): void {
    const layout = chartLayout(area);
    if (!this.#layout || !same(this.#layout.rps, layout.rps) || !same(this.#layout.lq, layout.lq)) {
      this.#destroyCharts();
      this.#rps = this.#create(layout.rps, 'green', false);
      if (layout.lq) this.#lq = this.#create(layout.lq, 'yellow', true);
      this.#version = undefined;
    }
    this.#layout = layout;
    if (!this.#title) {
      this.#title = newBox({ parent: this.#screen, tags: true, wrap: false, height: 1 } as blessed.Widgets.BoxOptions);
    }
    const t = this.#title;
    t.top = layout.title.top;
    t.left = layout.title.left;
    t.width = layout.title.width;
    t.height = 1;
    t.show();

    const points = chartPoints(layout.rps.width);
    const reads = Math.min(points, input.rps.length);
    const rps = lineSeries(input.rps, input.times, points);
    const lq = lineSeries(input.listenQueue, input.times, points);
    t.setContent(chartTitleLine(layout, rps, lq, reads, this.#theme));
    if (input.version === this.#version) return;
    this.#version = input.version;
    this.#plot(this.#rps!, rps, false);
    if (this.#lq) this.#plot(this.#lq, lq, true);
  }

  /** Take the chart off the screen (its widgets are destroyed; the next draw recreates them). */
  hide(): void {
    this.#destroyCharts();
    this.#title?.hide();
    this.#layout = undefined;
  }

  #create(r: Rect, colour: string, whole: boolean): ContribLine {
    const Line = chartClass();
    const w = new Line({
      top: r.top,
      left: r.left,
      width: r.width,
      height: r.height,
      // A frame line is exactly the box width, but its last cell is followed by
      // an SGR reset; blessed's wrapping would count it as overflow and wrap
      // the line (shifting every row below). Contrib's canvas avoids that by
      // keeping 6 columns free; this one uses them and turns wrapping off.
      wrap: false,
      showLegend: false,
      numYLabels: yLabelCount(r.height),
      wholeNumbersOnly: whole,
      minY: 0,
      maxY: 1,
      xPadding: 2,
      xLabelPadding: 2,
      style: { line: colour, text: 'normal', baseline: 'normal' },
      noColor: !this.#theme.color,
    });
    // contrib sizes the canvas on 'attach', so append (not `parent:`).
    this.#screen.append(w);
    return w;
  }

  #plot(w: ContribLine, s: LineSeries, whole: boolean): void {
    const o = w.options as unknown as LineOptions;
    const scale = niceScale(s.max, yLabelCount(Number(w.height)), whole);
    o.maxY = scale.maxY;
    o.numYLabels = scale.labels;
    // Nothing known yet: just the axes (one point draws no line; ' ' is an invisible label).
    const y = s.y.length > 0 ? s.y : [0];
    const x = s.x.length > 0 ? s.x : [' '];
    w.setData([{ title: '', x, y }]);
  }

  #destroyCharts(): void {
    this.#rps?.destroy();
    this.#lq?.destroy();
    this.#rps = undefined;
    this.#lq = undefined;
  }
}
