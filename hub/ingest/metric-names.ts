/** Why a message's metric names were refused: the `ingest.dropped.<code>` counter and the logged reason. */
export type NameRefusal = { ok: false; code: 'metrics_limit' | 'series_limit'; reason: string };

export interface NameLimits {
  /** Distinct metric names one device may use (`limits.metricsPerDevice`). */
  metricsPerDevice: number;
  /** Distinct (device, metric) series on the whole hub (`limits.seriesTotal`). */
  seriesTotal: number;
}

const listed = (names: readonly string[]): string => (names.length > 5 ? `${names.slice(0, 5).join(', ')}… (${names.length})` : names.join(', '));

/**
 * The metric names each device has used since the hub started, so one device sending new names in every
 * message cannot grow the store without end (each name is a field, and each device × name a series).
 * A message whose new names do not all fit is refused whole: half a message stored would read as data.
 * Devices the store does not keep (unregistered ones) have their own per-device bound but use none of
 * the hub's series.
 */
export class MetricNames {
  private readonly byDevice = new Map<string, Set<string>>();
  private stored = 0;

  constructor(private readonly limits: NameLimits) {}

  /** Admits the names of one message for `device` (village/device), remembering the new ones; or says which limit they break. */
  admit(device: string, names: readonly string[], stored: boolean): { ok: true } | NameRefusal {
    const known = this.byDevice.get(device);
    const fresh = known ? names.filter((n) => !known.has(n)) : names;
    if (fresh.length === 0) return { ok: true };
    const have = known?.size ?? 0;
    if (have + fresh.length > this.limits.metricsPerDevice) {
      return {
        ok: false,
        code: 'metrics_limit',
        reason: `telemetry: device ${device} would have ${have + fresh.length} metric names, more than limits.metricsPerDevice ${this.limits.metricsPerDevice} (new: ${listed(fresh)})`,
      };
    }
    if (stored && this.stored + fresh.length > this.limits.seriesTotal) {
      return {
        ok: false,
        code: 'series_limit',
        reason: `telemetry: the hub would store ${this.stored + fresh.length} series, more than limits.seriesTotal ${this.limits.seriesTotal} (new for ${device}: ${listed(fresh)})`,
      };
    }
    const set = known ?? new Set<string>();
    for (const n of fresh) set.add(n);
    if (!known) this.byDevice.set(device, set);
    if (stored) this.stored += fresh.length;
    return { ok: true };
  }

  get series(): number {
    return this.stored;
  }
}
