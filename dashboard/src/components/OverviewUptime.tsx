import { useEffect, useRef, useState } from 'preact/hooks';
import { takeFirstUptime } from '../first-view';
import type { DeviceView, UptimeAllResponse, VillageUptimeView } from '../../../shared/events';
import { isAbort } from '../api';
import { deviceName, villageName } from '../format';
import { t } from '../i18n';
import type { LiveSnapshot } from '../live';
import { fetchUptimeAll, pctText, stateSignature, uptimeLevel, useRefreshOnChange } from '../uptime';
import { deviceHref } from './DeviceTile';
import './uptime.css';

const DAY = 86_400_000;

const byVillage = (r: UptimeAllResponse) => new Map(r.villages.map((v) => [v.village, v]));

export interface OverviewUptime {
  day: Map<string, VillageUptimeView>;
  month: Map<string, VillageUptimeView>;
}

/**
 * Every readable village's uptime over 24 h and 30 days, fetched at once beside the device list (one round
 * trip less on a slow phone link), again after a reconnect and a moment after any device changes state.
 */
export function useOverviewUptime(snap: LiveSnapshot): OverviewUptime | null {
  // The figures the page came with (the hub's first view) are shown at once; the next change fetches anew.
  const [data, setData] = useState<OverviewUptime | null>(() => {
    const u = takeFirstUptime();
    return u ? { day: byVillage(u.day), month: byVillage(u.month) } : null;
  });
  const skipFirst = useRef(data !== null);
  const [reload, setReload] = useState(0);
  useRefreshOnChange(stateSignature(snap.devices), () => setReload((n) => n + 1));
  // The first snapshot (epoch 1) needs no second fetch; a later one (a reconnect) may bring news.
  const reconnects = Math.max(0, snap.epoch - 1);
  useEffect(() => {
    if (skipFirst.current) {
      skipFirst.current = false;
      return;
    }
    const abort = new AbortController();
    const now = Date.now();
    Promise.all([fetchUptimeAll({ from: now - DAY, to: now }, abort.signal), fetchUptimeAll({ from: now - 30 * DAY, to: now }, abort.signal)]).then(
      ([day, month]) => setData({ day: byVillage(day), month: byVillage(month) }),
      (err: unknown) => {
        // The figures are extra: without them the overview is still whole.
        if (!isAbort(err)) setData(null);
      },
    );
    return () => abort.abort();
  }, [reconnects, reload]);
  return data;
}

/** "Hoạt động: 24 giờ 99,5% · 30 ngày 98,7%" under a village's name. */
export function VillageUptimeLine({ village, uptime }: { village: string; uptime: OverviewUptime | null }) {
  const day = uptime?.day.get(village);
  const month = uptime?.month.get(village);
  if (!day || !month) return null;
  return (
    <p class="village-uptime" data-testid={`village-uptime-${village}`}>
      {t('uptime.villageLine')}{' '}
      <strong class={`level-${uptimeLevel(day.uptimePct)}`}>{t('uptime.range.24h')}: {pctText(day.uptimePct)}</strong>
      {' · '}
      <strong class={`level-${uptimeLevel(month.uptimePct)}`}>{t('uptime.range.30d')}: {pctText(month.uptimePct)}</strong>
    </p>
  );
}

/** The devices with the lowest uptime over 30 days (below 100 %), across the villages shown. */
export function WorstDevices({ uptime, devices, snap }: { uptime: OverviewUptime | null; devices: DeviceView[]; snap: LiveSnapshot }) {
  if (!uptime) return null;
  const worst = [...uptime.month.values()]
    .flatMap((v) => v.devices)
    .filter((d) => d.uptimePct !== null && d.uptimePct < 100)
    .sort((a, b) => (a.uptimePct ?? 100) - (b.uptimePct ?? 100))
    .slice(0, 5);
  if (worst.length === 0) return null;
  const several = snap.villages.length > 1;
  return (
    <section class="panel worst-devices" aria-labelledby="worst-title" data-testid="worst-devices">
      <h2 id="worst-title" class="panel-title">{t('uptime.worstTitle')}</h2>
      <ol>
        {worst.map((d) => (
          <li key={`${d.village}/${d.device}`}>
            <a href={deviceHref(d.village, d.device)}>
              {deviceName(devices, d.village, d.device)}
              {several ? ` (${villageName(snap.villages, d.village)})` : ''}: {pctText(d.uptimePct)}
            </a>
          </li>
        ))}
      </ol>
      <a class="button" href="#/reports">
        {t('uptime.toReports')}
      </a>
    </section>
  );
}
