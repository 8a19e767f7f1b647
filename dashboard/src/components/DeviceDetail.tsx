import { useState } from 'preact/hooks';
import { alertForDevice } from '../alert-list';
import { alertText } from '../alert-text';
import { statusLine, statusNote } from '../device-status';
import { chartableFields, kindLabel, mainMetric, relativeTime, useNow, villageName, villageTz } from '../format';
import { t, tParts } from '../i18n';
import type { LiveSnapshot } from '../live';
import { kindView } from '../kinds';
import { metricLabel } from '../metrics';
import { dateTime } from '../time';
import { CameraSnapshot } from './CameraSnapshot';
import { DeviceEvents } from './DeviceEvents';
import { DeviceUptime } from './DeviceUptime';
import { alertHref, deviceHref, StateBadge } from './DeviceTile';
import { LatestValues } from './LatestValues';
import { RANGES, SeriesChart, type RangeKey } from './SeriesChart';
import { TechDetail } from './TechDetail';
import './detail.css';

interface Props {
  snap: LiveSnapshot;
  village: string;
  device: string;
}

const RANGE_KEYS = Object.keys(RANGES) as RangeKey[];

export function DeviceDetail({ snap, village, device }: Props) {
  const now = useNow();
  const d = snap.devices.find((x) => x.village === village && x.id === device);
  const [metric, setMetric] = useState<string | null>(null);
  const [range, setRange] = useState<RangeKey>('1h');

  const fields = d ? chartableFields(d) : [];
  const fallback = d ? (mainMetric(d) ?? fields[0] ?? null) : null;
  const chosen = metric && fields.includes(metric) ? metric : fallback;

  const back = (
    <a class="back" href="#/">
      {t('detail.back')}
    </a>
  );
  if (!d) {
    return (
      <div class="detail">
        {back}
        {!snap.loading && <p class="empty">{t('detail.notFound', { id: `${village}/${device}` })}</p>}
      </div>
    );
  }
  const tz = villageTz(snap.villages, village);
  const telemetry = d.telemetry;
  const note = statusNote(d, snap.devices, snap.maintenance);
  const alert = d.state === 'online' ? undefined : alertForDevice(snap.alerts, d);
  const snapAge = telemetry?.fields.snapshotAgeS;
  return (
    <div class="detail">
      {back}
      <div class="detail-head">
        <h2>{d.name}</h2>
        <StateBadge state={d.state} stale={snap.staleSince !== null} testId="detail-state" />
      </div>
      <dl class="facts">
        <div>
          <dt>{t('detail.kind')}</dt>
          <dd>{kindLabel(d.kind)}</dd>
        </div>
        <div>
          <dt>{t('detail.village')}</dt>
          <dd>{villageName(snap.villages, village)}</dd>
        </div>
        {d.location && (
          <div>
            <dt>{t('detail.location')}</dt>
            <dd data-testid="detail-location">{d.location}</dd>
          </div>
        )}
        {d.parent && (
          <div>
            <dt>{t('detail.parent')}</dt>
            <dd>
              <a href={deviceHref(village, d.parent)}>{snap.devices.find((x) => x.village === village && x.id === d.parent)?.name ?? d.parent}</a>
            </dd>
          </div>
        )}
      </dl>
      <p class="detail-line" data-testid="detail-seen">
        {snap.staleSince !== null ? (
          statusLine(d, now, tz, snap.staleSince)
        ) : (
          <>
            {d.lastSeen !== null ? t('device.lastSeen', { when: relativeTime(d.lastSeen, now) }) : t('device.neverSeen')}
            {d.since !== null && <> · {t('detail.since', { when: dateTime(d.since, tz) })}</>}
          </>
        )}
      </p>
      {note && (
        <p class={`tile-reason note-${note.kind}`} data-testid="detail-note">
          {note.kind === 'cause' ? (
            tParts('device.unreachableBy', { parent: <a href={deviceHref(village, note.parent)}>{note.parentName}</a> })
          ) : (
            note.text
          )}
        </p>
      )}
      {note?.kind === 'reason' && note.detail && <TechDetail text={note.detail} testId="detail-reason-raw" />}
      {alert && (
        <p class={`detail-alert alert-${alert.status}`}>
          <a href={alertHref(alert.id)} data-testid="detail-alert">
            <strong>{t(`alertStatus.${alert.status}`)}:</strong> {alertText(alert, { villages: snap.villages, devices: snap.devices, now })}
          </a>
        </p>
      )}

      {kindView(d.kind)?.snapshot && (
        <CameraSnapshot
          village={village}
          device={device}
          name={d.name}
          tz={tz}
          ageS={typeof snapAge === 'number' ? snapAge : null}
          at={telemetry?.ts ?? null}
        />
      )}

      {chosen ? (
        <section class="panel" aria-labelledby="chart-title">
          <h3 id="chart-title" class="visually-hidden">
            {t('detail.chartLabel', { metric: metricLabel(d.kind, chosen), range: t(`detail.range.${range}`) })}
          </h3>
          <div class="controls">
            <label class="field">
              <span>{t('detail.metric')}</span>
              <select value={chosen} onChange={(e) => setMetric(e.currentTarget.value)} data-testid="metric-select">
                {fields.map((f) => (
                  <option key={f} value={f}>
                    {metricLabel(d.kind, f)}
                  </option>
                ))}
              </select>
            </label>
            <div class="ranges" role="group" aria-label={t('detail.range')}>
              {RANGE_KEYS.map((k) => (
                <button key={k} type="button" class="range" aria-pressed={k === range} onClick={() => setRange(k)}>
                  {t(`detail.range.${k}`)}
                </button>
              ))}
            </div>
          </div>
          <SeriesChart
            village={village}
            device={device}
            kind={d.kind}
            metric={chosen}
            range={range}
            epoch={snap.epoch}
            tz={tz}
            current={{ state: d.state, since: d.since }}
          />
        </section>
      ) : (
        <p class="empty">{t('device.noData')}</p>
      )}

      <div class="detail-record">
        <DeviceUptime device={d} devices={snap.devices} tz={tz} epoch={snap.epoch} />
        <DeviceEvents village={village} device={device} tz={tz} epoch={snap.epoch} />
      </div>

      {telemetry && <LatestValues kind={d.kind} telemetry={telemetry} tz={tz} />}
    </div>
  );
}
