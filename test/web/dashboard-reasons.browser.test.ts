/**
 * Reasons end to end, with real parts only: simulated ONVIF cameras polled by the hub, Chromium at
 * 360 px on the dashboard, and a webhook receiver. A camera that refuses the password reads as such in
 * Vietnamese on the tile, the device page, the alert and the notification; the library's English text
 * ("ONVIF: 401 Unauthorized…") is one tap away for commune IT, never in the sentence itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedCamera, type SimulatedCamera } from '../../devices/onvif-camera/simulator/index.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import type { AlertChange, AlertView } from '../../shared/events.js';
import { buildDashboard, removeBuild, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const USER = 'admin';
const PASS = 'Cong@lang 2024';
const REFUSED_VI = 'camera từ chối mật khẩu (sai tên đăng nhập hoặc mật khẩu)';

interface WebhookBody {
  alert: AlertView;
  change: AlertChange;
  title: string;
  text: string;
}

describe('reasons in Vietnamese, the technical text one tap away', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let wrong: SimulatedCamera;
  let gate: SimulatedCamera;
  let webhook: Server;
  const received: WebhookBody[] = [];

  const poll = (cam: SimulatedCamera, password: string) => ({ xaddr: cam.xaddr, username: USER, password, intervalS: 0.5, timeoutS: 1, retries: 0, fullEveryS: 0 });
  const bodyText = () => page.locator('body').innerText();
  const noSideScroll = async () => {
    const { scroll, width } = await page.evaluate<{ scroll: number; width: number }>('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })');
    expect(scroll).toBeLessThanOrEqual(width);
  };

  beforeAll(async () => {
    outDir = await buildDashboard();
    webhook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookBody);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', () => resolve()));
    wrong = await startSimulatedCamera({ name: 'Chợ', username: USER, password: PASS });
    gate = await startSimulatedCamera({ name: 'Cổng làng', username: USER, password: PASS });
    t = await startTestHub(
      {
        villages: [testVillage],
        devices: [
          // Configured with a password the camera does not accept.
          { id: 'cam-cho', village: 'dong-cam', name: 'Camera chợ', kind: 'onvif-camera', poll: poll(wrong, 'mat-khau-cu') },
          { id: 'cam-cong', village: 'dong-cam', name: 'Camera cổng làng', kind: 'onvif-camera', poll: poll(gate, PASS) },
          { id: 'router', village: 'dong-cam', name: 'Bộ định tuyến', kind: 'router', timeoutS: 600 },
        ],
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
        notify: {
          channels: [{ id: 'xa', type: 'webhook', url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/langso` }],
          routes: [{ minSeverity: 'critical', channels: ['xa'] }],
        },
      },
      { dashboardDir: outDir },
    );
    browser = await launchChromium();
    const context = await phoneContext(browser, t.httpUrl, await t.admin());
    page = await openPage(context);
  }, 120_000);

  afterAll(async () => {
    await closeBrowserTest(browser, [t]);
    await wrong?.close();
    await gate?.close();
    if (webhook?.listening) await new Promise<void>((resolve) => webhook.close(() => resolve()));
    await removeBuild(outDir);
  });

  it('the tile says in Vietnamese that the camera refused the password, without the library text', async () => {
    await waitFor(() => t.hub.ctx.devices.get({ village: 'dong-cam', device: 'cam-cho' })?.reasonCode === 'onvif-unauthorized', 10_000, 'cam-cho offline, password refused');
    await page.goto(`${t.httpUrl}/#/`);
    const tile = page.getByTestId('device-dong-cam-cam-cho');
    await tile.and(page.locator('[data-state="offline"]')).waitFor();
    await tile.getByText(`Lý do: ${REFUSED_VI}`).waitFor();
    expect(await tile.innerText()).not.toMatch(/ONVIF|401|Unauthorized/);
    await noSideScroll();
  });

  it('the device page shows the reason, with the raw text behind one tap', async () => {
    await page.goto(`${t.httpUrl}/#/d/dong-cam/cam-cho`);
    await page.getByTestId('detail-note').getByText(`Lý do: ${REFUSED_VI}`).waitFor();
    const raw = page.getByTestId('detail-reason-raw');
    const code = raw.locator('code');
    // Folded: not on screen, not in the page's text.
    expect(await code.isVisible()).toBe(false);
    expect(await bodyText()).not.toContain('Unauthorized');
    await raw.getByText('Chi tiết kỹ thuật').click();
    await code.waitFor({ state: 'visible' });
    expect(await code.innerText()).toMatch(/^ONVIF: 401 Unauthorized \(wrong user name or password/);
    await noSideScroll();
  });

  it('the alert reads the same way, and so does the webhook notification', async () => {
    await page.goto(`${t.httpUrl}/#/alerts`);
    const card = page.locator('[data-testid^="alert-"][data-device="cam-cho"]');
    await card.getByText(new RegExp(`^Camera chợ \\(Đông Căm\\) mất kết nối lúc \\d{2}:\\d{2} — nguyên nhân: ${REFUSED_VI.replace(/[()]/g, '\\$&')}$`)).waitFor();
    const raw = card.locator('[data-testid^="alert-reason-raw-"]');
    expect(await raw.locator('code').isVisible()).toBe(false);
    await raw.getByText('Chi tiết kỹ thuật').click();
    expect(await raw.locator('code').innerText()).toMatch(/^ONVIF: 401 Unauthorized/);

    const fired = await waitFor(() => received.find((b) => b.change === 'fired' && b.alert.device === 'cam-cho'), 10_000, 'webhook for cam-cho');
    expect(fired.text).toMatch(new RegExp(`^Camera chợ \\(Đông Căm\\) mất kết nối lúc \\d{2}:\\d{2} — nguyên nhân: ${REFUSED_VI.replace(/[()]/g, '\\$&')}$`));
    expect(fired.text).not.toMatch(/ONVIF|Unauthorized/);
    // Machines reading the webhook get the code and the raw text too.
    expect(fired.alert.detail).toMatchObject({ reasonCode: 'onvif-unauthorized', reason: expect.stringMatching(/^ONVIF: 401 Unauthorized/) });
  });

  it('a camera that starts refusing the password while the page is open: the live push carries the code', async () => {
    await page.goto(`${t.httpUrl}/#/`);
    const tile = page.getByTestId('device-dong-cam-cam-cong');
    await tile.and(page.locator('[data-state="online"]')).waitFor();
    await gate.setFault('auth');
    await tile.and(page.locator('[data-state="offline"]')).waitFor();
    await tile.getByText(`Lý do: ${REFUSED_VI}`).waitFor();
  });

  it('a device that stays offline for another reason: the tile follows without a reload', async () => {
    await page.goto(`${t.httpUrl}/#/`);
    await page.getByTestId('device-dong-cam-router').waitFor();
    const router = await mqtt.connectAsync(t.mqttUrl, { clientId: 'router', reconnectPeriod: 0 });
    try {
      const status = (body: object) => router.publishAsync('langso/dong-cam/router/status', JSON.stringify(body), { qos: 1, retain: true });
      await status({ state: 'offline', code: 'refused', params: { port: 80 }, reason: 'connection refused' });
      const tile = page.getByTestId('device-dong-cam-router');
      await tile.getByText('Lý do: cổng 80 không mở (thiết bị từ chối kết nối)').waitFor();
      await status({ state: 'offline', code: 'unreachable', reason: 'no route to host' });
      await tile.getByText('Lý do: không liên lạc được với thiết bị (mất mạng, sai địa chỉ hoặc thiết bị đã tắt)').waitFor();
      // Words only, from a device that sends no code: shown as sent.
      await status({ state: 'offline', reason: 'mất điện lưới' });
      await tile.getByText('Lý do: mất điện lưới').waitFor();
    } finally {
      await router.endAsync(true);
    }
  });

  it('in English, the same reason in English', async () => {
    await page.getByRole('button', { name: /^Ngôn ngữ/ }).click();
    await page.getByTestId('device-dong-cam-cam-cho').getByText('the camera refused the password (wrong user name or password)').waitFor();
    await page.getByRole('button', { name: /^Language/ }).click();
  });
});
