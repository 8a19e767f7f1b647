import { useEffect, useState } from 'preact/hooks';
import { t, useLang } from './i18n';
import { useLive } from './live';
import { useStore } from './context';
import { villageName, villageTz } from './format';
import { AlertAnnouncer } from './components/AlertAnnouncer';
import { AlertsPage, type AlertsView } from './components/AlertsPage';
import { DeviceDetail } from './components/DeviceDetail';
import { Header } from './components/Header';
import { LiveBanner } from './components/LiveBanner';
import { MaintenancePage } from './components/MaintenancePage';
import { Overview } from './components/Overview';
import { InternetBanner } from './components/Internet';
import { AuditPage } from './components/AuditPage';
import { ReportsPage } from './components/ReportsPage';
import { can, useUser } from './auth';

type Route =
  | { page: 'overview' }
  | { page: 'device'; village: string; device: string }
  | ({ page: 'alerts' } & AlertsView)
  | { page: 'maintenance' }
  | { page: 'reports' }
  | { page: 'audit' };

export function parseRoute(hash: string): Route {
  const m = /^#\/d\/([^/]+)\/([^/]+)\/?$/.exec(hash);
  if (m) {
    try {
      return { page: 'device', village: decodeURIComponent(m[1]!), device: decodeURIComponent(m[2]!) };
    } catch {
      // A malformed escape: treat as the overview.
    }
  }
  const a = /^#\/alerts(?:\/(history|\d{1,15}))?\/?$/.exec(hash);
  if (a) {
    if (a[1] === 'history') return { page: 'alerts', tab: 'history', id: null };
    return { page: 'alerts', tab: 'open', id: a[1] ? Number(a[1]) : null };
  }
  if (/^#\/maintenance\/?$/.test(hash)) return { page: 'maintenance' };
  if (/^#\/audit\/?$/.test(hash)) return { page: 'audit' };
  if (/^#\/reports\/?$/.test(hash)) return { page: 'reports' };
  return { page: 'overview' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = (): void => {
      setRoute(parseRoute(location.hash));
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function App() {
  const store = useStore();
  const snap = useLive(store);
  const route = useRoute();
  const user = useUser();
  // Subscribing re-renders everything below with the new language.
  useLang();

  useEffect(() => {
    let title = t('app.tagline');
    if (route.page === 'device') {
      const d = snap.devices.find((x) => x.village === route.village && x.id === route.device);
      // Two villages may each have a "Camera cổng thôn": the tab and the history say which.
      title = `${d?.name ?? route.device} (${villageName(snap.villages, route.village)})`;
    } else if (route.page === 'alerts') {
      title = t('alerts.title');
    } else if (route.page === 'maintenance') {
      title = t('maint.title');
    } else if (route.page === 'audit') {
      title = t('audit.title');
    } else if (route.page === 'reports') {
      title = t('reports.title');
    }
    document.title = route.page === 'overview' ? `${t('app.name')} — ${title}` : `${title} · ${t('app.name')}`;
  });

  // One internet link per hub: its times are shown in the first village's clock.
  const tz = villageTz(snap.villages, snap.villages[0]?.id ?? '');
  return (
    <>
      <Header
        devices={snap.devices}
        loaded={!snap.loading && snap.epoch > 0}
        alerts={snap.alerts}
        alertsLoaded={snap.alertsLoaded}
        internet={snap.internet}
        tz={tz}
        page={route.page}
        staleSince={snap.staleSince}
      />
      <LiveBanner conn={snap.conn} staleSince={snap.staleSince} tz={tz} />
      <InternetBanner internet={snap.internet} />
      <AlertAnnouncer snap={snap} />
      <main class="content" aria-busy={snap.loading}>
        {snap.error && (
          <div class="error-box" role="alert" data-testid="load-error">
            <p>{snap.error}</p>
            <button type="button" onClick={() => void store.load()}>
              {t('app.retry')}
            </button>
          </div>
        )}
        {snap.loading && <p class="loading">{t('app.loading')}</p>}
        {route.page === 'device' ? (
          <DeviceDetail key={`${route.village}/${route.device}`} snap={snap} village={route.village} device={route.device} />
        ) : route.page === 'alerts' ? (
          <AlertsPage snap={snap} view={{ tab: route.tab, id: route.id }} />
        ) : route.page === 'maintenance' ? (
          <MaintenancePage snap={snap} />
        ) : route.page === 'reports' ? (
          <ReportsPage snap={snap} />
        ) : route.page === 'audit' ? (
          can(user, 'admin') ? (
            <AuditPage snap={snap} />
          ) : (
            <p class="empty">{t('audit.adminOnly')}</p>
          )
        ) : (
          <Overview snap={snap} />
        )}
      </main>
    </>
  );
}
