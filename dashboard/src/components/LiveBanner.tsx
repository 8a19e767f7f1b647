import { t } from '../i18n';
import type { ConnState } from '../live';
import { shortTime } from '../time';

interface Props {
  conn: ConnState;
  /** The live link has been down a while: the page shows data as of this time (ms). */
  staleSince: number | null;
  tz: string;
}

/** Always in the DOM so screen readers pick up changes of its text (aria-live needs an existing region). */
export function LiveBanner({ conn, staleSince, tz }: Props) {
  const text =
    conn === 'lost'
      ? staleSince !== null && staleSince > 0
        ? t('live.lostSince', { time: shortTime(staleSince, tz) })
        : t('live.lost')
      : conn === 'restored'
        ? t('live.restored')
        : '';
  return (
    <div class={`live-banner ${conn}`} role="status" aria-live="polite" data-testid="live-banner" data-conn={conn} hidden={!text}>
      {text}
    </div>
  );
}
