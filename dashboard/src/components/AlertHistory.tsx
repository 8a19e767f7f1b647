import { useEffect, useState } from 'preact/hooks';
import type { AlertView } from '../../../shared/events';
import type { AlertContext } from '../alert-text';
import { alertFilterParams, errorText, fetchAlerts, isAbort, type AlertFilter } from '../api';
import { getLang } from '../i18n';
import { parseZoned } from '../time';
import { useStore } from '../context';
import { t } from '../i18n';
import { AlertCard } from './AlertCard';

const PAGE = 30;
const CONDITIONS = ['offline', 'unreachable-root', 'flapping', 'threshold', 'internet-down', 'meeting-not-ready', 'event'] as const;

interface Filter {
  village: string;
  device: string;
  condition: string;
  /** YYYY-MM-DD in the first village's zone; both days included. */
  fromDay: string;
  toDay: string;
}

const EMPTY: Filter = { village: '', device: '', condition: '', fromDay: '', toDay: '' };

/** The form's filter as the API's (days as instants in the village's zone; the last day included). */
function apiFilter(f: Filter, tz: string): AlertFilter {
  const from = f.fromDay ? parseZoned(`${f.fromDay}T00:00`, tz) : undefined;
  const to = f.toDay ? parseZoned(`${f.toDay}T00:00`, tz) + 86_400_000 : undefined;
  return {
    ...(f.village ? { village: f.village } : {}),
    ...(f.village && f.device ? { device: f.device } : {}),
    ...(f.condition ? { condition: f.condition } : {}),
    ...(from !== undefined && Number.isFinite(from) ? { from } : {}),
    ...(to !== undefined && Number.isFinite(to) ? { to } : {}),
  };
}

function matches(a: AlertView, f: AlertFilter): boolean {
  if (f.village && a.village !== f.village && a.village !== '*') return false;
  if (f.device && a.device !== f.device) return false;
  if (f.condition && a.condition !== f.condition) return false;
  if (f.from !== undefined && (a.resolvedAt ?? Infinity) < f.from) return false;
  if (f.to !== undefined && a.startedAt >= f.to) return false;
  return true;
}

/** Village, device, condition and days: the history narrows to them, and so does its CSV. */
function Filters({ ctx, filter, onChange, csv }: { ctx: AlertContext; filter: Filter; onChange: (f: Filter) => void; csv: string }) {
  const devices = ctx.devices.filter((d) => d.registered && d.village === filter.village);
  return (
    <form class="panel history-filters" onSubmit={(e) => e.preventDefault()} aria-label={t('history.filters')} data-testid="history-filters">
      {ctx.villages.length > 1 && (
        <label class="field">
          <span>{t('history.village')}</span>
          <select value={filter.village} data-testid="history-village" onChange={(e) => onChange({ ...filter, village: e.currentTarget.value, device: '' })}>
            <option value="">{t('history.allVillages')}</option>
            {ctx.villages.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label class="field">
        <span>{t('history.device')}</span>
        <select value={filter.device} disabled={!filter.village && ctx.villages.length > 1} data-testid="history-device" onChange={(e) => onChange({ ...filter, device: e.currentTarget.value })}>
          <option value="">{t('history.allDevices')}</option>
          {(ctx.villages.length > 1 ? devices : ctx.devices.filter((d) => d.registered)).map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>{t('history.condition')}</span>
        <select value={filter.condition} data-testid="history-condition" onChange={(e) => onChange({ ...filter, condition: e.currentTarget.value })}>
          <option value="">{t('history.allConditions')}</option>
          {CONDITIONS.map((c) => (
            <option key={c} value={c}>
              {t(`condition.${c}`)}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>{t('reports.fromDay')}</span>
        <input class="input" type="date" value={filter.fromDay} data-testid="history-from" onInput={(e) => onChange({ ...filter, fromDay: e.currentTarget.value })} />
      </label>
      <label class="field">
        <span>{t('reports.toDay')}</span>
        <input class="input" type="date" value={filter.toDay} data-testid="history-to" onInput={(e) => onChange({ ...filter, toDay: e.currentTarget.value })} />
      </label>
      <a class="button" href={csv} download data-testid="history-csv">
        {t('history.csv')}
      </a>
    </form>
  );
}

/** Resolved alerts, newest first, a page at a time; alerts resolving meanwhile join at the top. */
export function AlertHistory({ ctx, epoch }: { ctx: AlertContext; epoch: number }) {
  const store = useStore();
  const [items, setItems] = useState<AlertView[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState<Filter>(EMPTY);
  const tz = ctx.villages[0]?.timezone ?? 'Asia/Ho_Chi_Minh';
  // A device belongs to a village: with one village, the device alone says which.
  const filter = apiFilter(ctx.villages.length === 1 && form.device ? { ...form, village: ctx.villages[0]!.id } : form, tz);
  const filterKey = JSON.stringify(filter);
  const csvParams = alertFilterParams(filter);
  csvParams.set('status', 'resolved');
  csvParams.set('lang', getLang());

  const load = (before: number | null, signal?: AbortSignal): Promise<void> => {
    setLoading(true);
    return fetchAlerts({ status: 'resolved', limit: PAGE, before, filter }, signal)
      .then((res) => {
        setItems((prev) => {
          if (before !== null) {
            const seen = new Set(prev.map((a) => a.id));
            return [...prev, ...res.alerts.filter((a) => !seen.has(a.id))];
          }
          // The first page again: alerts pushed while it loaded (or older pages already shown) stay.
          const byId = new Map(prev.map((a) => [a.id, a]));
          for (const a of res.alerts) byId.set(a.id, a);
          return [...byId.values()].sort((a, b) => b.id - a.id);
        });
        setNext(res.next);
        setError(null);
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (isAbort(err)) return;
        setError(t('alerts.loadError', { message: errorText(err) }));
        setLoading(false);
      });
  };

  // The first page again after every reconnect: alerts may have resolved while the page was away.
  useEffect(() => {
    const abort = new AbortController();
    setItems([]);
    setNext(null);
    void load(null, abort.signal);
    return () => abort.abort();
  }, [epoch, filterKey]);

  useEffect(
    () =>
      store.onAlert(({ alert }) => {
        if (alert.status !== 'resolved' || !matches(alert, filter)) return;
        setItems((prev) => [alert, ...prev.filter((a) => a.id !== alert.id)]);
      }),
    [store, filterKey],
  );

  return (
    <div class="alert-history" data-testid="alert-history">
      <Filters ctx={ctx} filter={form} onChange={setForm} csv={`/api/reports/alerts.csv?${csvParams}`} />
      {error && (
        <div class="error-box" role="alert">
          <p>{error}</p>
          <button type="button" onClick={() => void load(null)}>
            {t('app.retry')}
          </button>
        </div>
      )}
      {items.length > 0 ? (
        <ul class="alert-list">
          {items.map((a) => (
            <AlertCard key={a.id} alert={a} ctx={ctx} />
          ))}
        </ul>
      ) : (
        !loading && !error && <p class="empty">{t('alerts.historyNone')}</p>
      )}
      {loading && <p class="loading">{t('alerts.loading')}</p>}
      {next !== null && !loading && (
        <button type="button" class="button more" onClick={() => void load(next)}>
          {t('alerts.more')}
        </button>
      )}
    </div>
  );
}
