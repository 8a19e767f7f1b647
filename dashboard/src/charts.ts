import {
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
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
}

export function seriesConfig(data: SeriesData, { labels, span, tz, format, tick }: SeriesOptions): ChartConfiguration<'line', XY[]> {
  const line = css('--chart-line', '#1565c0');
  const band = css('--chart-band', 'rgba(21,101,192,0.18)');
  const grid = css('--chart-grid', 'rgba(0,0,0,0.08)');
  const text = css('--text-muted', '#555');
  const spanMs = span.to - span.from;
  return {
    type: 'line',
    data: {
      datasets: [
        { label: labels.mean, data: data.mean, borderColor: line, borderWidth: 2, pointRadius: 0, cubicInterpolationMode: 'monotone', order: 0 },
        // The band: max line filled down to the min line (dataset index 2).
        { label: labels.band, data: data.max, borderColor: 'transparent', backgroundColor: band, pointRadius: 0, fill: '+1', order: 1 },
        { label: labels.band, data: data.min, borderColor: 'transparent', pointRadius: 0, fill: false, order: 1 },
      ],
    },
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
        y: {
          type: 'linear',
          grace: '5%',
          grid: { color: grid },
          ticks: { color: text, maxTicksLimit: 6, callback: (v) => tick(Number(v)) },
        },
      },
    },
  };
}
