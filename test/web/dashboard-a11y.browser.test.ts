import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsResponse, DevicesResponse } from '../../shared/events.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { DEAD_PORT } from '../helpers/net.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { contrastIssues, targetIssues } from '../helpers/page-audit.js';

const devices = [
  { id: 'sw-1', village: 'dong-cam', name: 'Bộ chuyển mạch nhà văn hóa', kind: 'switch', location: 'Nhà văn hóa thôn' },
  { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap', parent: 'sw-1' },
  { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', location: 'Cổng thôn' },
  { id: 'cam-2', village: 'dong-cam', name: 'Camera chợ', kind: 'onvif-camera' },
  { id: 'pc-1', village: 'dong-cam', name: 'Máy tính thư viện', kind: 'pc' },
  { id: 'mr-1', village: 'dong-cam', name: 'Bộ họp nhà văn hóa', kind: 'meeting-room' },
  { id: 'cam-9', village: 'dong-cam', name: 'Camera sân bóng', kind: 'onvif-camera' },
].map((d) => ({ ...d, timeoutS: 600 }));

/**
 * Every text readable (contrast at least 4.5:1 against what is behind it) and every control big enough
 * for a thumb (44 × 44 px), measured at 360 px on each page, with devices and alerts in every state.
 */
describe('dashboard contrast and tap targets at 360 px', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let client: MqttClient;

  const publish = (id: string, channel: string, body: object, village = 'dong-cam') =>
    client.publishAsync(`langso/${village}/${id}/${channel}`, JSON.stringify(body), { qos: 1, retain: channel === 'status' });
  const stateOf = async (id: string) => ((await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as DevicesResponse).devices.find((d) => d.id === id)?.state;
  const audit = async (name: string): Promise<void> => {
    const contrast = await contrastIssues(page);
    const targets = await targetIssues(page);
    expect.soft({ page: name, contrast }).toEqual({ page: name, contrast: [] });
    expect.soft({ page: name, targets }).toEqual({ page: name, targets: [] });
  };

  beforeAll(async () => {
    outDir = await buildDashboard();
    // A port open a moment ago and closed now: the internet is down from the start (its banner and alert show).
    // A port nothing listens on, outside the range the kernel hands out: a port closed a moment ago could
    // be taken by another test's server (or a probe connect to itself) and the internet would come back.
    const deadPort = DEAD_PORT;
    t = await startTestHub(
      {
        villages: [testVillage],
        devices,
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
        internet: { targets: [{ type: 'tcp', host: '127.0.0.1', port: deadPort }], intervalS: 0.2, failuresToDown: 1, timeoutS: 0.5 },
        meetings: [{ village: 'dong-cam', startAt: new Date(Date.now() + 20 * 60_000).toISOString(), title: 'Họp giao ban với xã' }],
      },
      { dashboardDir: outDir },
    );
    client = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    for (const d of devices.filter((x) => x.id !== 'cam-9')) await publish(d.id, 'status', { state: 'online' });
    await publish('ap-1', 'telemetry', { clients: 14, rxBps: 310_000, txBps: 2_450_000 });
    await publish('cam-1', 'telemetry', { rttMs: 12.4, streamOk: true, imageLuma: 96 });
    await publish('pc-1', 'telemetry', { cpuLoad: 0.23, memUsedPct: 61.5 });
    await publish('esp-la', 'telemetry', { temp: 28 });
    await publish('cam-2', 'status', { state: 'offline', reason: 'lwt' });
    await publish('sw-1', 'status', { state: 'offline', reason: 'timeout' });
    await publish('ap-1', 'status', { state: 'offline', reason: 'timeout' });
    await waitFor(async () => (await stateOf('ap-1')) === 'unreachable', 5_000, 'ap-1 unreachable');
    // The PC is in maintenance; one alert is acknowledged, the others still firing.
    const w = await t.fetch(`${t.httpUrl}/api/maintenance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ village: 'dong-cam', device: 'pc-1', from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 3600_000).toISOString(), note: 'Cài lại máy' }),
    });
    expect(w.status).toBe(201);
    const cam2 = await waitFor(
      async () => ((await (await t.fetch(`${t.httpUrl}/api/alerts?status=open`)).json()) as AlertsResponse).alerts.find((a) => a.device === 'cam-2'),
      10_000,
      'the cam-2 alert',
    );
    await t.fetch(`${t.httpUrl}/api/alerts/${cam2.id}/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'đang đi xem' }) });
    browser = await launchChromium();
    context = await phoneContext(browser, t.httpUrl, await t.admin());
    page = await openPage(context);
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it('overview, with devices in every state, the internet down and an unregistered device', async () => {
    await page.goto(`${t.httpUrl}/`);
    await page.getByTestId('device-dong-cam-pc-1').and(page.locator('[data-state="maintenance"]')).waitFor();
    await page.getByTestId('device-dong-cam-esp-la').waitFor();
    await page.getByTestId('internet-banner').getByText(/Đường truyền Internet/).waitFor();
    await audit('overview');
  });

  it('device pages: an unreachable AP and a camera', async () => {
    await page.goto(`${t.httpUrl}/#/d/dong-cam/ap-1`);
    await page.getByTestId('detail-note').waitFor();
    await page.locator('.series[data-ready="true"]').waitFor();
    await audit('device ap-1');
    await page.goto(`${t.httpUrl}/#/d/dong-cam/cam-1`);
    await page.getByTestId('snapshot-placeholder').and(page.locator('[data-kind="none"]')).waitFor();
    await audit('device cam-1');
  });

  it('alerts: firing, acknowledged, the acknowledge form open, and the history', async () => {
    await page.goto(`${t.httpUrl}/#/alerts`);
    const firing = page.locator('[data-testid^="alert-"][data-status="firing"]').first();
    await firing.getByRole('button', { name: /^Xác nhận/ }).click();
    await firing.getByTestId('ack-form').waitFor();
    await page.locator('[data-testid^="alert-"][data-status="acknowledged"]').first().getByRole('button', { name: 'Diễn biến' }).click();
    await page.locator('.timeline').first().waitFor();
    await audit('alerts');
    await page.getByTestId('tab-history').click();
    await page.getByTestId('alert-history').waitFor();
    await audit('alert history');
  });

  it('maintenance and meetings, with the forms in use', async () => {
    await page.goto(`${t.httpUrl}/#/maintenance`);
    const form = page.getByTestId('maintenance-form');
    await page.getByTestId('maintenance-list').waitFor();
    await form.getByLabel('Một thiết bị').check();
    await form.getByRole('button', { name: 'Lưu' }).click();
    await form.locator('.field-error').first().waitFor();
    await audit('maintenance');
  });

  it('the overview while the live link is down: old data, greyed, still readable', async () => {
    await page.goto(`${t.httpUrl}/`);
    await page.getByTestId('device-dong-cam-cam-1').waitFor();
    await context.setOffline(true);
    await page.getByTestId('device-dong-cam-cam-1').and(page.locator('[data-stale="true"]')).waitFor({ timeout: 20_000 });
    await audit('overview, stale');
    await context.setOffline(false);
  });
});
