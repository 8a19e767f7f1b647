/**
 * Login + first page on localhost: Chromium (Debian's, through playwright-core) at 360 px opens the
 * dashboard of a real hub with an empty cache, meets the login page, logs in, and sees the first device
 * tile. Timed in the page, as medians over `--runs` (default 7) after one warm-up load:
 *   - navigation → the login form on screen;
 *   - the login form submitted → the first device tile on screen (login request, session check, device
 *     list, first render);
 *   - their sum: what a person waits for, typing aside. The budget is 1 s; over it the run fails.
 *
 *   node --import tsx scripts/bench/login-load.ts [--runs 7]
 *
 * LANGSO_BENCH_TIMING=1 also prints, per run, the submit and tile times and each API request's start and
 * end (ms from navigation), to see where the time goes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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

// Not strict: `npm run bench -- …` hands every benchmark the same arguments.
const { values } = parseArgs({ options: { runs: { type: 'string' } }, strict: false });
const RUNS = Math.max(1, Math.floor(Number(values.runs ?? process.env.LANGSO_BENCH_LOGIN_RUNS ?? 7)) || 7);
const BUDGET_MS = 1_000;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const USER = { username: 'lan', password: 'mat-khau-do-thoi-gian' };
const VILLAGES = [
  { id: 'dong-cam', name: 'Đông Căm', commune: 'Gia Phú', province: 'Lào Cai' },
  { id: 'lang-moi', name: 'Làng Mới', commune: 'Gia Phú', province: 'Lào Cai' },
];
const KINDS = ['onvif-camera', 'wifi-ap', 'pc', 'router'] as const;
const devices = VILLAGES.flatMap((v) => Array.from({ length: 12 }, (_, i) => ({ id: `dev-${i + 1}`, village: v.id, name: `Thiết bị ${i + 1}`, kind: KINDS[i % KINDS.length]!, timeoutS: 3600 })));

interface OneLoad {
  loginFormMs: number;
  submitToTileMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

async function load(browser: Browser, url: string): Promise<OneLoad> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN' });
  try {
    const page = await context.newPage();
    // Timed in the page from navigation start (strings: this file is type-checked without the DOM library).
    await page.addInitScript(`
      window.__form = null; window.__submit = null; window.__tile = null;
      document.addEventListener('submit', () => { window.__submit = performance.now(); }, true);
      new MutationObserver((_m, obs) => {
        if (window.__form === null && document.querySelector('[data-testid="login-form"]')) window.__form = performance.now();
        if (window.__submit !== null && document.querySelector('a.tile')) { window.__tile = performance.now(); obs.disconnect(); }
      }).observe(document, { subtree: true, childList: true });`);
    await page.goto(url, { waitUntil: 'commit' });
    const form = page.getByTestId('login-form');
    await form.getByLabel('Tên đăng nhập').fill(USER.username);
    await form.getByLabel('Mật khẩu', { exact: true }).fill(USER.password);
    await form.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForFunction(() => (globalThis as unknown as { __tile: number | null }).__tile !== null, undefined, { timeout: 30_000, polling: 20 });
    const t = await page.evaluate<{ form: number; submit: number; tile: number }>('({ form: window.__form, submit: window.__submit, tile: window.__tile })');
    if (process.env.LANGSO_BENCH_TIMING) console.log(JSON.stringify(await page.evaluate(`[window.__submit, window.__tile, ...performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/')).map((r) => [r.name.replace(/^.*\\/api/, ''), Math.round(r.startTime), Math.round(r.responseEnd)])]`)));
    return { loginFormMs: t.form, submitToTileMs: t.tile - t.submit };
  } finally {
    await context.close();
  }
}

async function main(): Promise<number> {
  const work = await mkdtemp(path.join(tmpdir(), 'langso-bench-login-'));
  const outDir = path.join(work, 'dashboard');
  await run(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repoRoot });
  const doc = {
    dataDir: path.join(work, 'data'),
    logLevel: 'warn',
    broker: { host: '127.0.0.1', port: 0, wsPort: null },
    http: { host: '127.0.0.1', port: 0 },
    store: { kind: 'sqlite' },
    villages: VILLAGES,
    devices,
  };
  const hub = createHub({ config: parseConfig(stringify(doc), 'bench', {}), log: createLogger('warn'), dashboardDir: outDir });
  await hub.start();
  await hub.security.users.add(USER.username, USER.password, 'leader', VILLAGES.map((v) => v.id), Date.now());
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.ports.mqtt}`, { clientId: 'bench-login', reconnectPeriod: 0 });
  let browser: Browser | null = null;
  try {
    for (const d of devices) await client.publishAsync(`langso/${d.village}/${d.id}/status`, JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    browser = await launchChromium();
    const url = `http://127.0.0.1:${hub.ports.http}/`;
    await load(browser, url);
    const loads: OneLoad[] = [];
    for (let i = 0; i < RUNS; i++) loads.push(await load(browser, url));
    const form = median(loads.map((l) => l.loginFormMs));
    const after = median(loads.map((l) => l.submitToTileMs));
    const total = median(loads.map((l) => l.loginFormMs + l.submitToTileMs));
    const ms = (v: number) => `${Math.round(v)} ms`;
    console.log(`login + first page: ${devices.length} devices in ${VILLAGES.length} villages, localhost, 360 px, empty cache; median of ${RUNS} logins`);
    console.log(`  login page on screen       ${ms(form).padStart(8)}`);
    console.log(`  login → first device tile  ${ms(after).padStart(8)}  (each run: ${loads.map((l) => Math.round(l.submitToTileMs)).join(', ')})`);
    console.log(`  login + first page         ${ms(total).padStart(8)}  budget ${BUDGET_MS} ms: ${total < BUDGET_MS ? 'OK' : 'OVER BUDGET'}`);
    return total < BUDGET_MS ? 0 : 1;
  } finally {
    await browser?.close();
    await client.endAsync(true).catch(() => undefined);
    await hub.stop();
    await rm(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
