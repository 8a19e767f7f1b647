import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/services/chromium.js';
import type { DeviceEventsResponse } from '../../shared/events.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** A device's events on its page, in Chromium at 360 px: Vietnamese words, severity in colour and text, village time. */
describe('device events on the device page', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let cam: MqttClient;
  // 2026-11-25 07:02 UTC = 14:02 in Đông Căm.
  const BOOT_TS = Date.parse('2026-11-25T07:02:00Z');

  const event = (body: object) => cam.publishAsync(`langso/${testVillage.id}/cam-1/event`, JSON.stringify(body), { qos: 1 });
  const items = () => page.getByTestId('device-events').getByTestId('device-event');

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub(
      {
        villages: [testVillage],
        devices: [{ id: 'cam-1', village: testVillage.id, name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 3600 }],
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
      },
      { dashboardDir: outDir },
    );
    cam = await mqtt.connectAsync(t.mqttUrl, { clientId: 'cam-1', reconnectPeriod: 0 });
    await cam.publishAsync(`langso/${testVillage.id}/cam-1/status`, JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    await event({ type: 'boot', ts: BOOT_TS, message: 'Thiết bị khởi động lại sau khi mất điện' });
    await event({ type: 'info', ts: BOOT_TS + 60_000, message: '{"manufacturer":"Hikvision","model":"DS-2CD1023G0E-I","firmware":"V5.7.3 build 220112"}' });
    await waitFor(async () => {
      const r = (await (await t.fetch(`${t.httpUrl}/api/devices/${testVillage.id}/cam-1/events`)).json()) as DeviceEventsResponse;
      return r.events.length === 2;
    }, 10_000, 'the events stored');

    browser = await launchChromium();
    const context = await phoneContext(browser, t.httpUrl, await t.admin(), { timezoneId: 'Europe/London' });
    page = await openPage(context, `${t.httpUrl}/#/d/${testVillage.id}/cam-1`);
  }, 120_000);

  afterAll(async () => {
    await cam?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it('lists the stored events newest first, in words, at the village\'s time', async () => {
    await items().nth(1).waitFor();
    expect(await items().count()).toBe(2);
    // The phone is set to London time; the village is in Vietnam: 14:02 and 14:03, not 07:02.
    const [info, boot] = [items().nth(0), items().nth(1)];
    expect(await info.getAttribute('data-type')).toBe('info');
    await expect(info.textContent()).resolves.toMatch(/^14:03( 25\/11(\/2026)?)?Thông tinthông tin thiết bị thay đổi/);
    // The poller's facts read as named values, not as the JSON they travel in.
    await expect(info.locator('.event-message').textContent()).resolves.toBe('Hãng: Hikvision · Mẫu: DS-2CD1023G0E-I · Phần mềm (firmware): V5.7.3 build 220112');
    await expect(boot.locator('.event-type').textContent()).resolves.toBe('thiết bị khởi động lại');
    await expect(boot.locator('time').textContent()).resolves.toMatch(/^14:02/);
    await expect(boot.locator('.event-message').textContent()).resolves.toBe('Thiết bị khởi động lại sau khi mất điện');
  });

  it('adds pushed events at the top: severity in colour and words, unknown types as sent, long messages wrapped', async () => {
    const long = 'Vỏ camera bị mở ở cổng thôn; kiểm tra ngay. ' + 'x'.repeat(300);
    await event({ type: 'tamper', severity: 'critical', message: long });
    await event({ type: 'fan-stuck', severity: 'warning' });
    await page.locator('[data-testid="device-event"][data-type="fan-stuck"]').waitFor();
    expect(await items().count()).toBe(4);
    const [fan, tamper] = [items().nth(0), items().nth(1)];
    await expect(fan.locator('.event-type').textContent()).resolves.toBe('fan-stuck');
    await expect(fan.locator('.event-severity').textContent()).resolves.toBe('Cần chú ý');
    await expect(tamper.locator('.event-severity').textContent()).resolves.toBe('Nghiêm trọng');
    await expect(tamper.locator('.event-type').textContent()).resolves.toBe('có người can thiệp vào thiết bị');
    await expect(tamper.locator('.event-message').textContent()).resolves.toBe(long);
    // Colour says it too: a critical event is not drawn like an informational one.
    const colour = (type: string) => page.evaluate(`getComputedStyle(document.querySelector('[data-type="${type}"] .event-severity')).color`) as Promise<string>;
    expect(await colour('tamper')).not.toBe(await colour('boot'));
    expect(await colour('tamper')).not.toBe(await colour('fan-stuck'));
    // 360 px: nothing sticks out sideways.
    const { scroll, width } = await page.evaluate<{ scroll: number; width: number }>('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })');
    expect(scroll).toBeLessThanOrEqual(width);
  });

  it('reads in English when the interface is switched', async () => {
    await page.getByRole('button', { name: /English/ }).click();
    await page.getByTestId('device-events').getByRole('heading', { name: 'Device events' }).waitFor();
    await expect(items().nth(1).locator('.event-type').textContent()).resolves.toBe('someone tampered with the device');
    await expect(items().nth(1).locator('.event-severity').textContent()).resolves.toBe('Critical');
  });
});
