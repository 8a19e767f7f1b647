import { useEffect, useState } from 'preact/hooks';
import type { MaintenanceWindowView, MeetingView } from '../../../shared/events';
import { errorText, fetchMeetings, isAbort, removeMaintenance, removeMeeting } from '../api';
import { can, useUser } from '../auth';
import { useStore } from '../context';
import { deviceName, villageName, villageTz } from '../format';
import { t } from '../i18n';
import type { LiveSnapshot } from '../live';
import { scheduleText } from '../schedule';
import { dateTimeShort } from '../time';
import { MaintenanceForm } from './MaintenanceForm';
import { MeetingForm } from './MeetingForm';
import { RemoveButton } from './RemoveButton';
import './admin.css';

/** Meetings change readiness as their time comes: look again every minute while the page is open. */
const MEETINGS_REFRESH_MS = 60_000;

function Windows({ snap }: { snap: LiveSnapshot }) {
  const store = useStore();
  const user = useUser();
  // The villages this person may set maintenance in (a leader's own, every one for an admin; none for a viewer).
  const actIn = snap.villages.filter((v) => can(user, 'act', v.id));
  const [error, setError] = useState<string | null>(null);
  const reload = async (): Promise<void> => setError(await store.reloadMaintenance());
  useEffect(() => void reload(), [snap.epoch]);

  const what = (w: MaintenanceWindowView): string => {
    const target = w.device ? deviceName(snap.devices, w.village, w.device) : t('maint.wholeVillage');
    return `${target} (${villageName(snap.villages, w.village)})`;
  };
  const windows = snap.maintenance.slice().sort((a, b) => Number(b.activeNow ?? false) - Number(a.activeNow ?? false) || what(a).localeCompare(what(b), 'vi'));
  return (
    <section class="panel" aria-labelledby="mw-list-title">
      <h3 id="mw-list-title">{t('maint.windows')}</h3>
      <p class="detail-line">{t('maint.hint')}</p>
      {error && (
        <p class="form-error" role="alert">
          {t('maint.loadError', { message: error })}
        </p>
      )}
      {windows.length === 0 ? (
        <p class="empty">{t('maint.none')}</p>
      ) : (
        <ul class="item-list" data-testid="maintenance-list">
          {windows.map((w) => {
            const schedule = scheduleText(w, villageTz(snap.villages, w.village));
            return (
              <li key={w.id} class={`item${w.activeNow ? ' active' : ''}`} data-testid={`window-${w.id}`}>
                <div class="item-head">
                  <strong>{what(w)}</strong>
                  {w.activeNow && <span class="badge state-maintenance">{t('maint.activeNow')}</span>}
                </div>
                <p class="item-line">{schedule}</p>
                {w.note && <p class="item-line">{w.note}</p>}
                <p class="detail-line">
                  {[w.createdBy ? t('maint.by', { name: w.createdBy }) : null, w.source === 'config' ? t('maint.fromConfig') : null].filter(Boolean).join(' · ')}
                </p>
                {w.source === 'api' && can(user, 'act', w.village) && (
                  <RemoveButton
                    label={t('maint.removeLabel', { what: `${what(w)}, ${schedule}` })}
                    onRemove={async () => {
                      await removeMaintenance(w.id);
                      await reload();
                    }}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {/* The form's defaults (village, its time zone) need the list loaded. */}
      {actIn.length > 0 && <MaintenanceForm villages={actIn} devices={snap.devices} onSaved={reload} />}
    </section>
  );
}

function Meetings({ snap }: { snap: LiveSnapshot }) {
  const user = useUser();
  const actIn = snap.villages.filter((v) => can(user, 'act', v.id));
  const [meetings, setMeetings] = useState<MeetingView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const reload = (signal?: AbortSignal): Promise<void> =>
    fetchMeetings(signal).then(
      (res) => {
        setMeetings(res.meetings.slice().sort((a, b) => a.startAt - b.startAt));
        setError(null);
      },
      (err: unknown) => {
        if (!isAbort(err)) setError(t('maint.loadError', { message: errorText(err) }));
      },
    );
  useEffect(() => {
    const abort = new AbortController();
    void reload(abort.signal);
    return () => abort.abort();
  }, [snap.epoch, tick]);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), MEETINGS_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  return (
    <section class="panel" aria-labelledby="mt-list-title">
      <h3 id="mt-list-title">{t('meet.title')}</h3>
      <p class="detail-line">{t('meet.hint')}</p>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {meetings && meetings.length === 0 && <p class="empty">{t('meet.none')}</p>}
      {meetings && meetings.length > 0 && (
        <ul class="item-list" data-testid="meeting-list">
          {meetings.map((m) => {
            const when = dateTimeShort(m.startAt, villageTz(snap.villages, m.village));
            const r = m.readiness;
            return (
              <li key={m.id} class="item" data-testid={`meeting-${m.id}`}>
                <div class="item-head">
                  <strong>{m.title}</strong>
                  {r && (
                    <span class={`badge ${r.ready ? 'state-online' : 'state-offline'}`}>
                      <span class="dot" aria-hidden="true" />
                      {r.ready ? t('meet.ready') : t('meet.notReady', { failed: r.failed.join(', ') })}
                    </span>
                  )}
                </div>
                <p class="item-line">
                  {when} · {villageName(snap.villages, m.village)} · {m.device ? deviceName(snap.devices, m.village, m.device) : t('meet.allDevices')}
                </p>
                {m.source === 'config' ? (
                  <p class="detail-line">{t('maint.fromConfig')}</p>
                ) : (
                  can(user, 'act', m.village) && <RemoveButton
                    label={t('meet.removeLabel', { what: `${m.title}, ${when}` })}
                    onRemove={async () => {
                      await removeMeeting(m.id);
                      await reload();
                    }}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {actIn.length > 0 && <MeetingForm villages={actIn} devices={snap.devices} onSaved={() => reload()} />}
    </section>
  );
}

export function MaintenancePage({ snap }: { snap: LiveSnapshot }) {
  const user = useUser();
  return (
    <div class="admin-page">
      <h2 class="page-title">{t('maint.title')}</h2>
      {user.role === 'viewer' && (
        <p class="empty" data-testid="read-only">
          {t('maint.readOnly')}
        </p>
      )}
      <Windows snap={snap} />
      <Meetings snap={snap} />
    </div>
  );
}
