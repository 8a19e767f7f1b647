import { useEffect, useRef, useState } from 'preact/hooks';
import { snapshotUrl } from '../api';
import { relativeTime, useNow } from '../format';
import { t } from '../i18n';
import { shortTime } from '../time';

const REFRESH_MS = 30_000;

interface Props {
  village: string;
  device: string;
  name: string;
  tz: string;
  /** From the camera's telemetry: seconds since its last good snapshot, at `at` (ms). */
  ageS: number | null;
  at: number | null;
}

type Shot =
  | { kind: 'loading' }
  | { kind: 'image'; url: string; takenAt: number | null }
  | { kind: 'none' }
  | { kind: 'error'; message: string };

/** When the image was taken: the hub's header if it sends one, else the camera's own snapshot age. */
function takenAt(res: Response, ageS: number | null, at: number | null): number | null {
  const ms = Number(res.headers.get('x-snapshot-ts') ?? res.headers.get('x-snapshot-at'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const modified = Date.parse(res.headers.get('last-modified') ?? '');
  if (Number.isFinite(modified)) return modified;
  return ageS !== null && at !== null ? at - ageS * 1000 : null;
}

/**
 * The camera's latest good snapshot, fetched every 30 s with a cache-busting query. Loaded as a blob so
 * "none yet" (204) shows a placeholder instead of a broken image.
 */
export function CameraSnapshot({ village, device, name, tz, ageS, at }: Props) {
  const now = useNow();
  const [shot, setShot] = useState<Shot>({ kind: 'loading' });
  const [tick, setTick] = useState(0);
  const age = useRef({ ageS, at });
  age.current = { ageS, at };

  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    const abort = new AbortController();
    let url: string | null = null;
    fetch(`${snapshotUrl(village, device)}?t=${Date.now()}`, { signal: abort.signal, credentials: 'same-origin', cache: 'no-store' })
      .then(async (res) => {
        // 204: no picture yet (the hub says so without an error).
        if (res.status === 204) return setShot({ kind: 'none' });
        if (!res.ok) return setShot({ kind: 'error', message: t('error.http', { status: res.status }) });
        const blob = await res.blob();
        if (!blob.type.startsWith('image/')) return setShot({ kind: 'none' });
        url = URL.createObjectURL(blob);
        setShot({ kind: 'image', url, takenAt: takenAt(res, age.current.ageS, age.current.at) });
      })
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        // Keep the last image on a passing failure; say so only when there is nothing to show.
        setShot((s) => (s.kind === 'image' ? s : { kind: 'error', message: t('error.network') }));
      });
    return () => {
      abort.abort();
      // The next image replaces this one; free it once it is no longer shown.
      if (url) setTimeout(() => URL.revokeObjectURL(url!), REFRESH_MS);
    };
  }, [village, device, tick]);

  return (
    <section class="panel snapshot" aria-labelledby="snapshot-title" data-testid="snapshot">
      <div class="panel-head">
        <h3 id="snapshot-title">{t('snapshot.title')}</h3>
        <button type="button" class="small-button" onClick={() => setTick((n) => n + 1)}>
          {t('snapshot.refresh')}
        </button>
      </div>
      {shot.kind === 'image' ? (
        <figure class="snapshot-figure">
          <img src={shot.url} alt={t('snapshot.alt', { name })} data-testid="snapshot-image" />
          <figcaption class="detail-line">
            {shot.takenAt !== null && t('snapshot.taken', { time: shortTime(shot.takenAt, tz, now), ago: relativeTime(shot.takenAt, now) })}{' '}
            {t('snapshot.auto')}
          </figcaption>
        </figure>
      ) : (
        <div class="snapshot-placeholder" data-testid="snapshot-placeholder" data-kind={shot.kind}>
          <svg viewBox="0 0 48 36" width="48" height="36" aria-hidden="true">
            <rect x="2" y="8" width="44" height="26" rx="4" fill="none" stroke="currentColor" stroke-width="2.5" />
            <path d="M16 8l4-5h8l4 5" fill="none" stroke="currentColor" stroke-width="2.5" />
            <circle cx="24" cy="21" r="7" fill="none" stroke="currentColor" stroke-width="2.5" />
          </svg>
          <p>
            {shot.kind === 'loading' && t('detail.loading')}
            {shot.kind === 'none' && t('snapshot.none')}
            {shot.kind === 'error' && t('snapshot.error', { message: shot.message })}
          </p>
        </div>
      )}
    </section>
  );
}
