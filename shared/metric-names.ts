import type { KindView, MetricView } from './events.js';
import type { Lang } from './i18n.js';
import { partName } from './reasons.js';

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

const capital = (s: string): string => s.charAt(0).toLocaleUpperCase('vi') + s.slice(1);

/**
 * A readable name for a metric no kind descriptor describes (a meeting set's own parts, a device's own
 * fields): `projectorOk` → "Máy chiếu hoạt động", `codecMs` → "Thời gian phản hồi của thiết bị họp
 * (codec)", anything else → "Chỉ số “tempC”" — never a bare field name on its own. Node-free.
 */
export function metricFallbackLabel(name: string, lang: Lang): string {
  let m = /^([a-z][a-z0-9_]*)Ok$/.exec(name);
  if (m?.[1]) return lang === 'vi' ? `${capital(partName(m[1], 'vi'))} hoạt động` : `${capital(partName(m[1], 'en').replace(/^the /, ''))} working`;
  m = /^([a-z][a-z0-9_]*)Ms$/.exec(name);
  if (m?.[1]) return lang === 'vi' ? `Thời gian phản hồi của ${partName(m[1], 'vi')}` : `${capital(partName(m[1], 'en').replace(/^the /, ''))} response time`;
  return lang === 'vi' ? `Chỉ số “${name}”` : `Metric “${name}”`;
}

/** The metric's name in the language: its descriptor's label, else a readable fallback — never a bare field name. */
export function metricLabelIn(kinds: ReadonlyMap<string, KindView>, kind: string | null, name: string, lang: Lang): string {
  const found = findMetric(kinds, kind, name);
  return found ? metricName(found, lang) : metricFallbackLabel(name, lang);
}
