import { describe, expect, it } from "vitest";
import { buildLineChart, niceCeiling } from "../../../src/admin/dashboard/charts/line-chart";

describe("niceCeiling", () => {
  it("rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect([1, 3, 7, 10, 11, 240, 0.3].map(niceCeiling)).toEqual([1, 5, 10, 10, 20, 250, 0.5]);
  });
});

describe("buildLineChart", () => {
  const labels = ["00", "01", "02", "03", "04"];

  it("places one marker per measured value, scaled to the largest, left to right", () => {
    const shape = buildLineChart({
      labels,
      width: 154,
      height: 132,
      series: [{ name: "received", color: "#000", values: [0, 5, 10, 0, 2] }],
    });
    // Plot box: x 44..144 (25 per slot), y 10..110 for 0..10.
    const [line] = shape.lines;
    expect(line?.markers.map((m) => [m.x, m.y])).toEqual([
      [44, 110],
      [69, 60],
      [94, 10],
      [119, 110],
      [144, 90],
    ]);
    expect(line?.segments).toEqual(["44,110 69,60 94,10 119,110 144,90"]);
    expect(line?.markers[2]?.title).toBe("02: received 10");
    expect(shape.gridlines.map((g) => g.label)).toEqual(["0", "2.5", "5", "7.5", "10"]);
  });

  it("steps the grid of counts by whole numbers, and of other values by round ones", () => {
    const counts = buildLineChart({
      labels,
      whole: true,
      series: [{ name: "n", color: "#000", values: [0, 4, 1, 0, 0] }],
    });
    expect(counts.gridlines.map((g) => g.label)).toEqual(["0", "1", "2", "3", "4"]);
    const one = buildLineChart({
      labels,
      whole: true,
      series: [{ name: "n", color: "#000", values: [0, 1, 0, 0, 0] }],
    });
    expect(one.gridlines.map((g) => g.label)).toEqual(["0", "1", "2", "3", "4"]);
    const ms = buildLineChart({
      labels,
      unit: " ms",
      series: [{ name: "p95", color: "#000", values: [130, 1500] }],
    });
    expect(ms.gridlines.map((g) => g.label)).toEqual(["0 ms", "500 ms", "1000 ms", "1500 ms", "2000 ms"]);
  });

  it("breaks the line where nothing was measured and draws no marker there", () => {
    const shape = buildLineChart({
      labels,
      unit: " ms",
      series: [{ name: "p95", color: "#000", values: [120, null, null, 80, 95] }],
    });
    const [line] = shape.lines;
    expect(line?.markers).toHaveLength(3);
    expect(line?.segments).toHaveLength(2);
    expect(line?.segments[0]?.split(" ")).toHaveLength(1);
    expect(line?.markers[1]?.title).toBe("03: p95 80 ms");
  });

  it("keeps an all-zero series on the baseline", () => {
    const shape = buildLineChart({
      labels,
      series: [{ name: "failed", color: "#000", values: [0, 0, 0, 0, 0] }],
    });
    expect(new Set(shape.lines[0]?.markers.map((m) => m.y))).toEqual(new Set([shape.plot.bottom]));
  });

  it("labels only a few slots of a long axis", () => {
    const hours = Array.from({ length: 24 }, (_, i) => String(i).padStart(2, "0"));
    const shape = buildLineChart({ labels: hours, series: [] });
    expect(shape.ticks.map((t) => t.label)).toEqual(["00", "04", "08", "12", "16", "20"]);
  });
});
