import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaintenanceWindowView, MeetingsResponse } from '../../shared/events.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { sessionAs } from '../helpers/auth.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** A `datetime-local` value for an instant, on the village's clock (Vietnam, whatever zone this machine is in). */
function villageLocal(ts: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(ts))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

describe('dashboard maintenance and meetings in Chromium', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let cam: MqttClient;

  const tile = () => page.getByTestId('device-dong-cam-cam-1');
  const windows = async (): Promise<MaintenanceWindowView[]> =>
    ((await (await t.fetch(`${t.httpUrl}/api/maintenance`)).json()) as { windows: MaintenanceWindowView[] }).windows;

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub(
      {
        villages: [testVillage],
        devices: [
          { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 600 },
          { id: 'mr-1', village: 'dong-cam', name: 'Bộ họp nhà văn hóa', kind: 'meeting-room' },
        ],
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
      },
      { dashboardDir: outDir },
    );
    cam = await mqtt.connectAsync(t.mqttUrl, { clientId: 'cam-1', reconnectPeriod: 0 });
    await cam.publishAsync('langso/dong-cam/cam-1/status', JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    await waitFor(async () => {
      const body = (await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as { devices: Array<{ id: string; state: string }> };
      return body.devices.find((d) => d.id === 'cam-1')?.state === 'online';
    }, 5_000, 'cam-1 online');

    browser = await launchChromium();
    // Anh Tuấn, leader of Đông Căm: windows and meetings are recorded under his account.
    const context = await phoneContext(browser, t.httpUrl, await sessionAs(t, 'tuan', 'leader', ['dong-cam']), { timezoneId: 'Europe/Berlin' });
    // Shorter than the test's own timeout, so a failing wait reports what it waited for.
    page = await openPage(context, `${t.httpUrl}/#/maintenance`);
    await page.getByRole('heading', { name: 'Bảo trì và lịch họp' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await cam?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it('cannot be saved by one tap on what is filled in: device or whole village is chosen on purpose', async () => {
    const form = page.getByTestId('maintenance-form');
    await form.getByRole('button', { name: 'Lưu' }).click();
    await form.getByTestId('maintenance-target').getByText('Chọn một thiết bị hoặc cả thôn.').waitFor();
    // Nothing is chosen for the person, and nothing was saved.
    expect(await form.getByLabel('Một thiết bị').isChecked()).toBe(false);
    expect(await form.getByLabel('Cả thôn Đông Căm').isChecked()).toBe(false);
    await form.getByLabel('Một thiết bị').check();
    await form.getByRole('button', { name: 'Lưu' }).click();
    await page.locator('[data-field="mw-device"] .field-error', { hasText: 'Chọn thiết bị cần bảo trì.' }).waitFor();
    expect(await windows()).toEqual([]);
  });

  it('a whole-village window needs a note and a second, explicit confirmation', async () => {
    const form = page.getByTestId('maintenance-form');
    await form.getByLabel('Cả thôn Đông Căm').check();
    await form.getByRole('button', { name: 'Lưu' }).click();
    await page.locator('[data-field="mw-note"] .field-error', { hasText: 'Bảo trì cả thôn thì cần ghi lý do.' }).waitFor();
    await form.getByLabel('Ghi chú (bắt buộc khi bảo trì cả thôn)').fill('Cắt điện cả thôn để sửa đường dây');
    await form.getByRole('button', { name: 'Lưu' }).click();
    const confirm = form.getByTestId('maintenance-confirm');
    await confirm.getByText(/mọi thiết bị của thôn Đông Căm sẽ không gây cảnh báo/).waitFor();
    if (process.env.LANGSO_SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.LANGSO_SCREENSHOT_DIR, 'maintenance-confirm-360.png'), fullPage: true });
    expect(await windows()).toEqual([]);
    // Going back saves nothing.
    await confirm.getByRole('button', { name: 'Quay lại' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await windows()).toEqual([]);
    await form.getByRole('button', { name: 'Lưu' }).click();
    await form.getByTestId('maintenance-confirm').getByRole('button', { name: 'Đúng, lưu cho cả thôn' }).click();
    await form.getByRole('status').getByText('Đã lưu.').waitFor();
    const [w] = await windows();
    expect(w).toMatchObject({ village: 'dong-cam', note: 'Cắt điện cả thôn để sửa đường dây', createdBy: 'tuan' });
    expect(w?.device).toBeUndefined();
    // The next window is chosen afresh.
    expect(await form.getByLabel('Cả thôn Đông Căm').isChecked()).toBe(false);
    const item = page.getByTestId(`window-${w!.id}`);
    await item.getByText('Cả thôn (Đông Căm)').waitFor();
    await item.getByRole('button', { name: /^Xóa lịch bảo trì: Cả thôn/ }).click();
    await item.getByRole('button', { name: 'Xóa', exact: true }).click();
    await page.getByText('Chưa có lịch bảo trì nào.').waitFor();
  });

  it('checks the form before sending: "To" must be after "From"', async () => {
    const form = page.getByTestId('maintenance-form');
    await form.getByLabel('Một thiết bị').check();
    await form.getByLabel('Thiết bị', { exact: true }).selectOption({ label: 'Camera cổng thôn' });
    await form.getByLabel('Từ', { exact: true }).fill(villageLocal(Date.now() + 3600_000));
    await form.getByLabel('Đến', { exact: true }).fill(villageLocal(Date.now() - 3600_000));
    await form.getByRole('button', { name: 'Lưu' }).click();
    await page.locator('[data-field="mw-to"] .field-error', { hasText: 'Thời gian "Đến" phải sau "Từ".' }).waitFor();
    expect(await form.getByLabel('Đến', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await windows()).toEqual([]);
  });

  it('adds a one-off window in the village time zone, and the device shows as in maintenance with its note', async () => {
    const form = page.getByTestId('maintenance-form');
    expect(await form.getByLabel('Thiết bị', { exact: true }).inputValue()).toBe('cam-1');
    // The browser runs in Berlin; the times typed are the village's (Vietnam) and sent without offset.
    const from = villageLocal(Date.now() - 10 * 60_000);
    const to = villageLocal(Date.now() + 3600_000);
    await form.getByLabel('Từ', { exact: true }).fill(from);
    await form.getByLabel('Đến', { exact: true }).fill(to);
    await form.getByLabel('Ghi chú').fill('Thay dây mạng');
    await form.getByRole('button', { name: 'Lưu' }).click();
    await form.getByRole('status').getByText('Đã lưu.').waitFor();

    const list = page.getByTestId('maintenance-list');
    const item = list.locator('li', { hasText: 'Camera cổng thôn (Đông Căm)' });
    await item.getByText('Đang áp dụng').waitFor({ timeout: 5_000 });
    await expect(item.textContent()).resolves.toContain('Thay dây mạng');
    await expect(item.textContent()).resolves.toContain('Người thêm: tuan');
    const [w] = await windows();
    expect(w).toMatchObject({ village: 'dong-cam', device: 'cam-1', from: `${from}:00`, to: `${to}:00`, note: 'Thay dây mạng', createdBy: 'tuan' });

    await page.getByRole('link', { name: 'Tổng quan' }).click();
    await tile().and(page.locator('[data-state="maintenance"]')).waitFor({ timeout: 10_000 });
    await expect(tile().textContent()).resolves.toContain('Bảo trì: Thay dây mạng');
    await tile().click();
    await page.getByTestId('detail-note').getByText('Bảo trì: Thay dây mạng').waitFor();
  });

  it('removes the window in two steps', async () => {
    await page.goto(`${t.httpUrl}/#/maintenance`);
    const item = page.getByTestId('maintenance-list').locator('li', { hasText: 'Camera cổng thôn (Đông Căm)' });
    await item.getByRole('button', { name: /^Xóa lịch bảo trì: Camera cổng thôn/ }).click();
    await item.getByText('Xóa thật chứ?').waitFor();
    await item.getByRole('button', { name: 'Xóa', exact: true }).click();
    await page.getByText('Chưa có lịch bảo trì nào.').waitFor();
    expect(await windows()).toEqual([]);
    await page.getByRole('link', { name: 'Tổng quan' }).click();
    await tile().and(page.locator(':not([data-state="maintenance"])')).waitFor({ timeout: 10_000 });
  });

  it('shows the hub’s validation error next to the meeting field, then adds and deletes a meeting', async () => {
    await page.goto(`${t.httpUrl}/#/maintenance`);
    const form = page.getByTestId('meeting-form');
    await form.getByLabel('Tên cuộc họp').fill('Họp giao ban với xã');
    await form.getByLabel('Thời gian bắt đầu').fill(villageLocal(Date.now() - 2 * 3600_000));
    await form.getByRole('button', { name: 'Lưu' }).click();
    // The hub checks the time in the village's zone: in the past, and it says which field.
    await page.locator('[data-field="mt-startAt"] .field-error', { hasText: 'Thời gian bắt đầu phải ở tương lai.' }).waitFor();

    const start = villageLocal(Date.now() + 26 * 3600_000);
    await form.getByLabel('Thời gian bắt đầu').fill(start);
    await form.getByLabel('Bộ họp').selectOption({ label: 'Bộ họp nhà văn hóa' });
    await form.getByRole('button', { name: 'Lưu' }).click();
    const item = page.getByTestId('meeting-list').locator('li', { hasText: 'Họp giao ban với xã' });
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain('Bộ họp nhà văn hóa');
    await expect(page.locator('[data-field="mt-startAt"] .field-error').count()).resolves.toBe(0);
    const { meetings } = (await (await t.fetch(`${t.httpUrl}/api/meetings`)).json()) as MeetingsResponse;
    expect(meetings).toHaveLength(1);
    expect(villageLocal(meetings[0]!.startAt)).toBe(start);

    await item.getByRole('button', { name: /^Xóa cuộc họp: Họp giao ban với xã/ }).click();
    await item.getByRole('button', { name: 'Xóa', exact: true }).click();
    await page.getByText('Chưa có cuộc họp nào.').waitFor();
  });
});
