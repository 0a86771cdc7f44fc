// One measure's scores per session against the baseline and the minimal important change, drawn
// by uPlot on a canvas. Loaded with import() only when a patient with outcomes is shown, so uPlot
// is not part of the first page load. Its CSS is a file (the Content-Security-Policy allows no
// inline style); uPlot itself sets styles only through the CSSOM, which the policy allows.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface MeasureChartSpec {
  sessions: number[];
  values: number[];
  /** The top of the scale: 10 for NPRS, 7 for pain days. */
  max: number;
  baseline?: number | undefined;
  threshold?: number | undefined;
  valueLabel: string;
  yLabel: string;
}

export interface DrawnChart {
  setWidth(width: number): void;
  destroy(): void;
}

// The same colours as the key in styles.css (.key-*); each line also differs by its dash, so
// colour is never the only difference.
const INK = "#1a1a1a";
const GRID = "#d5dbe1";
export const COLOURS = { value: "#1d4f7a", baseline: "#4a5560", threshold: "#1e6b34" };
const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
const HEIGHT = 220;

export function drawMeasureChart(target: HTMLElement, spec: MeasureChartSpec, width: number): DrawnChart {
  const first = spec.sessions[0] ?? 1;
  const last = spec.sessions[spec.sessions.length - 1] ?? first;
  // Half a session either side, so the first and last points are not on the frame; the baseline
  // and the threshold run from edge to edge.
  const xs = [first - 0.5, ...spec.sessions, last + 0.5];
  const flat = (v: number | undefined) => xs.map(() => (v === undefined ? null : v));
  const values = [null, ...spec.values, null];
  const opts: uPlot.Options = {
    width: Math.max(200, Math.floor(width)),
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: false, range: () => [first - 0.5, last + 0.5] },
      y: { range: () => [0, spec.max] },
    },
    axes: [
      {
        label: "Session",
        font: FONT,
        labelFont: FONT,
        stroke: INK,
        grid: { stroke: GRID, width: 1 },
        ticks: { stroke: GRID, width: 1 },
        incrs: [1, 2, 5, 10, 20, 50],
        values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? String(s) : "")),
      },
      {
        label: spec.yLabel,
        font: FONT,
        labelFont: FONT,
        stroke: INK,
        grid: { stroke: GRID, width: 1 },
        ticks: { stroke: GRID, width: 1 },
        incrs: [1, 2, 5],
        size: 40,
      },
    ],
    series: [
      {},
      {
        label: spec.valueLabel,
        stroke: COLOURS.value,
        width: 3,
        points: { show: true, size: 9, stroke: COLOURS.value, fill: "#ffffff", width: 2 },
      },
      { label: "Baseline", stroke: COLOURS.baseline, width: 2, dash: [8, 5], points: { show: false } },
      {
        label: "Minimal important change",
        stroke: COLOURS.threshold,
        width: 2,
        dash: [2, 4],
        points: { show: false },
      },
    ],
  };
  const data: uPlot.AlignedData = [xs, values, flat(spec.baseline), flat(spec.threshold)];
  const chart = new uPlot(opts, data, target);
  return {
    setWidth: (w) => chart.setSize({ width: Math.max(200, Math.floor(w)), height: HEIGHT }),
    destroy: () => chart.destroy(),
  };
}
