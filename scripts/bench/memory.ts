/**
 * Memory and start-up of the hub as a village runs it (`node dist/hub/cli.js start`, a process of its
 * own, SQLite store), RSS read from /proc:
 *   1. idle: no device (the baseline every other figure is compared with);
 *   2. MQTT devices: 100, 1 000 and 10 000 simulated devices reporting every 30 s (load-generator
 *      processes of their own, each device with its Last Will and a retained `online` at connect). The
 *      devices are already trying when the hub starts, as after a power cut: start-up time is from the
 *      hub's spawn to every device's state known (GET /api/devices). RSS is sampled after one whole
 *      reporting period; the per-device cost is the slope between the smallest and the largest fleet;
 *   3. polled devices: the hub polling 500 TCP targets every 3 s (its own pollers, which publish over
 *      MQTT like any device).
 * Goals: ≤ 120 MiB with 1 000 devices; ≤ 100 MiB with 500 polled TCP targets.
 *
 *   node --import tsx scripts/bench/memory.ts [--only idle,devices,polled] [--fleets 100,1000,10000]
 *     [--polled 500] [--sample 30] [--before <git ref>] [--no-build]
 */
import { createServer, type Server } from 'node:net';
import { parseArgs } from 'node:util';
import { rm } from 'node:fs/promises';
import { buildHub, buildRef, sampleRss, startHubProcess, type HubProcess } from './hub-process.js';
import { loadWorker, split, type LoadWorker, type WorkerClient } from './workers.js';
import { machineLine, record } from './report.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'idle,devices,polled' },
    fleets: { type: 'string', default: '100,1000,10000' },
    polled: { type: 'string', default: '500' },
    sample: { type: 'string', default: '30' },
    'every-s': { type: 'string', default: '30' },
    /** An earlier commit to measure the polled devices on too (before the pollers shared a connection). */
    before: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
  strict: false,
});
const parts = new Set(String(values.only).split(','));
const FLEETS = String(values.fleets).split(',').map(Number);
const POLLED = Number(values.polled);
const SAMPLE_S = Number(values.sample);
const EVERY_S = Number(values['every-s']);
const DEVICES_PER_WORKER = 2_500;
const village = { id: 'bench', name: 'Bench' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (v: number) => `${v.toFixed(1)} MiB`;
const lines: string[] = [];
const say = (s: string) => {
  console.log(s);
  lines.push(s);
};

async function idle(): Promise<number> {
  const hub = await startHubProcess({ doc: { villages: [village], devices: [] } });
  try {
    await sleep(5_000);
    const r = await sampleRss(hub, Math.min(SAMPLE_S, 15));
    say(`  idle (no device)                        RSS ${mib(r.mean)} (max ${mib(r.max)}); API answering ${((hub.answeredAt - hub.spawnedAt) / 1000).toFixed(2)} s after spawn`);
    return r.mean;
  } finally {
    await hub.stop();
  }
}

async function fleet(n: number, idleMiB: number): Promise<{ n: number; rss: number }> {
  const devices = Array.from({ length: n }, (_, i) => ({ id: `pc-${i}`, village: village.id, name: `PC ${i}`, kind: 'pc', timeoutS: EVERY_S * 4 }));
  const clients: WorkerClient[] = devices.map((d) => ({ clientId: `dev-${d.id}`, topic: `langso/${village.id}/${d.id}/telemetry` }));
  const workers: LoadWorker[] = [];
  let hub: HubProcess | null = null;
  try {
    hub = await startHubProcess({
      doc: { villages: [village], devices },
      // Anonymous devices: accounts cost a scrypt check per first connection, measured in security.ts.
      broker: { allowAnonymous: true },
    });
    // Each load process carries up to 2 500 devices; they connect as soon as told, while the hub is young.
    for (const slice of split(clients, Math.ceil(n / DEVICES_PER_WORKER))) {
      const w = loadWorker();
      workers.push(w);
      w.send({ cmd: 'devices', url: hub.mqttUrl, clients: slice, everyMs: EVERY_S * 1000, reconnectMs: 1_000 });
    }
    const startS = await hub.allKnown(n, 300);
    await Promise.all(workers.map((w) => w.expect('ready')));
    // One whole reporting period, so every device has sent telemetry and the store holds it.
    await sleep(EVERY_S * 1000 + 5_000);
    const r = await sampleRss(hub, SAMPLE_S);
    const cpu = await hub.cpuS();
    say(
      `  ${String(n).padStart(6)} devices every ${EVERY_S} s            RSS ${mib(r.mean)} (max ${mib(r.max)}), ${(r.mean / idleMiB).toFixed(2)}× idle; ` +
        `all ${n} states known ${startS.toFixed(1)} s after spawn (API at ${((hub.answeredAt - hub.spawnedAt) / 1000).toFixed(2)} s); hub CPU ${cpu.toFixed(1)} s so far`,
    );
    return { n, rss: r.mean };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await hub?.stop();
  }
}

async function polled(n: number, idleMiB: number, root?: string, label = 'this hub'): Promise<number> {
  // The targets: open TCP ports on loopback, in this process (the hub is another).
  const servers: Server[] = [];
  for (let i = 0; i < n; i++) {
    const s = createServer((c) => c.destroy());
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    servers.push(s);
  }
  const devices = servers.map((s, i) => ({
    id: `sw-${i}`,
    village: village.id,
    name: `Switch ${i}`,
    kind: 'switch',
    poll: { host: '127.0.0.1', tcpPort: (s.address() as { port: number }).port, intervalS: 3 },
  }));
  const hub = await startHubProcess({ doc: { villages: [village], devices }, ...(root ? { root } : {}) });
  try {
    const startS = await hub.allKnown(n, 120);
    await sleep(15_000);
    const cpu0 = await hub.cpuS();
    const t0 = performance.now();
    const r = await sampleRss(hub, SAMPLE_S);
    const cores = ((await hub.cpuS()) - cpu0) / ((performance.now() - t0) / 1000);
    const { devices: views } = await hub.api<{ devices: Array<{ state: string }> }>('/api/devices');
    const online = views.filter((d) => d.state === 'online').length;
    say(
      `  ${n} polled TCP targets every 3 s, ${label.padEnd(22)} RSS ${mib(r.mean)} (max ${mib(r.max)}), ${(r.mean / idleMiB).toFixed(2)}× idle, ` +
        `${((r.mean - idleMiB) * 1024 / n).toFixed(0)} KiB per polled device; ${online}/${n} online, all known ${startS.toFixed(1)} s after spawn; CPU ${cores.toFixed(3)} cores`,
    );
    return r.mean;
  } finally {
    await hub.stop();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

async function main(): Promise<void> {
  if (!values['no-build']) await buildHub();
  say(`memory: the hub as \`node dist/hub/cli.js start\` (SQLite store), RSS from /proc, mean of ${SAMPLE_S} s of samples`);
  const idleMiB = await idle();
  const results: Record<string, number> = { idle: idleMiB };
  if (parts.has('devices')) {
    const got: Array<{ n: number; rss: number }> = [];
    for (const n of FLEETS) {
      try {
        got.push(await fleet(n, idleMiB));
      } catch (err) {
        // One fleet that cannot be measured (e.g. too slow to come up) does not cost the others.
        say(`  ${String(n).padStart(6)} devices: not measured (${err instanceof Error ? err.message : String(err)})`);
        process.exitCode = 1;
      }
    }
    for (const g of got) results[`devices.${g.n}`] = g.rss;
    const first = got[0];
    const last = got[got.length - 1];
    if (first && last && last.n > first.n) {
      const perKiB = ((last.rss - first.rss) * 1024) / (last.n - first.n);
      say(`  per MQTT device: ${perKiB.toFixed(1)} KiB (slope from ${first.n} to ${last.n} devices)`);
      results['devices.perKiB'] = perKiB;
    }
    const at1000 = got.find((g) => g.n === 1000);
    if (at1000) say(`  goal ≤ 120 MiB at 1 000 devices: ${at1000.rss <= 120 ? 'met' : 'MISSED'} (${mib(at1000.rss)})`);
  }
  if (parts.has('polled')) {
    const before = typeof values.before === 'string' ? values.before : null;
    if (before) {
      const root = await buildRef(before);
      try {
        const old = await polled(POLLED, idleMiB, root, `before (${before})`);
        results[`polled.${POLLED}.before`] = old;
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    }
    const rss = await polled(POLLED, idleMiB);
    results[`polled.${POLLED}`] = rss;
    const old = results[`polled.${POLLED}.before`];
    if (old !== undefined) say(`  polled: ${mib(rss)} now against ${mib(old)} before: ${(rss / old).toFixed(2)}×, ${mib(old - rss)} less`);
    say(`  goal ≤ 100 MiB at ${POLLED} polled devices: ${rss <= 100 ? 'met' : 'MISSED'} (${mib(rss)})`);
  }
  await record('memory', lines, results);
}

console.log(machineLine());
await main();
