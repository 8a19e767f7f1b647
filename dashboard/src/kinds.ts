import type { KindView, MetricView } from '../../shared/events';
import { findMetric, metricLabelIn } from '../../shared/metric-names';
import { getLang } from './i18n';

/**
 * The device kinds as the hub describes them (GET /api/devices → kinds, from each kind's descriptor):
 * labels and units of every metric. Held here once loaded; a kind the hub did not describe is shown
 * under its own name, a metric by a label made from its name (shared/metric-names.ts).
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

/** The metric's label from its kind; one no descriptor names reads as words too, never a bare field name. */
export function metricLabel(kind: string | null, name: string): string {
  return metricLabelIn(kinds, kind, name, getLang());
}
