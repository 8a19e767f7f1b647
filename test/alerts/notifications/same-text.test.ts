import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderInputFor, renderMessage } from '../../../hub/alerts/messages.js';
import { parseConfig } from '../../../hub/config/load.js';
import type { Alert } from '../../../hub/core/domain.js';
import { kindViews } from '../../../hub/registry/kinds.js';
import { DeviceRegistry } from '../../../hub/registry/registry.js';
import type { AlertView, DeviceView, KindView, VillageView } from '../../../shared/events.js';
import { devices, makeAlert, villages } from './helpers.js';

/**
 * The dashboard and the notifications tell an alert with one renderer: the same alert read through the
 * outbox (names captured at enqueue time, JSON round trip) and through the dashboard's adapter (names from
 * its device list) is the same sentence, in both languages.
 */
const dashboardSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dashboard/src');

interface DashboardText {
  alertText(a: AlertView, ctx: { villages: VillageView[]; devices: DeviceView[]; now: number }): string;
}
interface DashboardKinds {
  setKinds(list: readonly KindView[]): void;
}
interface DashboardI18n {
  setLang(lang: 'vi' | 'en'): void;
}

// The dashboard is bundled for the browser: loaded here by path so the hub's compiler does not follow it.
const load = <T>(file: string): Promise<T> => import(/* @vite-ignore */ path.join(dashboardSrc, file)) as Promise<T>;

const T0 = Date.parse('2026-11-25T07:02:00Z'); // 14:02 in Asia/Ho_Chi_Minh
const MIN = 60_000;
const extraDevices = [
  { id: 'router', village: 'dong-cam', name: 'Bộ định tuyến', kind: 'router' },
  { id: 'pc-1', village: 'dong-cam', name: 'Máy tính nhà văn hoá', kind: 'pc' },
  { id: 'mr', village: 'dong-cam', name: 'Phòng họp', kind: 'meeting-room' },
];

function alerts(): Alert[] {
  return [
    makeAlert({ startedAt: T0 }),
    makeAlert({ startedAt: T0, detail: { reason: 'timeout', since: T0 - 2 * MIN } }),
    makeAlert({ startedAt: T0, detail: { reason: 'parent', cause: 'ap-center' } }),
    makeAlert({ device: 'ap-center', condition: 'unreachable-root', startedAt: T0, detail: { reason: 'lwt', affected: 1 } }),
    makeAlert({ condition: 'flapping', severity: 'warning', startedAt: T0, detail: { changes: 6, windowS: 600 } }),
    makeAlert({
      device: 'ap-center',
      condition: 'threshold',
      severity: 'warning',
      startedAt: T0,
      detail: { kind: 'wifi-ap', metric: 'clients', value: 63, op: '>', threshold: 50, label: 'quá nhiều người dùng Wi-Fi', labelEn: 'too many Wi-Fi users' },
    }),
    makeAlert({
      device: 'pc-1',
      condition: 'threshold',
      severity: 'warning',
      startedAt: T0,
      detail: { kind: 'pc', metric: 'diskFreePct', value: 4.5, op: '<', threshold: 10, label: null },
    }),
    makeAlert({ device: null, condition: 'internet-down', startedAt: T0, detail: { reason: null } }),
    // The hub's link: every village of the hub.
    makeAlert({ key: 'internet-down:*', village: '*', device: null, condition: 'internet-down', startedAt: T0, detail: { reason: null } }),
    makeAlert({ device: 'ap-center', condition: 'unreachable-root', startedAt: T0, detail: { reason: 'lwt', affected: 1, affectedIds: 'cam-gate' } }),
    makeAlert({ condition: 'event', startedAt: T0, detail: { type: 'tamper', message: 'Vỏ camera bị mở' } }),
    makeAlert({
      device: 'mr',
      condition: 'meeting-not-ready',
      startedAt: T0,
      detail: { title: 'Họp giao ban xã', startAt: T0 + 28 * MIN, failed: 'Phòng họp, đường truyền Internet' },
    }),
    // Yesterday, seen today: the date goes next to the time.
    makeAlert({ startedAt: T0 - 24 * 60 * MIN }),
  ];
}

describe('one alert renderer for notifications and the dashboard', () => {
  let text: DashboardText;
  let i18n: DashboardI18n;

  beforeAll(async () => {
    // setLang() marks the page's language; the adapter needs nothing else of a document.
    (globalThis as { document?: unknown }).document = { documentElement: {} };
    const kinds = await load<DashboardKinds>('kinds.ts');
    kinds.setKinds(kindViews());
    text = await load<DashboardText>('alert-text.ts');
    i18n = await load<DashboardI18n>('i18n/index.ts');
  });

  for (const language of ['vi', 'en'] as const) {
    it(`gives the same sentence on both paths (${language})`, () => {
      const config = parseConfig(stringify({ villages, devices: [...devices, ...extraDevices], notify: { language } }), 'test');
      const registry = new DeviceRegistry(config);
      i18n.setLang(language);
      const now = T0 + 5 * MIN;
      const ctx = { villages: registry.villageList(), devices: registry.all().map((e) => DeviceRegistry.view(e)), now };
      for (const alert of alerts()) {
        const input = renderInputFor(config, registry, 'fired', alert, alert.startedAt);
        const notified = renderMessage(JSON.parse(JSON.stringify(input)) as typeof input, { now }).text;
        const shown = text.alertText({ ...alert, detail: { ...alert.detail } }, ctx);
        expect(shown, `${alert.condition} ${alert.key}`).toBe(notified);
      }
    });
  }
});
