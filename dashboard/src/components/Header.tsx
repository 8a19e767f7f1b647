import { useState } from 'preact/hooks';
import type { AlertView, AvailabilityState, DeviceView, InternetView } from '../../../shared/events';
import { errorText } from '../api';
import { can, useAuth, useUser } from '../auth';
import { STATES, stateLabel } from '../format';
import { getLang, setLang, t } from '../i18n';
import { shortTime } from '../time';
import { Internet } from './Internet';
import { SecurityWarning } from './SecurityWarning';
import { StorageWarning } from './StorageWarning';
import { Uplink } from './Uplink';

export type Page = 'overview' | 'device' | 'alerts' | 'maintenance' | 'reports' | 'audit';

interface Props {
  devices: DeviceView[];
  loaded: boolean;
  alerts: AlertView[];
  alertsLoaded: boolean;
  internet: InternetView | null;
  /** The village whose clock the internet time is shown in. */
  tz: string;
  page: Page;
  /** The live link is down: the counts are as of this time (ms). */
  staleSince: number | null;
}

function AlertsBadge({ alerts }: { alerts: AlertView[] }) {
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const label = [t('nav.alertsCount', { n: alerts.length }), firing > 0 ? t('nav.alertsFiring', { n: firing }) : null].filter(Boolean).join(', ');
  return (
    <span
      class={`count ${firing > 0 ? 'count-firing' : alerts.length > 0 ? 'count-acked' : 'count-none'}`}
      data-testid="alerts-count"
      data-count={alerts.length}
      title={label}
    >
      {/* No open alert: no "0" pill (zero counts are not shown), the label still says so to screen readers. */}
      {alerts.length > 0 && <span aria-hidden="true">{alerts.length}</span>}
      <span class="visually-hidden">{label}</span>
    </span>
  );
}

/** Who is logged in, and the way out (on a shared phone, the next person logs in as themselves). */
function UserBox() {
  const user = useUser();
  const auth = useAuth();
  const [failed, setFailed] = useState('');
  const role = t(`role.${user.role}`);
  return (
    <div class="user-box" data-testid="user-box">
      <span class="who" title={t('user.label', { name: user.username, role })}>
        <span class="who-name" data-testid="who">
          {user.username}
        </span>
        <span class="who-role">{role}</span>
      </span>
      <button
        type="button"
        class="logout"
        data-testid="logout"
        aria-label={t('user.logoutLabel', { name: user.username })}
        onClick={() => auth.logout().catch((err: unknown) => setFailed(t('user.logoutFailed', { message: errorText(err) })))}
      >
        {t('user.logout')}
      </button>
      {failed && (
        <span class="visually-hidden" role="alert">
          {failed}
        </span>
      )}
    </div>
  );
}

export function Header({ devices, loaded, alerts, alertsLoaded, internet, tz, page, staleSince }: Props) {
  const user = useUser();
  const counts = new Map<AvailabilityState, number>();
  for (const d of devices) counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
  const lang = getLang();
  const current = (p: Page | Page[]) => ((Array.isArray(p) ? p.includes(page) : p === page) ? { 'aria-current': 'page' as const } : {});
  return (
    <header class="app-header">
      <div class="header-row">
        <a class="brand" href="#/">
          <span class="brand-name">{t('app.name')}</span>
          <span class="brand-tag">{t('app.tagline')}</span>
        </a>
        <div class="header-actions">
          <UserBox />
          <button
            type="button"
            class="lang"
            aria-label={`${t('app.lang')}: ${t('app.langSwitch')}`}
            onClick={() => setLang(lang === 'vi' ? 'en' : 'vi')}
          >
            {lang === 'vi' ? 'EN' : 'VI'}
          </button>
        </div>
      </div>
      <nav class="nav" aria-label={t('nav.label')}>
        <a href="#/" {...current(['overview', 'device'])}>
          {t('nav.overview')}
        </a>
        <a href="#/alerts" {...current('alerts')} data-testid="nav-alerts">
          {t('nav.alerts')}
          {alertsLoaded && <AlertsBadge alerts={alerts} />}
        </a>
        <a href="#/maintenance" {...current('maintenance')}>
          {t('nav.maintenance')}
        </a>
        <a href="#/reports" {...current('reports')} data-testid="nav-reports">
          {t('nav.reports')}
        </a>
        {can(user, 'admin') && (
          <a href="#/audit" {...current('audit')} data-testid="nav-audit">
            {t('nav.audit')}
          </a>
        )}
      </nav>
      <div class="header-status">
        <Internet internet={internet} tz={tz} stale={staleSince !== null} />
        <Uplink tz={tz} />
        {loaded && (
          <ul class={`summary${staleSince !== null ? ' stale' : ''}`} aria-label={t('summary.label')} data-testid="summary">
            {staleSince !== null && <li class="summary-total">{t('summary.staleAt', { time: shortTime(staleSince, tz) })}</li>}
            <li class="summary-total">{t('summary.total', { n: devices.length })}</li>
            {/* Only states some device is in: a row of zeros is noise on a phone. */}
            {STATES.filter((s) => (counts.get(s) ?? 0) > 0).map((s) => (
              <li key={s} class={`badge state-${s}`} data-testid={`summary-${s}`}>
                <span class="dot" aria-hidden="true" />
                {stateLabel(s)}: <strong>{counts.get(s) ?? 0}</strong>
              </li>
            ))}
          </ul>
        )}
      </div>
      <SecurityWarning />
      <StorageWarning />
    </header>
  );
}
