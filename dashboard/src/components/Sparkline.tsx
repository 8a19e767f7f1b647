import type { Chart } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { fetchSeries, isAbort } from '../api';
import { useCharts } from '../chart-loader';
import type { XY } from '../charts';
import { useStore } from '../context';

const WINDOW_MS = 3600_000;
const POINTS = 30;
/** Live readings append to the hour loaded by REST; cap so a chatty device cannot grow it forever. */
const MAX_POINTS = 120;

interface Props {
  village: string;
  device: string;
  metric: string;
  /** Changes after every list reload (reconnect): refetch what the socket may have missed. */
  epoch: number;
}

function trim(data: XY[], now: number): void {
  const cutoff = now - WINDOW_MS;
  let drop = 0;
  while (drop < data.length && data[drop]!.x < cutoff) drop++;
  if (data.length - drop > MAX_POINTS) drop = data.length - MAX_POINTS;
  if (drop > 0) data.splice(0, drop);
}

export function Sparkline({ village, device, metric, epoch }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<{ chart: Chart<'line', XY[]>; data: XY[] } | null>(null);
  const store = useStore();
  const charts = useCharts();

  // The chart lives as long as the metric: a refetch after a reconnect replaces its points in place
  // instead of blanking it.
  useEffect(() => {
    const el = canvas.current;
    if (!el || !charts) return;
    const data: XY[] = [];
    const c = new charts.Chart(el, charts.sparklineConfig(data));
    chart.current = { chart: c, data };
    const off = store.onReading(village, device, (r) => {
      const y = r.fields[metric];
      if (typeof y !== 'number') return;
      const last = data[data.length - 1];
      if (last && r.ts <= last.x) return;
      data.push({ x: r.ts, y });
      trim(data, Date.now());
      c.update('none');
    });
    return () => {
      off();
      c.destroy();
      chart.current = null;
    };
  }, [store, village, device, metric, charts]);

  useEffect(() => {
    if (!charts) return;
    const abort = new AbortController();
    const to = Date.now();
    fetchSeries({ village, device, metric, from: to - WINDOW_MS, to, points: POINTS }, abort.signal)
      .then((res) => {
        const cur = chart.current;
        if (!cur || abort.signal.aborted) return;
        const history = res.points.map((p) => ({ x: p.ts, y: p.mean }));
        const end = history[history.length - 1]?.x ?? -Infinity;
        // Live readings that arrived during the request are newer than the history: keep them after it.
        const tail = cur.data.filter((p) => p.x > end);
        cur.data.splice(0, cur.data.length, ...history, ...tail);
        trim(cur.data, Date.now());
        cur.chart.update('none');
      })
      .catch((err: unknown) => {
        // A sparkline is decoration: on failure it shows the live readings only.
        if (!isAbort(err)) console.warn('sparkline', village, device, err);
      });
    return () => abort.abort();
  }, [village, device, metric, epoch, charts]);

  return (
    // The value next to it carries the information; the line itself is decoration for screen readers.
    <div class="sparkline" aria-hidden="true">
      <canvas ref={canvas} />
    </div>
  );
}
