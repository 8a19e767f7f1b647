import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertDetailResponse, AlertsResponse } from '../../shared/events.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { sessionAs } from '../helpers/auth.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const devices = [
  // No parent: their offline alerts fire at once, without the dependency grace.
  { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 600 },
  { id: 'cam-2', village: 'dong-cam', name: 'Camera chợ', kind: 'onvif-camera', timeoutS: 600 },
];

describe('an alert that resolves while someone types its acknowledgement', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let client: MqttClient;

  const status = (id: string, body: object) => client.publishAsync(`langso/dong-cam/${id}/status`, JSON.stringify(body), { qos: 1, retain: true });
  const openAlert = async (device: string) =>
    waitFor(async () => ((await (await t.fetch(`${t.httpUrl}/api/alerts?status=open`)).json()) as AlertsResponse).alerts.find((a) => a.device === device), 10_000, `the alert of ${device}`);
  const card = (device: string) => page.locator(`[data-testid^="alert-"][data-device="${device}"]`);

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub({ villages: [testVillage], devices, store: { kind: 'sqlite', writer: { flushMs: 50 } } }, { dashboardDir: outDir });
    client = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    for (const d of devices) await status(d.id, { state: 'online' });
    await status('cam-1', { state: 'offline', reason: 'lwt' });
    await openAlert('cam-1');
    await status('cam-2', { state: 'offline', reason: 'lwt' });
    await openAlert('cam-2');
    browser = await launchChromium();
    // Chị Lan, leader of Đông Căm, logged in: the history records her account.
    const context = await phoneContext(browser, t.httpUrl, await sessionAs(t, 'lan', 'leader', ['dong-cam']));
    page = await openPage(context, `${t.httpUrl}/#/alerts`);
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it('keeps the card and the text typed, says the alert resolved itself, and saves the note to its history', async () => {
    const alert = await openAlert('cam-1');
    const cam1 = card('cam-1');
    await cam1.getByRole('button', { name: /^Xác nhận/ }).click();
    const form = cam1.getByTestId('ack-form');
    await form.getByLabel('Ghi chú (không bắt buộc)').fill('Đang đi kiểm tra nguồn điện');
    const before = await page.locator('[data-testid^="alert-"][data-device]').evaluateAll((els) => els.map((e) => e.getAttribute('data-device')));

    // The camera comes back on its own while the note is being typed.
    await status('cam-1', { state: 'online' });
    await form.getByTestId('ack-notice').getByText(/^Trong lúc bạn đang viết, cảnh báo này đã tự khắc phục \(lúc \d{2}:\d{2}\)/).waitFor();
    expect(await cam1.getAttribute('data-status')).toBe('resolved');
    expect(await form.getByLabel('Ghi chú', { exact: true }).inputValue()).toBe('Đang đi kiểm tra nguồn điện');
    // Still where it was, and still being typed into.
    expect(await page.locator('[data-testid^="alert-"][data-device]').evaluateAll((els) => els.map((e) => e.getAttribute('data-device')))).toEqual(before);
    if (process.env.LANGSO_SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.LANGSO_SCREENSHOT_DIR, 'ack-resolved-360.png'), fullPage: true });
    await form.getByLabel('Ghi chú', { exact: true }).press('End');
    await page.keyboard.type(': dây nguồn bị lỏng');

    await form.getByRole('button', { name: 'Lưu ghi chú' }).click();
    await cam1.getByTestId('alert-announce').getByText('Đã lưu ghi chú vào lịch sử cảnh báo.').waitFor();
    await cam1.getByTestId(`timeline-${alert.id}`).getByText(': Đang đi kiểm tra nguồn điện: dây nguồn bị lỏng').waitFor();
    const detail = (await (await t.fetch(`${t.httpUrl}/api/alerts/${alert.id}`)).json()) as AlertDetailResponse;
    expect(detail.alert.status).toBe('resolved');
    expect(detail.history.at(-1)).toMatchObject({ action: 'note', who: 'lan', note: 'Đang đi kiểm tra nguồn điện: dây nguồn bị lỏng' });
  });

  it('a note is not saved empty; closing the form lets the resolved alert go', async () => {
    const cam2 = card('cam-2');
    await cam2.getByRole('button', { name: /^Xác nhận/ }).click();
    const form = cam2.getByTestId('ack-form');
    await status('cam-2', { state: 'online' });
    await form.getByTestId('ack-notice').getByText(/đã tự khắc phục/).waitFor();
    await form.getByRole('button', { name: 'Lưu ghi chú' }).click();
    await form.getByText('Hãy viết ghi chú để lưu.').waitFor();
    await form.getByRole('button', { name: 'Hủy' }).click();
    // Closed: the resolved alert leaves the open list (cam-1's card stays to show its saved note).
    await cam2.waitFor({ state: 'detached' });
    await page.getByTestId('tab-open').getByText('Đang mở (0)').waitFor();
    await card('cam-1').getByText('Đã lưu ghi chú vào lịch sử cảnh báo.').waitFor();
  });
});
