import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { App } from './app';
import { Auth, AuthContext, UserContext, useAuthState } from './auth';
import { LoginPage } from './components/LoginPage';
import { StoreContext } from './context';
import { getLang, t, useLang } from './i18n';
import { LiveStore } from './live';
import { firstView, forgetFirstView } from './first-view';
// Three sheets in their cascade order: base and header, the device grid, shared controls and pages.
import './styles.css';
import './grid.css';
import './controls.css';

document.documentElement.lang = getLang();
const first = firstView();
const auth = new Auth(first?.user);
/** The store of the first session, built from the page's own list so the first render needs no request. */
let seeded: LiveStore | null = first ? new LiveStore(first.devices) : null;

/**
 * The login page until the hub says someone is logged in, then the app. Each login gets a fresh live store
 * (lists, socket): nothing of the previous person's session stays in the page after a logout.
 */
function Root() {
  const state = useAuthState(auth);
  useLang();
  const user = state.status === 'in' ? state.user : null;
  const [store, setStore] = useState<LiveStore | null>(() => (user ? seeded : null));
  useEffect(() => {
    if (!user) {
      // Logged out: the page's first view was someone's data at load time; never shown again.
      seeded = null;
      forgetFirstView();
      return;
    }
    const s = seeded ?? new LiveStore();
    seeded = null;
    s.start();
    setStore(s);
    return () => {
      s.stop();
      setStore(null);
    };
  }, [user?.username, user?.role, user?.villages.join(',')]);

  if (state.status === 'unknown') return <p class="loading content">{t('app.loading')}</p>;
  if (state.status === 'out') return <LoginPage expired={state.expired} />;
  if (!store || !user) return <p class="loading content">{t('app.loading')}</p>;
  return (
    <UserContext.Provider value={user}>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </UserContext.Provider>
  );
}

const root = document.getElementById('app');
if (!root) throw new Error('#app missing from index.html');
render(
  <AuthContext.Provider value={auth}>
    <Root />
  </AuthContext.Provider>,
  root,
);
// The hub's first view is the app's from here on (drawn over in place); tests and styles can tell.
root.removeAttribute('data-first-view');
void auth.start();
