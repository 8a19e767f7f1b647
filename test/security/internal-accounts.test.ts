import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLLERS_CLIENT_ID } from '../../hub/pollers/pollers.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { connackCode, issueDevice } from './helpers.js';

/**
 * With auth on, the hub's own MQTT clients — its pollers and the demo's simulated devices — connect
 * with internal accounts made at start, and nobody else may use their client ids.
 */
const village = testVillage.id;
let t: TestHub;
let tcp: Server;

beforeAll(async () => {
  // What the poller checks: an open TCP port stands for a switch's management port.
  tcp = createServer((s) => s.end());
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  const port = (tcp.address() as { port: number }).port;
  t = await startTestHub({
    villages: [testVillage],
    devices: [
      { id: 'sw', village, name: 'Bộ chuyển mạch', kind: 'switch', poll: { host: '127.0.0.1', tcpPort: port, intervalS: 0.5, timeoutS: 1, retries: 0 } },
      { id: 'pc-1', village, name: 'Máy tính', kind: 'pc', timeoutS: 600 },
    ],
    broker: { allowAnonymous: false },
    sim: { enabled: true, telemetryEveryS: 0.2, failureEveryS: 1_000_000 },
  });
});

afterAll(async () => {
  await t?.stop();
  await new Promise<void>((r) => tcp?.close(() => r()));
});

describe('internal accounts', () => {
  it('the pollers and the simulated devices publish with auth on', async () => {
    await waitFor(() => t.hub.ctx.devices.get({ village, device: 'sw' })?.state === 'online', 5_000, 'polled switch online');
    await waitFor(() => t.hub.ctx.devices.get({ village, device: 'pc-1' })?.telemetry, 5_000, 'simulated PC reading');
    expect(t.hub.ctx.counters.get('broker.refused.no-credentials')).toBe(0);
    expect(t.hub.ctx.counters.get('broker.refused.publish')).toBe(0);
  });

  it('nobody else may use their client ids, even with a device account', async () => {
    const secret = await issueDevice(t, village, 'pc-1');
    expect(await connackCode(t.mqttUrl, { clientId: POLLERS_CLIENT_ID, username: 'dong-cam/pc-1', password: secret })).toBe(2);
    expect(await connackCode(t.mqttUrl, { clientId: 'sim-dong-cam-pc-1', username: 'dong-cam/pc-1', password: secret })).toBe(2);
    expect(t.hub.ctx.counters.get('broker.refused.client-id-taken')).toBe(2);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(t.hub.ctx.devices.get({ village, device: 'sw' })?.state).toBe('online');
  });
});
