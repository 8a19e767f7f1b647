import type { DeviceView, VillageView } from '../../../shared/events';
import { alertForDevice } from '../alert-list';
import { statusNote } from '../device-status';
import { useNow } from '../format';
import { t } from '../i18n';
import type { LiveSnapshot } from '../live';
import { ActiveAlerts } from './ActiveAlerts';
import { DeviceTile } from './DeviceTile';

const byName = (a: DeviceView, b: DeviceView): number => a.name.localeCompare(b.name, 'vi') || a.id.localeCompare(b.id);

interface Group {
  village: VillageView;
  devices: DeviceView[];
}

function group(villages: VillageView[], devices: DeviceView[]): { groups: Group[]; unregistered: DeviceView[] } {
  const groups = new Map<string, Group>(villages.map((v) => [v.id, { village: v, devices: [] }]));
  const unregistered: DeviceView[] = [];
  for (const d of devices) {
    const g = groups.get(d.village);
    if (d.registered && g) g.devices.push(d);
    else unregistered.push(d);
  }
  for (const g of groups.values()) g.devices.sort(byName);
  unregistered.sort((a, b) => a.village.localeCompare(b.village) || byName(a, b));
  return { groups: [...groups.values()], unregistered };
}

function TileGrid({ devices, now, snap }: { devices: DeviceView[]; now: number; snap: LiveSnapshot }) {
  return (
    <ul class="grid">
      {devices.map((d) => (
        <DeviceTile
          key={`${d.village}/${d.id}`}
          device={d}
          now={now}
          epoch={snap.epoch}
          note={statusNote(d, snap.devices, snap.maintenance)}
          alert={d.state === 'online' ? undefined : alertForDevice(snap.alerts, d)}
        />
      ))}
    </ul>
  );
}

export function Overview({ snap }: { snap: LiveSnapshot }) {
  const now = useNow();
  const { groups, unregistered } = group(snap.villages, snap.devices);
  if (!snap.loading && !snap.error && snap.devices.length === 0) return <p class="empty">{t('device.none')}</p>;
  return (
    <div class="overview">
      <ActiveAlerts alerts={snap.alerts} ctx={{ villages: snap.villages, devices: snap.devices, now }} />
      {groups.map(({ village, devices }) => {
        const online = devices.filter((d) => d.state === 'online').length;
        const place = [village.commune, village.province].filter(Boolean).join(', ');
        return (
          <section class="village" key={village.id} aria-labelledby={`v-${village.id}`}>
            <div class="village-head">
              <h2 id={`v-${village.id}`}>{village.name}</h2>
              {devices.length > 0 && <span class="village-count">{t('device.villageCount', { online, total: devices.length })}</span>}
            </div>
            {place && <p class="village-place">{place}</p>}
            {devices.length > 0 ? <TileGrid devices={devices} now={now} snap={snap} /> : <p class="empty">{t('device.none')}</p>}
          </section>
        );
      })}
      {unregistered.length > 0 && (
        <section class="village unregistered" aria-labelledby="v-unregistered" data-testid="unregistered">
          <div class="village-head">
            <h2 id="v-unregistered">{t('device.unregistered')}</h2>
          </div>
          <p class="village-place">{t('device.unregisteredHint')}</p>
          <TileGrid devices={unregistered} now={now} snap={snap} />
        </section>
      )}
    </div>
  );
}
