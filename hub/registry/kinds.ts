import { deviceKindList } from '../../devices/index.js';
import { pollerMetrics } from '../../devices/kind.js';
import type { KindView } from '../../shared/events.js';

/** Every kind's descriptor as the dashboard reads it (labels, units, the tile's metric). */
export function kindViews(): KindView[] {
  return deviceKindList.map((k) => ({
    kind: k.kind,
    label: k.label,
    metrics: { ...k.metrics, ...(k.driver ? pollerMetrics : {}) },
    ...(k.mainMetric ? { mainMetric: k.mainMetric } : {}),
    ...(k.snapshot ? { snapshot: true } : {}),
  }));
}
