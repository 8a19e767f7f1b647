import { useEffect, useRef, useState } from 'preact/hooks';
import type { AlertView, NotificationsResponse } from '../../../shared/events';
import { compareOpen } from '../alert-list';
import type { AlertContext } from '../alert-text';
import { ApiFailure, errorText, fetchAlert, fetchNotifications, isAbort } from '../api';
import { can, useUser } from '../auth';
import { useStore } from '../context';
import { useNow, villageTz } from '../format';
import { t } from '../i18n';
import type { LiveSnapshot } from '../live';
import { shortTime } from '../time';
import { AlertCard } from './AlertCard';
import { AlertHistory } from './AlertHistory';
import './alerts.css';

export type AlertsView = { tab: 'open' | 'history'; id: number | null };

/** Messages waiting in the outbox (the internet is down, or a channel fails): say so, with the oldest time. */
function Outbox({ snap }: { snap: LiveSnapshot }) {
  const [stats, setStats] = useState<NotificationsResponse['stats'] | null>(null);
  const trigger = `${snap.internet?.state}|${snap.alerts.length}|${snap.epoch}`;
  useEffect(() => {
    const abort = new AbortController();
    // A moment later: the outbox queues a message right after the alert event.
    const timer = setTimeout(() => {
      fetchNotifications(abort.signal).then(
        (res) => setStats(res.stats),
        () => undefined,
      );
    }, 500);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [trigger]);
  if (!stats || stats.pending === 0) return null;
  const tz = villageTz(snap.villages, snap.villages[0]?.id ?? '');
  const failing = stats.channels.filter((c) => c.pending > 0 && c.lastError);
  return (
    <div class="outbox" data-testid="outbox">
      <p>{t('alerts.outbox', { n: stats.pending, time: stats.oldestPendingAt !== null ? shortTime(stats.oldestPendingAt, tz) : '?' })}</p>
      {failing.map((c) => (
        <p key={c.id} class="detail-line">
          {t('alerts.outboxError', { channel: c.id, error: c.lastError ?? '' })}
        </p>
      ))}
    </div>
  );
}

/** An alert opened by its link that is no longer open (resolved): fetched on its own. */
function LinkedAlert({ id, ctx }: { id: number; ctx: AlertContext }) {
  const [alert, setAlert] = useState<AlertView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    fetchAlert(id, abort.signal).then(
      (res) => setAlert(res.alert),
      (err: unknown) => {
        if (isAbort(err)) return;
        setError(err instanceof ApiFailure && err.status === 404 ? t('alerts.notFound', { id }) : t('alerts.loadError', { message: errorText(err) }));
      },
    );
    return () => abort.abort();
  }, [id]);
  if (error) return <p class="empty">{error}</p>;
  if (!alert) return <p class="loading">{t('alerts.loading')}</p>;
  return (
    <ul class="alert-list linked">
      <AlertCard alert={alert} ctx={ctx} focused />
    </ul>
  );
}

/**
 * Alerts someone is writing an acknowledgement for, with their latest copy: when one resolves and leaves
 * the open list, its card stays where it was (with the text typed) until the person closes the form.
 * Returns the list to show: the open alerts plus those kept, in the open list's order.
 */
function useDrafts(open: AlertView[]): { shown: AlertView[]; onDraft: (a: AlertView, isOpen: boolean) => void } {
  const store = useStore();
  // latest: as last pushed; sortAs: as it last was in the open list, so a kept card does not move.
  const drafts = useRef(new Map<number, { latest: AlertView; sortAs: AlertView }>());
  const [, rerender] = useState(0);
  useEffect(
    () =>
      store.onAlert(({ alert }) => {
        const d = drafts.current.get(alert.id);
        if (!d) return;
        d.latest = alert;
        rerender((n) => n + 1);
      }),
    [store],
  );
  const openIds = new Set(open.map((a) => a.id));
  for (const a of open) {
    const d = drafts.current.get(a.id);
    if (d) drafts.current.set(a.id, { latest: a, sortAs: a });
  }
  const onDraft = (a: AlertView, isOpen: boolean): void => {
    if (isOpen) drafts.current.set(a.id, { latest: a, sortAs: a });
    else if (drafts.current.delete(a.id) && !openIds.has(a.id)) rerender((n) => n + 1);
  };
  const kept = [...drafts.current.values()].filter((d) => !openIds.has(d.latest.id));
  if (kept.length === 0) return { shown: open, onDraft };
  const order = new Map<AlertView, AlertView>([...open.map((a) => [a, a] as const), ...kept.map((d) => [d.latest, d.sortAs] as const)]);
  return { shown: [...order.keys()].sort((a, b) => compareOpen(order.get(a)!, order.get(b)!)), onDraft };
}

export function AlertsPage({ snap, view }: { snap: LiveSnapshot; view: AlertsView }) {
  const user = useUser();
  const store = useStore();
  const now = useNow();
  const ctx: AlertContext = { villages: snap.villages, devices: snap.devices, now };
  const open = snap.alerts;
  const { shown, onDraft } = useDrafts(open);
  const linkedOpen = view.id !== null && open.some((a) => a.id === view.id);
  const tabs: Array<[AlertsView['tab'], string, string]> = [
    ['open', '#/alerts', t('alerts.tabOpen')],
    ['history', '#/alerts/history', t('alerts.tabHistory')],
  ];
  return (
    <div class="alerts-page">
      <h2 class="page-title">{t('alerts.title')}</h2>
      <nav class="tabs" aria-label={t('alerts.tabs')}>
        {tabs.map(([tab, href, label]) => (
          <a key={tab} href={href} class="tab" aria-current={view.tab === tab ? 'page' : undefined} data-testid={`tab-${tab}`}>
            {tab === 'open' && snap.alertsLoaded ? `${label} (${open.length})` : label}
          </a>
        ))}
      </nav>
      {/* The outbox names every village's devices and the channels' errors: admins only. */}
      {can(user, 'admin') && <Outbox snap={snap} />}
      {view.tab === 'history' ? (
        <AlertHistory ctx={ctx} epoch={snap.epoch} />
      ) : (
        <>
          {view.id !== null && !linkedOpen && snap.alertsLoaded && <LinkedAlert id={view.id} ctx={ctx} />}
          {!snap.alertsLoaded ? (
            <p class="loading">{t('alerts.loading')}</p>
          ) : shown.length === 0 ? (
            <p class="empty all-clear" data-testid="alerts-none">
              {t('alerts.none')}
            </p>
          ) : (
            <ul class="alert-list" data-testid="alerts-open">
              {shown.map((a) => (
                <AlertCard key={a.id} alert={a} ctx={ctx} focused={a.id === view.id} onAcked={(x) => store.applyAlert(x)} onDraft={onDraft} />
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
