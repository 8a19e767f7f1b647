import { useEffect, useState } from 'preact/hooks';
import type { AlertHistoryView, AlertView } from '../../../shared/events';
import { errorText, fetchAlert, isAbort } from '../api';
import { hasKey, t } from '../i18n';
import { shortTime } from '../time';

/** The hub records why an alert resolved as a code; known codes read as words. */
export function resolutionLabel(code: string): string {
  const key = `resolution.${code}`;
  return hasKey(key) ? t(key) : code;
}

interface Props {
  alert: AlertView;
  tz: string;
  now: number;
  /** Changes when a note was added here: fetch the history again. */
  refresh?: number;
}

/** Every step of one alert: fired, acknowledged (who, note), escalated, resolved. Refetched as it changes. */
export function AlertTimeline({ alert, tz, now, refresh = 0 }: Props) {
  const [history, setHistory] = useState<AlertHistoryView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A new step (ack, resolution) changes one of these: fetch the history again.
  const version = `${alert.status}|${alert.ackedAt}|${alert.escalatedAt}|${alert.resolvedAt}|${refresh}`;

  useEffect(() => {
    const abort = new AbortController();
    fetchAlert(alert.id, abort.signal)
      .then((res) => {
        setHistory(res.history);
        setError(null);
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setError(t('alerts.loadError', { message: errorText(err) }));
      });
    return () => abort.abort();
  }, [alert.id, version]);

  if (error) return <p class="error-text">{error}</p>;
  if (!history) return <p class="detail-line">{t('detail.loading')}</p>;
  return (
    <ol class="timeline" aria-label={t('alert.timelineOf', { id: alert.id })} data-testid={`timeline-${alert.id}`}>
      {history.map((h, i) => (
        <li key={i}>
          <time dateTime={new Date(h.ts).toISOString()}>{shortTime(h.ts, tz, now)}</time>{' '}
          <strong>{t(`action.${h.action}`)}</strong>
          {h.who ? ` — ${h.who}` : h.action !== 'note' ? ` — ${t('action.byHub')}` : ''}
          {h.note && <span class="timeline-note">: {h.action === 'resolved' ? resolutionLabel(h.note) : h.note}</span>}
        </li>
      ))}
    </ol>
  );
}
