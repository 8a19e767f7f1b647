/**
 * Uplink replay: a village (10 devices reporting every 3 s) whose Internet link was down for an hour
 * has 12 000 readings queued on disk; the link comes back at 1 Mbit/s (a TCP proxy throttles it). How
 * long until the commune broker (Debian's Mosquitto) has every one of them? Target: ≤ 60 s.
 *
 *   node --import tsx scripts/bench/uplink.ts [--hours 1] [--devices 10] [--interval-s 3] [--mbit 1] [--budget-s 60] [--broker-inflight 20] [--rtt-ms 0]
 *
 * The readings enter the hub over MQTT with their original timestamps (as the devices sent them during
 * the outage); the clock starts when the link is restored and stops when an upstream subscriber (on the
 * broker's side, not throttled) has received the last one. Exits 1 over the budget or if one is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { parseConfig } from '../../hub/config/load.js';
import { createLogger } from '../../hub/core/log.js';
import { createHub } from '../../hub/main.js';
import { startLinkProxy } from '../services/link-proxy.js';
import { startMosquitto } from '../services/upstream-broker.js';

const { values: args } = parseArgs({
  options: {
    hours: { type: 'string', default: '1' },
    devices: { type: 'string', default: '10' },
    'interval-s': { type: 'string', default: '3' },
    mbit: { type: 'string', default: '1' },
    'budget-s': { type: 'string', default: '60' },
    /** Mosquitto's max_inflight_messages, its MQTT 5 Receive Maximum (its default is 20; 0 = no limit). */
    'broker-inflight': { type: 'string', default: '20' },
    /** Round-trip time the proxy adds (ms); 0 by default (the target is set for bandwidth alone). */
    'rtt-ms': { type: 'string', default: '0' },
  },
});
const hours = Number(args.hours);
const deviceCount = Number(args.devices);
const intervalS = Number(args['interval-s']);
const mbit = Number(args.mbit);
const budgetS = Number(args['budget-s']);

const village = 'lang-bench';
const devices = Array.from({ length: deviceCount }, (_, i) => ({
  id: i % 2 === 0 ? `ap-${i}` : `pc-${i}`,
  village,
  name: `Thiết bị ${i}`,
  kind: i % 2 === 0 ? 'wifi-ap' : 'pc',
}));
/** A realistic reading of each kind (the fields the simulators send). */
function reading(kind: string, ts: number, n: number): Record<string, number> {
  return kind === 'wifi-ap'
    ? { ts, clients: n % 40, rxBps: 120_000 + (n % 997) * 13, txBps: 480_000 + (n % 991) * 17, uptimeS: 86_400 + n * 3 }
    : { ts, cpuPct: n % 100, memPct: 40 + (n % 50), diskPct: 61, uptimeS: 3_600 + n * 3 };
}

async function main(): Promise<void> {
  const broker = await startMosquitto({ maxInflight: Number(args['broker-inflight']) });
  const proxy = await startLinkProxy(broker.port);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'langso-bench-uplink-'));
  const config = parseConfig(
    stringify({
      dataDir,
      logLevel: 'silent',
      broker: { host: '127.0.0.1', port: 0, wsPort: null, allowAnonymous: true },
      http: { host: '127.0.0.1', port: 0 },
      villages: [{ id: village, name: 'Làng thử' }],
      devices,
      uplink: { url: proxy.url, reconnectS: 0.5 },
    }),
    'bench',
  );
  const hub = createHub({ config, log: createLogger('silent') });
  const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'bench-centre' });
  const seen = new Set<string>();
  let lastAt = 0;
  watcher.on('message', (topic, payload) => {
    if (!topic.endsWith('/telemetry')) return;
    const ts = (JSON.parse(payload.toString('utf8')) as { ts: number }).ts;
    seen.add(`${topic}|${ts}`);
    lastAt = performance.now();
  });
  await watcher.subscribeAsync(`langso/${village}/+/telemetry`, { qos: 1 });
  try {
    proxy.cut();
    await hub.start();
    const perDevice = Math.round((hours * 3600) / intervalS);
    const total = perDevice * deviceCount;
    const start = Date.now() - hours * 3_600_000;
    const clients = await Promise.all(devices.map((d) => mqtt.connectAsync(`mqtt://127.0.0.1:${hub.ports.mqtt}`, { clientId: `bench-${d.id}` })));
    const fillT0 = performance.now();
    // The outage: every device's readings of the hour, in time order, with their original timestamps.
    for (let k = 0; k < perDevice; k++) {
      await Promise.all(devices.map((d, i) => clients[i]?.publishAsync(`langso/${village}/${d.id}/telemetry`, JSON.stringify(reading(d.kind, start + k * intervalS * 1000 + i * 100, k)), { qos: 1 })));
    }
    await Promise.all(clients.map((c) => c.endAsync()));
    const fillS = (performance.now() - fillT0) / 1000;
    await new Promise((r) => setTimeout(r, 500));
    const backlog = hub.uplink?.view().backlog;
    console.log(
      `uplink replay: ${total} readings queued during a ${hours} h outage (${deviceCount} devices every ${intervalS} s) in ${fillS.toFixed(1)} s; ` +
        `queue ${backlog?.messages ?? '?'} messages, ${((backlog?.bytes ?? 0) / 1e6).toFixed(2)} MB on disk`,
    );

    proxy.throttle(mbit * 1_000_000);
    proxy.latency(Number(args['rtt-ms']) / 2);
    const bytesBefore = proxy.bytesUp;
    const t0 = performance.now();
    proxy.restore();
    const deadline = t0 + Math.max(budgetS * 3, 120) * 1000;
    while (seen.size < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const replayS = ((seen.size >= total ? lastAt : performance.now()) - t0) / 1000;
    const bytes = proxy.bytesUp - bytesBefore;
    const rate = seen.size / replayS;
    const line = `uplink replay: ${seen.size}/${total} readings at the commune broker in ${replayS.toFixed(1)} s over ${mbit} Mbit/s, RTT +${args['rtt-ms']} ms, broker Receive Maximum ${args['broker-inflight'] === '0' ? 'unlimited' : args['broker-inflight']} (${Math.round(rate)} msg/s, ${(bytes / 1e6).toFixed(2)} MB up, ${Math.round((bytes * 8) / replayS / 1000)} kbit/s used); budget ${budgetS} s`;
    console.log(line);
    if (seen.size < total) {
      console.error(`FAIL: ${total - seen.size} readings missing`);
      process.exitCode = 1;
    } else if (replayS > budgetS) {
      console.error(`FAIL: replay took ${replayS.toFixed(1)} s > ${budgetS} s`);
      process.exitCode = 1;
    }
  } finally {
    await watcher.endAsync(true).catch(() => undefined);
    await hub.stop().catch(() => undefined);
    await proxy.stop();
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
