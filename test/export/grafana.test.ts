import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { continuousQueries } from '../../hub/store/influxql.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * The Grafana dashboard in config/grafana/ is executed, not just parsed: a hub with the InfluxDB store is
 * fed through MQTT, then every query of the dashboard (its template variables' and its panels') is run
 * against that database with Grafana's macros substituted as Grafana does, and each must return series.
 * A renamed measurement, retention policy, tag or field breaks this test, not a commune's dashboard.
 */

const DASHBOARD = 'config/grafana/dashboards/langso.json';
const DATASOURCE = 'config/grafana/provisioning/datasources/langso.yaml';
const PROVIDER = 'config/grafana/provisioning/dashboards/langso.yaml';

interface Target {
  refId: string;
  query: string;
  rawQuery?: boolean;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
  gridPos: { x: number; y: number; w: number; h: number };
}
interface Variable {
  name: string;
  type: string;
  query: string;
  multi?: boolean;
  includeAll?: boolean;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

interface InfluxResult {
  results?: Array<{ error?: string; series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values?: unknown[][] }> }>;
  error?: string;
}

const MIN = 60_000;
const influxUrl = inject('influxUrl');
const database = `grafana_${process.pid}_${Date.now().toString(36)}`;

async function influx(q: string, method: 'GET' | 'POST' = 'GET'): Promise<InfluxResult> {
  const url = `${influxUrl}/query?db=${encodeURIComponent(database)}&epoch=ms&q=${encodeURIComponent(q)}`;
  const res = await fetch(url, { method });
  return (await res.json()) as InfluxResult;
}

/** Grafana's kbn.regexEscape: what a multi-value or "All" variable's values become inside a regex. */
const regexEscape = (v: string): string => v.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** Grafana's interval rounding (kbn.roundInterval, the steps that matter here), in seconds. */
function roundInterval(s: number): string {
  const steps = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  const n = steps.find((x) => s <= x) ?? 86400;
  return n % 3600 === 0 ? `${n / 3600}h` : n % 60 === 0 ? `${n / 60}m` : `${n}s`;
}

/**
 * A query as Grafana's InfluxQL data source sends it: `$timeFilter` → `time >= <from>ms and time <= <to>ms`,
 * `$__interval` → the range over the panel's data points (about 1 000, at least the data source's
 * `timeInterval`), and template variables: a multi-value/All variable becomes `(a|b)` of its escaped values.
 */
function interpolate(query: string, range: { from: number; to: number }, vars: Record<string, string[]>, minIntervalS: number): string {
  const interval = roundInterval(Math.max(minIntervalS, (range.to - range.from) / 1000 / 1000));
  return query
    .replace(/\$timeFilter/g, `time >= ${range.from}ms and time <= ${range.to}ms`)
    .replace(/\$__interval_ms/g, String(Math.round(((range.to - range.from) / 1000))))
    .replace(/\$__interval/g, interval)
    .replace(/\$\{__from\}/g, String(range.from))
    .replace(/\$\{__to\}/g, String(range.to))
    .replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => {
      const values = vars[name];
      if (!values) return whole;
      const escaped = values.map(regexEscape);
      return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
    });
}

/** Every panel, inside rows too. */
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

describe('Grafana dashboard over the InfluxDB schema', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const datasource = parse(readFileSync(DATASOURCE, 'utf8')) as { apiVersion: number; datasources: Array<{ uid: string; type: string; jsonData: { dbName: string; timeInterval: string } }> };
  const provider = parse(readFileSync(PROVIDER, 'utf8')) as { apiVersion: number; providers: Array<{ type: string; options: { path: string } }> };
  const minIntervalS = Number(/^(\d+)s$/.exec(datasource.datasources[0]?.jsonData.timeInterval ?? '')?.[1] ?? 1);
  let t: TestHub;
  let dev: MqttClient;
  let range: { from: number; to: number };

  beforeAll(async () => {
    t = await startTestHub({
      villages: [
        { id: 'dong-cam', name: 'Đông Căm' },
        { id: 'gia-phu', name: 'Gia Phú' },
      ],
      devices: [
        { id: 'router', village: 'dong-cam', name: 'Bộ định tuyến', kind: 'router', timeoutS: 600 },
        { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', parent: 'router', timeoutS: 600 },
        { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi sân thể thao', kind: 'wifi-ap', parent: 'router', timeoutS: 600 },
        { id: 'pc-1', village: 'dong-cam', name: 'Máy tính nhà văn hóa', kind: 'pc', timeoutS: 600 },
        { id: 'phong-hop', village: 'dong-cam', name: 'Bộ họp trực tuyến', kind: 'meeting-room', timeoutS: 600 },
        { id: 'cam-9', village: 'gia-phu', name: 'Camera Gia Phú', kind: 'onvif-camera', timeoutS: 600 },
      ],
      store: { kind: 'influx', url: influxUrl, database, writer: { flushMs: 100 } },
    });
    dev = await mqtt.connectAsync(t.mqttUrl, { clientId: 'village', reconnectPeriod: 0 });
    const now = Date.now();
    const readings: Record<string, (i: number) => Record<string, number | boolean>> = {
      'dong-cam/router': (i) => ({ rttMs: 1 + i / 10, uptimeS: 9_000 + i * 60 }),
      'dong-cam/cam-1': (i) => ({ rttMs: 30 + i, streamOk: true, snapshotOk: true, snapshotAgeS: 2, clockDriftS: -1, imageLuma: 110 + i, frozen: false, dark: false }),
      'dong-cam/ap-1': (i) => ({ clients: 5 + i, txBps: 120_000 + i * 1000, rxBps: 30_000 + i * 500, uptimeS: 3_600 + i * 60 }),
      'dong-cam/pc-1': (i) => ({ cpuLoad: 0.2 + i / 100, memUsedPct: 40 + i, diskFreePct: 60 - i, uptimeS: 7_200 + i * 60 }),
      'dong-cam/phong-hop': (i) => ({ rttMs: 8 + i, codecOk: true, displayOk: true, cameraOk: true, ready: true }),
      'gia-phu/cam-9': (i) => ({ rttMs: 50 + i, streamOk: true, imageLuma: 90 }),
    };
    for (const key of Object.keys(readings)) await dev.publishAsync(`langso/${key}/status`, '{"state":"online"}', { qos: 1, retain: true });
    // Twenty minutes of readings, one a minute, with the devices' own timestamps.
    for (let i = 0; i < 20; i++) {
      for (const [key, make] of Object.entries(readings)) {
        await dev.publishAsync(`langso/${key}/telemetry`, JSON.stringify({ ts: now - (20 - i) * MIN, ...make(i) }), { qos: 1 });
      }
    }
    await dev.publishAsync('langso/dong-cam/cam-1/event', JSON.stringify({ type: 'reboot', severity: 'warning', message: 'camera khởi động lại' }), { qos: 1 });
    await dev.publishAsync('langso/dong-cam/phong-hop/event', JSON.stringify({ type: 'meeting-start', severity: 'info' }), { qos: 1 });
    // The Wi-Fi goes down: one device offline, a transition in range.
    await dev.publishAsync('langso/dong-cam/ap-1/status', '{"state":"offline","reason":"mất điện"}', { qos: 1, retain: true });

    await waitFor(async () => {
      const r = await influx('SELECT count("rttMs") FROM "raw"."telemetry"; SELECT count("state") FROM "history"."availability"; SELECT count("type") FROM "history"."event"');
      const n = (i: number): number => Number(r.results?.[i]?.series?.[0]?.values?.[0]?.[1] ?? 0);
      return n(0) >= 80 && n(1) >= 7 && n(2) >= 2;
    }, 20_000, 'the readings, transitions and events in InfluxDB');
    // The rollup as the continuous query makes it once each 5 minutes have passed (InfluxDB runs it only for recent intervals).
    const cq = continuousQueries(database)[0]!.select.replace(' GROUP BY', ` WHERE time >= ${now - 30 * MIN}ms AND time < ${now}ms GROUP BY`);
    const backfill = await influx(cq, 'POST');
    expect(backfill.results?.[0]?.error).toBeUndefined();
    range = { from: now - 60 * MIN, to: Date.now() + MIN };
  }, 60_000);

  afterAll(async () => {
    await dev?.endAsync(true).catch(() => undefined);
    await t?.stop();
    await influx(`DROP DATABASE "${database}"`, 'POST').catch(() => undefined);
  });

  it('is a Grafana dashboard whose panels all read the provisioned InfluxDB data source', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(datasource.apiVersion).toBe(1);
    expect(datasource.datasources[0]).toMatchObject({ type: 'influxdb', uid: 'langso-influxdb', jsonData: { dbName: 'langso' } });
    expect(provider.providers[0]).toMatchObject({ type: 'file' });
    const dsVar = dashboard.templating.list.find((v) => v.type === 'datasource') as (Variable & { current?: { value?: string } }) | undefined;
    expect(dsVar?.query).toBe('influxdb');
    expect(dsVar?.current?.value).toBe(datasource.datasources[0]?.uid);
    const panels = allPanels(dashboard.panels);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const withQueries = panels.filter((p) => p.type !== 'row');
    expect(withQueries.length).toBeGreaterThanOrEqual(10);
    for (const p of withQueries) {
      expect(p.datasource, p.title).toEqual({ type: 'influxdb', uid: `\${${dsVar!.name}}` });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(new Set(p.targets!.map((x) => x.refId)).size, p.title).toBe(p.targets!.length);
      for (const x of p.targets!) expect(x.rawQuery, `${p.title} ${x.refId}`).toBe(true);
    }
    // The three parts the dashboard is for.
    const titles = panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(titles).toEqual(['Tổng quan thôn', 'Chỉ số thiết bị']);
    expect(panels.some((p) => p.type === 'state-timeline')).toBe(true);
  });

  /** Runs the template variables' queries in order, as Grafana does on load; returns each one's values. */
  async function variableValues(pick: Record<string, string[]> = {}): Promise<Record<string, string[]>> {
    const vars: Record<string, string[]> = {};
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      const q = interpolate(v.query, range, vars, minIntervalS);
      const r = await influx(q);
      expect(r.results?.[0]?.error, `${v.name}: ${q}`).toBeUndefined();
      const options = (r.results?.[0]?.series ?? []).flatMap((s) => (s.values ?? []).map((row) => String(row[1])));
      expect(options.length, `${v.name}: ${q}`).toBeGreaterThan(0);
      expect(v.multi && v.includeAll, v.name).toBe(true);
      // "All" (the default) is every option; a pick must be among them.
      for (const p of pick[v.name] ?? []) expect(options).toContain(p);
      vars[v.name] = pick[v.name] ?? [...new Set(options)];
    }
    return vars;
  }

  async function runPanels(vars: Record<string, string[]>): Promise<string[]> {
    const empty: string[] = [];
    for (const p of allPanels(dashboard.panels)) {
      for (const target of p.targets ?? []) {
        const q = interpolate(target.query, range, vars, minIntervalS);
        expect(q, `${p.title}: a macro or variable left`).not.toMatch(/\$(?!\/)/);
        const r = await influx(q);
        const res = r.results?.[0];
        if (r.error || res?.error) {
          empty.push(`${p.title} ${target.refId}: ${r.error ?? res?.error} — ${q}`);
          continue;
        }
        const values = (res?.series ?? []).flatMap((s) => s.values ?? []).filter((row) => row.slice(1).some((v) => v !== null));
        if (values.length === 0) empty.push(`${p.title} ${target.refId}: no series — ${q}`);
      }
    }
    return empty;
  }

  it('every query returns series from a database the hub wrote, for every village and device', async () => {
    const vars = await variableValues();
    expect(vars.village?.sort()).toEqual(['dong-cam', 'gia-phu']);
    expect(vars.device).toEqual(expect.arrayContaining(['router', 'cam-1', 'ap-1', 'pc-1', 'phong-hop', 'cam-9']));
    expect(await runPanels(vars)).toEqual([]);
  });

  it('and for one village chosen', async () => {
    const vars = await variableValues({ village: ['dong-cam'] });
    expect(vars.device).not.toContain('cam-9');
    expect(await runPanels(vars)).toEqual([]);
  });

  it('the overview counts what the hub recorded', async () => {
    const vars = await variableValues();
    const overview = allPanels(dashboard.panels);
    const single = async (title: string): Promise<unknown> => {
      const q = interpolate(overview.find((p) => p.title === title)!.targets![0]!.query, range, vars, minIntervalS);
      return (await influx(q)).results?.[0]?.series?.[0]?.values?.[0]?.[1];
    };
    expect(await single('Tổng số thiết bị')).toBe(6);
    expect(await single('Thiết bị trực tuyến')).toBe(5);
    expect(await single('Thiết bị mất kết nối')).toBe(1);
    expect(await single('Sự kiện cần chú ý')).toBe(1);
  });
});
