import { localeOf, type Lang } from '../../shared/i18n.js';
import { formatDuration } from '../../shared/units.js';
import { zonedParts } from '../../shared/time.js';
import { longestOutages, worstDevices, type UptimeReport } from './report.js';

/**
 * A report told in words, for a phone (Telegram, e-mail) and for `langso report`: the period, each
 * village's uptime, the worst devices and the longest outages, and how the figures are counted.
 */

export type PeriodKind = 'month' | 'week' | 'range';

const pct = (v: number | null, lang: Lang): string =>
  v === null ? (lang === 'vi' ? 'chưa có số liệu' : 'no data') : `${v.toLocaleString(localeOf[lang], { maximumFractionDigits: 2 })}%`;

function day(ts: number, tz: string): string {
  const p = zonedParts(ts, tz);
  return `${String(p.day).padStart(2, '0')}/${String(p.month).padStart(2, '0')}/${p.year}`;
}

/** "tháng 11/2026" · "November 2026" · "tuần 23/11/2026 – 29/11/2026" · "23/11/2026 – 29/11/2026". */
export function periodLabel(kind: PeriodKind, from: number, to: number, tz: string, lang: Lang): string {
  const p = zonedParts(from, tz);
  if (kind === 'month') {
    return lang === 'vi' ? `tháng ${p.month}/${p.year}` : new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: tz }).format(new Date(from));
  }
  // The last day shown is the one before `to` (the range ends at its midnight).
  const range = `${day(from, tz)} – ${day(to - 1, tz)}`;
  if (kind === 'week') return lang === 'vi' ? `tuần ${range}` : `week ${range}`;
  return range;
}

const words = {
  vi: {
    title: (period: string) => `Làng Số: báo cáo hoạt động ${period}`,
    head: (period: string) => `Báo cáo hoạt động thiết bị ${period}.`,
    village: (name: string, up: string, avail: string, outages: number) => `• ${name}: hoạt động ${up} (dùng được ${avail}), ${outages} lần mất kết nối.`,
    worst: 'Thiết bị hoạt động kém nhất:',
    longest: 'Lần mất kết nối lâu nhất:',
    none: 'Không thiết bị nào mất kết nối trong kỳ này.',
    rules: 'Không tính thời gian bảo trì và lúc trung tâm không chạy.',
    file: 'Bảng chi tiết từng thiết bị trong tệp CSV đính kèm.',
  },
  en: {
    title: (period: string) => `Làng Số: uptime report, ${period}`,
    head: (period: string) => `Device uptime report, ${period}.`,
    village: (name: string, up: string, avail: string, outages: number) => `• ${name}: uptime ${up} (available ${avail}), ${outages} outage${outages === 1 ? '' : 's'}.`,
    worst: 'Lowest uptime:',
    longest: 'Longest outages:',
    none: 'No device went offline in this period.',
    rules: 'Maintenance and time the hub was not running are not counted.',
    file: 'Every device in the attached CSV file.',
  },
} as const;

export interface SummaryOptions {
  kind: PeriodKind;
  lang: Lang;
  /** How many devices to name as the worst and as the longest outages. */
  top: number;
  /** Whether a CSV goes with the text (a message), or not (the command line). */
  attached: boolean;
}

/** Title and text of a report; the period is told in the first village's time zone. */
export function reportSummary(report: UptimeReport, opts: SummaryOptions): { title: string; text: string } {
  const w = words[opts.lang];
  const first = report.villages[0];
  const tz = first?.timezone ?? 'Asia/Ho_Chi_Minh';
  const period = first ? periodLabel(opts.kind, first.from, Math.max(first.to, first.from + 1), tz, opts.lang) : '';
  const lines: string[] = [w.head(period)];
  for (const v of report.villages) lines.push(w.village(v.name, pct(v.uptimePct, opts.lang), pct(v.availablePct, opts.lang), v.outages));
  const several = report.villages.length > 1;
  const named = (d: { name: string; village: string }) => (several ? `${d.name} (${report.villages.find((v) => v.village === d.village)?.name ?? d.village})` : d.name);
  const worst = worstDevices(report, opts.top);
  const longest = longestOutages(report, opts.top);
  if (worst.length === 0 && longest.length === 0) lines.push(w.none);
  if (worst.length > 0) {
    lines.push('', w.worst);
    for (const d of worst) lines.push(`${named(d)}: ${pct(d.uptimePct, opts.lang)}`);
  }
  if (longest.length > 0) {
    lines.push('', w.longest);
    for (const d of longest) lines.push(`${named(d)}: ${formatDuration(d.longestOutageMs / 1000, opts.lang)}`);
  }
  lines.push('', w.rules);
  if (opts.attached) lines.push(w.file);
  return { title: w.title(period), text: lines.join('\n') };
}
