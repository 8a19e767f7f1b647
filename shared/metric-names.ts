import type { KindView, MetricView } from './events.js';
import type { Lang } from './i18n.js';

/**
 * A metric's description for a device of some kind (from the kinds' descriptors), as the dashboard and the
 * alert texts look it up. Node-free.
 */
export interface FoundMetric {
  spec: MetricView;
  /** `diskFreePct_data`: the PC agent's extra disks carry the disk's label after the metric. */
  suffix: string | null;
}

function split(name: string): { base: string; suffix: string | null } {
  const m = /^(diskFreePct)_(.+)$/.exec(name);
  return m ? { base: m[1] as string, suffix: m[2] as string } : { base: name, suffix: null };
}

/** The kind's own description of the metric; any kind's, for a metric the kind does not list. */
export function findMetric(kinds: ReadonlyMap<string, KindView>, kind: string | null, name: string): FoundMetric | undefined {
  const { base, suffix } = split(name);
  const own = kind !== null ? kinds.get(kind)?.metrics[base] : undefined;
  if (own) return { spec: own, suffix };
  for (const k of kinds.values()) {
    const spec = k.metrics[base];
    if (spec) return { spec, suffix };
  }
  return undefined;
}

/** "Dung lượng trống (data)": the label in the language, with the disk's label when there is one. */
export function metricName(found: FoundMetric, lang: Lang): string {
  const label = found.spec.label[lang];
  return found.suffix ? `${label} (${found.suffix})` : label;
}
