import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/services/influxd.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import type { HealthResponse } from '../../shared/events.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** The commune broker cannot be reached: the header says so, and what waits to be sent, in plain words. */
describe('the uplink in the dashboard header', () => {
  let outDir: string;
  let hub: TestHub;
  let plain: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    outDir = await buildDashboard();
    const doc = { villages: [testVillage], devices: [{ id: 'ap-1', village: testVillage.id, name: 'Wi-Fi nhà văn hoá', kind: 'wifi-ap' }] };
    // Nothing listens there: the link stays down and the messages wait.
    const closed = await freePort();
    hub = await startTestHub({ ...doc, uplink: { url: `mqtt://127.0.0.1:${closed}`, reconnectS: 60 } }, { dashboardDir: outDir });
    plain = await startTestHub(doc, { dashboardDir: outDir });
    const c = await mqtt.connectAsync(hub.mqttUrl);
    for (let i = 0; i < 30; i++) await c.publishAsync(`langso/${testVillage.id}/ap-1/telemetry`, JSON.stringify({ clients: i }), { qos: 1 });
    await c.endAsync();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeBrowserTest(browser, [hub, plain], outDir);
  });

  it('/api/health has the uplink state and backlog (null without uplink)', async () => {
    const h = await waitFor(async () => {
      const body = (await (await hub.fetch('/api/health')).json()) as HealthResponse;
      return (body.uplink?.backlog.messages ?? 0) >= 30 ? body : null;
    });
    expect(h.uplink).toMatchObject({ state: 'disconnected', villages: [{ village: testVillage.id, state: 'disconnected', protocol: null }] });
    expect(h.uplink?.backlog.bytes).toBeGreaterThan(0);
    expect(h.uplink?.backlog.oldestTs).toEqual(expect.any(Number));
    expect(h.uplink?.villages[0]?.lastError).toMatch(/ECONNREFUSED/);
    expect(((await (await plain.fetch('/api/health')).json()) as HealthResponse).uplink).toBeNull();
  });

  it('shows it in Vietnamese then English, and fits a 360 px phone; absent without uplink', async () => {
    const context = await phoneContext(browser, hub.httpUrl, await hub.admin());
    const p = await openPage(context, `${hub.httpUrl}/`);
    const chip = p.locator('header').getByTestId('uplink');
    await chip.waitFor();
    const text = (await chip.textContent()) ?? '';
    expect(text).toContain('Gửi dữ liệu lên xã');
    expect(text).toContain('mất kết nối từ');
    expect(text).toMatch(/còn \d+ tin chờ gửi \([\d,.]+ kB\), tin cũ nhất đã chờ \d+ giây/);
    expect(await p.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await p.getByRole('button', { name: /English/ }).click();
    await p.reload();
    await expect(chip.textContent()).resolves.toMatch(/Sending to the commune: down since .*messages waiting/);
    await context.close();

    const other = await phoneContext(browser, plain.httpUrl, await plain.admin());
    const q = await other.newPage();
    await q.goto(`${plain.httpUrl}/`);
    await q.getByTestId('summary').waitFor();
    expect(await q.getByTestId('uplink').count()).toBe(0);
    await other.close();
  });
});
