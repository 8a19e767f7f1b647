import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsResponse } from '../../shared/events.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { addUser, TEST_PASSWORD } from '../helpers/auth.js';
import { contrastIssues, targetIssues } from '../helpers/page-audit.js';
import { buildDashboard, closeBrowserTest, PHONE, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * Each role logs in through the login page in Chromium at 360 px and sees only what it may do: the leader
 * of Đông Căm sees that village and acknowledges there; the viewer sees everything and changes nothing;
 * the admin has the audit log. A session that ends brings the login page back, then the same page.
 */
describe('the dashboard by role, logged in through the login page', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let devices: MqttClient;
  const contexts: BrowserContext[] = [];

  /** Every text readable against its background (WCAG 4.5:1), every control thumb-sized (44 px). */
  const audit = async (page: Page, name: string): Promise<void> => {
    expect.soft({ page: name, contrast: await contrastIssues(page) }).toEqual({ page: name, contrast: [] });
    expect.soft({ page: name, targets: await targetIssues(page) }).toEqual({ page: name, targets: [] });
  };

  const shot = async (page: Page, name: string) => {
    if (process.env.LANGSO_SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.LANGSO_SCREENSHOT_DIR, `${name}-360.png`), fullPage: true });
  };

  /** A fresh phone: opens `hash`, meets the login page, logs in as `username`. */
  async function loginAs(username: string, hash: string): Promise<Page> {
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    const page = await openPage(context, `${t.httpUrl}/${hash}`);
    const form = page.getByTestId('login-form');
    await form.waitFor();
    await audit(page, `login page (${username})`);
    expect(await form.getByLabel('Tên đăng nhập').getAttribute('autocomplete')).toBe('username');
    expect(await form.getByLabel('Mật khẩu', { exact: true }).getAttribute('autocomplete')).toBe('current-password');
    await form.getByLabel('Tên đăng nhập').fill(username);
    await form.getByLabel('Mật khẩu', { exact: true }).fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByTestId('who').getByText(username, { exact: true }).waitFor();
    // Back where the link pointed.
    expect(new URL(page.url()).hash).toBe(hash.replace(/^\//, ''));
    return page;
  }

  const alertCard = (page: Page, device: string) => page.locator(`[data-testid^="alert-"][data-device="${device}"]`);

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub(
      {
        villages: [testVillage, { id: 'gia-phu', name: 'Gia Phú' }],
        devices: [
          { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 600 },
          { id: 'cam-9', village: 'gia-phu', name: 'Camera chợ Gia Phú', kind: 'onvif-camera', timeoutS: 600 },
        ],
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
      },
      { dashboardDir: outDir },
    );
    await addUser(t.hub, 'lan', 'leader', ['dong-cam']);
    await addUser(t.hub, 'xem', 'viewer');
    await addUser(t.hub, 'quan-tri', 'admin');
    devices = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    for (const [v, d] of [
      ['dong-cam', 'cam-1'],
      ['gia-phu', 'cam-9'],
    ] as const) {
      await devices.publishAsync(`langso/${v}/${d}/status`, JSON.stringify({ state: 'offline', reason: 'lwt' }), { qos: 1, retain: true });
    }
    // A device nobody configured: only an admin may dismiss it.
    await devices.publishAsync('langso/dong-cam/esp-la/telemetry', JSON.stringify({ temp: 30 }), { qos: 1 });
    await waitFor(async () => (await (await t.admin()).json<AlertsResponse>('/api/alerts')).alerts.length === 2, 10_000, 'an alert in each village');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await devices?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it('the leader of Đông Căm sees Đông Căm only, and acknowledges its alert as themselves', async () => {
    const page = await loginAs('lan', '#/alerts');
    await alertCard(page, 'cam-1').waitFor();
    expect(await alertCard(page, 'cam-9').count()).toBe(0);
    await audit(page, 'alerts, leader');
    await shot(page, 'roles-leader-alerts');
    await alertCard(page, 'cam-1').getByRole('button', { name: /^Xác nhận/ }).click();
    const form = alertCard(page, 'cam-1').getByTestId('ack-form');
    await form.getByLabel('Ghi chú (không bắt buộc)').fill('đang đi kiểm tra');
    await form.getByRole('button', { name: 'Gửi xác nhận' }).click();
    await alertCard(page, 'cam-1').getByTestId('alert-acked').getByText(/Đã xác nhận bởi lan lúc/).waitFor();
    // The overview: one village, no dismissal of unregistered devices, no audit log.
    await page.getByRole('link', { name: 'Tổng quan' }).click();
    await page.getByTestId('device-dong-cam-cam-1').waitFor();
    expect(await page.getByTestId('device-gia-phu-cam-9').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Ẩn thiết bị chưa đăng ký/ }).count()).toBe(0);
    expect(await page.getByTestId('nav-audit').count()).toBe(0);
    // Maintenance: the form is there, for Đông Căm only (no village to choose).
    await page.getByRole('link', { name: 'Bảo trì' }).click();
    await page.getByTestId('maintenance-form').waitFor();
    expect(await page.getByTestId('maintenance-form').getByText('Cả thôn Đông Căm').count()).toBe(1);
    expect(await page.locator('#mw-village').count()).toBe(0);
    await shot(page, 'roles-leader-maintenance');
  });

  it('the viewer sees every village and no control that changes anything', async () => {
    const page = await loginAs('xem', '#/alerts');
    await alertCard(page, 'cam-1').waitFor();
    await alertCard(page, 'cam-9').waitFor();
    expect(await page.getByRole('button', { name: /^Xác nhận/ }).count()).toBe(0);
    await shot(page, 'roles-viewer-alerts');
    await page.getByRole('link', { name: 'Bảo trì' }).click();
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByTestId('maintenance-form').count()).toBe(0);
    expect(await page.getByTestId('meeting-form').count()).toBe(0);
    expect(await page.getByTestId('nav-audit').count()).toBe(0);
    await page.getByRole('link', { name: 'Tổng quan' }).click();
    await page.getByTestId('device-gia-phu-cam-9').waitFor();
    expect(await page.getByRole('button', { name: /Ẩn thiết bị chưa đăng ký/ }).count()).toBe(0);
    await shot(page, 'roles-viewer-maintenance');
  });

  it('the admin has the audit log (Vietnamese first, 360 px) and the dismiss button', async () => {
    const page = await loginAs('quan-tri', '#/');
    await page.getByRole('button', { name: /Ẩn thiết bị chưa đăng ký dong-cam\/esp-la/ }).waitFor();
    await page.getByTestId('nav-audit').click();
    await page.getByRole('heading', { name: 'Nhật ký thao tác' }).waitFor();
    const ack = page.locator('[data-testid^="audit-"][data-action="alert-ack"]');
    await ack.waitFor();
    await expect(ack.textContent()).resolves.toMatch(/lan xác nhận cảnh báo#\d+ · thôn Đông Căm“đang đi kiểm tra”.*từ 127\.0\.0\.1/);
    await page.locator('[data-testid^="audit-"][data-action="login"]').first().waitFor();
    await audit(page, 'audit log');
    const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    expect(width).toBeLessThanOrEqual(360);
    await shot(page, 'roles-admin-audit');
  });

  it('a session that ends brings the login page back, saying so, then the same page; logout shows the login page', async () => {
    const page = await loginAs('lan', '#/alerts');
    await alertCard(page, 'cam-1').waitFor();
    // The session ends on the hub (a new password from the command line does the same).
    t.hub.security.sessions.revokeUser(t.hub.security.users.get('lan')!.id);
    await page.getByTestId('tab-history').click();
    await page.getByTestId('login-expired').getByText('Phiên đăng nhập đã hết. Hãy đăng nhập lại để tiếp tục.').waitFor();
    await audit(page, 'login page, session ended');
    await shot(page, 'roles-session-ended');
    await page.getByLabel('Tên đăng nhập').fill('lan');
    await page.getByLabel('Mật khẩu', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByTestId('who').waitFor();
    expect(new URL(page.url()).hash).toMatch(/^#\/alerts/);
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    expect(await page.getByTestId('login-expired').count()).toBe(0);
    // The session is gone on the hub too.
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'langso_session')).toBeUndefined();
  });

  it('too many wrong passwords: the login page says to wait, in Vietnamese, with the minutes', async () => {
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.httpUrl}/`);
    const form = page.getByTestId('login-form');
    for (let i = 0; i < 5; i++) {
      await form.getByLabel('Tên đăng nhập').fill('xem');
      await form.getByLabel('Mật khẩu', { exact: true }).fill(`doan-sai-${i}-roi`);
      await form.getByRole('button', { name: 'Đăng nhập' }).click();
      await form.getByTestId('login-error').getByText('Sai tên đăng nhập hoặc mật khẩu.').waitFor();
      await page.locator('.login-submit:not([disabled])').waitFor();
    }
    await form.getByLabel('Mật khẩu', { exact: true }).fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Đăng nhập' }).click();
    await form.getByTestId('login-error').getByText(/^Đã nhập sai quá nhiều lần\. Hãy đợi 1[45] phút rồi thử lại\.$/).waitFor();
    await audit(page, 'login page, rate limited');
    await shot(page, 'roles-login-limited');
  });
});
