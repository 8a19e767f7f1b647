import {
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';
import type { Shade } from './outages';
import { axisTime, tzOffsetMs } from './time';

// Only what line charts on a linear (ms) x axis need; no time adapter, no category scale.
Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip);

export { Chart };
export type XY = { x: number; y: number };

const css = (name: string, fallback: string): string =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

export function sparklineConfig(data: XY[]): ChartConfiguration<'line', XY[]> {
  const line = css('--chart-line', '#1565c0');
  return {
    type: 'line',
    data: {
      datasets: [
        {
          data,
          borderColor: line,
          backgroundColor: css('--chart-fill', 'rgba(21,101,192,0.12)'),
          borderWidth: 1.5,
          pointRadius: 0,
          fill: 'origin',
          // Monotone: smooth without overshooting below the lowest or above the highest reading.
          cubicInterpolationMode: 'monotone',
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      events: [],
      parsing: false,
      normalized: true,
      plugins: { tooltip: { enabled: false } },
      scales: {
        // bounds 'data': the default rounds the range out to "nice" tick values, leaving blank margins.
        x: { type: 'linear', display: false, bounds: 'data' },
        y: { type: 'linear', display: false, bounds: 'data', grace: '10%' },
      },
    },
  };
}

export interface SeriesData {
  mean: XY[];
  min: XY[];
  max: XY[];
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const STEPS = [5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 48 * HOUR];

/** Ticks on round clock times of the village (every 10 min, 1 h, 1 day…) instead of round millisecond counts. */
export function timeTicks(min: number, max: number, tz: string, maxTicks = 6): number[] {
  const step = STEPS.find((s) => (max - min) / s <= maxTicks) ?? STEPS[STEPS.length - 1]!;
  // Align in the village's time: shift by the zone offset so that "00:00" and "07:00" are multiples of the step.
  const offset = tzOffsetMs(min, tz);
  const ticks: number[] = [];
  for (let v = Math.ceil((min + offset) / step) * step - offset; v <= max; v += step) ticks.push(v);
  return ticks;
}

export interface SeriesOptions {
  labels: { mean: string; band: string };
  span: { from: number; to: number };
  /** The village's time zone: axis and tooltip times are its clock. */
  tz: string;
  /** Formats a value with its unit (axis ticks and tooltip). */
  format: (v: number) => string;
  tick: (v: number) => string;
  /** What the y axis must say and allow (from the metric's descriptor). */
  axis: {
    /** The axis title: the unit ("bit/s", "%", "ms"); null for counts and yes/no. */
    unit: string | null;
    /** Yes/no, stored as 0/1: both levels on the axis, nothing between. */
    bool: boolean;
    /** May go below zero; anything else starts at 0 (an all-zero series must not show -1). */
    signed: boolean;
    /** Whole numbers only (people, devices): no 0,5 on the axis. */
    integer: boolean;
  };
  /** Outages and maintenance to shade on the time axis, read at every draw. */
  shades: () => Shade[];
}

/** Fills of the shaded stretches: the state colours, light enough for the line to stay readable. */
const SHADE_FILL: Record<Shade['state'], string> = {
  offline: 'rgba(185, 28, 28, 0.14)',
  unreachable: 'rgba(217, 119, 6, 0.16)',
  maintenance: 'rgba(29, 78, 216, 0.12)',
};

/** Shades outages and maintenance behind the lines, across the whole plot height. */
function shadePlugin(shades: () => Shade[]): Plugin<'line'> {
  return {
    id: 'langsoShades',
    beforeDatasetsDraw(chart) {
      const x = chart.scales.x;
      const area = chart.chartArea;
      if (!x || !area) return;
      const { ctx } = chart;
      const drawn: string[] = [];
      ctx.save();
      for (const s of shades()) {
        const from = Math.max(s.from, x.min);
        const to = Math.min(s.to ?? x.max, x.max);
        if (to <= from) continue;
        const left = x.getPixelForValue(from);
        const right = x.getPixelForValue(to);
        ctx.fillStyle = SHADE_FILL[s.state];
        ctx.fillRect(left, area.top, Math.max(1, right - left), area.bottom - area.top);
        drawn.push(s.state);
      }
      ctx.restore();
      // What was drawn, on the canvas element: the page lists the same in words under the chart.
      chart.canvas.dataset.shaded = drawn.join(' ');
    },
    afterDraw(chart) {
      const y = chart.scales.y;
      if (!y) return;
      const d = chart.canvas.dataset;
      d.yTicks = y.ticks.map((t) => String(t.label)).join('|');
      d.yMin = String(y.min);
      const title = (y.options as { title?: { display?: boolean; text?: unknown } }).title;
      d.yTitle = title?.display ? String(title.text) : '';
      // How big the readings' dots are drawn (0 when a line shows them).
      d.pointRadius = String(chart.getDatasetMeta(0).data[0]?.options?.radius ?? 0);
    },
  };
}

export function seriesConfig(data: SeriesData, { labels, span, tz, format, tick, axis, shades }: SeriesOptions): ChartConfiguration<'line', XY[]> {
  const line = css('--chart-line', '#1565c0');
  const band = css('--chart-band', 'rgba(21,101,192,0.18)');
  const grid = css('--chart-grid', 'rgba(0,0,0,0.08)');
  const text = css('--text-muted', '#555');
  const spanMs = span.to - span.from;
  // Yes/no reads as steps: a sloped line between 0 and 1 would claim "half working".
  const shape = axis.bool ? { stepped: 'before' as const } : { cubicInterpolationMode: 'monotone' as const };
  return {
    type: 'line',
    data: {
      datasets: [
        // Dots while there are too few points to draw a line: one reading must not look like no data.
        { label: labels.mean, data: data.mean, borderColor: line, backgroundColor: line, borderWidth: 2, pointRadius: (c) => (c.dataset.data.length < 3 ? 3 : 0), ...shape, order: 0 },
        // The band: max line filled down to the min line (dataset index 2).
        { label: labels.band, data: data.max, borderColor: 'transparent', backgroundColor: band, pointRadius: 0, fill: '+1', ...shape, order: 1 },
        { label: labels.band, data: data.min, borderColor: 'transparent', pointRadius: 0, fill: false, ...shape, order: 1 },
      ],
    },
    plugins: [shadePlugin(shades)],
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        tooltip: {
          filter: (item) => item.datasetIndex === 0,
          callbacks: {
            title: (items) => (items[0] ? axisTime(items[0].parsed.x ?? 0, spanMs, tz) : ''),
            label: (item) => {
              const i = item.dataIndex;
              const lo = data.min[i]?.y;
              const hi = data.max[i]?.y;
              const mean = `${labels.mean}: ${format(item.parsed.y ?? 0)}`;
              return lo !== undefined && hi !== undefined && lo !== hi ? `${mean} (${format(lo)} – ${format(hi)})` : mean;
            },
          },
        },
      },
      scales: {
        x: {
          type: 'linear',
          min: span.from,
          max: span.to,
          grid: { color: grid },
          afterBuildTicks: (scale) => {
            scale.ticks = timeTicks(scale.min, scale.max, tz, scale.width < 400 ? 4 : 8).map((value) => ({ value }));
          },
          ticks: { color: text, maxRotation: 0, autoSkip: true, callback: (v) => axisTime(Number(v), spanMs, tz) },
        },
        y: axis.bool
          ? {
              type: 'linear',
              min: 0,
              max: 1,
              grid: { color: grid },
              // Exactly two levels, labelled in words (Có / Không).
              afterBuildTicks: (scale) => {
                scale.ticks = [{ value: 0 }, { value: 1 }];
              },
              ticks: { color: text, callback: (v) => tick(Number(v)) },
              title: { display: false },
            }
          : {
              type: 'linear',
              ...(axis.signed ? { grace: '5%' } : { min: 0, grace: '5%' }),
              grid: { color: grid },
              ticks: { color: text, maxTicksLimit: 6, ...(axis.integer ? { precision: 0 } : {}), callback: (v) => tick(Number(v)) },
              title: { display: axis.unit !== null, text: axis.unit ?? '', color: text, font: { weight: 'bold' } },
            },
      },
    },
  };
}
