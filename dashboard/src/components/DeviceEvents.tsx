import { useEffect, useState } from 'preact/hooks';
import type { DeviceEventView } from '../../../shared/events';
import { eventMessageText, eventTypeText } from '../../../shared/event-types';
import { errorText, fetchDeviceEvents, isAbort } from '../api';
import { useStore } from '../context';
import { useNow } from '../format';
import { getLang, t, useLang } from '../i18n';
import { shortTime } from '../time';
import './events.css';

/** How many of the newest events the list keeps. */
const SHOWN = 50;

interface Props {
  village: string;
  device: string;
  /** The village's time zone: event times are shown in it. */
  tz: string;
  /** Changes after every list reload (reconnect): refetch what the socket may have missed. */
  epoch: number;
}

const same = (a: DeviceEventView, b: DeviceEventView): boolean => a.ts === b.ts && a.type === b.type && a.message === b.message;

/** Newest first; one copy of an event that came both by REST and by push. */
function merge(list: DeviceEventView[], more: DeviceEventView[]): DeviceEventView[] {
  const out = [...list];
  for (const e of more) if (!out.some((x) => same(x, e))) out.push(e);
  return out.sort((a, b) => b.ts - a.ts).slice(0, SHOWN);
}

/**
 * What a device said happened (the `event` MQTT channel: restarts, changed facts, a tamper alarm…), newest
 * first: when (village time), how serious (colour and word), what (in words), and its own message as sent.
 */
export function DeviceEvents({ village, device, tz, epoch }: Props) {
  const store = useStore();
  useLang();
  const now = useNow();
  const [events, setEvents] = useState<DeviceEventView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    // Pushed while the list loads: kept and merged into it.
    let early: DeviceEventView[] = [];
    let loaded = false;
    const off = store.onDeviceEvent(village, device, (e) => {
      if (loaded) setEvents((list) => merge(list ?? [], [e]));
      else early.push(e);
    });
    fetchDeviceEvents(village, device, SHOWN, abort.signal)
      .then((res) => {
        loaded = true;
        setEvents(merge(res.events, early));
        early = [];
        setError(null);
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setError(t('events.error', { message: errorText(err) }));
      });
    return () => {
      abort.abort();
      off();
    };
  }, [store, village, device, epoch]);

  return (
    <section class="panel device-events" aria-labelledby="events-title" data-testid="device-events">
      <h3 id="events-title">{t('events.title')}</h3>
      {error && <p class="error-text">{error}</p>}
      {!error && events === null && <p class="detail-line">{t('detail.loading')}</p>}
      {events !== null && events.length === 0 && <p class="empty">{t('events.none')}</p>}
      {events !== null && events.length > 0 && (
        <ol class="event-list" aria-label={t('events.list')}>
          {events.map((e) => (
            <li key={`${e.ts}|${e.type}`} class={`event-item sev-${e.severity}`} data-testid="device-event" data-type={e.type} data-severity={e.severity}>
              <div class="event-head">
                <time dateTime={new Date(e.ts).toISOString()}>{shortTime(e.ts, tz, now)}</time>
                <span class={`event-severity sev-${e.severity}`}>{t(`severity.${e.severity}`)}</span>
                <span class="event-type" title={e.type}>
                  {eventTypeText(e.type, getLang())}
                </span>
              </div>
              {e.message && <p class="event-message">{eventMessageText(e.message, getLang())}</p>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
