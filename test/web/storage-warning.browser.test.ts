import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/services/chromium.js';
import { freePort } from '../../scripts/services/influxd.js';
import type { HealthResponse } from '../../shared/events.js';
import { buildDashboard, closeBrowserTest, phoneContext, openPage } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** While the metric store cannot take points, /api/health and the dashboard say how many wait on disk. */
describe('the backlog warning', () => {
  let outDir: string;
  let hub: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    outDir = await buildDashboard();
    // An InfluxDB that is not there: every write fails, points wait in the spool.
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    hub = await startTestHub(
      {
        villages: [testVillage],
        devices: [{ id: 'pc-1', village: testVillage.id, name: 'Máy tính nhà văn hoá', kind: 'pc' }],
        store: { kind: 'influx', url: nowhere, writer: { flushMs: 100 } },
      },
      { dashboardDir: outDir },
    );
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeBrowserTest(browser, [hub], outDir);
  });

  it('/api/health gives the backlog: points, bytes, how long the oldest has waited, and the bound', async () => {
    const c = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'dong-cam-pc-1' });
    const t0 = Date.now() - 120_000;
    for (let i = 0; i < 50; i++) await c.publishAsync(`langso/${testVillage.id}/pc-1/telemetry`, JSON.stringify({ ts: t0 + i, cpuPct: i }), { qos: 1 });
    await c.endAsync();
    const h = await waitFor(
      async () => {
        const body = (await (await hub.fetch('/api/health')).json()) as HealthResponse;
        return body.store.spool.points >= 50 ? body : null;
      },
      10_000,
      'the backlog in /api/health',
    );
    expect(h.status).toBe('degraded');
    expect(h.store.spool.bytes).toBeGreaterThan(50 * 40);
    expect(h.store.spool.maxBytes).toBeGreaterThanOrEqual(1_048_576);
    expect(h.store.spool.oldestAgeS).toBeGreaterThanOrEqual(0);
    expect(h.store.spool.oldestAgeS).toBeLessThan(120);
    expect(h.store.spool).toMatchObject({ droppedTelemetry: 0, droppedEvents: 0, error: null });
  });

  it('the header says so in Vietnamese, then English, within a 360 px phone', async () => {
    const context = await phoneContext(browser, hub.httpUrl, await hub.admin());
    const p = await openPage(context, `${hub.httpUrl}/`);
    const warning = p.locator('header').getByTestId('storage-warning');
    await warning.waitFor();
    const vi = (await warning.textContent()) ?? '';
    expect(vi).toContain('Chưa ghi được vào kho số liệu');
    expect(vi).toMatch(/\d+ số liệu \(\d[\d,.]* kB\)/);
    expect(vi).toMatch(/lâu nhất đã \d+ giây/);
    expect((await warning.boundingBox())?.width).toBeLessThanOrEqual(360);
    expect(await p.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await p.getByRole('button', { name: /English/ }).click();
    await expect(warning.textContent()).resolves.toContain('waiting on the village hub’s disk');
    await context.close();
  });
});
