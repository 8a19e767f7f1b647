import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsResponse, DevicesResponse } from '../../shared/events.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const devices = [
  { id: 'sw-1', village: 'dong-cam', name: 'Bộ chuyển mạch nhà văn hóa', kind: 'switch', timeoutS: 600 },
  { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap', parent: 'sw-1', timeoutS: 600 },
  { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 600 },
];

/** The live link and the list as the dashboard keeps them up to date: loaded early, stale when cut off, causes kept. */
describe('dashboard live updates in Chromium', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let client: MqttClient;

  const status = (id: string, body: object) => client.publishAsync(`langso/dong-cam/${id}/status`, JSON.stringify(body), { qos: 1, retain: true });
  const state = async (id: string): Promise<string | undefined> =>
    ((await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as DevicesResponse).devices.find((d) => d.id === id)?.state;
  const tile = (page: Page, id: string) => page.getByTestId(`device-dong-cam-${id}`);
  /** The live connection is up (the banner is hidden then, hence "attached"). */
  const live = (page: Page) => page.getByTestId('live-banner').and(page.locator('[data-conn="live"]')).waitFor({ state: 'attached' });
  const newPage = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await phoneContext(browser, t.httpUrl, await t.admin());
    const page = await openPage(context);
    return { context, page };
  };

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub({ villages: [testVillage], devices, store: { kind: 'sqlite', writer: { flushMs: 50 } } }, { dashboardDir: outDir });
    client = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    for (const d of devices) await status(d.id, { state: 'online' });
    await client.publishAsync('langso/dong-cam/ap-1/telemetry', JSON.stringify({ clients: 7 }), { qos: 1 });
    await waitFor(async () => (await state('ap-1')) === 'online' && (await state('sw-1')) === 'online', 5_000, 'devices online');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it('shows the devices before the live connection is up: the list does not wait for the socket', async () => {
    const { context, page } = await newPage();
    try {
      // No live connection at all: the list must come by REST, at once, not after a fallback delay.
      await page.route('**/socket.io/**', (r) => r.abort());
      await page.goto(`${t.httpUrl}/`);
      await tile(page, 'ap-1').and(page.locator('[data-state="online"]')).waitFor();
      expect(await page.getByTestId('live-banner').getAttribute('data-conn')).toBe('connecting');
    } finally {
      await context.close();
    }
  });

  it('loads the list again when a change came between its answer and the live connection', async () => {
    const { context, page } = await newPage();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    try {
      await page.route('**/socket.io/**', async (r: Route) => {
        await held;
        await r.continue().catch(() => undefined);
      });
      await page.goto(`${t.httpUrl}/`);
      await tile(page, 'cam-1').and(page.locator('[data-state="online"]')).waitFor();
      // The page cannot hear this one: its socket is not connected yet.
      await status('cam-1', { state: 'offline', reason: 'giữa hai lần tải' });
      await waitFor(async () => (await state('cam-1')) === 'offline', 5_000, 'cam-1 offline in the hub');
      release();
      await tile(page, 'cam-1').and(page.locator('[data-state="offline"]')).waitFor();
      await tile(page, 'cam-1').getByText('giữa hai lần tải').waitFor();
    } finally {
      release();
      await context.close();
      await status('cam-1', { state: 'online' });
    }
  });

  it('an unreachable device names the device that took it down, with links, without a reload', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(`${t.httpUrl}/`);
      await tile(page, 'ap-1').and(page.locator('[data-state="online"]')).waitFor();
      await live(page);
      await page.evaluate('window.__sameDocument = true');
      await status('sw-1', { state: 'offline', reason: 'timeout' });
      await status('ap-1', { state: 'offline', reason: 'timeout' });
      await tile(page, 'ap-1').and(page.locator('[data-state="unreachable"]')).waitFor();
      await tile(page, 'ap-1').getByText('Không truy cập được — do Bộ chuyển mạch nhà văn hóa mất kết nối').waitFor();
      // The tile's alert link leads to the switch's alert: the root cause, not a second alert.
      const root = await waitFor(async () => {
        const body = (await (await t.fetch(`${t.httpUrl}/api/alerts?status=open`)).json()) as AlertsResponse;
        return body.alerts.find((a) => a.device === 'sw-1');
      }, 10_000, 'the switch alert');
      const link = page.getByTestId('device-alert-dong-cam-ap-1');
      await waitFor(async () => (await link.getAttribute('href')) === `#/alerts/${root.id}`, 10_000, 'the link to the root alert');
      await tile(page, 'ap-1').click();
      const note = page.getByTestId('detail-note');
      expect(await note.getByRole('link', { name: 'Bộ chuyển mạch nhà văn hóa' }).getAttribute('href')).toBe('#/d/dong-cam/sw-1');
      expect(await page.evaluate('window.__sameDocument')).toBe(true);
    } finally {
      await context.close();
      await status('sw-1', { state: 'online' });
      await status('ap-1', { state: 'online' });
    }
  });

  it('cut off from the hub for more than a few seconds, tiles say their data is old, greyed, until the link returns', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(`${t.httpUrl}/`);
      const ap = tile(page, 'ap-1');
      await ap.and(page.locator('[data-state="online"]')).waitFor();
      await live(page);
      await context.setOffline(true);
      await ap.and(page.locator('[data-stale="true"]')).waitFor({ timeout: 20_000 });
      const text = (await ap.textContent()) ?? '';
      expect(text).toMatch(/Số liệu cũ từ \d{2}:\d{2}/);
      expect(text).not.toContain('Trực tuyến');
      expect(text).not.toContain('vừa xong');
      // Greyed: no state colour left on the tile.
      const border = await ap.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderLeftColor: string } }).getComputedStyle(el).borderLeftColor);
      expect(border).not.toBe('rgb(21, 128, 61)'); // --online
      await tile(page, 'cam-1').and(page.locator('[data-stale="true"]')).waitFor();
      await context.setOffline(false);
      await ap.and(page.locator('[data-stale="false"]')).waitFor({ timeout: 20_000 });
      await ap.getByText('Trực tuyến').waitFor();
    } finally {
      await context.close();
    }
  });
});
