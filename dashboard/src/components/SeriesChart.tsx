import { useEffect, useRef, useState } from 'preact/hooks';
import type { AvailabilitySpan, DeviceView } from '../../../shared/events';
import { errorText, fetchAvailability, fetchSeries, isAbort } from '../api';
import type { Chart } from 'chart.js';
import { useCharts } from '../chart-loader';
import type { SeriesData, XY } from '../charts';
import { useStore } from '../context';
import { stateLabel } from '../format';
import { t, useLang } from '../i18n';
import { metricSpec } from '../kinds';
import { formatMetric, formatTick, isBoolMetric, metricLabel, metricUnit } from '../metrics';
import { shadesFor, type Shade } from '../outages';

export const RANGES = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
export type RangeKey = keyof typeof RANGES;
const POINTS = 300;

interface Props {
  village: string;
  device: string;
  metric: string;
  /** The device's kind: its descriptor says the metric's unit. */
  kind: string;
  range: RangeKey;
  /** Changes after every list reload (reconnect): refetch what the socket may have missed. */
  epoch: number;
  /** The village's time zone, for the time axis. */
  tz: string;
  /** The device's state now and since when: the stretch it is in is shaded as it goes on. */
  current: Pick<DeviceView, 'state' | 'since'>;
}

/** `key`: the metric and range the answer was for (a new choice shows "loading" until its own answer). */
type Status = { kind: 'loading' } | { kind: 'ready'; empty: boolean; key: string } | { kind: 'error'; message: string };

interface Live {
  chart: Chart<'line', XY[]>;
  data: SeriesData;
  loaded: boolean;
}

export function SeriesChart({ village, device, kind, metric, range, epoch, tz, current }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const live = useRef<Live | null>(null);
  const store = useStore();
  const lang = useLang();
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [spans, setSpans] = useState<AvailabilitySpan[]>([]);
  const charts = useCharts();
  const shades: Shade[] = shadesFor(spans, current);
  // The chart reads the shades at every draw; this keeps them current without rebuilding it.
  const shadesRef = useRef(shades);
  shadesRef.current = shades;

  // One chart per metric, range and language; reconnects refill it in place (second effect).
  useEffect(() => {
    const el = canvas.current;
    if (!el || !charts) return;
    const span = RANGES[range];
    const bucket = span / POINTS;
    const now = Date.now();
    const data: SeriesData = { mean: [], min: [], max: [] };
    const chart = new charts.Chart(
      el,
      charts.seriesConfig(data, {
        labels: { mean: t('detail.mean'), band: t('detail.band') },
        span: { from: now - span, to: now },
        tz,
        format: (v) => formatMetric(kind, metric, v),
        tick: (v) => formatTick(kind, metric, v),
        axis: {
          unit: metricUnit(kind, metric),
          bool: isBoolMetric(kind, metric),
          signed: metricSpec(kind, metric)?.signed === true,
          integer: metricSpec(kind, metric)?.unit === 'count',
        },
        shades: () => shadesRef.current,
      }),
    );
    const state: Live = { chart, data, loaded: false };
    live.current = state;
    setStatus({ kind: 'loading' });

    const off = store.onReading(village, device, (r) => {
      const raw = r.fields[metric];
      if (!state.loaded || raw === undefined) return;
      const y = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
      const last = data.mean[data.mean.length - 1];
      if (last && r.ts <= last.x) return;
      // Live points are raw readings; on long ranges they would crowd the bucketed history, so only
      // append once a bucket's width has passed since the last point.
      if (last && range !== '1h' && r.ts - last.x < bucket) return;
      data.mean.push({ x: r.ts, y });
      data.min.push({ x: r.ts, y });
      data.max.push({ x: r.ts, y });
      const end = Math.max(Date.now(), r.ts);
      const x = chart.options.scales?.x;
      if (x) {
        x.min = end - span;
        x.max = end;
      }
      for (const arr of [data.mean, data.min, data.max]) {
        while (arr.length > POINTS * 2 || (arr[0] && arr[0].x < end - span)) arr.shift();
      }
      chart.update('none');
      setStatus((s) => (s.kind === 'ready' && s.empty ? { ...s, empty: false } : s));
    });

    return () => {
      off();
      chart.destroy();
      live.current = null;
    };
  }, [store, village, device, kind, metric, range, lang, tz, charts]);

  useEffect(() => {
    if (!charts) return;
    const abort = new AbortController();
    const span = RANGES[range];
    const to = Date.now();
    const from = to - span;
    fetchSeries({ village, device, metric, from, to, points: POINTS }, abort.signal)
      .then((res) => {
        const cur = live.current;
        if (!cur || abort.signal.aborted) return;
        const { data, chart } = cur;
        data.mean.splice(0, data.mean.length, ...res.points.map((p) => ({ x: p.ts, y: p.mean })));
        data.min.splice(0, data.min.length, ...res.points.map((p) => ({ x: p.ts, y: p.min })));
        data.max.splice(0, data.max.length, ...res.points.map((p) => ({ x: p.ts, y: p.max })));
        const x = chart.options.scales?.x;
        if (x) {
          x.min = from;
          x.max = to;
        }
        cur.loaded = true;
        chart.update('none');
        setStatus({ kind: 'ready', empty: res.points.length === 0, key: `${metric}|${range}` });
      })
      .catch((err: unknown) => {
        if (isAbort(err)) return;
        setStatus({ kind: 'error', message: t('error.series', { message: errorText(err) }) });
      });
    return () => abort.abort();
  }, [village, device, metric, range, epoch, lang, charts]);

  // Outages and maintenance over the range: refetched with the range and after a reconnect.
  useEffect(() => {
    const abort = new AbortController();
    const to = Date.now();
    fetchAvailability({ village, device, from: to - RANGES[range], to }, abort.signal).then(
      (res) => setSpans(res.spans),
      (err: unknown) => {
        // The shading is an extra: the chart stands without it.
        if (!isAbort(err)) console.warn('availability', village, device, err);
      },
    );
    return () => abort.abort();
  }, [village, device, range, epoch]);

  // A new state or new spans: redraw the shading (data and scales are unchanged).
  const shadeKey = shades.map((s) => `${s.state}:${s.from}-${s.to}`).join(',');
  useEffect(() => live.current?.chart.update('none'), [shadeKey]);

  const shown = (['offline', 'unreachable', 'maintenance'] as const).filter((st) => shades.some((s) => s.state === st && (s.to ?? Date.now()) > Date.now() - RANGES[range]));
  const rangeLabel = t(`detail.range.${range}`);
  const key = `${metric}|${range}`;
  return (
    <div class="series" data-metric={metric} data-ready={String(status.kind === 'ready' && status.key === key)}>
      <div class="series-canvas" role="img" aria-label={t('detail.chartLabel', { metric: metricLabel(kind, metric), range: rangeLabel })}>
        <canvas ref={canvas} data-testid="series-canvas" />
      </div>
      {shown.length > 0 && (
        <ul class="shade-legend" aria-label={t('detail.shadeLegend')} data-testid="shade-legend">
          {shown.map((st) => (
            <li key={st}>
              <span class={`swatch shade-${st}`} aria-hidden="true" />
              {stateLabel(st)}
            </li>
          ))}
        </ul>
      )}
      <p class="series-status" role="status">
        {(status.kind === 'loading' || (status.kind === 'ready' && status.key !== key)) && t('detail.loading')}
        {status.kind === 'ready' && status.key === key && status.empty && t('detail.noSeries')}
        {status.kind === 'error' && <span class="error-text">{status.message}</span>}
      </p>
    </div>
  );
}
