/**
 * A line chart as plain numbers, ready to draw as SVG with presentation attributes (the dashboard's CSP lets no
 * script run and no style attribute apply). Pure: the same points always give the same shape, so it is unit
 * tested without a browser (test/admin/dashboard/line-chart.unit.test.ts).
 */

export interface ChartSeries {
  name: string;
  /** Stroke and marker colour (an SVG paint, e.g. "#b42318"). */
  color: string;
  /** One value per label; null where nothing was measured (the line breaks there, no marker is drawn). */
  values: readonly (number | null)[];
}

export interface ChartInput {
  /** One per slot along the x axis, e.g. the hours of the last day. */
  labels: readonly string[];
  series: readonly ChartSeries[];
  /** Appended to the values in the markers' tooltips and the axis, e.g. " ms". */
  unit?: string;
  /** The values are counts: grid lines at whole numbers only. */
  whole?: boolean;
  width?: number;
  height?: number;
}

export interface ChartMarker {
  x: number;
  y: number;
  /** The tooltip: the slot's label and the value. */
  title: string;
}

export interface ChartLine {
  name: string;
  color: string;
  /** `points` attributes of SVG polylines, one per unbroken run of measured values. */
  segments: string[];
  markers: ChartMarker[];
}

export interface ChartShape {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  /** Horizontal grid lines, bottom (0) first, with their values. */
  gridlines: { y: number; label: string }[];
  /** A few labels along the x axis (every slot would not fit). */
  ticks: { x: number; label: string }[];
  lines: ChartLine[];
}

const MARGIN = { left: 44, top: 10, right: 10, bottom: 22 };
const GRIDLINES = 4;
const TICKS = 6;

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above `value`, so the axis reads in round numbers. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((f) => f * power >= value) ?? 10;
  return step * power;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Where each series' values fall in a `width` × `height` box, the axis scaled to the largest value. */
export function buildLineChart(input: ChartInput): ChartShape {
  const width = input.width ?? 560;
  const height = input.height ?? 160;
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    right: width - MARGIN.right,
    bottom: height - MARGIN.bottom,
  };
  const slots = Math.max(1, input.labels.length);
  const measured = input.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  // A round step between grid lines (counts never step by less than 1), so every label reads cleanly.
  const largest = Math.max(0, ...measured) / GRIDLINES;
  const top = GRIDLINES * (input.whole ? Math.max(1, Math.ceil(niceCeiling(largest))) : niceCeiling(largest));
  const x = (i: number) =>
    round(plot.left + (slots === 1 ? 0 : (i * (plot.right - plot.left)) / (slots - 1)));
  const y = (v: number) => round(plot.bottom - (v / top) * (plot.bottom - plot.top));
  const unit = input.unit ?? "";
  const gridlines = Array.from({ length: GRIDLINES + 1 }, (_, i) => {
    const value = (top * i) / GRIDLINES;
    return { y: y(value), label: `${Number.isInteger(value) ? value : Number(value.toFixed(2))}${unit}` };
  });
  const every = Math.max(1, Math.ceil(slots / TICKS));
  const ticks = input.labels.flatMap((label, i) => (i % every === 0 ? [{ x: x(i), label }] : []));
  const lines = input.series.map((series) => lineOf(series, input.labels, x, y, unit));
  return { width, height, plot, gridlines, ticks, lines };
}

function lineOf(
  series: ChartSeries,
  labels: readonly string[],
  x: (i: number) => number,
  y: (v: number) => number,
  unit: string,
): ChartLine {
  const segments: string[] = [];
  const markers: ChartMarker[] = [];
  let run: string[] = [];
  series.values.forEach((value, i) => {
    if (value === null) {
      if (run.length > 0) segments.push(run.join(" "));
      run = [];
      return;
    }
    run.push(`${x(i)},${y(value)}`);
    markers.push({ x: x(i), y: y(value), title: `${labels[i] ?? ""}: ${series.name} ${value}${unit}` });
  });
  if (run.length > 0) segments.push(run.join(" "));
  return { name: series.name, color: series.color, segments, markers };
}
