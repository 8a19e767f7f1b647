import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/services/chromium.js';
import type { HealthResponse } from '../../shared/events.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, type TestHub } from '../helpers/hub.js';

/** While MQTT clients may connect without credentials, the dashboard says so on every page, in plain words. */
describe('the anonymous-MQTT warning', () => {
  let outDir: string;
  let open: TestHub;
  let closed: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    outDir = await buildDashboard();
    const doc = { villages: [testVillage], devices: [{ id: 'cam-1', village: testVillage.id, name: 'Camera cổng thôn', kind: 'onvif-camera' }] };
    open = await startTestHub({ ...doc, broker: { allowAnonymous: true } }, { dashboardDir: outDir });
    closed = await startTestHub({ ...doc, broker: { allowAnonymous: false } }, { dashboardDir: outDir });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeBrowserTest(browser, [open, closed], outDir);
  });

  async function page(hub: TestHub, url: string): Promise<Page> {
    const context = await phoneContext(browser, hub.httpUrl, await hub.admin());
    const p = await openPage(context, url);
    await p.getByTestId('summary').waitFor();
    return p;
  }

  it('/api/health says whether anonymous MQTT is on', async () => {
    const on = (await (await open.fetch('/api/health')).json()) as HealthResponse;
    const off = (await (await closed.fetch('/api/health')).json()) as HealthResponse;
    expect(on.security).toEqual({ anonymousMqtt: true });
    expect(off.security).toEqual({ anonymousMqtt: false });
  });

  it('is in the header, in Vietnamese then English, on every page, and fits a 360 px phone', async () => {
    const p = await page(open, `${open.httpUrl}/`);
    const warning = p.locator('header').getByTestId('security-warning');
    await expect(warning.textContent()).resolves.toContain('không cần mật khẩu');
    await p.goto(`${open.httpUrl}/#/alerts`);
    await expect(warning.isVisible()).resolves.toBe(true);
    const box = await warning.boundingBox();
    expect(box?.width).toBeLessThanOrEqual(360);
    expect(await p.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await p.getByRole('button', { name: /English/ }).click();
    await expect(warning.textContent()).resolves.toContain('without a password');
    await p.context().close();
  });

  it('is not shown when devices need credentials', async () => {
    const p = await page(closed, `${closed.httpUrl}/`);
    // The health answer has come when the page has asked for it: wait for it, then look.
    await p.waitForLoadState('networkidle');
    expect(await p.getByTestId('security-warning').count()).toBe(0);
    await p.context().close();
  });
});
