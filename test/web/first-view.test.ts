import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kindViews } from '../../hub/registry/kinds.js';
import { escapeHtml, FIRST_VIEW_MAX_TILES, firstViewMarkup, type FirstViewData } from '../../hub/web/first-view-html.js';
import { firstViewText } from '../../hub/web/first-view-text.js';
import { FIRST_VIEW_UPTIME_MAX_DEVICES, jsonForScript, withFirstView } from '../../hub/web/first-view.js';
import { startTestHub, testVillage } from '../helpers/hub.js';
import type { DeviceView } from '../../shared/events.js';

const dashboardSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboard/src');
// The dashboard is bundled for the browser: loaded here by path so the hub's compiler does not follow it.
const load = <T>(file: string): Promise<T> => import(/* @vite-ignore */ path.join(dashboardSrc, file)) as Promise<T>;

function fleet(villages: number, perVillage: number): FirstViewData {
  const vs = Array.from({ length: villages }, (_, i) => ({ id: `thon-${i}`, name: `Thôn ${i}`, timezone: 'Asia/Ho_Chi_Minh', commune: 'Gia Phú', province: 'Lào Cai' }));
  const now = Date.now();
  const devices: DeviceView[] = vs.flatMap((v) =>
    Array.from({ length: perVillage }, (_, k): DeviceView => ({
      village: v.id,
      id: `cam-${k}`,
      name: `Camera ${k} <${v.name}>`,
      kind: 'onvif-camera',
      registered: true,
      location: 'Cổng thôn',
      state: k % 7 === 0 ? 'offline' : 'online',
      since: now - 3_600_000,
      lastSeen: now - 30_000,
      timeoutS: 600,
      telemetry: { ts: now, fields: { rttMs: 12.4 } },
    })),
  );
  const figures = (v: { id: string }) => ({ village: v.id, uptimePct: 99.5, availablePct: 99.5, outages: 1, longestOutageMs: 60_000, offlineMs: 60_000, worst: null, devices: [] });
  return {
    user: { username: 'lan', role: 'admin', villages: [] },
    devices: { villages: vs, kinds: kindViews(), devices, changes: 0 },
    uptime: { day: { villages: vs.map(figures) }, month: { villages: vs.map(figures) } } as unknown as FirstViewData['uptime'],
  };
}

describe('the first view', () => {
  it('uses the words of the dashboard dictionaries, in both languages', async () => {
    const { vi } = await load<{ vi: Record<string, string> }>('i18n/vi.ts');
    const { en } = await load<{ en: Record<string, string> }>('i18n/en.ts');
    for (const [key, text] of Object.entries(firstViewText)) {
      expect({ key, text: text.vi }).toEqual({ key, text: vi[key] });
      expect({ key, text: text.en }).toEqual({ key, text: en[key] });
    }
  });

  it('escapes markup, quotes and ampersands in text and attributes', () => {
    expect(escapeHtml(`<script>"x" & 'y'</script>`)).toBe('&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;');
  });

  it('keeps the data for the script inside its element, and redacts it like every JSON answer', () => {
    const json = jsonForScript({ name: '</script><script>alert(1)</script>', reason: 'http://user:secret@cam/' }, (s) => s.replace('user:secret@', '***@'));
    expect(json).not.toContain('<');
    expect(json).not.toContain('secret');
    expect(JSON.parse(json)).toEqual({ name: '</script><script>alert(1)</script>', reason: 'http://***@cam/' });
    const page = withFirstView('<html lang="vi"><head><link rel="preload" href="/api/devices" as="fetch" crossorigin="anonymous" /></head><body><div id="app"></div></body></html>', 'en', '<main>x</main>', json);
    expect(page).not.toContain('rel="preload"');
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<div id="app" data-first-view="en"><main>x</main></div><script type="application/json" id="first-view">');
    expect(withFirstView('<html><body><div id="root"></div></body></html>', 'vi', 'x', '{}')).toBeNull();
  });

  it(`draws at most ${FIRST_VIEW_MAX_TILES} tiles of a thousand devices, quickly`, () => {
    const data = fleet(10, 100);
    const started = performance.now();
    const markup = firstViewMarkup(data, 'vi', Date.now());
    const json = jsonForScript(data, (s) => s);
    const ms = performance.now() - started;
    expect(markup).not.toBeNull();
    expect(markup!.match(/<a class="tile /g)?.length).toBe(FIRST_VIEW_MAX_TILES);
    // Every village still has its head and uptime line.
    expect(markup!.match(/data-testid="village-uptime-/g)?.length).toBe(10);
    console.log(`first view of 1000 devices: ${(markup!.length / 1024).toFixed(1)} KiB markup, ${(json.length / 1024).toFixed(1)} KiB data, ${ms.toFixed(1)} ms`);
    // Generous: a loaded 2-core machine; the point is that it is not the whole fleet's markup.
    expect(ms).toBeLessThan(1_000);
  });
});

describe('the first view of a large hub', () => {
  it(`leaves the uptime figures to the script above ${FIRST_VIEW_UPTIME_MAX_DEVICES} devices, and still shows the tiles`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'langso-first-view-'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><html lang="vi"><head></head><body><div id="app"></div></body></html>');
    const devices = (n: number) => Array.from({ length: n }, (_, k) => ({ id: `cam-${k}`, village: 'dong-cam', name: `Camera ${k}`, kind: 'onvif-camera', timeoutS: 600 }));
    for (const [n, figures] of [
      [FIRST_VIEW_UPTIME_MAX_DEVICES, true],
      [FIRST_VIEW_UPTIME_MAX_DEVICES + 1, false],
    ] as const) {
      const t = await startTestHub({ villages: [testVillage], devices: devices(n), store: { kind: 'sqlite' } }, { dashboardDir: dir });
      try {
        const res = await t.fetch('/');
        const html = await res.text();
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(html).toContain('data-testid="device-dong-cam-cam-0"');
        expect(html.includes('data-testid="village-uptime-dong-cam"')).toBe(figures);
        const data = JSON.parse(/<script type="application\/json" id="first-view">([^<]*)<\/script>/.exec(html)![1]!) as { uptime: unknown; devices: { devices: unknown[] } };
        expect(data.devices.devices).toHaveLength(n);
        expect(data.uptime === null).toBe(!figures);
      } finally {
        await t.stop();
      }
    }
    await rm(dir, { recursive: true, force: true });
  }, 60_000);
});
