import { useEffect, useState } from 'preact/hooks';
import { t, useLang } from './i18n';
import { useLive } from './live';
import { useStore } from './context';
import { DeviceDetail } from './components/DeviceDetail';
import { Header } from './components/Header';
import { LiveBanner } from './components/LiveBanner';
import { Overview } from './components/Overview';

type Route = { page: 'overview' } | { page: 'device'; village: string; device: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/d\/([^/]+)\/([^/]+)\/?$/.exec(hash);
  if (m) {
    try {
      return { page: 'device', village: decodeURIComponent(m[1]!), device: decodeURIComponent(m[2]!) };
    } catch {
      // A malformed escape: treat as the overview.
    }
  }
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
  // Subscribing re-renders everything below with the new language.
  useLang();

  useEffect(() => {
    if (route.page === 'device') {
      const d = snap.devices.find((x) => x.village === route.village && x.id === route.device);
      document.title = `${d?.name ?? route.device} · ${t('app.name')}`;
    } else {
      document.title = `${t('app.name')} — ${t('app.tagline')}`;
    }
  });

  return (
    <>
      <Header devices={snap.devices} loaded={!snap.loading && snap.epoch > 0} />
      <LiveBanner conn={snap.conn} />
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
        ) : (
          <Overview snap={snap} />
        )}
      </main>
    </>
  );
}
