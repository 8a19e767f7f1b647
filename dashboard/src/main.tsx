import { render } from 'preact';
import { App } from './app';
import { StoreContext } from './context';
import { getLang } from './i18n';
import { LiveStore } from './live';
// Three sheets in their cascade order: base and header, the device grid, shared controls and pages.
import './styles.css';
import './grid.css';
import './controls.css';

document.documentElement.lang = getLang();
const store = new LiveStore();
store.start();

const root = document.getElementById('app');
if (!root) throw new Error('#app missing from index.html');
render(
  <StoreContext.Provider value={store}>
    <App />
  </StoreContext.Provider>,
  root,
);
