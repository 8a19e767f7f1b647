import { readFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvailabilityState } from '../../hub/core/domain.js';
import type { AvailabilityPoint } from '../../hub/store/types.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { type Session } from '../helpers/auth.js';
import { parseCsv } from '../helpers/csv.js';
import { contrastIssues, targetIssues } from '../helpers/page-audit.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const H = 3_600_000;
const D = 24 * H;

/**
 * The record commune IT reviews, in Chromium at 360 px: the Reports page (no horizontal overflow, readable,
 * thumb-sized), its CSV download and its print view; the device page's timeline and outages with an
 * outage forced over MQTT; the overview's uptime figures; the alert history's filters and CSV.
 */
describe('reports, uptime and the alert history in the dashboard', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let admin: Session;
  let devices: MqttClient;

  const audit = async (page: Page, name: string): Promise<void> => {
    expect.soft({ page: name, contrast: await contrastIssues(page) }).toEqual({ page: name, contrast: [] });
    expect.soft({ page: name, targets: await targetIssues(page) }).toEqual({ page: name, targets: [] });
  };
  const shot = async (page: Page, name: string) => {
    if (process.env.LANGSO_SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.LANGSO_SCREENSHOT_DIR, `${name}-360.png`), fullPage: true });
  };
  const noOverflow = async (page: Page, name: string) => {
    const o = await page.evaluate<{ scroll: number; width: number }>('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })');
    expect(o.scroll, `${name}: page wider than the phone`).toBeLessThanOrEqual(o.width);
  };
  const open = (hash: string): Promise<Page> => openPage(context, `${t.httpUrl}/${hash}`, 15_000);

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub(
      {
        villages: [testVillage, { id: 'gia-phu', name: 'Gia Phú', commune: 'Gia Phú' }],
        devices: [
          { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 3600 },
          { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap', timeoutS: 3600 },
          { id: 'cam-9', village: 'gia-phu', name: 'Camera chợ Gia Phú', kind: 'onvif-camera', timeoutS: 3600 },
        ],
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
        // A device back online is declared back at once: the history test finds its alert resolved.
        alerts: { recoverS: 0 },
      },
      { dashboardDir: outDir },
    );
    admin = await t.admin();
    // Forty days of history: Đông Căm's camera was out for two hours five days ago; Gia Phú had maintenance.
    const now = Date.now();
    const p = (village: string, device: string, kind: AvailabilityPoint['kind'], ts: number, state: AvailabilityState): AvailabilityPoint => ({ measurement: 'availability', village, device, kind, ts, state });
    await t.hub.ctx.store.write([
      p('dong-cam', 'cam-1', 'onvif-camera', now - 40 * D, 'online'),
      p('dong-cam', 'cam-1', 'onvif-camera', now - 5 * D, 'offline'),
      p('dong-cam', 'cam-1', 'onvif-camera', now - 5 * D + 2 * H, 'online'),
      p('dong-cam', 'ap-1', 'wifi-ap', now - 40 * D, 'online'),
      p('gia-phu', 'cam-9', 'onvif-camera', now - 40 * D, 'online'),
      p('gia-phu', 'cam-9', 'onvif-camera', now - 3 * D, 'maintenance'),
      p('gia-phu', 'cam-9', 'onvif-camera', now - 3 * D + 4 * H, 'online'),
    ]);
    devices = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    for (const [v, d] of [['dong-cam', 'cam-1'], ['dong-cam', 'ap-1'], ['gia-phu', 'cam-9']] as const) {
      await devices.publishAsync(`langso/${v}/${d}/status`, JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    }
    await waitFor(() => t.hub.ctx.devices.get({ village: 'gia-phu', device: 'cam-9' })?.state === 'online', 10_000, 'devices online');
    browser = await launchChromium();
    context = await phoneContext(browser, t.httpUrl, admin, { acceptDownloads: true });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await devices?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it('Reports page at 360 px: per village and device, sortable, no horizontal overflow, readable, thumb-sized', async () => {
    const page = await open('#/reports');
    await page.getByRole('heading', { name: 'Báo cáo', exact: true }).waitFor();
    await page.getByLabel('Khoảng thời gian').waitFor({ state: 'detached' }).catch(() => undefined);
    // A range of days covering the camera's outage.
    await page.getByRole('button', { name: 'Theo khoảng ngày' }).click();
    const day = (ts: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date(ts));
    await page.getByTestId('report-from').fill(day(Date.now() - 10 * D));
    await page.getByTestId('report-to').fill(day(Date.now()));
    const dc = page.getByTestId('report-dong-cam');
    await dc.getByTestId('row-cam-1').waitFor();
    await waitFor(async () => (await dc.getByTestId('row-cam-1').textContent())?.includes('2 giờ'), 10_000, 'the outage in the table');
    // Worst first by default: the camera with its outage heads Đông Căm's table.
    expect(await dc.locator('tbody tr').first().getAttribute('data-testid')).toBe('row-cam-1');
    await page.getByTestId('report-sort').selectOption('name');
    await waitFor(async () => (await dc.locator('tbody tr').first().getAttribute('data-testid')) === 'row-cam-1', 5_000, 'sorted by name');
    await page.getByTestId('report-sort').selectOption('uptimePct');
    expect(await page.getByTestId('report-gia-phu').textContent()).toContain('Camera chợ Gia Phú');
    await noOverflow(page, 'reports');
    await audit(page, 'reports');
    await shot(page, 'reports');
    // Gia Phú left out: its table goes.
    await page.getByRole('checkbox', { name: 'Gia Phú' }).uncheck();
    await page.getByTestId('report-gia-phu').waitFor({ state: 'detached' });
    await page.close();
  }, 60_000);

  it('downloads the CSV: BOM, strict CSV, the figures shown', async () => {
    const page = await open('#/reports');
    await page.getByTestId('report-dong-cam').getByTestId('row-cam-1').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^uptime-\d{4}-\d{2}\.csv$/);
    const bytes = await readFile(await download.path());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.toString('utf8').slice(1));
    expect(rows[0]?.[0]).toBe('Thôn');
    expect(rows.slice(1).map((r) => r[1]).sort()).toEqual(['ap-1', 'cam-1', 'cam-9']);
    await page.close();
  }, 60_000);

  it('print view: A4 report with its header (commune, villages, period, time made, the rules), no controls', async () => {
    const page = await open('#/reports');
    await page.getByTestId('report-dong-cam').getByTestId('row-cam-1').waitFor();
    await page.emulateMedia({ media: 'print' });
    const head = page.getByTestId('print-head');
    const text = (await head.textContent()) ?? '';
    expect(text).toContain('Báo cáo thời gian hoạt động thiết bị');
    expect(text).toContain('Xã Gia Phú');
    expect(text).toContain('Thôn: Đông Căm, Gia Phú');
    expect(text).toMatch(/Kỳ báo cáo: tháng \d{1,2}\/\d{4}/);
    expect(text).toMatch(/Lập lúc: /);
    expect(text).toContain('không tính thời gian bảo trì và lúc trung tâm không chạy');
    expect(await page.locator('.app-header').isVisible()).toBe(false);
    expect(await page.locator('.report-controls').isVisible()).toBe(false);
    expect(await page.getByTestId('report-csv').isVisible()).toBe(false);
    expect(await page.locator('.report-table thead').first().isVisible()).toBe(true);
    expect(await page.evaluate<string>('getComputedStyle(document.querySelector(".report-table")).display')).toBe('table');
    await shot(page, 'reports-print');
    await page.emulateMedia({ media: 'screen' });
    await page.close();
  }, 60_000);

  it('device page: a forced outage shows on the timeline and in the outages, with when and why', async () => {
    await devices.publishAsync('langso/dong-cam/cam-1/status', JSON.stringify({ state: 'offline', reason: 'lwt' }), { qos: 1, retain: true });
    await waitFor(() => t.hub.ctx.devices.get({ village: 'dong-cam', device: 'cam-1' })?.state === 'offline', 10_000, 'camera offline');
    const page = await open('#/d/dong-cam/cam-1');
    const panel = page.getByTestId('device-uptime');
    await panel.waitFor();
    await waitFor(async () => (await page.getByTestId('timeline').locator('.seg[data-state="offline"]').count()) > 0, 10_000, 'an offline stretch on the timeline');
    await waitFor(async () => ((await page.getByTestId('outages').textContent()) ?? '').includes('bây giờ'), 10_000, 'the ongoing outage listed');
    expect(await page.getByTestId('outages').textContent()).toContain('Lý do: thiết bị ngắt kết nối đột ngột');
    expect(await page.getByTestId('uptime-24h').textContent()).toMatch(/24 giờ.*%/);
    // Seconds old, the outage is a sliver at the right end of 24 hours: the arrow keys reach it (the last
    // stretch first), a tap elsewhere tells the stretch under the finger.
    await page.getByTestId('timeline').scrollIntoViewIfNeeded();
    const box = (await page.getByTestId('timeline').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await waitFor(async () => ((await page.getByTestId('timeline-picked').textContent()) ?? '').startsWith('Trực tuyến từ'), 5_000, 'the tapped stretch told');
    await page.getByTestId('timeline').press('ArrowRight');
    await page.getByTestId('timeline').press('ArrowRight');
    await waitFor(async () => ((await page.getByTestId('timeline-picked').textContent()) ?? '').startsWith('Mất kết nối từ'), 5_000, 'the tapped stretch told');
    expect(await page.getByTestId('timeline-picked').textContent()).toContain('Lý do: thiết bị ngắt kết nối đột ngột');
    // The 7-day view has the earlier outage too.
    await panel.getByRole('button', { name: '7 ngày' }).click();
    await waitFor(async () => ((await page.getByTestId('outages').locator('li').count()) === 2), 10_000, 'two outages in 7 days');
    await noOverflow(page, 'device');
    await audit(page, 'device');
    await shot(page, 'device-uptime');
    await page.close();
    await devices.publishAsync('langso/dong-cam/cam-1/status', JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
  }, 60_000);

  it('overview: each village with its 24 h and 30 d uptime, and the worst devices', async () => {
    const page = await open('#/');
    const line = page.getByTestId('village-uptime-dong-cam');
    await line.waitFor();
    expect(await line.textContent()).toMatch(/24 giờ: [\d,]+%.*30 ngày: [\d,]+%/);
    expect(await page.getByTestId('village-uptime-gia-phu').textContent()).toContain('30 ngày: 100%');
    expect(await page.getByTestId('worst-devices').textContent()).toContain('Camera cổng thôn (Đông Căm)');
    await noOverflow(page, 'overview');
    await audit(page, 'overview');
    await shot(page, 'overview-uptime');
    await page.close();
  }, 60_000);

  it('alert history: filters by village, device and condition; the CSV link carries the same filters', async () => {
    const page = await open('#/alerts/history');
    await page.getByTestId('history-filters').waitFor();
    await page.getByTestId('history-village').selectOption('dong-cam');
    await page.getByTestId('history-device').selectOption('cam-1');
    await page.getByTestId('history-condition').selectOption('offline');
    const href = (await page.getByTestId('history-csv').getAttribute('href')) ?? '';
    const q = new URL(href, t.httpUrl).searchParams;
    expect(Object.fromEntries(q)).toMatchObject({ village: 'dong-cam', device: 'cam-1', condition: 'offline', status: 'resolved' });
    await waitFor(async () => (await page.locator('[data-testid^="alert-"][data-device="cam-1"]').count()) > 0, 10_000, 'the resolved camera alert');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('history-csv').click()]);
    const rows = parseCsv((await readFile(await download.path(), 'utf8')).slice(1));
    expect(rows.slice(1).map((r) => r[1])).toEqual(['Camera cổng thôn']);
    await noOverflow(page, 'history');
    await audit(page, 'history');
    await shot(page, 'alert-history');
    await page.close();
  }, 60_000);
});
