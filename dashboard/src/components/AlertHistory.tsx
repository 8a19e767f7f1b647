import { useEffect, useState } from 'preact/hooks';
import type { AlertView } from '../../../shared/events';
import type { AlertContext } from '../alert-text';
import { errorText, fetchAlerts, isAbort } from '../api';
import { useStore } from '../context';
import { t } from '../i18n';
import { AlertCard } from './AlertCard';

const PAGE = 30;

/** Resolved alerts, newest first, a page at a time; alerts resolving meanwhile join at the top. */
export function AlertHistory({ ctx, epoch }: { ctx: AlertContext; epoch: number }) {
  const store = useStore();
  const [items, setItems] = useState<AlertView[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = (before: number | null, signal?: AbortSignal): Promise<void> => {
    setLoading(true);
    return fetchAlerts({ status: 'resolved', limit: PAGE, before }, signal)
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
    void load(null, abort.signal);
    return () => abort.abort();
  }, [epoch]);

  useEffect(
    () =>
      store.onAlert(({ alert }) => {
        if (alert.status !== 'resolved') return;
        setItems((prev) => [alert, ...prev.filter((a) => a.id !== alert.id)]);
      }),
    [store],
  );

  return (
    <div class="alert-history" data-testid="alert-history">
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
