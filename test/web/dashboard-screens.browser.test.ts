import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import jpeg from 'jpeg-js';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotPath } from '../../hub/web/devices-api.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { DEAD_PORT } from '../helpers/net.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** Set to a folder to keep screenshots of every page at both sizes (for a human to look at). */
const shotsDir = process.env.LANGSO_SCREENSHOT_DIR;

const devices = [
  { id: 'sw-1', village: 'dong-cam', name: 'Bộ chuyển mạch nhà văn hóa', kind: 'switch' },
  { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap', parent: 'sw-1' },
  { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera' },
  { id: 'cam-2', village: 'dong-cam', name: 'Camera chợ', kind: 'onvif-camera' },
  { id: 'pc-1', village: 'dong-cam', name: 'Máy tính thư viện', kind: 'pc' },
];

/** A small grey-gradient JPEG, as a camera's snapshot. */
function testJpeg(): Buffer {
  const width = 160;
  const height = 90;
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(((i % width) / width) * 200) + 30;
    data.set([v, v, Math.min(255, v + 20), 255], i * 4);
  }
  return jpeg.encode({ data, width, height }, 80).data;
}

/** The layout holds at this width: nothing sticks out sideways (phones must not scroll horizontally). */
async function expectNoSideScroll(page: Page): Promise<void> {
  const { scroll, width } = await page.evaluate<{ scroll: number; width: number }>('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })');
  expect(scroll).toBeLessThanOrEqual(width);
}

describe('dashboard layout at phone and desktop sizes', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  const clients = new Map<string, MqttClient>();

  const publish = async (id: string, kind: 'status' | 'telemetry', body: object): Promise<void> => {
    let c = clients.get(id);
    if (!c) clients.set(id, (c = await mqtt.connectAsync(t.mqttUrl, { clientId: id, reconnectPeriod: 0 })));
    await c.publishAsync(`langso/dong-cam/${id}/${kind}`, JSON.stringify(body), { qos: 1, retain: kind === 'status' });
  };

  beforeAll(async () => {
    outDir = await buildDashboard();
    // A port nothing listens on, outside the range the kernel hands out: a port closed a moment ago could
    // be taken by another test's server (or a probe connect to itself) and the internet would come back.
    const deadPort = DEAD_PORT;
    t = await startTestHub(
      {
        villages: [testVillage],
        devices: devices.map((d) => ({ ...d, timeoutS: 600 })),
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
        internet: { targets: [{ type: 'tcp', host: '127.0.0.1', port: deadPort }], intervalS: 0.2, failuresToDown: 1, timeoutS: 0.5 },
      },
      { dashboardDir: outDir },
    );
    for (const d of devices) await publish(d.id, 'status', { state: 'online' });
    await publish('ap-1', 'telemetry', { clients: 14, rxBps: 310_000, txBps: 2_450_000, uptimeS: 93_780 });
    await publish('cam-1', 'telemetry', { rttMs: 12.4, streamOk: true, snapshotOk: true, snapshotAgeS: 3, imageLuma: 96.5, frozen: false, clockDriftS: 2 });
    await publish('pc-1', 'telemetry', { cpuLoad: 0.23, memUsedPct: 61.5, diskFreePct: 42.1, uptimeS: 7_500 });
    // A device nobody configured: listed apart, to adopt or dismiss.
    await publish('esp-la', 'telemetry', { temp: 28 });
    await publish('cam-2', 'status', { state: 'offline', reason: 'lwt' });
    await publish('sw-1', 'status', { state: 'offline', reason: 'timeout' });
    // The AP behind the switch falls silent too: unreachable, with the switch as the cause.
    await publish('ap-1', 'status', { state: 'offline', reason: 'timeout' });
    await waitFor(async () => {
      const body = (await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as { devices: Array<{ id: string; state: string }> };
      return body.devices.find((d) => d.id === 'ap-1')?.state === 'unreachable';
    }, 5_000, 'ap-1 unreachable behind sw-1');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.endAsync(true).catch(() => undefined)));
    await closeBrowserTest(browser, [t], outDir);
  });

  for (const [label, viewport] of [
    ['phone', { width: 360, height: 740 }],
    ['desktop', { width: 1280, height: 800 }],
  ] as const) {
    describe(`${label} ${viewport.width}×${viewport.height}`, () => {
      let context: BrowserContext;
      let page: Page;
      const shot = async (name: string): Promise<void> => {
        if (shotsDir) await page.screenshot({ path: path.join(shotsDir, `${name}-${viewport.width}.png`), fullPage: true });
      };

      beforeAll(async () => {
        context = await phoneContext(browser, t.httpUrl, await t.admin(), { viewport });
        page = await openPage(context);
      });
      afterAll(() => context?.close());

      it('overview: offline and unreachable devices in words, the internet down apart from the counts', async () => {
        await page.goto(`${t.httpUrl}/`);
        await page.getByTestId('device-dong-cam-ap-1').getByText('Không truy cập được — do Bộ chuyển mạch nhà văn hóa mất kết nối').waitFor();
        await page.getByTestId('internet-banner').getByText('Đường truyền Internet của thôn đang mất').waitFor();
        await page.getByTestId('internet').getByText(/mất kết nối từ \d{2}:\d{2}/).waitFor();
        await page.getByTestId('device-alert-dong-cam-cam-2').waitFor();
        // The unreachable AP links to the alert of the switch that took it down.
        const root = page.getByTestId('active-alerts').getByText(/^Bộ chuyển mạch nhà văn hóa \(Đông Căm\) mất kết nối lúc \d{2}:\d{2}, kéo theo 1 thiết bị khác: Wi-Fi nhà văn hóa — nguyên nhân: không nhận được tín hiệu từ thiết bị$/);
        await root.waitFor();
        await page.getByTestId('device-dong-cam-ap-1').locator('.metric-value', { hasText: '14' }).waitFor();
        await expectNoSideScroll(page);
        await shot('overview');
      });

      it('alerts: firing in words with severity, the acknowledge form fits', async () => {
        await page.getByRole('link', { name: /^Cảnh báo/ }).first().click();
        const card = page.locator('[data-testid^="alert-"][data-device="cam-2"]');
        await card.getByText(/^Camera chợ \(Đông Căm\) mất kết nối lúc \d{2}:\d{2} — nguyên nhân: thiết bị ngắt kết nối đột ngột/).waitFor();
        await card.getByRole('button', { name: /^Xác nhận/ }).click();
        await card.getByLabel('Ghi chú (không bắt buộc)').waitFor();
        await expectNoSideScroll(page);
        await shot('alerts');
        await card.getByRole('button', { name: 'Hủy' }).click();
      });

      it('device detail: camera snapshot (placeholder, then the image) and metrics with labels and units', async () => {
        // No picture yet (the other size's run may have left one): removed before the page asks.
        const file = snapshotPath(t.dataDir, 'dong-cam', 'cam-1');
        await rm(file, { force: true });
        await page.goto(`${t.httpUrl}/#/d/dong-cam/cam-1`);
        const snapshot = page.getByTestId('snapshot');
        await snapshot.getByText('Chưa có ảnh chụp từ camera này.').waitFor();
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, testJpeg());
        await snapshot.getByRole('button', { name: 'Tải lại ảnh' }).click();
        const img = snapshot.getByRole('img', { name: 'Ảnh chụp mới nhất từ Camera cổng thôn' });
        await img.waitFor();
        await waitFor(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth === 160), 5_000, 'the snapshot decoded');
        await snapshot.getByText(/Chụp lúc \d{2}:\d{2} \(vừa xong\)/).waitFor();
        const table = page.locator('table.latest');
        await table.locator('tr[data-metric="imageLuma"]', { hasText: 'Độ sáng hình' }).waitFor();
        await table.locator('tr[data-metric="streamOk"]', { hasText: 'Có' }).waitFor();
        await table.locator('tr[data-metric="clockDriftS"]', { hasText: 'Lệch đồng hồ' }).getByText('2 giây').waitFor();
        await expectNoSideScroll(page);
        await shot('camera');
      });

      it('device detail of the unreachable AP names and links the switch; units read as a volunteer says them', async () => {
        await page.goto(`${t.httpUrl}/#/d/dong-cam/ap-1`);
        const note = page.getByTestId('detail-note');
        await note.getByText(/^Không truy cập được — do/).waitFor();
        expect(await note.getByRole('link', { name: 'Bộ chuyển mạch nhà văn hóa' }).getAttribute('href')).toBe('#/d/dong-cam/sw-1');
        const table = page.locator('table.latest');
        // Bytes per second from the AP read as bits, from the users' side: what the AP sends is their download.
        await table.locator('tr[data-metric="txBps"]', { hasText: 'Người dùng tải xuống' }).getByText('19,6 Mbit/s').waitFor();
        await table.locator('tr[data-metric="rxBps"]', { hasText: 'Người dùng tải lên' }).getByText('2,5 Mbit/s').waitFor();
        await table.locator('tr[data-metric="uptimeS"]', { hasText: 'Thời gian chạy' }).getByText('1 ngày 2 giờ').waitFor();
        await expectNoSideScroll(page);
        await shot('ap');
      });

      it('maintenance and meetings: forms fit the screen', async () => {
        await page.getByRole('link', { name: 'Bảo trì' }).click();
        await page.getByTestId('maintenance-form').getByLabel('Một thiết bị').check();
        await page.getByTestId('maintenance-form').getByLabel('Thiết bị', { exact: true }).waitFor();
        await page.getByTestId('maintenance-form').getByLabel('Lặp lại').check();
        await page.getByTestId('maintenance-form').getByLabel('Hằng ngày').uncheck();
        await page.getByTestId('maintenance-form').getByLabel('Thứ 7').check();
        await expectNoSideScroll(page);
        await shot('maintenance');
      });

      it('overview cut off from the hub: tiles greyed, saying how old their data is', async () => {
        await page.goto(`${t.httpUrl}/`);
        await page.getByTestId('device-dong-cam-cam-1').waitFor();
        await context.setOffline(true);
        try {
          await page.getByTestId('device-dong-cam-cam-1').and(page.locator('[data-stale="true"]')).waitFor({ timeout: 20_000 });
          await page.getByTestId('live-banner').getByText(/^Mất kết nối trực tiếp tới trung tâm từ \d{2}:\d{2}/).waitFor();
          await expectNoSideScroll(page);
          await shot('overview-stale');
        } finally {
          await context.setOffline(false);
        }
      });

      it('reads the same in English', async () => {
        await page.goto(`${t.httpUrl}/#/alerts`);
        await page.getByRole('button', { name: /Ngôn ngữ/ }).click();
        await page.locator('.alert-text', { hasText: /^Camera chợ \(Đông Căm\) went offline at \d{2}:\d{2} — cause: the device dropped its connection suddenly/ }).waitFor();
        await page.getByTestId('internet').getByText(/Internet: down since \d{2}:\d{2}/).waitFor();
        await expectNoSideScroll(page);
        await shot('alerts-en');
        await page.getByRole('button', { name: /Language/ }).click();
        await page.getByRole('heading', { name: 'Cảnh báo', exact: true }).waitFor();
      });
    });
  }
});
