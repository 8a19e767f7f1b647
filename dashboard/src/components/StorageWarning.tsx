import { useEffect, useState } from 'preact/hooks';
import type { SpoolHealth } from '../../../shared/events';
import { formatBytes, formatDuration, formatNumber } from '../../../shared/units';
import { fetchHealth, isAbort } from '../api';
import { t, useLang } from '../i18n';

/** How often the header asks /api/health while the page is open. */
const EVERY_MS = 15_000;

/**
 * Says when readings are waiting on the hub's disk because the metric store cannot take them (InfluxDB
 * down, a full disk), how many and since when, that they are written later, and when some had to be
 * dropped or the disk itself cannot be written: the people to call need to know before data is lost.
 */
export function StorageWarning() {
  const lang = useLang();
  const [spool, setSpool] = useState<SpoolHealth | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    const read = (): void => {
      fetchHealth(abort.signal).then(
        (h) => setSpool(h.store?.spool ?? null),
        (err: unknown) => {
          // The next round asks again; an old figure is not kept on screen.
          if (!isAbort(err)) setSpool(null);
        },
      );
    };
    read();
    const timer = setInterval(read, EVERY_MS);
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }, []);
  if (!spool) return null;
  const dropped = spool.droppedTelemetry + spool.droppedEvents;
  if (spool.points === 0 && spool.error === null) return null;
  return (
    <div class="storage-warning" role="status" data-testid="storage-warning">
      {spool.points > 0 && (
        <p>
          {t('storage.backlog', {
            points: formatNumber(spool.points, lang),
            size: formatBytes(spool.bytes, lang),
            age: formatDuration(spool.oldestAgeS ?? 0, lang),
          })}
        </p>
      )}
      {dropped > 0 && spool.points > 0 && <p>{t('storage.dropped', { n: formatNumber(dropped, lang) })}</p>}
      {spool.error !== null && <p>{t('storage.diskError')}</p>}
    </div>
  );
}
