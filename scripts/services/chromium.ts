import { access, constants } from 'node:fs/promises';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

/** Debian's package; playwright-core ships no browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a quiet, reproducible headless run: no sandbox (containers and CI run as root), no GPU,
 * and none of the background traffic (updates, sync, QUIC probes) that would make tests flaky offline.
 * Each launch gets a fresh temporary profile from Playwright.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchChromium(options: Omit<LaunchOptions, 'executablePath'> = {}): Promise<Browser> {
  try {
    await access(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install chromium)`);
  }
  return chromium.launch({
    ...options,
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}
