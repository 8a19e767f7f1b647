import type { Alert } from '../core/domain.js';
import type { AlertCondition } from '../../shared/events.js';
import type { Lang } from '../../shared/i18n.js';
import { zonedParts } from '../../shared/time.js';
import type { UptimeReport } from './report.js';

/**
 * CSV exports (RFC 4180): UTF-8 with a byte-order mark, so Excel opens Vietnamese names as written; CRLF
 * line ends; a field is quoted when it holds a comma, a quote, a line break or starts with a formula
 * character (=, +, -, @: a device name must never run as a spreadsheet formula).
 */

export const BOM = '\uFEFF';

export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(v) : v;
  const formula = /^[=+\-@\t\r]/.test(s) && typeof v === 'string';
  const text = formula ? `'${s}` : s;
  return /[",\r\n]/.test(text) || formula ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvOf(rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  return BOM + rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Durations in the CSV: minutes, two decimals (ms / 60 000). */
export const minutes = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 600) / 100);

const uptimeHeader: Record<Lang, string[]> = {
  vi: ['Thôn', 'Mã thiết bị', 'Tên thiết bị', 'Loại', 'Tỷ lệ hoạt động (%)', 'Tỷ lệ dùng được (%)', 'Số lần mất kết nối', 'Lần mất lâu nhất (phút)', 'Thời gian khắc phục trung bình (phút)', 'Mất kết nối (phút)', 'Không truy cập được (phút)', 'Bảo trì (phút)', 'Không rõ (phút)'],
  en: ['Village', 'Device id', 'Device name', 'Kind', 'Uptime (%)', 'Available (%)', 'Outages', 'Longest outage (min)', 'MTTR (min)', 'Offline (min)', 'Unreachable (min)', 'Maintenance (min)', 'Unknown (min)'],
};

/** One row per device: the same figures as GET /api/uptime, durations in minutes. */
export function uptimeCsv(report: UptimeReport, lang: Lang): string {
  const rows: Array<Array<string | number | null>> = [uptimeHeader[lang]];
  for (const v of report.villages) {
    for (const d of v.devices) {
      rows.push([v.name, d.device, d.name, d.kind, d.uptimePct, d.availablePct, d.outages, minutes(d.longestOutageMs), minutes(d.mttrMs), minutes(d.offlineMs), minutes(d.unreachableMs), minutes(d.maintenanceMs), minutes(d.unknownMs)]);
    }
  }
  return csvOf(rows);
}

export const conditionLabels: Record<Lang, Record<AlertCondition, string>> = {
  vi: {
    offline: 'Mất kết nối',
    'unreachable-root': 'Làm mất kết nối thiết bị khác',
    flapping: 'Chập chờn',
    threshold: 'Vượt ngưỡng',
    'internet-down': 'Mất Internet',
    'meeting-not-ready': 'Phòng họp chưa sẵn sàng',
    event: 'Sự kiện thiết bị',
    'hub-offline': 'Máy chủ thôn mất liên lạc',
    'hub-backlog': 'Máy chủ thôn còn tin chưa gửi',
  },
  en: {
    offline: 'Offline',
    'unreachable-root': 'Took other devices down',
    flapping: 'Flapping',
    threshold: 'Threshold crossed',
    'internet-down': 'Internet down',
    'meeting-not-ready': 'Meeting room not ready',
    event: 'Device event',
    'hub-offline': 'Village hub offline',
    'hub-backlog': 'Village hub backlog growing',
  },
};

const severityLabels: Record<Lang, Record<Alert['severity'], string>> = {
  vi: { info: 'Thông tin', warning: 'Cảnh báo', critical: 'Nghiêm trọng' },
  en: { info: 'Info', warning: 'Warning', critical: 'Critical' },
};

const alertHeader: Record<Lang, string[]> = {
  vi: ['Thôn', 'Thiết bị', 'Sự cố', 'Mức độ', 'Bắt đầu', 'Người xác nhận', 'Xác nhận lúc', 'Ghi chú', 'Kết thúc', 'Kéo dài (phút)'],
  en: ['Village', 'Device', 'Condition', 'Severity', 'Started', 'Acknowledged by', 'Acknowledged at', 'Note', 'Resolved', 'Duration (min)'],
};

/** "2026-11-29 20:15" in the village's clock. */
export function localTime(ts: number | null, tz: string): string | null {
  if (ts === null) return null;
  const p = zonedParts(ts, tz);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}

export interface AlertCsvNames {
  village: (id: string) => { name: string; timezone: string };
  device: (village: string, device: string) => string;
}

/** One row per alert, times in the village's clock; the duration of an open alert runs to `now`. */
export function alertsCsv(alerts: readonly Alert[], names: AlertCsvNames, lang: Lang, now: number): string {
  const rows: Array<Array<string | number | null>> = [alertHeader[lang]];
  for (const a of alerts) {
    const v = names.village(a.village);
    rows.push([
      v.name,
      a.device === null ? null : names.device(a.village, a.device),
      conditionLabels[lang][a.condition] ?? a.condition,
      severityLabels[lang][a.severity],
      localTime(a.startedAt, v.timezone),
      a.ackedBy,
      localTime(a.ackedAt, v.timezone),
      a.ackNote,
      localTime(a.resolvedAt, v.timezone),
      minutes((a.resolvedAt ?? now) - a.startedAt),
    ]);
  }
  return csvOf(rows);
}
