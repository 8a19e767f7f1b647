import type { UplinkView } from '../../../shared/events';
import { t } from '../i18n';
import { shortTime } from '../time';

function uplinkText(u: UplinkView | null, tz: string): { cls: string; text: string } {
  if (!u || !u.probed) return { cls: 'off', text: t('uplink.notProbed') };
  if (u.state === 'up') return { cls: 'up', text: t('uplink.up') };
  if (u.state === 'down') return { cls: 'down', text: t('uplink.down', { time: shortTime(u.since, tz) }) };
  return { cls: 'unknown', text: t('uplink.unknown') };
}

/**
 * The village's internet link, apart from the device counts: a WAN outage is not a device outage.
 * Colour plus words; the banner below announces the outage to screen readers.
 */
export function Uplink({ uplink, tz }: { uplink: UplinkView | null; tz: string }) {
  const { cls, text } = uplinkText(uplink, tz);
  const title = uplink?.state === 'up' && uplink.rttMs !== null ? t('uplink.rtt', { ms: Math.round(uplink.rttMs) }) : (uplink?.reason ?? undefined);
  return (
    <p class={`uplink uplink-${cls}`} data-testid="uplink" data-state={uplink?.probed ? uplink.state : 'off'} title={title}>
      <span class="dot" aria-hidden="true" />
      <span>
        {t('uplink.label')}: <strong>{text}</strong>
      </span>
    </p>
  );
}

/** Always in the DOM so that the outage is announced when it starts (a live region must exist first). */
export function UplinkBanner({ uplink }: { uplink: UplinkView | null }) {
  const down = uplink?.probed === true && uplink.state === 'down';
  return (
    <div class="uplink-banner" role="alert" data-testid="uplink-banner" hidden={!down}>
      {down ? t('uplink.banner') : ''}
    </div>
  );
}
