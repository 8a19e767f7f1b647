import { useEffect, useState } from 'preact/hooks';
import type { DeviceUptimeView, UptimeAllResponse, VillageView } from '../../../shared/events';
import { errorText, isAbort } from '../api';
import { deviceName, kindLabel } from '../format';
import { t } from '../i18n';
import type { LiveSnapshot } from '../live';
import { dateTimeShort, parseZoned, zonedParts } from '../time';
import { durationText, fetchUptimeAll, pctText, stateSignature, uptimeCsvUrl, uptimeLevel, useRefreshOnChange, type UptimePeriod } from '../uptime';
import { deviceHref } from './DeviceTile';
import './reports.css';
import './uptime.css';

type SortKey = 'name' | 'uptimePct' | 'availablePct' | 'outages' | 'longestOutageMs' | 'offlineMs';
const SORTS: SortKey[] = ['uptimePct', 'availablePct', 'outages', 'longestOutageMs', 'offlineMs', 'name'];

const pad = (n: number) => String(n).padStart(2, '0');
const monthOf = (ts: number, tz: string) => {
  const p = zonedParts(ts, tz);
  return `${p.year}-${pad(p.month)}`;
};
const dayOf = (ts: number, tz: string) => {
  const p = zonedParts(ts, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
};
const shownDay = (day: string) => day.split('-').reverse().join('/');

interface Choice {
  mode: 'month' | 'range';
  month: string;
  /** YYYY-MM-DD, both days included. */
  fromDay: string;
  toDay: string;
  villages: string[];
}

/** The API period of a choice; a range of days runs from the first day's midnight to the one after the last. */
function periodOf(c: Choice, tz: string): UptimePeriod | null {
  if (c.mode === 'month') return /^\d{4}-\d{2}$/.test(c.month) ? { month: c.month } : null;
  const from = parseZoned(`${c.fromDay}T00:00`, tz);
  const last = parseZoned(`${c.toDay}T00:00`, tz);
  if (!Number.isFinite(from) || !Number.isFinite(last) || last < from) return null;
  const next = zonedParts(last + 36 * 3_600_000, tz);
  return { from, to: parseZoned(`${next.year}-${pad(next.month)}-${pad(next.day)}T00:00`, tz) };
}

function periodText(c: Choice): string {
  if (c.mode === 'month') {
    const [y, m] = c.month.split('-');
    return t('reports.periodMonth', { month: Number(m), year: y ?? '' });
  }
  return `${shownDay(c.fromDay)} – ${shownDay(c.toDay)}`;
}

function sortRows(rows: DeviceUptimeView[], key: SortKey, devices: LiveSnapshot['devices']): DeviceUptimeView[] {
  const name = (d: DeviceUptimeView) => deviceName(devices, d.village, d.device);
  const val = (d: DeviceUptimeView): number => {
    const v = key === 'name' ? 0 : d[key];
    // Worst first: no figure goes last.
    return v === null ? Infinity : v;
  };
  const asc = key === 'uptimePct' || key === 'availablePct';
  return [...rows].sort((a, b) => (key === 'name' ? name(a).localeCompare(name(b)) : asc ? val(a) - val(b) : val(b) - val(a)) || name(a).localeCompare(name(b)));
}

/**
 * Báo cáo / Reports: a month or a range of days, the villages to include; per village its time-weighted
 * figures and a table of its devices, sortable; the CSV of the same figures; a print view (A4) with the
 * commune and villages, the period, when it was made and how uptime is counted.
 */
export function ReportsPage({ snap }: { snap: LiveSnapshot }) {
  const tz = snap.villages[0]?.timezone ?? 'Asia/Ho_Chi_Minh';
  const [choice, setChoice] = useState<Choice>(() => {
    const now = Date.now();
    return { mode: 'month', month: monthOf(now, tz), fromDay: dayOf(now - 6 * 86_400_000, tz), toDay: dayOf(now, tz), villages: [] };
  });
  const [data, setData] = useState<UptimeAllResponse | null>(null);
  const [madeAt, setMadeAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<SortKey>('uptimePct');
  const [reload, setReload] = useState(0);
  const period = periodOf(choice, tz);
  const key = period ? JSON.stringify(period) : '';
  // Live while the period reaches now: an outage that begins or ends shows a moment later.
  const live = period !== null && ('month' in period ? period.month === monthOf(Date.now(), tz) : (period.to ?? Infinity) > Date.now());
  useRefreshOnChange(live ? stateSignature(snap.devices) : '', () => setReload((n) => n + 1));

  useEffect(() => {
    if (!period) return;
    const abort = new AbortController();
    fetchUptimeAll(period, abort.signal).then(
      (r) => {
        setData(r);
        setMadeAt(Date.now());
        setError(null);
      },
      (err: unknown) => !isAbort(err) && setError(t('reports.loadError', { message: errorText(err) })),
    );
    return () => abort.abort();
  }, [key, snap.epoch, reload]);

  const chosen = (v: VillageView) => choice.villages.length === 0 || choice.villages.includes(v.id);
  const toggle = (id: string, on: boolean) => {
    const all = snap.villages.map((v) => v.id);
    const current = choice.villages.length === 0 ? all : choice.villages;
    const next = on ? [...new Set([...current, id])] : current.filter((x) => x !== id);
    setChoice({ ...choice, villages: next.length === all.length ? [] : next });
  };
  const shown = (data?.villages ?? []).filter((v) => chosen({ id: v.village } as VillageView));
  const shownVillages = snap.villages.filter(chosen);
  const communes = [...new Set(shownVillages.map((v) => v.commune).filter(Boolean))];
  const single = shownVillages.length === 1 ? shownVillages[0]!.id : null;
  return (
    <div class="reports-page">
      <h2 class="page-title">{t('reports.title')}</h2>
      <form class="panel report-controls" onSubmit={(e) => e.preventDefault()} aria-label={t('reports.controls')}>
        <div class="ranges" role="group" aria-label={t('reports.periodKind')}>
          {(['month', 'range'] as const).map((m) => (
            <button key={m} type="button" class="range" aria-pressed={choice.mode === m} onClick={() => setChoice({ ...choice, mode: m })}>
              {t(`reports.mode.${m}`)}
            </button>
          ))}
        </div>
        {choice.mode === 'month' ? (
          <label class="field">
            <span>{t('reports.month')}</span>
            <input class="input" type="month" value={choice.month} data-testid="report-month" onInput={(e) => setChoice({ ...choice, month: e.currentTarget.value })} />
          </label>
        ) : (
          <div class="report-days">
            <label class="field">
              <span>{t('reports.fromDay')}</span>
              <input class="input" type="date" value={choice.fromDay} data-testid="report-from" onInput={(e) => setChoice({ ...choice, fromDay: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span>{t('reports.toDay')}</span>
              <input class="input" type="date" value={choice.toDay} data-testid="report-to" onInput={(e) => setChoice({ ...choice, toDay: e.currentTarget.value })} />
            </label>
          </div>
        )}
        {snap.villages.length > 1 && (
          <fieldset class="report-villages">
            <legend>{t('reports.villages')}</legend>
            {snap.villages.map((v) => (
              <label key={v.id} class="check">
                <input type="checkbox" checked={chosen(v)} onChange={(e) => toggle(v.id, e.currentTarget.checked)} />
                {v.name}
              </label>
            ))}
          </fieldset>
        )}
        <label class="field">
          <span>{t('reports.sortBy')}</span>
          <select value={sort} data-testid="report-sort" onChange={(e) => setSort(e.currentTarget.value as SortKey)}>
            {SORTS.map((k) => (
              <option key={k} value={k}>
                {t(`reports.sort.${k}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {!period && <p class="form-error">{t('reports.badPeriod')}</p>}
      {period && (
        <div class="report-actions">
          <a class="button primary" href={uptimeCsvUrl(period, single)} download data-testid="report-csv">
            {t('reports.csv')}
          </a>
          <button type="button" class="button" onClick={() => window.print()} data-testid="report-print">
            {t('reports.print')}
          </button>
        </div>
      )}
      {error && <p class="form-error">{error}</p>}
      <header class="print-head" data-testid="print-head">
        <h2>{t('reports.printTitle')}</h2>
        <p>
          {communes.length > 0 && <>{t('reports.commune', { name: communes.join(', ') })} · </>}
          {t('reports.villagesList', { names: shownVillages.map((v) => v.name).join(', ') })}
        </p>
        <p>{t('reports.period', { period: periodText(choice) })}</p>
        {madeAt !== null && <p>{t('reports.madeAt', { time: dateTimeShort(madeAt, tz) })}</p>}
        <p class="print-rules">{t('reports.rules')}</p>
      </header>
      {data === null && !error && period && <p class="loading">{t('reports.loading')}</p>}
      {shown.map((v) => {
        const name = snap.villages.find((x) => x.id === v.village)?.name ?? v.village;
        const rows = sortRows(v.devices, sort, snap.devices);
        return (
          <section key={v.village} class="panel report-village" aria-labelledby={`rv-${v.village}`} data-testid={`report-${v.village}`}>
            <h3 id={`rv-${v.village}`}>{name}</h3>
            <p class="report-summary">
              {t('reports.villageUptime')} <strong class={`level-${uptimeLevel(v.uptimePct)}`}>{pctText(v.uptimePct)}</strong> · {t('reports.villageAvailable')} <strong>{pctText(v.availablePct)}</strong> ·{' '}
              {t('uptime.outagesN', { n: v.outages })}
              {v.worst && v.worst.uptimePct < 100 && <> · {t('reports.worst', { name: deviceName(snap.devices, v.village, v.worst.device), pct: pctText(v.worst.uptimePct) })}</>}
            </p>
            <table class="report-table">
              <thead>
                <tr>
                  {(['name', 'uptimePct', 'availablePct', 'outages', 'longestOutageMs', 'offlineMs'] as const).map((k) => (
                    <th key={k} scope="col" aria-sort={sort === k ? (k === 'uptimePct' || k === 'availablePct' || k === 'name' ? 'ascending' : 'descending') : undefined}>
                      <button type="button" class="sort-button" onClick={() => setSort(k)}>
                        {t(`reports.col.${k}`)}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((d) => {
                  const dev = snap.devices.find((x) => x.village === d.village && x.id === d.device);
                  return (
                    <tr key={d.device} data-testid={`row-${d.device}`}>
                      <th scope="row" data-label={t('reports.col.name')}>
                        <a href={deviceHref(d.village, d.device)}>{dev?.name ?? d.device}</a>
                        {dev && <span class="report-kind">{kindLabel(dev.kind)}</span>}
                      </th>
                      <td data-label={t('reports.col.uptimePct')} class={`level-${uptimeLevel(d.uptimePct)}`}>
                        {pctText(d.uptimePct)}
                      </td>
                      <td data-label={t('reports.col.availablePct')}>{pctText(d.availablePct)}</td>
                      <td data-label={t('reports.col.outages')}>{d.outages}</td>
                      <td data-label={t('reports.col.longestOutageMs')}>{durationText(d.longestOutageMs)}</td>
                      <td data-label={t('reports.col.offlineMs')}>{durationText(d.offlineMs)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {shown.length > 1 && (
              <a class="button report-village-csv" href={uptimeCsvUrl(period!, v.village)} download>
                {t('reports.csvVillage', { name })}
              </a>
            )}
          </section>
        );
      })}
    </div>
  );
}
