import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/services/chromium.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

/** A commune or province dashboard: villages of several communes and provinces, headed by place. */
describe('dashboard grouped province → commune → village', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    outDir = await buildDashboard();
    const villages = [
      { id: 'na-hang', name: 'Nà Hang', commune: 'Thượng Lâm', province: 'Tuyên Quang' },
      { id: 'dong-cam', name: 'Đông Căm', commune: 'Gia Phú', province: 'Lào Cai' },
      { id: 'ta-van', name: 'Tả Van', commune: 'Tả Van', province: 'Lào Cai' },
      { id: 'an-binh', name: 'An Bình', commune: 'Gia Phú', province: 'Lào Cai' },
    ];
    const devices = villages.map((v) => ({ id: 'ap-1', village: v.id, name: `Wi-Fi ${v.name}`, kind: 'wifi-ap' }));
    t = await startTestHub({ villages, devices }, { dashboardDir: outDir });
    browser = await launchChromium();
    const context = await phoneContext(browser, t.httpUrl, await t.admin());
    page = await openPage(context, `${t.httpUrl}/`);
    await page.locator('section.province').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await closeBrowserTest(browser, [t], outDir);
  });

  it('heads provinces, then communes, then villages, in Vietnamese order, on a 360 px phone', async () => {
    const headings = await page.locator('.overview h2.place-head, .overview h3.place-head, .overview section.village h4').evaluateAll((els) =>
      els.map((e) => `${e.tagName.toLowerCase()} ${e.textContent ?? ''}`),
    );
    expect(headings).toEqual(['h2 Lào Cai', 'h3 Gia Phú', 'h4 An Bình', 'h4 Đông Căm', 'h3 Tả Van', 'h4 Tả Van', 'h2 Tuyên Quang', 'h3 Thượng Lâm', 'h4 Nà Hang']);
    const { scroll, width } = await page.evaluate<{ scroll: number; width: number }>('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })');
    expect(scroll).toBeLessThanOrEqual(width);
  });
});
