import type { AlertView } from '../../../shared/events';
import { alertText, type AlertContext } from '../alert-text';
import { t } from '../i18n';
import { alertHref } from './DeviceTile';

const SHOWN = 3;

/** The overview's first lines: what is wrong now, most urgent first, each a link to the alert. */
export function ActiveAlerts({ alerts, ctx }: { alerts: AlertView[]; ctx: AlertContext }) {
  if (alerts.length === 0) return null;
  return (
    <section class="active-alerts" aria-labelledby="active-alerts-title" data-testid="active-alerts">
      <h2 id="active-alerts-title">
        <a href="#/alerts">
          {t('alerts.openTitle', { n: alerts.length })}
        </a>
      </h2>
      <ul>
        {alerts.slice(0, SHOWN).map((a) => (
          <li key={a.id} class={`alert-${a.status}`}>
            <a href={alertHref(a.id)}>
              <span class={`badge status-${a.status}`}>{t(`alertStatus.${a.status}`)}</span> <span>{alertText(a, ctx)}</span>
            </a>
          </li>
        ))}
      </ul>
      {alerts.length > SHOWN && (
        <a class="active-more" href="#/alerts">
          {t('alerts.showAll', { n: alerts.length })}
        </a>
      )}
    </section>
  );
}
