import { useEffect, useRef, useState } from 'preact/hooks';
import { alertText } from '../alert-text';
import type { AlertEvent, LiveSnapshot } from '../live';
import { useStore } from '../context';
import { t } from '../i18n';

/**
 * Reads out alert changes as they are pushed, on every page: "Đang báo: Camera cổng thôn (Đông Căm) mất
 * kết nối lúc 14:02". Visually hidden: the badge and the lists show the same change.
 */
export function AlertAnnouncer({ snap }: { snap: LiveSnapshot }) {
  const store = useStore();
  const [text, setText] = useState('');
  const latest = useRef(snap);
  latest.current = snap;
  useEffect(
    () =>
      store.onAlert(({ change, alert }: AlertEvent) => {
        // Escalation is for the people notified; on screen it changes nothing.
        if (change === 'escalated') return;
        const s = latest.current;
        setText(`${t(`alertStatus.${alert.status}`)}: ${alertText(alert, { villages: s.villages, devices: s.devices, now: Date.now() })}`);
      }),
    [store],
  );
  return (
    <div class="visually-hidden" role="status" aria-live="polite" data-testid="alert-announcer">
      {text}
    </div>
  );
}
