import { createRequire } from 'node:module';
import { writeToStream } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, testVillage, type TestHub } from '../helpers/hub.js';

/**
 * What a village hub holds in memory when it has no camera, no SNMP access point and no demo
 * (docs/benchmarks.md, memory): their libraries stay unloaded, and mqtt-packet does not build its table
 * of 65 536 packet-id buffers.
 */
const require = createRequire(import.meta.url);
let t: TestHub;

beforeAll(async () => {
  t = await startTestHub({ villages: [testVillage], devices: [{ id: 'pc-1', village: testVillage.id, name: 'Máy tính 1', kind: 'pc' }] });
});

afterAll(async () => {
  await t?.stop();
});

describe('the hub loads only what its configuration uses', () => {
  it.each(['node-onvif', 'net-snmp'])('%s is not loaded by a hub without cameras, access points or a demo', (lib) => {
    expect(require.cache[require.resolve(lib)]).toBeUndefined();
  });

  it("mqtt-packet's packet-id buffer cache is off once the broker has started", () => {
    expect(writeToStream.cacheNumbers).toBe(false);
  });
});
