import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UptimeAllResponse } from '../../shared/events.js';
import type { AvailabilityPoint } from '../../hub/store/types.js';
import { launchChromium } from '../../scripts/services/chromium.js';
import { sessionAs, type Session } from '../helpers/auth.js';
import { buildDashboard, closeBrowserTest, phoneContext } from '../helpers/dashboard.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const DAY = 86_400_000;
/** The app has drawn over the hub's markup (dashboard/src/main.tsx drops the marker after its first render). */
const TAKEN_OVER = `!document.getElementById('app').hasAttribute('data-first-view')`;

/** Names as a hostile network could make them: markup, quotes, a closing tag, a handler. */
const HOSTILE = `Cam <script>window.__pwned=1</script>"' </div><img src=x onerror="window.__pwned=2">`;
const HOSTILE_PLACE = `Cổng </section><b onmouseover=alert(1)>`;
const banPho = { id: 'ban-pho', name: 'Bản Phố', commune: 'Gia Phú', province: 'Lào Cai' };
const devices = [
  { id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', location: 'Cổng thôn' },
  { id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap' },
  { id: 'evil', village: 'dong-cam', name: HOSTILE, kind: 'onvif-camera', location: HOSTILE_PLACE },
  { id: 'ap-bp', village: 'ban-pho', name: 'Wi-Fi Bản Phố', kind: 'wifi-ap' },
].map((d) => ({ ...d, timeoutS: 3600 }));

/** The JSON the page carries for its script. */
function embedded(html: string): { devices: { villages: { id: string }[]; devices: { id: string }[] }; uptime: { day: UptimeAllResponse; month: UptimeAllResponse } } {
  const m = /<script type="application\/json" id="first-view">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('no first-view data in the page');
  return JSON.parse(m[1]!) as ReturnType<typeof embedded>;
}

/**
 * The hub draws a logged-in user's overview into the page itself (hub/web/first-view.ts): tiles and the
 * villages' uptime are there before the script, only for what the user may read, escaped, and the script
 * then takes the same elements over and keeps them live.
 */
describe('the overview in the first HTML answer', () => {
  let outDir: string;
  let t: TestHub;
  let browser: Browser;
  let client: MqttClient;
  let leader: Session;
  let otherLeader: Session;

  const status = (village: string, id: string, body: object) => client.publishAsync(`langso/${village}/${id}/status`, JSON.stringify(body), { qos: 1, retain: true });
  const page = (s: Session | null, init: RequestInit = {}) => fetch(`${t.httpUrl}/`, { ...init, headers: { ...(s ? { cookie: s.cookie } : {}), ...(init.headers as Record<string, string> | undefined) } });

  async function contextFor(s: Session, cookies: { name: string; value: string }[] = []): Promise<BrowserContext> {
    const context = await phoneContext(browser, t.httpUrl, s);
    if (cookies.length) await context.addCookies(cookies.map((c) => ({ ...c, url: t.httpUrl })));
    return context;
  }

  beforeAll(async () => {
    outDir = await buildDashboard('langso-first-view-');
    t = await startTestHub({ villages: [testVillage, banPho], devices, store: { kind: 'sqlite', writer: { flushMs: 50 } } }, { dashboardDir: outDir });
    client = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    // Two days of history: cam-1 was down for two hours yesterday and six hours five days ago.
    const now = Date.now();
    const point = (device: string, ts: number, state: 'online' | 'offline'): AvailabilityPoint => ({ measurement: 'availability', village: 'dong-cam', device, kind: 'onvif-camera', ts, state });
    await t.hub.ctx.store.write([
      point('cam-1', now - 7 * DAY, 'online'),
      point('cam-1', now - 5 * DAY, 'offline'),
      point('cam-1', now - 5 * DAY + 6 * 3_600_000, 'online'),
      point('cam-1', now - 20 * 3_600_000, 'offline'),
      point('cam-1', now - 18 * 3_600_000, 'online'),
    ]);
    for (const d of devices) await status(d.village, d.id, { state: 'online' });
    await client.publishAsync('langso/dong-cam/cam-1/telemetry', JSON.stringify({ rttMs: 12.4 }), { qos: 1 });
    leader = await sessionAs(t, 'lan', 'leader', ['dong-cam']);
    otherLeader = await sessionAs(t, 'hoa', 'leader', ['ban-pho']);
    await waitFor(async () => (await leader.json<{ devices: { state: string }[] }>('/api/devices')).devices.every((d) => d.state === 'online'), 5_000, 'devices online');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync(true).catch(() => undefined);
    await closeBrowserTest(browser, [t], outDir);
  });

  it("a leader's page carries their village's tiles and uptime, the same figures as /api/uptime, and is not stored", async () => {
    const res = await page(leader);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('vary') ?? '').toMatch(/Cookie/);
    // The CSP is the hub's usual one: no inline script allowed.
    expect(res.headers.get('content-security-policy') ?? '').toMatch(/script-src 'self'(;|$)/);
    const html = await res.text();
    expect(html).toContain('<html lang="vi">');
    // Its styles come with it: no second request before the first paint.
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<link rel="stylesheet"/);
    expect(html).toMatch(/<a class="tile state-online" href="#\/d\/dong-cam\/cam-1" data-testid="device-dong-cam-cam-1"/);
    expect(html).toContain('data-testid="village-uptime-dong-cam"');
    expect(html).toContain('Camera cổng thôn');
    expect(html).not.toContain('ban-pho');
    expect(html).not.toContain('Bản Phố');
    const data = embedded(html);
    expect(data.devices.villages.map((v) => v.id)).toEqual(['dong-cam']);
    const now = Date.now();
    const api = await leader.json<UptimeAllResponse>(`/api/uptime?from=${now - DAY}&to=${now}`);
    const apiMonth = await leader.json<UptimeAllResponse>(`/api/uptime?from=${now - 30 * DAY}&to=${now}`);
    const mine = data.uptime.day.villages.find((v) => v.village === 'dong-cam')!;
    const mineMonth = data.uptime.month.villages.find((v) => v.village === 'dong-cam')!;
    expect(mine.uptimePct).not.toBeNull();
    expect(mine.uptimePct!).toBeLessThan(100);
    // Computed a moment apart over a moving window: equal to a tenth of a percent.
    expect(mine.uptimePct!).toBeCloseTo(api.villages[0]!.uptimePct!, 1);
    expect(mineMonth.uptimePct!).toBeCloseTo(apiMonth.villages[0]!.uptimePct!, 1);
    const shown = (v: number) => `${v.toLocaleString('vi-VN', { maximumFractionDigits: 1 })}%`;
    expect(html).toContain(`24 giờ: ${shown(mine.uptimePct!)}`);
    expect(html).toContain(`30 ngày: ${shown(mineMonth.uptimePct!)}`);
  });

  it('without a session, or for the leader of another village, none of it is in the page', async () => {
    const anon = await page(null);
    expect(anon.status).toBe(200);
    const plain = await anon.text();
    expect(plain).not.toContain('class="tile');
    expect(plain).not.toContain('first-view');
    expect(plain).not.toContain('Camera cổng thôn');
    expect(anon.headers.get('cache-control')).toBe('no-cache');
    // A stale or forged cookie is no session.
    const forged = await (await page(null, { headers: { cookie: 'langso_session=not-a-session' } })).text();
    expect(forged).not.toContain('first-view');
    const other = await (await page(otherLeader)).text();
    expect(other).toContain('data-testid="device-ban-pho-ap-bp"');
    expect(other).toContain('data-testid="village-uptime-ban-pho"');
    expect(other).not.toContain('dong-cam');
    expect(other).not.toContain('Camera cổng thôn');
    expect(other).not.toContain('Cam &lt;script');
  });

  it('hostile device and place names are text: nothing runs, they show literally, before and after the script', async () => {
    const html = await (await page(leader)).text();
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('Cam &lt;script&gt;window.__pwned=1&lt;/script&gt;&quot;&#39; &lt;/div&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;');
    // In the data for the script, no "<" can end its element early.
    expect(embedded(html).devices.devices.map((d) => d.id)).toContain('evil');
    const context = await contextFor(leader);
    try {
      const p = await context.newPage();
      p.setDefaultTimeout(10_000);
      // The hub's markup alone: the script never arrives.
      await p.route('**/assets/*.js', (r) => r.abort());
      await p.goto(`${t.httpUrl}/`);
      const tile = p.getByTestId('device-dong-cam-evil');
      expect(await tile.locator('.tile-name').textContent()).toBe(HOSTILE);
      expect(await tile.locator('.tile-place').textContent()).toBe(`Vị trí: ${HOSTILE_PLACE}`);
      expect(await p.locator('img, b').count()).toBe(0);
      // Styled without any file but the page: the tiles are laid out as a grid.
      expect(await p.evaluate(`getComputedStyle(document.querySelector('ul.grid')).display`)).toBe('grid');
      expect(await p.evaluate('window.__pwned')).toBeUndefined();
      // And with the script, drawn over by the app.
      const live = await context.newPage();
      await live.goto(`${t.httpUrl}/`);
      await live.waitForFunction(TAKEN_OVER);
      expect(await live.getByTestId('device-dong-cam-evil').locator('.tile-name').textContent()).toBe(HOSTILE);
      expect(await live.evaluate('window.__pwned')).toBeUndefined();
    } finally {
      await context.close();
    }
  });

  it('shows tiles and uptime before the script, which then takes the same elements over and keeps them live', async () => {
    const context = await contextFor(leader);
    try {
      const p = await context.newPage();
      p.setDefaultTimeout(10_000);
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      // The app's script waits until the hub's markup has been looked at.
      await p.route('**/assets/index-*.js', async (r) => {
        await held;
        await r.continue();
      });
      const loaded = p.goto(`${t.httpUrl}/`);
      const tile = p.getByTestId('device-dong-cam-cam-1');
      await tile.waitFor();
      await p.getByTestId('village-uptime-dong-cam').getByText(/^24 giờ: [\d,]+%$/).waitFor();
      expect(await tile.isVisible()).toBe(true);
      expect(await p.getByTestId('village-uptime-dong-cam').isVisible()).toBe(true);
      // A mark on the element the hub sent: still there after the script drew = the same element.
      await p.evaluate(`document.querySelector('[data-testid="device-dong-cam-cam-1"]').fromHub = true`);
      const uptimeBefore = await p.getByTestId('village-uptime-dong-cam').textContent();
      const nameBefore = await tile.locator('.tile-name').textContent();
      release();
      await loaded;
      await p.waitForFunction(TAKEN_OVER);
      // The very element the hub sent, not a new one: no flash, nothing jumps.
      expect(await p.evaluate(`document.querySelector('[data-testid="device-dong-cam-cam-1"]').fromHub === true`)).toBe(true);
      expect(await p.getByTestId('village-uptime-dong-cam').textContent()).toBe(uptimeBefore);
      expect(await tile.locator('.tile-name').textContent()).toBe(nameBefore);
      // Live: a state change over MQTT reaches the tile.
      await status('dong-cam', 'ap-1', { state: 'offline', reason: 'lwt' });
      await p.getByTestId('device-dong-cam-ap-1').and(p.locator('[data-state="offline"]')).waitFor();
      await status('dong-cam', 'ap-1', { state: 'online' });
      await p.getByTestId('device-dong-cam-ap-1').and(p.locator('[data-state="online"]')).waitFor();
    } finally {
      await context.close();
    }
  });

  it('in English when the language cookie says so, and the app stays in English', async () => {
    const res = await page(leader, { headers: { cookie: `${leader.cookie}; langso_lang=en` } });
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/Uptime: <strong class="level-\w+">24 hours: /);
    const context = await contextFor(leader, [{ name: 'langso_lang', value: 'en' }]);
    try {
      const p = await context.newPage();
      await p.goto(`${t.httpUrl}/`);
      await p.waitForFunction(TAKEN_OVER);
      await p.getByTestId('village-uptime-dong-cam').getByText(/^24 hours: /).waitFor();
      expect(await p.getByTestId('device-dong-cam-cam-1').locator('.badge').textContent()).toBe('Online');
    } finally {
      await context.close();
    }
  });
});
