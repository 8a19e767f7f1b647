/**
 * One village hub's uplink for the central benchmark, in its own process: `count` telemetry messages
 * per device, QoS 1, MQTT 5, at most `window` unacknowledged at a time, with the inventory first.
 * Args: url village devices count base window. Prints the seconds it took.
 */
import mqtt from 'mqtt';

const [url, village, devicesArg, countArg, baseArg, windowArg] = process.argv.slice(2);
if (!url || !village) throw new Error('usage: central-publisher URL VILLAGE DEVICES COUNT BASE WINDOW');
const devices = Array.from({ length: Number(devicesArg) }, (_, i) => `d-${i}`);
const count = Number(countArg);
const base = Number(baseArg);
const window = Number(windowArg ?? 200);

const c = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `bench-${village}`, reconnectPeriod: 0 });
await c.publishAsync(
  `langso/${village}/$hub/inventory`,
  JSON.stringify({ village: { id: village, name: village, commune: 'Bench', province: 'Bench' }, devices: devices.map((id) => ({ id, name: id, kind: 'wifi-ap' })), ts: Date.now() }),
  { qos: 1, retain: true },
);
const t0 = performance.now();
let inflight = 0;
let next = 0;
const total = count * devices.length;
await new Promise<void>((resolve, reject) => {
  const pump = (): void => {
    while (inflight < window && next < total) {
      const i = next++;
      const device = devices[i % devices.length] as string;
      const seq = Math.floor(i / devices.length);
      inflight++;
      c.publish(`langso/${village}/${device}/telemetry`, JSON.stringify({ ts: base + seq, clients: seq % 50, rxBps: 1000 + seq }), { qos: 1 }, (err) => {
        if (err) return reject(err);
        inflight--;
        if (next >= total && inflight === 0) resolve();
        else pump();
      });
    }
  };
  pump();
});
process.stdout.write(`${((performance.now() - t0) / 1000).toFixed(3)}\n`);
await c.endAsync();
