import type { InternetView } from '../../../shared/events';
import { reasonOf } from '../format';
import { t } from '../i18n';
import { shortTime } from '../time';

function internetText(u: InternetView | null, tz: string): { cls: string; text: string } {
  if (!u || !u.probed) return { cls: 'off', text: t('internet.notProbed') };
  if (u.state === 'up') return { cls: 'up', text: t('internet.up') };
  if (u.state === 'down') return { cls: 'down', text: t('internet.down', { time: shortTime(u.since, tz) }) };
  return { cls: 'unknown', text: t('internet.unknown') };
}

/**
 * The village's internet link, apart from the device counts: a WAN outage is not a device outage.
 * Colour plus words; the banner below announces the outage to screen readers.
 */
/** `stale`: the live link is down, so this is the last known state: shown grey, not as current. */
export function Internet({ internet, tz, stale = false }: { internet: InternetView | null; tz: string; stale?: boolean }) {
  const { cls, text } = internetText(internet, tz);
  const title = internet?.state === 'up' && internet.rttMs !== null ? t('internet.rtt', { ms: Math.round(internet.rttMs) }) : internet ? (reasonOf(internet).words ?? undefined) : undefined;
  return (
    <p class={`internet internet-${stale ? 'off' : cls}`} data-testid="internet" data-state={internet?.probed ? internet.state : 'off'} title={title}>
      <span class="dot" aria-hidden="true" />
      <span>
        {t('internet.label')}: <strong>{text}</strong>
      </span>
    </p>
  );
}

/** Always in the DOM so that the outage is announced when it starts (a live region must exist first). */
export function InternetBanner({ internet }: { internet: InternetView | null }) {
  const down = internet?.probed === true && internet.state === 'down';
  return (
    <div class="internet-banner" role="alert" data-testid="internet-banner" hidden={!down}>
      {down ? t('internet.banner') : ''}
    </div>
  );
}
