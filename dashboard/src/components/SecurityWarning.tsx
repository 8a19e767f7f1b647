import { useEffect, useState } from 'preact/hooks';
import { fetchHealth, isAbort } from '../api';
import { t } from '../i18n';

/**
 * A permanent warning while the hub takes MQTT clients without credentials (`broker.allowAnonymous`):
 * on the village LAN, shared with public Wi-Fi, anyone could then send false readings. Read once from
 * /api/health; the setting changes only with a restart of the hub.
 */
export function SecurityWarning() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    fetchHealth(abort.signal).then(
      (h) => setOpen(h.security?.anonymousMqtt === true),
      (err: unknown) => {
        // Not shown when the health cannot be read; the next load asks again.
        if (!isAbort(err)) setOpen(false);
      },
    );
    return () => abort.abort();
  }, []);
  if (!open) return null;
  return (
    <p class="security-warning" role="note" data-testid="security-warning">
      {t('security.anonymousMqtt')}
    </p>
  );
}
