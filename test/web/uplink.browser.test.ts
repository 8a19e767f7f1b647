import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/services/influxd.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import type { HealthResponse } from '../../shared/events.js';
import { useSession } from '../helpers/auth.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

/** The commune broker cannot be reached: the header says so, and what waits to be sent, in plain words. */
describe('the uplink in the dashboard header', () => {
  let outDir: string;
  let hub: TestHub;
  let plain: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'langso-dashboard-'));
    await run(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repoRoot });
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
    await browser?.close();
    await hub?.stop();
    await plain?.stop();
    await rm(outDir, { recursive: true, force: true });
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
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
    await useSession(context, hub.httpUrl, await hub.admin());
    const p = await context.newPage();
    p.setDefaultTimeout(10_000);
    await p.goto(`${hub.httpUrl}/`);
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

    const other = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
    await useSession(other, plain.httpUrl, await plain.admin());
    const q = await other.newPage();
    await q.goto(`${plain.httpUrl}/`);
    await q.getByTestId('summary').waitFor();
    expect(await q.getByTestId('uplink').count()).toBe(0);
    await other.close();
  });
});
