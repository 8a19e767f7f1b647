import { useState } from 'preact/hooks';
import { chartableFields, dateTime, formatValue, kindLabel, mainMetric, reasonLabel, relativeTime, stateLabel, useNow } from '../format';
import { t } from '../i18n';
import type { LiveSnapshot } from '../live';
import { RANGES, SeriesChart, type RangeKey } from './SeriesChart';
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
  const fallback = d ? mainMetric(d) ?? fields[0] ?? null : null;
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
  const villageName = snap.villages.find((v) => v.id === village)?.name ?? village;
  const telemetry = d.telemetry;
  return (
    <div class="detail">
      {back}
      <div class="detail-head">
        <h2>{d.name}</h2>
        <span class={`badge state-${d.state}`} data-testid="detail-state" data-state={d.state}>
          <span class="dot" aria-hidden="true" />
          {stateLabel(d.state)}
        </span>
      </div>
      <dl class="facts">
        <div>
          <dt>{t('detail.kind')}</dt>
          <dd>{kindLabel(d.kind)}</dd>
        </div>
        <div>
          <dt>{t('detail.village')}</dt>
          <dd>{villageName}</dd>
        </div>
        {d.parent && (
          <div>
            <dt>{t('detail.parent')}</dt>
            <dd>
              <a href={`#/d/${encodeURIComponent(village)}/${encodeURIComponent(d.parent)}`}>
                {snap.devices.find((x) => x.village === village && x.id === d.parent)?.name ?? d.parent}
              </a>
            </dd>
          </div>
        )}
      </dl>
      <p class="detail-line">
        {d.lastSeen !== null ? t('device.lastSeen', { when: relativeTime(d.lastSeen, now) }) : t('device.neverSeen')}
        {d.since !== null && <> · {t('detail.since', { when: dateTime(d.since) })}</>}
      </p>
      {d.reason && d.state !== 'online' && <p class="tile-reason">{t('device.reason', { reason: reasonLabel(d.reason) })}</p>}

      {chosen ? (
        <section class="panel" aria-labelledby="chart-title">
          <h3 id="chart-title" class="visually-hidden">
            {t('detail.chartLabel', { metric: chosen, range: t(`detail.range.${range}`) })}
          </h3>
          <div class="controls">
            <label class="field">
              <span>{t('detail.metric')}</span>
              <select value={chosen} onChange={(e) => setMetric(e.currentTarget.value)} data-testid="metric-select">
                {fields.map((f) => (
                  <option key={f} value={f}>
                    {f}
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
          <SeriesChart village={village} device={device} metric={chosen} range={range} epoch={snap.epoch} />
        </section>
      ) : (
        <p class="empty">{t('device.noData')}</p>
      )}

      {telemetry && (
        <section class="panel" aria-labelledby="latest-title">
          <h3 id="latest-title">{t('detail.latest')}</h3>
          <p class="detail-line">{t('detail.latestAt', { when: dateTime(telemetry.ts) })}</p>
          <table class="latest">
            <thead>
              <tr>
                <th scope="col">{t('detail.field')}</th>
                <th scope="col">{t('detail.value')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(telemetry.fields).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>{formatValue(v)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
