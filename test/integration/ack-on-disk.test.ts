import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHub, testVillage, type TestHub } from '../helpers/hub.js';

/** Every `ts` of a telemetry point in the spool's files right now. */
function spooled(dataDir: string): Set<number> {
  const dir = path.join(dataDir, 'spool');
  const ts = new Set<number>();
  for (const f of readdirSync(dir).filter((n) => /^wal-\d+\.log$/.test(n))) {
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const m = /"ts":(\d+)/.exec(line);
      if (m) ts.add(Number(m[1]));
    }
  }
  return ts;
}

/**
 * Acknowledged means stored (docs/durability.md): by the time a device has its PUBACK (QoS 1) or
 * PUBCOMP (QoS 2), the message's point is in the spool's file on disk.
 */
describe('acknowledgements', () => {
  let t: TestHub;
  afterAll(async () => {
    await t?.stop();
  });

  it('a QoS 1 or QoS 2 message is answered only once its point is in the spool on disk', async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'pc-1', village: testVillage.id, name: 'Máy tính', kind: 'pc' }],
      // A long flush: the point is still waiting for the store when the answer comes.
      store: { kind: 'sqlite', writer: { flushMs: 60_000 } },
    });
    const c = await mqtt.connectAsync(t.mqttUrl, { clientId: `${testVillage.id}-pc-1`, reconnectPeriod: 0 });
    const base = Date.now() - 60_000;
    for (const [k, qos] of [[0, 1], [1, 2], [2, 1], [3, 2]] as const) {
      await c.publishAsync(`langso/${testVillage.id}/pc-1/telemetry`, JSON.stringify({ ts: base + k, cpuPct: k }), { qos });
      expect(spooled(t.dataDir).has(base + k), `message ${k} (QoS ${qos})`).toBe(true);
    }
    await c.endAsync();
  });
});
