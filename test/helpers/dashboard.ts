import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { Session } from './auth.js';
import { useSession } from './auth.js';
import type { TestHub } from './hub.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

/**
 * A fresh build of the current dashboard sources (the real build, precompression included) in a
 * temporary folder of its own: dist/ may be in use elsewhere. Returns the folder, for `dashboardDir`;
 * a failed build leaves nothing behind.
 */
export async function buildDashboard(prefix = 'langso-dashboard-'): Promise<string> {
  const outDir = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    await run(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repoRoot });
  } catch (err) {
    await removeBuild(outDir);
    throw err;
  }
  return outDir;
}

/** Removes a folder made by buildDashboard; nothing to do when the set-up never got that far. */
export async function removeBuild(outDir: string | undefined): Promise<void> {
  if (outDir) await rm(outDir, { recursive: true, force: true });
}

/**
 * The end of a browser test, in this order: the browser, then each hub, then the dashboard build. Any of
 * them may be missing (a set-up that failed part way).
 */
export async function closeBrowserTest(browser: Browser | undefined, hubs: ReadonlyArray<TestHub | null | undefined>, outDir?: string): Promise<void> {
  await browser?.close();
  for (const h of hubs) await h?.stop();
  await removeBuild(outDir);
}

/** A village volunteer's phone: 360 × 740 CSS px, Vietnamese. */
export const PHONE: BrowserContextOptions = { viewport: { width: 360, height: 740 }, locale: 'vi-VN' };

/** A phone-sized Vietnamese browser context (`options` add to or override PHONE), logged in with `session`. */
export async function phoneContext(browser: Browser, httpUrl: string, session: Pick<Session, 'token'>, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ ...PHONE, ...options });
  await useSession(context, httpUrl, session);
  return context;
}

/**
 * A new page whose waits give up after `timeoutMs` (shorter than a test's own timeout, so a failing wait
 * reports what it waited for), opened at `url` when one is given.
 */
export async function openPage(context: BrowserContext, url?: string, timeoutMs = 10_000): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  if (url !== undefined) await page.goto(url);
  return page;
}
