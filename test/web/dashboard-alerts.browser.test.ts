import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsResponse, InternetView } from '../../shared/events.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { buildDashboard, removeBuild, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** A TCP listener standing in for "the internet": the hub's internet probe connects to it. */
async function listen(port = 0): Promise<net.Server> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
const close = (s: net.Server) => new Promise<void>((resolve) => s.close(() => resolve()));

describe('dashboard alerts and internet in Chromium', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let internet: net.Server;
  let internetPort: number;
  let cam: MqttClient;
  let alertId: number;

  const status = (body: object) => cam.publishAsync('langso/dong-cam/cam-1/status', JSON.stringify(body), { qos: 1, retain: true });
  const alertsApi = async (q: string): Promise<AlertsResponse> => (await t.fetch(`${t.httpUrl}/api/alerts?${q}`)).json() as Promise<AlertsResponse>;
  const card = () => page.locator('[data-testid^="alert-"][data-device="cam-1"]');

  beforeAll(async () => {
    outDir = await buildDashboard();
    internet = await listen();
    internetPort = (internet.address() as net.AddressInfo).port;
    t = await startTestHub(
      {
        villages: [testVillage],
        // No parent: its offline alert fires at once, without the dependency grace.
        devices: [{ id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera' }],
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
        internet: { targets: [{ type: 'tcp', host: '127.0.0.1', port: internetPort }], intervalS: 0.2, failuresToDown: 1, timeoutS: 0.5 },
      },
      { dashboardDir: outDir },
    );
    cam = await mqtt.connectAsync(t.mqttUrl, { clientId: 'cam-1', reconnectPeriod: 0 });
    await status({ state: 'online' });
    await cam.publishAsync('langso/dong-cam/cam-1/telemetry', JSON.stringify({ rttMs: 12, streamOk: true }), { qos: 1 });
    await waitFor(async () => ((await (await t.fetch(`${t.httpUrl}/api/internet`)).json()) as InternetView).state === 'up', 5_000, 'internet up');

    browser = await launchChromium();
    const context = await phoneContext(browser, t.httpUrl, await t.admin());
    // Shorter than the test's own timeout, so a failing wait reports what it waited for.
    page = await openPage(context, `${t.httpUrl}/#/alerts`);
  }, 120_000);

  afterAll(async () => {
    await cam?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t]);
    if (internet?.listening) await close(internet);
    await removeBuild(outDir);
  });

  it('starts with no open alert and the internet shown as working, apart from the device counts', async () => {
    await page.getByTestId('alerts-none').waitFor();
    await page.getByTestId('internet').getByText('Internet: đang hoạt động').waitFor();
    await expect(page.getByTestId('summary').textContent()).resolves.not.toContain('Internet');
    await expect(page.getByTestId('alerts-count').getAttribute('data-count')).resolves.toBe('0');
  });

  it('shows an alert live when a device goes offline, in plain Vietnamese, with the header count', async () => {
    await page.evaluate('window.__sameDocument = true');
    await status({ state: 'offline', reason: 'mất điện' });
    await card().and(page.locator('[data-status="firing"]')).waitFor({ timeout: 10_000 });
    const text = (await card().locator('.alert-text').textContent()) ?? '';
    expect(text).toMatch(/^Camera cổng thôn \(Đông Căm\) mất kết nối lúc \d{2}:\d{2} — nguyên nhân: mất điện$/);
    await expect(card().textContent()).resolves.toContain('Đang báo');
    await expect(card().textContent()).resolves.toContain('Nghiêm trọng');
    await page.locator('[data-testid="alerts-count"][data-count="1"]').waitFor();
    await expect(page.getByTestId('alert-announcer').textContent()).resolves.toContain('Đang báo: Camera cổng thôn');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    alertId = Number((await card().getAttribute('data-testid'))!.replace('alert-', ''));
    expect(alertId).toBeGreaterThan(0);
  });

  it('links the offline tile on the overview to its open alert', async () => {
    await page.getByRole('navigation', { name: 'Các trang' }).getByRole('link', { name: 'Tổng quan' }).click();
    const link = page.getByTestId('device-alert-dong-cam-cam-1');
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`#/alerts/${alertId}`);
    await link.click();
    await page.waitForURL(new RegExp(`#/alerts/${alertId}$`));
    await page.locator(`#alert-${alertId}.focused`).waitFor();
    // The linked alert opens with its timeline.
    await page.getByTestId(`timeline-${alertId}`).getByText('Bắt đầu báo').waitFor();
  });

  it('acknowledges through the form as the logged-in user, with readable errors first', async () => {
    await card().getByRole('button', { name: /^Xác nhận/ }).click();
    const form = card().getByTestId('ack-form');
    // Who acknowledges is the logged-in user: there is no name to type.
    expect(await form.getByLabel('Tên của bạn').count()).toBe(0);

    // A refusal from the hub is shown in words (from its code, not its English text), and the form stays open to try again.
    await page.route(`**/api/alerts/${alertId}/ack`, (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: 'internal error', code: 'internal' }) }),
    );
    await form.getByLabel('Ghi chú (không bắt buộc)').fill('đang đi kiểm tra nguồn điện');
    await form.getByRole('button', { name: 'Gửi xác nhận' }).click();
    await form.getByTestId('ack-error').getByText('Không gửi được xác nhận: lỗi bên trong trung tâm').waitFor();
    await page.unroute(`**/api/alerts/${alertId}/ack`);

    await form.getByRole('button', { name: 'Gửi xác nhận' }).click();
    await card().and(page.locator('[data-status="acknowledged"]')).waitFor();
    await card().getByTestId('alert-acked').getByText(/Đã xác nhận bởi admin lúc \d{2}:\d{2}/).waitFor();
    await card().getByText('Ghi chú: đang đi kiểm tra nguồn điện').waitFor();
    await expect(card().getByRole('button', { name: /^Xác nhận/ }).count()).resolves.toBe(0);

    const acked = await alertsApi('status=acknowledged');
    expect(acked.alerts.map((a) => [a.id, a.ackedBy, a.ackNote])).toEqual([[alertId, 'admin', 'đang đi kiểm tra nguồn điện']]);
    // Still open (acknowledged is open): the badge still counts it.
    await page.locator('[data-testid="alerts-count"][data-count="1"]').waitFor();
  });

  it('resolves live when the device comes back, and lists it in the history', async () => {
    await page.getByTestId('tab-history').click();
    await page.getByTestId('alert-history').waitFor();
    await status({ state: 'online' });
    const resolved = page.getByTestId('alert-history').locator(`[data-testid="alert-${alertId}"][data-status="resolved"]`);
    await resolved.waitFor({ timeout: 10_000 });
    await expect(resolved.textContent()).resolves.toMatch(/Đã khắc phục lúc \d{2}:\d{2}/);
    await expect(resolved.textContent()).resolves.toContain('Đã xác nhận bởi admin');
    await page.locator('[data-testid="alerts-count"][data-count="0"]').waitFor({ state: 'attached' });
    // No open alert: no "0" pill in the header (zero counts are hidden).
    expect(await page.getByTestId('alerts-count').isVisible()).toBe(false);
    await page.getByTestId('tab-open').click();
    await page.getByTestId('alerts-none').waitFor();
    expect((await alertsApi('status=resolved')).alerts[0]?.id).toBe(alertId);
  });

  it('shows the internet banner when the internet goes down, and hides it when it is back', async () => {
    const banner = page.getByTestId('internet-banner');
    await expect(banner.isHidden()).resolves.toBe(true);
    await close(internet);
    await banner.getByText('Đường truyền Internet của thôn đang mất — cảnh báo sẽ được gửi khi có mạng trở lại').waitFor({ timeout: 10_000 });
    expect(await banner.getAttribute('role')).toBe('alert');
    await page.getByTestId('internet').getByText(/Internet: mất kết nối từ \d{2}:\d{2}/).waitFor({ timeout: 5_000 });
    // The outage is an alert of its own, not a device outage.
    await page.locator('.alert-text', { hasText: /^Đường truyền Internet của thôn Đông Căm bị mất lúc \d{2}:\d{2}/ }).waitFor({ timeout: 5_000 });

    internet = await listen(internetPort);
    await page.getByTestId('internet').getByText('Internet: đang hoạt động').waitFor({ timeout: 10_000 });
    await expect(banner.isHidden()).resolves.toBe(true);
  });
});
