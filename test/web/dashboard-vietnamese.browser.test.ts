/**
 * The Vietnamese dashboard says everything in Vietnamese: the hub's validation errors (sent as codes
 * with the field's path) appear in words at the field, the village's zone is named in words with its
 * offset (never "Asia/Ho_Chi_Minh"), and a metric no descriptor labels still reads as words.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError } from '../../shared/events.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** A `datetime-local` value on the village's clock (Vietnam), whatever zone the browser is in. */
function villageLocal(ts: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(ts))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** English the hub's validation messages are made of; none of it may reach the Vietnamese page. */
const ENGLISH = /\b(expected|must|unknown|invalid|required|needs|HH:MM)\b/i;

describe('the Vietnamese dashboard: API errors, time zone, metric names', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let sensor: MqttClient;

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub(
      {
        villages: [testVillage],
        devices: [
          { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 600 },
          { id: 'cam-bien', village: 'dong-cam', name: 'Cảm biến kho thóc', kind: 'generic', timeoutS: 600 },
        ],
        // A rule on a metric no kind describes, and without a label of its own.
        alerts: { rules: [{ id: 'kho-nong', devices: ['cam-bien'], metric: 'tempC', op: '>', value: 40, severity: 'warning' }] },
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
      },
      { dashboardDir: outDir },
    );
    sensor = await mqtt.connectAsync(t.mqttUrl, { clientId: 'cam-bien', reconnectPeriod: 0 });
    await sensor.publishAsync('langso/dong-cam/cam-bien/telemetry', JSON.stringify({ tempC: 45, projectorOk: true }), { qos: 1 });
    await waitFor(async () => ((await (await t.fetch(`${t.httpUrl}/api/alerts`)).json()) as { alerts: unknown[] }).alerts.length === 1, 5_000, 'threshold alert');

    browser = await launchChromium();
    // The browser is in Berlin: the hint must still name the village's zone.
    const context = await phoneContext(browser, t.httpUrl, await t.admin(), { timezoneId: 'Europe/Berlin' });
    page = await openPage(context);
  }, 120_000);

  afterAll(async () => {
    await sensor?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  /** Sends the form's request with `change` applied to its body: what another client could send the hub. */
  async function postAltered(change: (body: Record<string, unknown>) => void, submit: () => Promise<void>): Promise<ApiError> {
    const handler = async (route: Route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, unknown>;
      change(body);
      await route.continue({ postData: JSON.stringify(body) });
    };
    await page.route('**/api/maintenance', handler);
    try {
      const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/maintenance') && r.request().method() === 'POST'), submit()]);
      expect(res.status()).toBe(400);
      return (await res.json()) as ApiError;
    } finally {
      await page.unroute('**/api/maintenance', handler);
    }
  }

  it('the maintenance form names the village\'s time in words, with its offset', async () => {
    await page.goto(`${t.httpUrl}/#/maintenance`);
    await page.getByTestId('tz-hint').getByText('Thời gian tính theo giờ Việt Nam (UTC+7).').waitFor();
    expect(await page.locator('body').innerText()).not.toContain('Asia/');
  });

  it('the hub\'s field errors come back as codes and show in Vietnamese at the field', async () => {
    await page.goto(`${t.httpUrl}/#/maintenance`);
    const form = page.getByTestId('maintenance-form');
    await form.getByLabel('Một thiết bị').check();
    await form.getByLabel('Thiết bị', { exact: true }).selectOption({ label: 'Camera cổng thôn' });
    await form.getByLabel('Từ', { exact: true }).fill(villageLocal(Date.now() + 3600_000));
    await form.getByLabel('Đến', { exact: true }).fill(villageLocal(Date.now() + 2 * 3600_000));
    const save = () => form.getByRole('button', { name: 'Lưu' }).click();

    // The end before the start, as the hub sees it (the form's own check passed).
    let e = await postAltered((b) => ([b.from, b.to] = [b.to, b.from]), save);
    expect(e).toMatchObject({ code: 'invalid', issues: [{ path: 'to', code: 'to-before-from' }] });
    await page.locator('[data-field="mw-to"] .field-error', { hasText: 'Thời gian "Đến" phải sau "Từ".' }).waitFor();

    // A device removed from the configuration meanwhile.
    e = await postAltered((b) => (b.device = 'cam-da-go'), save);
    expect(e.issues).toEqual([expect.objectContaining({ path: 'device', code: 'unknown-device' })]);
    await page.locator('[data-field="mw-device"] .field-error', { hasText: 'Không có thiết bị này trong thôn (có thể vừa được gỡ khỏi cấu hình).' }).waitFor();

    // A note longer than the hub keeps.
    e = await postAltered((b) => (b.note = 'x'.repeat(501)), save);
    expect(e.issues).toEqual([expect.objectContaining({ path: 'note', code: 'too-long', params: { max: 500 } })]);
    await page.locator('[data-field="mw-note"] .field-error', { hasText: 'Dài quá: tối đa 500 ký tự.' }).waitFor();

    // A problem with the whole request: said above the button, in Vietnamese.
    e = await postAltered((b) => Object.assign(b, { daily: true, start: '22:00', end: '05:00' }), save);
    expect(e.issues).toEqual([expect.objectContaining({ path: '(query)', code: 'one-off-or-recurring' })]);
    await form.getByRole('alert').getByText('Không lưu được: Chọn lịch một lần hoặc lặp lại, không chọn cả hai.').waitFor();

    expect(await form.innerText()).not.toMatch(ENGLISH);
  });

  it('a recurring window with a time the hub cannot read: the time field says so', async () => {
    const form = page.getByTestId('maintenance-form');
    await form.getByLabel('Lặp lại').check();
    await form.getByLabel('Giờ bắt đầu').fill('22:00');
    await form.getByLabel('Giờ kết thúc').fill('05:00');
    const e = await postAltered((b) => (b.start = '25:00'), () => form.getByRole('button', { name: 'Lưu' }).click());
    expect(e.issues).toEqual([expect.objectContaining({ path: 'start', code: 'invalid-time' })]);
    await page.locator('[data-field="mw-start"] .field-error', { hasText: 'Giờ không hợp lệ: nhập giờ và phút, ví dụ 22:30.' }).waitFor();
    expect(await form.innerText()).not.toMatch(ENGLISH);
  });

  it('a metric no descriptor labels reads as words on the device page and in its alert', async () => {
    await page.goto(`${t.httpUrl}/#/d/dong-cam/cam-bien`);
    const select = page.getByTestId('metric-select');
    await select.waitFor();
    const options = await select.locator('option').allInnerTexts();
    expect(options).toEqual(expect.arrayContaining(['Chỉ số “tempC”', 'Máy chiếu hoạt động']));
    await page.goto(`${t.httpUrl}/#/alerts`);
    const card = page.locator('[data-testid^="alert-"][data-device="cam-bien"]');
    await card.getByText(/^Cảm biến kho thóc \(Đông Căm\): Chỉ số “tempC” vượt ngưỡng lúc \d{2}:\d{2} \(Chỉ số “tempC”: 45, ngưỡng > 40\)$/).waitFor();
  });
});
