import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/services/influxd.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { uplinkDoc, V } from './helpers.js';

/** Every payload in the village's uplink queue files right now. */
function queued(dataDir: string): string[] {
  const dir = path.join(dataDir, 'uplink', V);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^q-\d+\.log$/.test(n))
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => (JSON.parse(line) as { p: string }).p);
}

/**
 * Acknowledged means queued for the centre too (docs/uplink.md): by the time a device has its PUBACK,
 * its message is in the uplink queue's file on disk — a power cut right after loses nothing.
 */
describe('uplink queue and acknowledgements', () => {
  let t: TestHub;
  afterAll(async () => {
    await t?.stop();
  });

  it('a QoS 1 message is answered only once it is in the uplink queue on disk', async () => {
    // The commune broker is away (nothing listens there): every message waits in the queue.
    const nowhere = `mqtt://127.0.0.1:${await freePort()}`;
    t = await startTestHub(uplinkDoc(nowhere, { queue: { syncEveryMs: 50 } }));
    const c = await mqtt.connectAsync(t.mqttUrl, { clientId: `${V}-ack-test`, reconnectPeriod: 0 });
    const device = (uplinkDoc(nowhere).devices as Array<{ id: string }>)[0]!.id;
    const base = Date.now() - 60_000;
    for (let k = 0; k < 5; k++) {
      await c.publishAsync(`langso/${V}/${device}/telemetry`, JSON.stringify({ ts: base + k, clients: k }), { qos: 1 });
      expect(queued(t.dataDir).some((p) => p.includes(`"ts":${base + k}`)), `message ${k}`).toBe(true);
    }
    await c.endAsync();
  });
});
