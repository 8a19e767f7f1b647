import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../hub/core/clock.js';
import { createLogger } from '../../../hub/core/log.js';
import type { DriverInstance } from '../../../devices/driver.js';
import { wifiApDriver } from '../../../devices/wifi-ap/driver.js';

const N = 200;
const here = path.dirname(fileURLToPath(import.meta.url));
let child: ChildProcess;
let ports: number[] = [];

beforeAll(async () => {
  // The simulated APs answer from another process: the CPU measured below is the poller's alone.
  child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'sim-fleet.ts'), String(N)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  ports = (JSON.parse(line) as { ports: number[] }).ports;
}, 60_000);

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  child.stdin?.end();
  await once(child, 'exit');
});

describe(`polling ${N} simulated APs`, () => {
  it('checks every AP once, then again, and reports wall and CPU time', async () => {
    expect(ports).toHaveLength(N);
    const log = createLogger('silent');
    const village = { id: 'dong-cam', name: 'Đông Căm', timezone: 'Asia/Ho_Chi_Minh' };
    const pollers: DriverInstance[] = ports.map((port, i) =>
      wifiApDriver.create({
        village,
        device: { id: `ap-${i}`, village: 'dong-cam', name: `AP ${i}`, kind: 'wifi-ap' },
        settings: wifiApDriver.configSchema.parse({ host: '127.0.0.1', port, community: 'langso-ro', ifName: 'wlan0', clientsPreset: 'unifi', timeoutS: 5 }),
        log,
        clock: systemClock,
        dataDir: '/tmp',
      }),
    );
    const round = async (label: string) => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const results = await Promise.allSettled(pollers.map((p) => p.check(new AbortController().signal)));
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const failed = results.filter((r) => r.status === 'rejected');
      console.log(
        `${label}: ${N} APs in ${wallMs.toFixed(0)} ms wall, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms ` +
          `(user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)}), ${failed.length} failed`,
      );
      expect(failed).toEqual([]);
      return results;
    };
    await round('first round (session setup + ifName lookup)');
    await new Promise((r) => setTimeout(r, 1_100));
    const second = await round('steady round');
    const withRate = second.filter((r) => r.status === 'fulfilled' && typeof r.value.fields.txBps === 'number');
    expect(withRate).toHaveLength(N);
    for (const p of pollers) await p.close?.();
  });
});
