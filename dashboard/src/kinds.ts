import type { KindView, MetricView } from '../../shared/events';
import { findMetric, metricName } from '../../shared/metric-names';
import { getLang } from './i18n';

/**
 * The device kinds as the hub describes them (GET /api/devices → kinds, from each kind's descriptor):
 * labels and units of every metric. Held here once loaded; a kind or metric the hub did not describe is
 * shown under its own name.
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

/** The metric's description for a device of `kind`; any kind's, for a metric the kind does not list. */
export function metricSpec(kind: string | null, name: string): MetricView | undefined {
  return findMetric(kinds, kind, name)?.spec;
}

export function metricLabel(kind: string | null, name: string): string {
  const found = findMetric(kinds, kind, name);
  return found ? metricName(found, getLang()) : name;
}
