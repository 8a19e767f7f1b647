import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../hub/config/load.js';
import type { Clock } from '../../hub/core/clock.js';
import { createLogger, type Logger } from '../../hub/core/log.js';
import { createHub, type Hub } from '../../hub/main.js';
import { sessionAs, type Session } from './auth.js';

export interface TestHub {
  hub: Hub;
  dataDir: string;
  mqttUrl: string;
  httpUrl: string;
  /** The test admin (`admin`, TEST_PASSWORD), created and logged in on first use. */
  admin(): Promise<Session>;
  /** fetch as the test admin: `input` is a path on the hub or a whole URL. */
  fetch(input: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export const testVillage = { id: 'dong-cam', name: 'Đông Căm', commune: 'Gia Phú', province: 'Lào Cai' };

/**
 * Starts a real hub (aedes on a free TCP port, web on a free port, a fresh data folder) from a config
 * object written the way a user writes YAML. Ports and dataDir are filled in unless given. MQTT clients
 * may connect without credentials (`broker.allowAnonymous: true`) unless the test says otherwise: the
 * security tests (test/security/) turn it off.
 * `opts.dataDir` reuses an existing data folder (a hub restart); the caller owns it: stop() leaves it in place.
 */
export async function startTestHub(
  doc: Record<string, unknown>,
  opts: { dashboardDir?: string; logLevel?: string; dataDir?: string; log?: Logger; clock?: Clock } = {},
): Promise<TestHub> {
  const owned = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'langso-test-')));
  const broker = (doc.broker as Record<string, unknown> | undefined) ?? {};
  const http = (doc.http as Record<string, unknown> | undefined) ?? {};
  const full = {
    dataDir,
    logLevel: 'silent',
    ...doc,
    broker: { host: '127.0.0.1', port: 0, wsPort: null, allowAnonymous: true, ...broker },
    http: { host: '127.0.0.1', port: 0, ...http },
  };
  const config = parseConfig(stringify(full), 'test', {});
  const log = opts.log ?? createLogger(opts.logLevel ?? process.env.LANGSO_TEST_LOG ?? 'silent');
  const hub = createHub({ config, log, ...(opts.dashboardDir ? { dashboardDir: opts.dashboardDir } : {}), ...(opts.clock ? { clock: opts.clock } : {}) });
  await hub.start();
  const httpUrl = `http://127.0.0.1:${hub.ports.http}`;
  let admin: Promise<Session> | null = null;
  const adminSession = (): Promise<Session> =>
    (admin ??= sessionAs({ hub, httpUrl }, 'admin', 'admin').catch((err: unknown) => {
      // Tried again next time (the state database may have been read-only for a moment).
      admin = null;
      throw err;
    }));
  return {
    hub,
    dataDir,
    mqttUrl: `mqtt://127.0.0.1:${hub.ports.mqtt}`,
    httpUrl,
    admin: adminSession,
    fetch: async (input, init) => (await adminSession()).fetch(input, init),
    async stop() {
      await hub.stop();
      if (owned) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a truthy value (or throws the last error after `timeoutMs`). */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 5_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
