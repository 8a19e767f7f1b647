import { useEffect, useState } from 'preact/hooks';
import type { UplinkView } from '../../../shared/events';
import { formatDuration, formatNumber } from '../../../shared/units';
import { fetchHealth, isAbort } from '../api';
import { getLang, t } from '../i18n';
import { shortTime } from '../time';

/** The backlog is read again this often (ms): it moves slowly, and /api/health is cheap. */
const POLL_MS = 15_000;

/** "2,4 MB", "640 kB": what waits on the village PC's disk. */
function sizeText(bytes: number): string {
  const lang = getLang();
  if (bytes >= 1e6) return `${formatNumber(Math.round(bytes / 1e5) / 10, lang)} MB`;
  return `${formatNumber(Math.max(1, Math.round(bytes / 1e3)), lang)} kB`;
}

/**
 * The bridge to the commune/province broker (`uplink:`), beside the Internet chip: connected or since
 * when not, and what waits to be sent (messages, size, how long the oldest has waited). Hidden when the
 * hub has no uplink.
 */
export function Uplink({ tz }: { tz: string }) {
  const [view, setView] = useState<UplinkView | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = (): void => {
      fetchHealth(abort.signal).then(
        (h) => {
          setView(h.uplink ?? null);
          timer = setTimeout(load, POLL_MS);
        },
        (err: unknown) => {
          if (!isAbort(err)) timer = setTimeout(load, POLL_MS);
        },
      );
    };
    load();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, []);
  if (!view) return null;
  const since = Math.min(...view.villages.map((v) => v.since));
  const state =
    view.state === 'connected' ? t('uplink.connected') : view.state === 'partial' ? t('uplink.partial') : t('uplink.disconnected', { time: shortTime(since, tz) });
  const b = view.backlog;
  const waiting =
    b.messages > 0
      ? t('uplink.backlog', { n: formatNumber(b.messages, getLang()), size: sizeText(b.bytes), age: formatDuration(b.oldestTs === null ? 0 : (Date.now() - b.oldestTs) / 1000, getLang()) })
      : null;
  const dropped = view.dropped.telemetry + view.dropped.other;
  const cls = view.state === 'connected' ? 'up' : 'down';
  return (
    <p class={`internet uplink internet-${cls}`} data-testid="uplink" data-state={view.state} title={view.url}>
      <span class="dot" aria-hidden="true" />
      <span>
        {t('uplink.label')}: <strong>{state}</strong>
        {waiting && <span class="uplink-backlog"> · {waiting}</span>}
        {dropped > 0 && <span class="uplink-backlog"> · {t('uplink.dropped', { n: formatNumber(dropped, getLang()) })}</span>}
      </span>
    </p>
  );
}
