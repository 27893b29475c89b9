import { buildLineChart, type ChartInput } from "./line-chart";

const INK = "#5b6575";
const GRID = "#dde2ea";

/**
 * A line chart drawn on the server as SVG. Presentation attributes only (stroke, fill, font-size): the CSP
 * applies no style attribute and runs no script, so each marker's value is its <title>, shown on hover.
 */
export function LineChart({ title, ...input }: ChartInput & { title: string }) {
  const shape = buildLineChart(input);
  const { plot } = shape;
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${shape.width} ${shape.height}`}
        width={shape.width}
        height={shape.height}
        role="img"
        aria-label={title}
      >
        {shape.gridlines.map((line) => (
          <g>
            <line x1={plot.left} x2={plot.right} y1={line.y} y2={line.y} stroke={GRID} stroke-width="1" />
            <text x={plot.left - 4} y={line.y + 3} font-size="10" fill={INK} text-anchor="end">
              {line.label}
            </text>
          </g>
        ))}
        {shape.ticks.map((tick) => (
          <text x={tick.x} y={shape.height - 6} font-size="10" fill={INK} text-anchor="middle">
            {tick.label}
          </text>
        ))}
        {shape.lines.map((line) => (
          <g class="series" data-series={line.name}>
            {line.segments.map((points) => (
              <polyline points={points} fill="none" stroke={line.color} stroke-width="2" />
            ))}
            {line.markers.map((marker) => (
              <circle cx={marker.x} cy={marker.y} r="2.5" fill={line.color}>
                <title>{marker.title}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <div class="legend">
        {shape.lines.map((line) => (
          <span>
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" fill={line.color} />
            </svg>{" "}
            {line.name}
          </span>
        ))}
      </div>
    </figure>
  );
}
