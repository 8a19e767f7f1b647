import { useEffect, useState } from 'preact/hooks';

type ChartsModule = typeof import('./charts');

let loaded: ChartsModule | null = null;
let loading: Promise<ChartsModule> | null = null;

/**
 * chart.js is most of the script: it comes in a chunk of its own, after the first tiles are shown (a
 * sparkline is decoration; the value next to it is the information). Loaded once, on first use.
 */
export function loadCharts(): Promise<ChartsModule> {
  loading ??= import('./charts').then(
    (m) => (loaded = m),
    (err: unknown) => {
      // A failed download is tried again by the next chart that asks.
      loading = null;
      throw err;
    },
  );
  return loading;
}

/** The charts module once it is here (null until then); the component re-renders when it arrives. */
export function useCharts(): ChartsModule | null {
  const [m, setM] = useState(loaded);
  useEffect(() => {
    if (m) return;
    let mounted = true;
    loadCharts().then(
      (x) => {
        if (mounted) setM(x);
      },
      (err: unknown) => console.warn('charts', err),
    );
    return () => {
      mounted = false;
    };
  }, []);
  return m;
}
