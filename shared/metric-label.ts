import type { Lang } from './i18n.js';
import { partName } from './reasons.js';

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
