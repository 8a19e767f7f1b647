import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * The hub's pollers share one MQTT connection (with the hub's internal account, auth on) for every
 * device they check, and each device still has its own topics, its own state and its own reasons.
 */
const N = 50;
const village = testVillage.id;
let t: TestHub;
const servers: Server[] = [];
const ports: number[] = [];

const listen = (port = 0): Promise<Server> =>
  new Promise((resolve, reject) => {
    // An open TCP port stands for a switch's management port.
    const s = createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
const close = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

beforeAll(async () => {
  for (let i = 0; i < N; i++) {
    const s = await listen();
    servers.push(s);
    ports.push((s.address() as { port: number }).port);
  }
  t = await startTestHub({
    villages: [testVillage],
    devices: ports.map((port, i) => ({
      id: `sw-${i}`,
      village,
      name: `Bộ chuyển mạch ${i}`,
      kind: 'switch',
      // A long heartbeat timeout: the states below come from the pollers' own reports, not from silence.
      timeoutS: 600,
      poll: { host: '127.0.0.1', tcpPort: port, intervalS: 0.5, timeoutS: 1, retries: 0 },
    })),
    broker: { allowAnonymous: false },
  });
});

afterAll(async () => {
  await t?.stop();
  await Promise.all(servers.map((s) => (s.listening ? close(s) : undefined)));
});

const entry = (i: number) => t.hub.ctx.devices.get({ village, device: `sw-${i}` });
const all = (pred: (i: number) => boolean) => Array.from({ length: N }, (_, i) => i).every(pred);

describe('pollers sharing one MQTT connection', () => {
  it(`${N} polled devices come online over one connection, each with its own readings`, async () => {
    await waitFor(() => all((i) => entry(i)?.state === 'online'), 15_000, `${N} switches online`);
    expect(t.hub.broker.stats().clients).toBe(1);
    // Each device's reading arrived on its own topic: every one has its own round trip.
    expect(all((i) => typeof entry(i)?.telemetry?.fields.rttMs === 'number')).toBe(true);
    expect(t.hub.ctx.counters.get('broker.refused.no-credentials')).toBe(0);
    expect(t.hub.ctx.counters.get('broker.refused.publish')).toBe(0);
  });

  it('each device goes offline with its own reason and comes back, the others untouched', async () => {
    const down = [3, 17, 42];
    for (const i of down) await close(servers[i]!);
    await waitFor(() => down.every((i) => entry(i)?.state === 'offline'), 10_000, 'the closed switches offline');
    for (const i of down) {
      expect(entry(i)).toMatchObject({ reason: `TCP 127.0.0.1:${ports[i]}: connection refused`, reasonCode: 'refused', reasonParams: { port: ports[i] } });
    }
    expect(all((i) => down.includes(i) || entry(i)?.state === 'online')).toBe(true);
    expect(t.hub.broker.stats().clients).toBe(1);

    for (const i of down) servers[i] = await listen(ports[i]);
    await waitFor(() => all((i) => entry(i)?.state === 'online'), 10_000, 'every switch online again');
    expect(t.hub.broker.stats().clients).toBe(1);
  });

  it('stopping the pollers closes the one connection without a Last Will: no device is reported offline', async () => {
    await t.hub.pollers.stop();
    await waitFor(() => t.hub.broker.stats().clients === 0, 5_000, 'the pollers disconnected');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(all((i) => entry(i)?.state === 'online')).toBe(true);
  });
});
