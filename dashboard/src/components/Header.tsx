import type { AvailabilityState, DeviceView } from '../../../hub/web/events';
import { STATES, stateLabel } from '../format';
import { getLang, setLang, t } from '../i18n';

/** Online and offline always show; the rarer states only when some device is in them. */
const ALWAYS: AvailabilityState[] = ['online', 'offline'];

export function Header({ devices, loaded }: { devices: DeviceView[]; loaded: boolean }) {
  const counts = new Map<AvailabilityState, number>();
  for (const d of devices) counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
  const lang = getLang();
  return (
    <header class="app-header">
      <div class="header-row">
        <a class="brand" href="#/">
          <span class="brand-name">{t('app.name')}</span>
          <span class="brand-tag">{t('app.tagline')}</span>
        </a>
        <button
          type="button"
          class="lang"
          aria-label={`${t('app.lang')}: ${t('app.langSwitch')}`}
          onClick={() => setLang(lang === 'vi' ? 'en' : 'vi')}
        >
          {lang === 'vi' ? 'EN' : 'VI'}
        </button>
      </div>
      {loaded && (
        <ul class="summary" aria-label={t('summary.label')} data-testid="summary">
          <li class="summary-total">{t('summary.total', { n: devices.length })}</li>
          {STATES.filter((s) => ALWAYS.includes(s) || (counts.get(s) ?? 0) > 0).map((s) => (
            <li key={s} class={`badge state-${s}`} data-testid={`summary-${s}`}>
              <span class="dot" aria-hidden="true" />
              {stateLabel(s)}: <strong>{counts.get(s) ?? 0}</strong>
            </li>
          ))}
        </ul>
      )}
    </header>
  );
}
