import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/services/chromium.js';
import { useSession } from '../helpers/auth.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

/** A commune or province dashboard: villages of several communes and provinces, headed by place. */
describe('dashboard grouped province → commune → village', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'langso-dashboard-'));
    await run(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repoRoot });
    const villages = [
      { id: 'na-hang', name: 'Nà Hang', commune: 'Thượng Lâm', province: 'Tuyên Quang' },
      { id: 'dong-cam', name: 'Đông Căm', commune: 'Gia Phú', province: 'Lào Cai' },
      { id: 'ta-van', name: 'Tả Van', commune: 'Tả Van', province: 'Lào Cai' },
      { id: 'an-binh', name: 'An Bình', commune: 'Gia Phú', province: 'Lào Cai' },
    ];
    const devices = villages.map((v) => ({ id: 'ap-1', village: v.id, name: `Wi-Fi ${v.name}`, kind: 'wifi-ap' }));
    t = await startTestHub({ villages, devices }, { dashboardDir: outDir });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
    await useSession(context, t.httpUrl, await t.admin());
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${t.httpUrl}/`);
    await page.locator('section.province').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
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
