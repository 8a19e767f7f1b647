import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevicesResponse } from '../../shared/events.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const banPho = { id: 'ban-pho', name: 'Bản Phố', commune: 'Gia Phú', province: 'Lào Cai' };
const devices = [
  { id: 'sw-1', village: 'dong-cam', name: 'Bộ chuyển mạch nhà văn hóa', kind: 'switch', location: 'Nhà văn hóa thôn' },
  { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap', parent: 'sw-1', location: 'Nhà văn hóa thôn' },
  { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', location: 'Cổng thôn' },
  { id: 'cam-2', village: 'dong-cam', name: 'Camera chợ', kind: 'onvif-camera', location: 'Chợ phiên' },
  { id: 'pc-1', village: 'dong-cam', name: 'Máy tính thư viện', kind: 'pc' },
  { id: 'ap-bp', village: 'ban-pho', name: 'Wi-Fi Bản Phố', kind: 'wifi-ap' },
].map((d) => ({ ...d, timeoutS: 600 }));

/** The overview puts problems first and finds a device fast; unregistered devices can be dismissed. */
describe('dashboard overview in Chromium', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let client: MqttClient;

  const status = (village: string, id: string, body: object) =>
    client.publishAsync(`langso/${village}/${id}/status`, JSON.stringify(body), { qos: 1, retain: true });
  const api = async (): Promise<DevicesResponse> => (await t.fetch(`${t.httpUrl}/api/devices`)).json() as Promise<DevicesResponse>;
  const tile = (id: string, village = 'dong-cam') => page.getByTestId(`device-${village}-${id}`);
  /** Tile names in the order shown in a village's section. */
  const order = (village: string) => page.locator(`section[aria-labelledby="v-${village}"] .tile-name`).allTextContents();

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub({ villages: [testVillage, banPho], devices, store: { kind: 'sqlite', writer: { flushMs: 50 } } }, { dashboardDir: outDir });
    client = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    for (const d of devices) await status(d.village, d.id, { state: 'online' });
    await client.publishAsync('langso/dong-cam/cam-1/telemetry', JSON.stringify({ rttMs: 12.4 }), { qos: 1 });
    await status('dong-cam', 'cam-2', { state: 'offline', reason: 'lwt' });
    await status('dong-cam', 'sw-1', { state: 'offline', reason: 'timeout' });
    await status('dong-cam', 'ap-1', { state: 'offline', reason: 'timeout' });
    await waitFor(async () => (await api()).devices.find((d) => d.id === 'ap-1')?.state === 'unreachable', 5_000, 'ap-1 unreachable');
    browser = await launchChromium();
    context = await phoneContext(browser, t.httpUrl, await t.admin());
    page = await openPage(context, `${t.httpUrl}/`);
    await tile('cam-2').and(page.locator('[data-state="offline"]')).waitFor();
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it('shows the tiles before (and without) the chart code, and nothing sticks out sideways meanwhile', async () => {
    const bare = await openPage(context);
    // chart.js comes in a chunk of its own after the tiles; here it never arrives.
    await bare.route('**/assets/charts-*.js', (r) => r.abort());
    await bare.goto(`${t.httpUrl}/`);
    await bare.getByTestId('device-dong-cam-cam-1').getByText('Vị trí: Cổng thôn').waitFor();
    await bare.getByTestId('device-dong-cam-cam-1').locator('.sparkline canvas').waitFor({ state: 'attached' });
    const { scroll, width } = await bare.evaluate<{ scroll: number; width: number }>('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })');
    expect(scroll).toBeLessThanOrEqual(width);
    await bare.close();
  });

  it('puts offline devices first, then the ones they cut off, then the rest by name', async () => {
    expect(await order('dong-cam')).toEqual(['Bộ chuyển mạch nhà văn hóa', 'Camera chợ', 'Wi-Fi nhà văn hóa', 'Camera cổng thôn', 'Máy tính thư viện']);
  });

  it('an offline tile says since when and for how long; every tile shows where the device is', async () => {
    await tile('cam-2').getByTestId('tile-seen').getByText(/^Mất kết nối từ \d{2}:\d{2} · \d+ (giây|phút)$/).waitFor();
    await tile('ap-1').getByTestId('tile-seen').getByText(/^Không truy cập được từ \d{2}:\d{2} · \d+ (giây|phút)$/).waitFor();
    await tile('cam-1').getByText('Vị trí: Cổng thôn').waitFor();
    await tile('cam-2').getByText('Vị trí: Chợ phiên').waitFor();
  });

  it('"only devices with a problem" leaves the three down and hides a village with none', async () => {
    const filters = page.getByTestId('device-filters');
    await filters.getByLabel('Chỉ thiết bị có sự cố (3)').check();
    expect(await order('dong-cam')).toEqual(['Bộ chuyển mạch nhà văn hóa', 'Camera chợ', 'Wi-Fi nhà văn hóa']);
    expect(await page.getByRole('heading', { name: 'Bản Phố' }).count()).toBe(0);
    await filters.getByLabel('Chỉ thiết bị có sự cố (3)').uncheck();
    await page.getByRole('heading', { name: 'Bản Phố' }).waitFor();
  });

  it('search finds a device by name without tone marks, by location or by id, and says when nothing matches', async () => {
    const search = page.getByTestId('device-filters').getByLabel('Tìm thiết bị');
    await search.fill('camera cong');
    expect(await order('dong-cam')).toEqual(['Camera cổng thôn']);
    await search.fill('cho phien');
    expect(await order('dong-cam')).toEqual(['Camera chợ']);
    await search.fill('ap-bp');
    expect(await order('ban-pho')).toEqual(['Wi-Fi Bản Phố']);
    expect(await page.getByRole('heading', { name: 'Đông Căm' }).count()).toBe(0);
    await search.fill('máy giặt');
    await page.getByTestId('filter-empty').getByText('Không tìm thấy thiết bị nào khớp.').waitFor();
    // The search is still there after opening a device and coming back.
    await search.fill('Cổng');
    await tile('cam-1').click();
    await page.getByRole('link', { name: /Tất cả thiết bị/ }).click();
    expect(await page.getByTestId('device-filters').getByLabel('Tìm thiết bị').inputValue()).toBe('Cổng');
    expect(await order('dong-cam')).toEqual(['Camera cổng thôn']);
    await page.getByTestId('device-filters').getByLabel('Tìm thiết bị').fill('');
  });

  it('a device page shows the location and its title names the village', async () => {
    await page.goto(`${t.httpUrl}/#/d/dong-cam/cam-1`);
    await page.getByTestId('detail-location').getByText('Cổng thôn').waitFor();
    await waitFor(async () => (await page.title()) === 'Camera cổng thôn (Đông Căm) · Làng Số', 5_000, 'the title with the village');
    await page.goto(`${t.httpUrl}/`);
  });

  it('an unregistered device is labelled as such and can be dismissed; every open dashboard drops it', async () => {
    const other = await context.newPage();
    await other.goto(`${t.httpUrl}/`);
    await client.publishAsync('langso/dong-cam/esp-la/telemetry', JSON.stringify({ temp: 28 }), { qos: 1 });
    const section = page.getByTestId('unregistered');
    const stranger = tile('esp-la');
    await stranger.waitFor();
    await stranger.getByText('Chưa đăng ký').waitFor();
    await stranger.getByText('dong-cam/esp-la').waitFor();
    await page.getByTestId('summary').getByText('7 thiết bị').waitFor();
    await other.getByTestId('device-dong-cam-esp-la').waitFor();
    await section.getByRole('button', { name: 'Ẩn thiết bị chưa đăng ký dong-cam/esp-la' }).click();
    await section.getByText('Ẩn thiết bị này? Nó sẽ hiện lại nếu gửi dữ liệu lần nữa.').waitFor();
    await section.getByRole('button', { name: 'Ẩn khỏi danh sách' }).click();
    await section.waitFor({ state: 'detached' });
    await page.getByTestId('summary').getByText('6 thiết bị').waitFor();
    await other.getByTestId('device-dong-cam-esp-la').waitFor({ state: 'detached' });
    expect((await api()).devices.some((d) => d.id === 'esp-la')).toBe(false);
    await other.close();
  });

  it('the header counts only states some device is in', async () => {
    const summary = page.getByTestId('summary');
    await summary.getByTestId('summary-offline').getByText('Mất kết nối: 2').waitFor();
    expect(await summary.getByTestId('summary-maintenance').count()).toBe(0);
    for (const id of ['sw-1', 'cam-2', 'ap-1']) await status('dong-cam', id, { state: 'online' });
    await summary.getByTestId('summary-online').getByText('Trực tuyến: 6').waitFor();
    expect(await summary.getByTestId('summary-offline').count()).toBe(0);
    expect(await summary.getByTestId('summary-unreachable').count()).toBe(0);
  });
});
