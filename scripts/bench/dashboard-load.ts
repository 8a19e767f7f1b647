/**
 * Dashboard first load on a phone over a slow mobile link: Chromium (Debian's, through playwright-core)
 * opens the dashboard of a real hub with network and CPU emulated through the DevTools protocol —
 * 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip, CPU 4× slower — with an empty cache each run.
 * The phone is logged in already (its session cookie is set): the load of every day, not the first login
 * (scripts/bench/login-load.ts times that). Prints, as medians over `--runs` loads (default 5):
 *   - bytes received until the page settles, split into the page itself (HTML, scripts, styles) and
 *     API/live traffic, with the request count;
 *   - time from navigation to the first device tile painted (in the DOM, then the first frame that draws
 *     it with a size), and to the start of the device-list request (none when the page brings the list);
 *   - time from navigation to the villages' uptime figures painted (24 h and 30 d, from 30 days of stored
 *     transitions: two outages a day per device) on the overview.
 * `--json FILE` writes the figures; `--baseline FILE` (figures written by an earlier run, e.g. the
 * recorded scripts/bench/dashboard-load.baseline.json) prints this run against it as ratios.
 *
 *   node --import tsx scripts/bench/dashboard-load.ts [--runs 5] [--json out.json] [--baseline file.json]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { parseConfig } from '../../hub/config/load.js';
import { createLogger } from '../../hub/core/log.js';
import { createHub } from '../../hub/main.js';
import { launchChromium } from '../services/chromium.js';
import { record } from './report.js';
import type { AvailabilityPoint } from '../../hub/store/types.js';

// Not strict: `npm run bench -- …` hands every benchmark the same arguments.
const { values } = parseArgs({ options: { runs: { type: 'string' }, json: { type: 'string' }, baseline: { type: 'string' }, timeline: { type: 'boolean' }, 'cpu-profile': { type: 'string' } }, strict: false });
const RUNS = Math.max(1, Math.floor(Number(values.runs ?? process.env.LANGSO_BENCH_LOAD_RUNS ?? 5)) || 5);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const VILLAGE = 'dong-cam';
/** Lighthouse's "slow 4G" phone profile, in the units the DevTools protocol takes (bytes/s, ms). */
const PROFILE = { downloadThroughput: (1.6e6 / 8) | 0, uploadThroughput: (750e3 / 8) | 0, latency: 150, cpu: 4 };
/** The page has settled when nothing but the live connection was in flight for this long. */
const QUIET_MS = 1_500;

export interface LoadFigures {
  /** What was measured (commit, date), for a recorded baseline. */
  label?: string;
  runs: number;
  bytes: { page: number; api: number; total: number };
  requests: number;
  firstTileMs: number;
  devicesRequestMs: number;
  /** Navigation to the overview's uptime figures (absent in baselines recorded before they existed). */
  uptimeMs?: number;
}

const devices = [
  { id: 'router', name: 'Bộ định tuyến nhà văn hóa', kind: 'router' },
  { id: 'sw-1', name: 'Bộ chuyển mạch nhà văn hóa', kind: 'switch', parent: 'router' },
  ...[1, 2, 3].map((n) => ({ id: `ap-${n}`, name: `Wi-Fi điểm ${n}`, kind: 'wifi-ap', parent: 'sw-1' })),
  ...[1, 2, 3, 4].map((n) => ({ id: `cam-${n}`, name: `Camera ${n}`, kind: 'onvif-camera', parent: 'sw-1' })),
  { id: 'meet-1', name: 'Bộ họp trực tuyến', kind: 'meeting-room', parent: 'sw-1' },
  { id: 'pc-1', name: 'Máy tính thư viện', kind: 'pc', parent: 'sw-1' },
];

function telemetry(kind: string): object {
  if (kind === 'wifi-ap') return { clients: 12, rxBps: 310_000, txBps: 2_450_000, uptimeS: 93_780 };
  if (kind === 'onvif-camera') return { rttMs: 12.4, streamOk: true, snapshotOk: true, snapshotAgeS: 3, imageLuma: 96.5, frozen: false, clockDriftS: 2 };
  if (kind === 'pc') return { cpuLoad: 0.23, memUsedPct: 61.5, diskFreePct: 42.1, uptimeS: 7_500 };
  return { rttMs: 3.1 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

interface OneLoad {
  page: number;
  api: number;
  requests: number;
  firstTileMs: number;
  devicesRequestMs: number;
  uptimeMs: number;
}

/** One cold load in a fresh browser context (empty cache), throttled. */
async function load(browser: Browser, url: string, session: string): Promise<OneLoad> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN', deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await context.addCookies([{ name: 'langso_session', value: session, url, httpOnly: true, sameSite: 'Lax' }]);
  try {
    const page = await context.newPage();
    // Timed in the page, from navigation start, when each is visible: in the DOM, then the first frame that
    // draws it with a size (its stylesheet loaded) — markup the HTML brings counts when it is painted, not
    // when it is parsed. (Strings: this file is type-checked without the DOM library.)
    await page.addInitScript(`
      window.__firstTile = null;
      window.__uptime = null;
      const painted = (el, set) => requestAnimationFrame((at) => {
        if (el.isConnected && el.getBoundingClientRect().height > 0) set(at);
        else painted(document.querySelector(el.matches('a.tile') ? 'a.tile' : '[data-testid^="village-uptime-"]') || el, set);
      });
      let tileSeen = false;
      let uptimeSeen = false;
      new MutationObserver((_m, obs) => {
        const tile = !tileSeen && document.querySelector('a.tile');
        if (tile) { tileSeen = true; painted(tile, (at) => (window.__firstTile = at)); }
        const up = !uptimeSeen && document.querySelector('[data-testid^="village-uptime-"]');
        if (up) { uptimeSeen = true; painted(up, (at) => (window.__uptime = at)); }
        if (tileSeen && uptimeSeen) obs.disconnect();
      }).observe(document, { subtree: true, childList: true });`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: PROFILE.latency,
      downloadThroughput: PROFILE.downloadThroughput,
      uploadThroughput: PROFILE.uploadThroughput,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: PROFILE.cpu });
    const types = new Map<string, string>();
    const inFlight = new Set<string>();
    let page_ = 0;
    let api = 0;
    let requests = 0;
    let lastActivity = Date.now();
    // The socket.io long poll stays open by design: it does not keep the page from settling.
    const isLongPoll = (u: string) => u.includes('/socket.io/') && u.includes('transport=polling');
    const urls = new Map<string, string>();
    cdp.on('Network.requestWillBeSent', (e) => {
      urls.set(e.requestId, e.request.url);
      if (!isLongPoll(e.request.url)) inFlight.add(e.requestId);
      lastActivity = Date.now();
    });
    cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
    const done = (id: string) => {
      inFlight.delete(id);
      lastActivity = Date.now();
    };
    cdp.on('Network.loadingFailed', (e) => done(e.requestId));
    cdp.on('Network.loadingFinished', (e) => {
      done(e.requestId);
      requests++;
      const type = types.get(e.requestId) ?? 'Other';
      if (type === 'Document' || type === 'Script' || type === 'Stylesheet' || type === 'Font' || type === 'Image') page_ += e.encodedDataLength;
      else api += e.encodedDataLength;
    });
    const profiling = typeof values['cpu-profile'] === 'string';
    if (profiling) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => (globalThis as unknown as { __firstTile: number | null }).__firstTile !== null, undefined, { timeout: 120_000, polling: 100 });
    if (profiling) {
      // The page's own work up to the first tile, for chrome://inspect or a flame-graph viewer.
      const { profile } = await cdp.send('Profiler.stop');
      await writeFile(String(values['cpu-profile']), JSON.stringify(profile));
    }
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (inFlight.size > 0 || Date.now() - lastActivity < QUIET_MS)) await new Promise((r) => setTimeout(r, 100));
    const timing = await page.evaluate<{ firstTile: number; devices: number; uptime: number | null }>(`({
      firstTile: window.__firstTile,
      uptime: window.__uptime,
      devices: performance.getEntriesByType('resource').find((r) => new URL(r.name).pathname === '/api/devices')?.startTime ?? NaN,
    })`);
    if (values.timeline === true) {
      // Where the time goes: each request's start and end, from navigation start.
      const entries = await page.evaluate<{ name: string; start: number; end: number; size: number }[]>(
        `performance.getEntriesByType('resource').map((r) => ({ name: new URL(r.name).pathname + new URL(r.name).search.slice(0, 40), start: r.startTime, end: r.responseEnd, size: r.encodedBodySize }))`,
      );
      const nav = await page.evaluate<{ end: number; dcl: number }>(`(() => { const n = performance.getEntriesByType('navigation')[0]; return { end: n.responseEnd, dcl: n.domContentLoadedEventEnd }; })()`);
      console.log(`  timeline: document until ${Math.round(nav.end)} ms, DOMContentLoaded ${Math.round(nav.dcl)} ms, first tile ${Math.round(timing.firstTile)} ms, uptime ${Math.round(timing.uptime ?? NaN)} ms`);
      for (const e of entries) console.log(`    ${String(Math.round(e.start)).padStart(6)} → ${String(Math.round(e.end)).padStart(6)} ms  ${(e.size / 1024).toFixed(1).padStart(6)} KiB  ${e.name}`);
    }
    return { page: page_, api, requests, firstTileMs: timing.firstTile, devicesRequestMs: timing.devices, uptimeMs: timing.uptime ?? NaN };
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'langso-bench-load-'));
  const outDir = path.join(work, 'dashboard');
  // The dashboard as `npm run build` makes it, from the current source.
  await run(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repoRoot });
  const doc = {
    dataDir: path.join(work, 'data'),
    logLevel: 'warn',
    broker: { host: '127.0.0.1', port: 0, wsPort: null, allowAnonymous: true },
    http: { host: '127.0.0.1', port: 0 },
    store: { kind: 'sqlite' },
    villages: [{ id: VILLAGE, name: 'Đông Căm', commune: 'Gia Phú', province: 'Lào Cai' }],
    devices: devices.map((d) => ({ ...d, village: VILLAGE, timeoutS: 3600 })),
  };
  const hub = createHub({ config: parseConfig(stringify(doc), 'bench', {}), log: createLogger('warn'), dashboardDir: outDir });
  await hub.start();
  await hub.security.users.add('lan', 'mat-khau-do-thoi-gian', 'leader', [VILLAGE], Date.now());
  const res = await fetch(`http://127.0.0.1:${hub.ports.http}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'lan', password: 'mat-khau-do-thoi-gian' }),
  });
  const session = /langso_session=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))?.[1] ?? '';
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.ports.mqtt}`, { clientId: 'bench-load', reconnectPeriod: 0 });
  let browser: Browser | null = null;
  try {
    // 30 days of history behind the uptime figures: two short outages a day per device.
    const now = Date.now();
    const history = devices.flatMap((d, i) =>
      Array.from({ length: 60 }, (_, k) => {
        const down = now - 30 * 86_400_000 + k * 43_200_000 + i * 60_000;
        return [
          { measurement: 'availability' as const, village: VILLAGE, device: d.id, kind: d.kind as AvailabilityPoint['kind'], ts: down, state: 'offline' as const },
          { measurement: 'availability' as const, village: VILLAGE, device: d.id, kind: d.kind as AvailabilityPoint['kind'], ts: down + 300_000, state: 'online' as const },
        ];
      }).flat(),
    );
    await hub.ctx.store.write(history);
    for (const d of devices) {
      await client.publishAsync(`langso/${VILLAGE}/${d.id}/status`, JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
      await client.publishAsync(`langso/${VILLAGE}/${d.id}/telemetry`, JSON.stringify(telemetry(d.kind)), { qos: 1 });
    }
    browser = await launchChromium();
    const url = `http://127.0.0.1:${hub.ports.http}/`;
    // One load to warm the hub and the browser up; not counted.
    await load(browser, url, session);
    const loads: OneLoad[] = [];
    for (let i = 0; i < RUNS; i++) loads.push(await load(browser, url, session));
    const figures: LoadFigures = {
      runs: RUNS,
      bytes: {
        page: median(loads.map((l) => l.page)),
        api: median(loads.map((l) => l.api)),
        total: median(loads.map((l) => l.page + l.api)),
      },
      requests: median(loads.map((l) => l.requests)),
      firstTileMs: median(loads.map((l) => l.firstTileMs)),
      devicesRequestMs: median(loads.map((l) => l.devicesRequestMs)),
      uptimeMs: median(loads.map((l) => l.uptimeMs)),
    };
    report(figures, loads);
    if (typeof values.json === 'string') {
      const rounded = { ...figures, firstTileMs: Math.round(figures.firstTileMs), devicesRequestMs: Math.round(figures.devicesRequestMs), uptimeMs: Math.round(figures.uptimeMs ?? NaN) };
      await writeFile(values.json, `${JSON.stringify(rounded, null, 2)}\n`);
    }
    if (typeof values.baseline === 'string') {
      const base = JSON.parse(await readFile(values.baseline, 'utf8')) as LoadFigures;
      compare(figures, base);
    }
    await record('dashboard-load', printed, { firstTileMs: figures.firstTileMs, uptimeMs: figures.uptimeMs ?? Number.NaN, bytes: figures.bytes.total });
  } finally {
    await browser?.close();
    await client.endAsync(true).catch(() => undefined);
    await hub.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** What this run printed, for docs/benchmarks.md (report.ts). */
const printed: string[] = [];
const say = (line: string): void => {
  console.log(line);
  printed.push(line);
};
const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const ms = (v: number) => `${Math.round(v).toLocaleString('en-US')} ms`;

function report(f: LoadFigures, loads: OneLoad[]): void {
  say(`dashboard load: ${devices.length} devices, 360 px phone, ${PROFILE.downloadThroughput * 8 / 1e6} Mbit/s down, ${PROFILE.latency} ms RTT, CPU ×${PROFILE.cpu}; median of ${f.runs} cold loads`);
  say(`  bytes received            ${kb(f.bytes.total).padStart(11)}  (page ${kb(f.bytes.page)}, API and live ${kb(f.bytes.api)}; ${f.requests} requests)`);
  say(`  first device tile         ${ms(f.firstTileMs).padStart(11)}  (each run: ${loads.map((l) => Math.round(l.firstTileMs)).join(', ')})`);
  say(`  device list requested at  ${Number.isNaN(f.devicesRequestMs) ? '  not asked (the page brings it)' : ms(f.devicesRequestMs).padStart(11)}`);
  say(`  village uptime shown      ${ms(f.uptimeMs ?? NaN).padStart(11)}  (each run: ${loads.map((l) => Math.round(l.uptimeMs)).join(', ')}; goal ≤ 1 000 ms from navigation)`);
}

function compare(f: LoadFigures, base: LoadFigures): void {
  const ratio = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(2)}` : '—');
  say(`  against ${base.label ?? 'the baseline'} (median of ${base.runs}):`);
  say(`    bytes received     ${kb(base.bytes.total).padStart(11)} → ${kb(f.bytes.total).padStart(11)}  ${ratio(f.bytes.total, base.bytes.total)}  (page ${ratio(f.bytes.page, base.bytes.page)})`);
  say(`    first device tile  ${ms(base.firstTileMs).padStart(11)} → ${ms(f.firstTileMs).padStart(11)}  ${ratio(f.firstTileMs, base.firstTileMs)}`);
  if (Number.isNaN(f.devicesRequestMs)) say(`    device list asked  ${ms(base.devicesRequestMs).padStart(11)} → not asked (the page brings it)`);
  else say(`    device list asked  ${ms(base.devicesRequestMs).padStart(11)} → ${ms(f.devicesRequestMs).padStart(11)}  ${ratio(f.devicesRequestMs, base.devicesRequestMs)}`);
  if (base.uptimeMs !== undefined && f.uptimeMs !== undefined) say(`    uptime shown       ${ms(base.uptimeMs).padStart(11)} → ${ms(f.uptimeMs).padStart(11)}  ${ratio(f.uptimeMs, base.uptimeMs)}`);
}

await main();
