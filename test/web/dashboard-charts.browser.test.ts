import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevicesResponse } from '../../shared/events.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { useSession } from '../helpers/auth.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const MIN = 60_000;
/** Set to a folder to keep screenshots of the charts at phone and desktop width (for a human to look at). */
const shotsDir = process.env.LANGSO_SCREENSHOT_DIR;

const devices = [
  { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap' },
  { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera' },
  { id: 'pc-1', village: 'dong-cam', name: 'Máy tính thư viện', kind: 'pc' },
  { id: 'sw-1', village: 'dong-cam', name: 'Bộ chuyển mạch', kind: 'switch' },
].map((d) => ({ ...d, timeoutS: 7200 }));

/** What a chart's axes say, as Chart.js laid them out (mirrored on the canvas element by charts.ts). */
interface Axis {
  ticks: string[];
  min: number;
  title: string;
  shaded: string[];
}

describe('device charts in Chromium: units, honest axes, outages shaded', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let client: MqttClient;
  const now = Date.now();

  const publish = (id: string, channel: 'status' | 'telemetry', body: object) =>
    client.publishAsync(`langso/dong-cam/${id}/${channel}`, JSON.stringify(body), { qos: 1 });
  const stateOf = async (id: string) => ((await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as DevicesResponse).devices.find((d) => d.id === id)?.state;

  /** Opens a device's chart on a metric and waits until its data is drawn. */
  async function chart(device: string, metric: string, until: (a: Axis) => boolean = () => true): Promise<Axis> {
    if (!page.url().endsWith(`#/d/dong-cam/${device}`)) await page.goto(`${t.httpUrl}/#/d/dong-cam/${device}`);
    await page.getByTestId('metric-select').selectOption(metric);
    const canvas = page.locator(`.series[data-metric="${metric}"][data-ready="true"]`).getByTestId('series-canvas');
    let last: Axis | null = null;
    return waitFor(async () => {
      if ((await canvas.count()) === 0) return null;
      const [ticks, min, title, shaded] = await Promise.all(['data-y-ticks', 'data-y-min', 'data-y-title', 'data-shaded'].map((a) => canvas.getAttribute(a)));
      if (ticks === null || ticks === undefined) return null;
      last = { ticks: ticks.split('|'), min: Number(min), title: title ?? '', shaded: (shaded ?? '').split(' ').filter(Boolean) };
      return until(last) ? last : null;
    }, 10_000, `the ${metric} chart of ${device} (last: ${JSON.stringify(last)})`);
  }

  const shot = async (name: string): Promise<void> => {
    if (!shotsDir) return;
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: width === 360 ? 740 : 800 });
      // Chart.js resizes on the next frame.
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(shotsDir, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 360, height: 740 });
  };

  beforeAll(async () => {
    outDir = await buildDashboard();
    t = await startTestHub({ villages: [testVillage], devices, store: { kind: 'sqlite', writer: { flushMs: 50 } } }, { dashboardDir: outDir });
    client = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    // The camera: online 40 min ago, lost for ten minutes from 20 min ago, dated by its own clock.
    for (const [dt, state] of [[-40, 'online'], [-20, 'offline'], [-10, 'online']] as const) {
      await publish('cam-1', 'status', { state, ts: now + dt * MIN });
      await waitFor(async () => (await stateOf('cam-1')) === state, 5_000, `cam-1 ${state}`);
    }
    await publish('ap-1', 'status', { state: 'online', ts: now - 40 * MIN });
    await publish('pc-1', 'status', { state: 'online', ts: now - 40 * MIN });
    for (const dt of [-35, -25, -15, -5]) {
      // An idle AP: nobody on it, no traffic. Its chart must not invent a negative axis.
      await publish('ap-1', 'telemetry', { ts: now + dt * MIN, clients: 0, rxBps: 0, txBps: 0 });
      await publish('cam-1', 'telemetry', { ts: now + dt * MIN, rttMs: 12, streamOk: dt !== -25, clockDriftS: dt === -15 ? -3 : 2 });
      await publish('pc-1', 'telemetry', { ts: now + dt * MIN, memUsedPct: 40 + dt, cpuLoad: 0.2 });
    }
    // The switch has said one thing so far.
    await publish('sw-1', 'status', { state: 'online' });
    await publish('sw-1', 'telemetry', { ts: now - 2 * MIN, rttMs: 3.2 });
    await waitFor(async () => (await t.hub.ctx.store.countTelemetry({ from: now - 40 * MIN, to: now })) === 13, 5_000, 'telemetry stored');
    // The AP is under maintenance from 5 min ago.
    const res = await t.fetch(`${t.httpUrl}/api/maintenance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ village: 'dong-cam', device: 'ap-1', from: new Date(now - 5 * MIN).toISOString(), to: new Date(now + 60 * MIN).toISOString(), note: 'Thay nguồn' }),
    });
    expect(res.status).toBe(201);
    await waitFor(async () => (await stateOf('ap-1')) === 'maintenance', 5_000, 'ap-1 in maintenance');
    browser = await launchChromium();
    const context = await phoneContext(browser, t.httpUrl, await t.admin());
    page = await openPage(context);
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it('a camera page without a snapshot yet says so and leaves the console clean', async () => {
    const freshContext = await browser.newContext();
    await useSession(freshContext, t.httpUrl, await t.admin());
    const fresh = await freshContext.newPage();
    const errors: string[] = [];
    fresh.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    fresh.on('pageerror', (e) => errors.push(e.message));
    await fresh.goto(`${t.httpUrl}/#/d/dong-cam/cam-1`);
    await fresh.getByTestId('snapshot').getByText('Chưa có ảnh chụp từ camera này.').waitFor({ timeout: 10_000 });
    await fresh.getByTestId('series-canvas').waitFor({ timeout: 10_000 });
    await freshContext.close();
    expect(errors).toEqual([]);
  });

  it('traffic of an idle AP: the axis says bit/s and does not go below zero', async () => {
    const a = await chart('ap-1', 'rxBps');
    expect(a.title).toBe('bit/s');
    expect(a.min).toBe(0);
    expect(a.ticks.filter((l) => /^[-−]/.test(l))).toEqual([]);
  });

  it('a yes/no metric shows both levels, Có and Không, and nothing between', async () => {
    const a = await chart('cam-1', 'streamOk');
    expect([...a.ticks].sort()).toEqual(['Có', 'Không']);
    await shot('chart-bool');
  });

  it('each axis has its unit; a metric that may be negative goes below zero', async () => {
    expect((await chart('cam-1', 'rttMs')).title).toBe('ms');
    const drift = await chart('cam-1', 'clockDriftS');
    expect(drift.title).toBe('giây');
    expect(drift.min).toBeLessThan(0);
    expect((await chart('pc-1', 'memUsedPct')).title).toBe('%');
  });

  it('the outage is shaded on the time axis and named under the chart', async () => {
    const a = await chart('cam-1', 'rttMs', (x) => x.shaded.length > 0);
    expect(a.shaded).toEqual(['offline']);
    await page.getByTestId('shade-legend').getByText('Mất kết nối').waitFor();
    await shot('chart-outage');
  });

  it('a single reading shows as a dot, not as an empty chart', async () => {
    await chart('sw-1', 'rttMs');
    const radius = Number(await page.locator('.series[data-ready="true"]').getByTestId('series-canvas').getAttribute('data-point-radius'));
    expect(radius).toBeGreaterThan(0);
    // With enough readings for a line, no dots.
    await chart('cam-1', 'rttMs');
    expect(await page.locator('.series[data-ready="true"]').getByTestId('series-canvas').getAttribute('data-point-radius')).toBe('0');
  });

  it('maintenance going on now is shaded too, up to the present', async () => {
    const a = await chart('ap-1', 'clients', (x) => x.shaded.length > 0);
    expect(a.shaded).toEqual(['maintenance']);
    // People are counted in whole numbers, even on an all-zero axis.
    expect(a.ticks.every((l) => /^\d+$/.test(l))).toBe(true);
    await page.getByTestId('shade-legend').getByText('Bảo trì').waitFor();
    await shot('chart-maintenance');
  });
});
