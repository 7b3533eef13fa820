// The campaign timeline chart (uPlot, bundled from node_modules): one line per counter, buckets in UTC.

import uPlot from "uplot";
import { formatAxisTimes, formatBucket, formatCount } from "./format";
import type { Bucket, Timeline, TimelinePoint } from "./types";

export interface SeriesSpec {
  key: string;
  label: string;
  color: string;
  /** Dashed lines mark machine series, so they differ from their human twin without colour. */
  dash?: number[];
  value: (p: TimelinePoint) => number;
}

/** Colours with at least 3:1 contrast on white (WCAG 1.4.11), from a palette that colour-blind readers can tell apart. */
export const TIMELINE_SERIES: readonly SeriesSpec[] = [
  { key: "delivered", label: "Deliveries", color: "#0b5fa5", value: (p) => p.delivered },
  { key: "opens", label: "Human opens", color: "#087a50", value: (p) => p.opens },
  { key: "opensMachine", label: "Machine opens", color: "#087a50", dash: [6, 4], value: (p) => p.opensMachine },
  { key: "clicks", label: "Human clicks", color: "#b04a00", value: (p) => p.clicks },
  { key: "clicksMachine", label: "Machine clicks", color: "#b04a00", dash: [6, 4], value: (p) => p.clicksMachine },
  { key: "bounces", label: "Bounces", color: "#6a3d9a", value: (p) => p.bouncesHard + p.bouncesSoft },
  { key: "complaints", label: "Complaints", color: "#c0134b", value: (p) => p.complaints },
];

function chartData(points: readonly TimelinePoint[]): uPlot.AlignedData {
  return [points.map((p) => Date.parse(p.start) / 1000), ...TIMELINE_SERIES.map((s) => points.map(s.value))];
}

function height(width: number): number {
  return width < 480 ? 220 : 300;
}

const DAY = 86_400;

function options(width: number, bucket: Bucket, points: number): uPlot.Options {
  const axis = {
    stroke: "#3d4451",
    grid: { stroke: "#e3e6ea", width: 1 },
    ticks: { stroke: "#c9ced6", width: 1 },
    font: "12px system-ui, sans-serif",
  };
  const latest = points - 1;
  return {
    width,
    height: height(width),
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
    series: [
      {
        label: bucket === "day" ? "Day (UTC)" : "Hour (UTC)",
        value: (_u, v) => (v === null ? "—" : formatBucket(new Date(v * 1000).toISOString(), bucket)),
      },
      ...TIMELINE_SERIES.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dash,
        points: { size: 6, fill: s.color },
        value: (_u: uPlot, v: number | null) => (v === null ? "—" : formatCount(v)),
      })),
    ],
    axes: [
      {
        ...axis,
        // Buckets are UTC hours and days: the axis says so rather than shifting them into the browser's zone.
        values: (_u, splits, _axis, _space, step) => formatAxisTimes(splits, step),
        // Day buckets get day ticks only (never "06:00" between two days).
        ...(bucket === "day" ? { incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 182 * DAY, 364 * DAY] } : {}),
      },
      {
        ...axis,
        incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6],
        values: (_u, splits) => splits.map(formatCount),
      },
    ],
    cursor: { drag: { x: false, y: false } },
    legend: { live: true, markers: { dash: (_u, i) => (TIMELINE_SERIES[i - 1]?.dash ? "dashed" : "solid") } },
    // Away from the cursor the legend shows the latest bucket, not dashes.
    hooks: {
      ready: [(u) => u.setLegend({ idx: latest }, false)],
      setCursor: [(u) => (u.cursor.idx === null || u.cursor.idx === undefined ? u.setLegend({ idx: latest }, false) : undefined)],
    },
  };
}

export class TimelineChart {
  private plot: uPlot | null = null;
  private readonly resizer = new ResizeObserver(() => this.resize());

  constructor(private readonly host: HTMLElement) {
    this.resizer.observe(host);
  }

  /** Draw a timeline, replacing what was drawn (uPlot has no cheap way to change its x-axis format in place). */
  show(timeline: Timeline): void {
    this.plot?.destroy();
    this.plot = new uPlot(options(this.width(), timeline.bucket, timeline.points.length), chartData(timeline.points), this.host);
  }

  private width(): number {
    return Math.max(280, Math.floor(this.host.clientWidth));
  }

  private resize(): void {
    if (!this.plot) return;
    const width = this.width();
    if (width !== this.plot.width) this.plot.setSize({ width, height: height(width) });
  }
}
