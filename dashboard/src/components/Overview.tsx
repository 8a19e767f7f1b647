import { useState } from 'preact/hooks';
import type { DeviceView, VillageView } from '../../../shared/events';
import { alertForDevice } from '../alert-list';
import { dismissDevice } from '../api';
import { can, useUser } from '../auth';
import { useStore } from '../context';
import { hasProblem, matches, problemsFirst, saveFilter, savedFilter, type DeviceFilter } from '../device-order';
import { statusNote } from '../device-status';
import { useNow, villageTz } from '../format';
import { t } from '../i18n';
import type { LiveSnapshot } from '../live';
import { groupPlaces, isMultiPlace } from '../../../shared/places';
import { ActiveAlerts } from './ActiveAlerts';
import { DeviceFilters } from './DeviceFilters';
import { DeviceTile } from './DeviceTile';
import { RemoveButton } from './RemoveButton';
import { useOverviewUptime, VillageUptimeLine, WorstDevices } from './OverviewUptime';

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
  for (const g of groups.values()) g.devices.sort(problemsFirst);
  unregistered.sort((a, b) => a.village.localeCompare(b.village) || problemsFirst(a, b));
  return { groups: [...groups.values()], unregistered };
}

/** An id-safe form of a place name for aria-labelledby. */
function slugOf(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'd').toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'x';
}

function TileGrid({ devices, now, snap, dismissable = false }: { devices: DeviceView[]; now: number; snap: LiveSnapshot; dismissable?: boolean }) {
  const store = useStore();
  return (
    <ul class="grid">
      {devices.map((d) => (
        <DeviceTile
          key={`${d.village}/${d.id}`}
          device={d}
          now={now}
          epoch={snap.epoch}
          tz={villageTz(snap.villages, d.village)}
          staleSince={snap.staleSince}
          note={statusNote(d, snap.devices, snap.maintenance)}
          alert={d.state === 'online' ? undefined : alertForDevice(snap.alerts, d)}
        >
          {dismissable && (
            <RemoveButton
              label={t('device.dismissLabel', { id: `${d.village}/${d.id}` })}
              action={t('device.dismiss')}
              question={t('device.dismissConfirm')}
              failed={(message) => t('device.dismissFailed', { message })}
              onRemove={async () => {
                await dismissDevice(d.village, d.id);
                store.removeDevice(d.village, d.id);
              }}
            />
          )}
        </DeviceTile>
      ))}
    </ul>
  );
}

export function Overview({ snap }: { snap: LiveSnapshot }) {
  const user = useUser();
  const now = useNow();
  const [filter, setFilterState] = useState<DeviceFilter>(savedFilter);
  const uptime = useOverviewUptime(snap);
  const setFilter = (f: DeviceFilter): void => {
    setFilterState(f);
    saveFilter(f);
  };
  if (!snap.loading && !snap.error && snap.devices.length === 0) return <p class="empty">{t('device.none')}</p>;
  const { groups, unregistered } = group(snap.villages, snap.devices);
  const filtering = filter.problems || filter.query.trim() !== '';
  const shown = (list: DeviceView[]) => list.filter((d) => matches(d, filter));
  const unregisteredShown = shown(unregistered);
  const anyShown = unregisteredShown.length > 0 || groups.some((g) => shown(g.devices).length > 0);
  // A commune or province dashboard (central mode) heads its villages with their province and commune.
  const places = groupPlaces(groups, (g) => g.village);
  const multi = isMultiPlace(places);
  const VillageHeading = multi ? 'h4' : 'h2';
  const renderVillage = ({ village, devices }: Group) => {
    const visible = shown(devices);
    // While filtering, a village with nothing to show is left out rather than shown empty.
    if (filtering && visible.length === 0) return null;
    const online = devices.filter((d) => d.state === 'online').length;
    const place = multi ? '' : [village.commune, village.province].filter(Boolean).join(', ');
    return (
      <section class="village" key={village.id} aria-labelledby={`v-${village.id}`}>
        <div class="village-head">
          <VillageHeading id={`v-${village.id}`}>{village.name}</VillageHeading>
          {devices.length > 0 && <span class="village-count">{t('device.villageCount', { online, total: devices.length })}</span>}
        </div>
        {place && <p class="village-place">{place}</p>}
        <VillageUptimeLine village={village.id} uptime={uptime} />
        {visible.length > 0 ? <TileGrid devices={visible} now={now} snap={snap} /> : <p class="empty">{t('device.none')}</p>}
      </section>
    );
  };
  return (
    <div class="overview">
      <ActiveAlerts alerts={snap.alerts} ctx={{ villages: snap.villages, devices: snap.devices, now }} />
      {snap.devices.length > 0 && <DeviceFilters filter={filter} onChange={setFilter} problems={snap.devices.filter((d) => d.registered && hasProblem(d)).length} />}
      {filtering && !anyShown && (
        <p class="empty" data-testid="filter-empty">
          {filter.problems && filter.query.trim() === '' ? t('filter.noProblems') : t('filter.noMatch')}
        </p>
      )}
      {multi
        ? places.map((p) => {
            const communes = p.communes.map((c) => ({ ...c, rendered: c.villages.map(renderVillage).filter((x) => x !== null) })).filter((c) => c.rendered.length > 0);
            if (communes.length === 0) return null;
            const pid = `p-${slugOf(p.province)}`;
            return (
              <section class="place province" key={pid} aria-labelledby={pid}>
                <h2 id={pid} class="place-head">{p.province || t('place.unknownProvince')}</h2>
                {communes.map((c) => {
                  const cid = `${pid}-c-${slugOf(c.commune)}`;
                  return (
                    <section class="place commune" key={cid} aria-labelledby={cid}>
                      <h3 id={cid} class="place-head">{c.commune || t('place.unknownCommune')}</h3>
                      {c.rendered}
                    </section>
                  );
                })}
              </section>
            );
          })
        : groups.map(renderVillage)}
      {!filtering && <WorstDevices uptime={uptime} devices={snap.devices} snap={snap} />}
      {unregisteredShown.length > 0 && (
        <section class="village unregistered" aria-labelledby="v-unregistered" data-testid="unregistered">
          <div class="village-head">
            <h2 id="v-unregistered">{t('device.unregistered')}</h2>
          </div>
          <p class="village-place">{t('device.unregisteredHint')}</p>
          <TileGrid devices={unregisteredShown} now={now} snap={snap} dismissable={can(user, 'admin')} />
        </section>
      )}
    </div>
  );
}
