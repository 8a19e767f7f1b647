import type { KindView, MetricView } from '../../shared/events';
import { metricFallbackLabel } from '../../shared/metric-label';
import { getLang } from './i18n';

/**
 * The device kinds as the hub describes them (GET /api/devices → kinds, from each kind's descriptor):
 * labels and units of every metric. Held here once loaded; a kind the hub did not describe is shown
 * under its own name, a metric by a label made from its name (shared/metric-label.ts).
 */
let kinds = new Map<string, KindView>();

export function setKinds(list: readonly KindView[]): void {
  kinds = new Map(list.map((k) => [k.kind, k]));
}

export function kindView(kind: string): KindView | undefined {
  return kinds.get(kind);
}

export function kindLabel(kind: string): string {
  return kinds.get(kind)?.label[getLang()] ?? kind;
}

/** `diskFreePct_data`: the PC agent's extra disks, named by their label. */
function split(name: string): { base: string; suffix: string | null } {
  const m = /^(diskFreePct)_(.+)$/.exec(name);
  return m ? { base: m[1]!, suffix: m[2]! } : { base: name, suffix: null };
}

/** The metric's description for a device of `kind`; any kind's, for a metric the kind does not list. */
export function metricSpec(kind: string | null, name: string): MetricView | undefined {
  const { base } = split(name);
  const own = kind !== null ? kinds.get(kind)?.metrics[base] : undefined;
  if (own) return own;
  for (const k of kinds.values()) if (k.metrics[base]) return k.metrics[base];
  return undefined;
}

/** The metric's label from its kind; one no descriptor names reads as words too, never a bare field name. */
export function metricLabel(kind: string | null, name: string): string {
  const spec = metricSpec(kind, name);
  if (!spec) return metricFallbackLabel(name, getLang());
  const { suffix } = split(name);
  const label = spec.label[getLang()];
  return suffix ? `${label} (${suffix})` : label;
}
