import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { systemClock } from '../core/clock.js';
import { createLogger } from '../core/log.js';
import { uptimeCsv } from '../reports/csv.js';
import { uptimeReport, type UptimeReport } from '../reports/report.js';
import { reportSummary } from '../reports/summary.js';
import { createMetricStore } from '../store/index.js';
import { localeOf, type Lang } from '../../shared/i18n.js';
import { formatDuration } from '../../shared/units.js';
import type { CliIo } from './device.js';

export const REPORT_USAGE = `Usage:
  langso report --month YYYY-MM [--village V] [--csv FILE] [--lang vi|en] [--config FILE]
        the uptime report of a calendar month (in each village's time zone), read from the hub's store:
        printed as text, or written as a CSV file (UTF-8 with BOM, for Excel) with --csv.
        The same figures as the dashboard's Reports page, GET /api/uptime and the scheduled reports.
        Language: --lang, else notify.language of the configuration.
`;

const stdio: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };

const pct = (v: number | null, lang: Lang) => (v === null ? '—' : `${v.toLocaleString(localeOf[lang], { maximumFractionDigits: 2 })}%`);

/** The devices as a plain table under the summary. */
function table(report: UptimeReport, lang: Lang): string {
  const head = lang === 'vi' ? ['Thiết bị', 'Hoạt động', 'Dùng được', 'Mất kết nối', 'Lâu nhất'] : ['Device', 'Uptime', 'Available', 'Outages', 'Longest'];
  const lines: string[] = [];
  for (const v of report.villages) {
    const rows = v.devices.map((d) => [`${d.name} (${d.device})`, pct(d.uptimePct, lang), pct(d.availablePct, lang), String(d.outages), d.longestOutageMs > 0 ? formatDuration(d.longestOutageMs / 1000, lang) : '—']);
    const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
    lines.push('', `${v.name}`, line(head), ...rows.map(line));
  }
  return lines.join('\n');
}

/** `langso report --month …`: returns the exit code; a bad configuration throws ConfigError. */
export async function reportCommand(argv: string[], io: CliIo = stdio): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { month: { type: 'string' }, village: { type: 'string' }, csv: { type: 'string' }, lang: { type: 'string' }, config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${REPORT_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(REPORT_USAGE);
    return 0;
  }
  if (!values.month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(values.month)) {
    io.stderr.write(`${values.month ? `--month "${values.month}": expected` : 'Which month? Give --month as'} YYYY-MM, e.g. --month 2026-11.\n\n${REPORT_USAGE}`);
    return 2;
  }
  if (values.lang !== undefined && values.lang !== 'vi' && values.lang !== 'en') {
    io.stderr.write(`--lang "${values.lang}": expected vi or en.\n`);
    return 2;
  }
  const { config, file } = await loadConfig(values.config, io.env);
  const lang: Lang = (values.lang as Lang | undefined) ?? config.notify.language;
  const villages = values.village !== undefined ? [values.village] : config.villages.map((v) => v.id);
  if (values.village !== undefined && !config.villages.some((v) => v.id === values.village)) {
    io.stderr.write(`No village "${values.village}" in ${file}. Configured villages: ${config.villages.map((v) => v.id).join(', ') || '(none)'}\n`);
    return 2;
  }
  const store = createMetricStore(config.store, path.resolve(config.dataDir), createLogger('silent'), systemClock);
  try {
    await store.open();
    const report = await uptimeReport({ config, store, now: Date.now() }, { villages, period: { month: values.month } });
    if (values.csv) {
      await writeFile(values.csv, uptimeCsv(report, lang));
      const n = report.villages.reduce((a, v) => a + v.devices.length, 0);
      io.stdout.write(`${values.csv}: ${n} device(s), ${values.month}\n`);
      return 0;
    }
    const { title, text } = reportSummary(report, { kind: 'month', lang, top: config.reports.schedule.top, attached: false });
    io.stdout.write(`${title}\n\n${text}\n${table(report, lang)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
