import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/services/chromium.js';
import { buildDashboard, closeBrowserTest, phoneContext } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const devices = [
  { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap' },
  { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng làng', kind: 'onvif-camera' },
  { id: 'pc-1', village: 'dong-cam', name: 'Máy tính thư viện', kind: 'pc' },
];

const tile = (page: Page, id: string, village = 'dong-cam') => page.getByTestId(`device-${village}-${id}`);

/** Polls the tile's data-state; the dashboard must change it from pushes, without a reload. */
async function expectState(page: Page, id: string, state: string, timeoutMs = 10_000): Promise<void> {
  await tile(page, id).and(page.locator(`[data-state="${state}"]`)).waitFor({ timeout: timeoutMs });
}

describe('dashboard in Chromium', () => {
  let outDir: string;
  let t: TestHub | null = null;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const clients: MqttClient[] = [];

  const connect = async (clientId: string): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(t!.mqttUrl, { clientId, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  };
  const status = (c: MqttClient, id: string, body: object) =>
    c.publishAsync(`langso/dong-cam/${id}/status`, JSON.stringify(body), { qos: 1, retain: true });
  const telemetry = (c: MqttClient, id: string, body: object, village = 'dong-cam') =>
    c.publishAsync(`langso/${village}/${id}/telemetry`, JSON.stringify(body), { qos: 1 });

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub(
      {
        villages: [testVillage],
        devices,
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
      },
      { dashboardDir: outDir },
    );
    const ap = await connect('ap-1');
    const cam = await connect('cam-1');
    await status(ap, 'ap-1', { state: 'online' });
    await telemetry(ap, 'ap-1', { clients: 5, rxBps: 1200 });
    await status(cam, 'cam-1', { state: 'online' });
    await telemetry(cam, 'cam-1', { rttMs: 12, streamOk: true });
    await waitFor(async () => {
      const res = await t!.fetch(`${t!.httpUrl}/api/devices`);
      const body = (await res.json()) as { devices: Array<{ id: string; state: string }> };
      return body.devices.filter((d) => d.state === 'online').length === 2;
    }, 5_000, 'two devices online in /api/devices');

    browser = await launchChromium();
    context = await phoneContext(browser, t!.httpUrl, await t!.admin());
    page = await context.newPage();
    // 127.0.0.1, not localhost: socket.io only reacts to the browser's "offline" event off localhost.
    await page.goto(`${t.httpUrl}/`);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await closeBrowserTest(browser, [t], outDir);
  });

  it('shows the village and its devices with their states, in Vietnamese', async () => {
    await page.getByRole('heading', { name: 'Đông Căm' }).waitFor();
    await expectState(page, 'ap-1', 'online');
    await expectState(page, 'cam-1', 'online');
    await expectState(page, 'pc-1', 'unknown');
    await expect(tile(page, 'ap-1').textContent()).resolves.toContain('Trực tuyến');
    await expect(tile(page, 'ap-1').textContent()).resolves.toContain('Bộ phát Wi-Fi');
    await expect(tile(page, 'pc-1').textContent()).resolves.toContain('Không rõ');
    // The sparkline of the AP's main metric (clients) is drawn.
    await tile(page, 'ap-1').locator('canvas').waitFor();
    await expect(page.getByTestId('summary-online').textContent()).resolves.toContain('2');
  });

  it('updates a tile live when a device goes offline, without reloading', async () => {
    await page.evaluate('window.__sameDocument = true');
    await status(clients[0]!, 'ap-1', { state: 'offline', reason: 'test' });
    await expectState(page, 'ap-1', 'offline');
    await expect(tile(page, 'ap-1').textContent()).resolves.toContain('Mất kết nối');
    await expect(tile(page, 'ap-1').textContent()).resolves.toContain('test');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);

    await status(clients[0]!, 'ap-1', { state: 'online' });
    await telemetry(clients[0]!, 'ap-1', { clients: 9 });
    await expectState(page, 'ap-1', 'online');
    await tile(page, 'ap-1').locator('.metric-value', { hasText: '9' }).waitFor();
  });

  it('lists a device that is not in the configuration under "Chưa đăng ký"', async () => {
    const stranger = await connect('esp-la');
    await telemetry(stranger, 'esp-la', { temp: 28 });
    const section = page.getByTestId('unregistered');
    await section.getByRole('heading', { name: 'Chưa đăng ký' }).waitFor();
    await tile(page, 'esp-la').waitFor();
  });

  it('opens a device detail view with a chart and the latest values, and goes back', async () => {
    await tile(page, 'ap-1').click();
    await page.waitForURL(/#\/d\/dong-cam\/ap-1$/);
    await page.getByRole('heading', { name: 'Wi-Fi nhà văn hóa' }).waitFor();
    await page.locator('.series canvas').waitFor();
    // The chart's own range buttons (the uptime panel has a range of its own).
    const chartRange = page.getByRole('group', { name: 'Khoảng thời gian', exact: true });
    await chartRange.getByRole('button', { name: '24 giờ', exact: true }).click();
    await chartRange.getByRole('button', { name: '24 giờ', exact: true, pressed: true }).waitFor();
    await page.getByTestId('metric-select').selectOption('rxBps');
    const table = page.locator('table.latest');
    // Metrics read in Vietnamese with their units; the raw name stays as the row's tooltip.
    await table.getByRole('rowheader', { name: 'Người dùng Wi-Fi' }).waitFor();
    await table.locator('tr[data-metric="rxBps"]', { hasText: 'Người dùng tải lên' }).getByText('9,6 kbit/s').waitFor();
    expect(await table.getByRole('rowheader', { name: 'Người dùng Wi-Fi' }).getAttribute('title')).toBe('clients');
    // Live: a new reading shows up in the table.
    await telemetry(clients[0]!, 'ap-1', { clients: 11 });
    await table.locator('tr', { hasText: 'Người dùng Wi-Fi' }).locator('td', { hasText: '11' }).waitFor();
    await page.getByRole('link', { name: /Tất cả thiết bị/ }).click();
    await page.getByRole('heading', { name: 'Đông Căm' }).waitFor();
  });

  it('is keyboard accessible: a tile is a link reachable with Tab', async () => {
    const href = await tile(page, 'cam-1').getAttribute('href');
    expect(href).toBe('#/d/dong-cam/cam-1');
    await tile(page, 'cam-1').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/d\/dong-cam\/cam-1$/);
    await page.goBack();
    await page.getByRole('heading', { name: 'Đông Căm' }).waitFor();
  });

  it('shows the live banner while disconnected and reloads the list on reconnect', async () => {
    const banner = page.getByTestId('live-banner');
    await expect(banner.isHidden()).resolves.toBe(true);
    await context.setOffline(true);
    await banner.getByText('Mất kết nối trực tiếp tới trung tâm — đang thử lại…').waitFor({ timeout: 10_000 });
    expect(await banner.getAttribute('role')).toBe('status');
    // A change while the page cannot hear it: only the list fetched on reconnect can tell.
    await status(clients[1]!, 'cam-1', { state: 'offline', reason: 'missed' });
    await new Promise((r) => setTimeout(r, 300));
    await context.setOffline(false);
    await banner.getByText('Đã kết nối lại').waitFor({ timeout: 15_000 });
    await expectState(page, 'cam-1', 'offline');
    await expect(tile(page, 'cam-1').textContent()).resolves.toContain('missed');
  });

  it('switches to English and remembers it', async () => {
    await page.getByRole('button', { name: /Ngôn ngữ/ }).click();
    await expect(tile(page, 'ap-1').textContent()).resolves.toContain('Online');
    await page.reload();
    await expectState(page, 'ap-1', 'online');
    await expect(tile(page, 'ap-1').textContent()).resolves.toContain('Wi-Fi access point');
    await page.getByRole('button', { name: /Language/ }).click();
    await expect(tile(page, 'ap-1').textContent()).resolves.toContain('Trực tuyến');
  });

  it('shows the live banner when the hub goes away', async () => {
    const hub = t!;
    t = null;
    await hub.stop();
    await page.getByTestId('live-banner').getByText('Mất kết nối trực tiếp tới trung tâm — đang thử lại…').waitFor({ timeout: 10_000 });
  });
});
