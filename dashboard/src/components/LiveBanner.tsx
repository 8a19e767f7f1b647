import { t } from '../i18n';
import type { ConnState } from '../live';

/** Always in the DOM so screen readers pick up changes of its text (aria-live needs an existing region). */
export function LiveBanner({ conn }: { conn: ConnState }) {
  const text = conn === 'lost' ? t('live.lost') : conn === 'restored' ? t('live.restored') : '';
  return (
    <div class={`live-banner ${conn}`} role="status" aria-live="polite" data-testid="live-banner" data-conn={conn} hidden={!text}>
      {text}
    </div>
  );
}
