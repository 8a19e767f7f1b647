import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../hub/config/load.js';
import { isLoopback } from '../../devices/sim/protocol-fleet.js';
import type { AlertsResponse, InternetView } from '../../shared/events.js';
import { freePort } from '../../scripts/services/influxd.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** The demo's Internet link: a loopback stand-in that the fault schedule takes down now and then. */

const hubs: TestHub[] = [];
afterEach(async () => {
  for (const t of hubs.splice(0)) await t.stop();
});

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return res.status === 204;
  } catch {
    return false;
  }
}

describe('demo internet link', () => {
  it('with the simulator on, the stand-in answers, goes down on the schedule, and the link state follows', async () => {
    const port = await freePort();
    const target = `http://127.0.0.1:${port}/generate_204`;
    const t = await startTestHub({
      villages: [testVillage],
      sim: { enabled: true, internetOutageEveryS: 1, internetOutageS: 2 },
      internet: { targets: [{ type: 'http', url: target }], intervalS: 0.2, timeoutS: 0.5, failuresToDown: 1 },
    });
    hubs.push(t);
    const standIn = t.hub.sim.internet;
    expect(standIn?.stats().endpoints).toBe(1);
    const link = async () => ((await (await t.fetch(`${t.httpUrl}/api/internet`)).json()) as InternetView).state;

    // Up at first: the stand-in answers like a connectivity check, and the link reads up.
    await waitFor(async () => (await answers(target)) && (await link()) === 'up', 10_000, 'the link up');
    // The schedule cuts it (mean gap 1 s): the stand-in refuses connections and the link goes down…
    await waitFor(async () => standIn?.up === false, 20_000, 'an outage');
    expect(await answers(target)).toBe(false);
    await waitFor(async () => (await link()) === 'down', 10_000, 'the link down');
    const alerts = (await (await t.fetch(`${t.httpUrl}/api/alerts`)).json()) as AlertsResponse;
    expect(alerts.alerts.some((a) => a.condition === 'internet-down')).toBe(true);
    // …and brings it back after 1–3 s.
    await waitFor(async () => (await answers(target)) && (await link()) === 'up', 20_000, 'the link up again');
    expect(standIn?.stats().outages).toBeGreaterThanOrEqual(1);
  });

  it('without the simulator nothing stands in: the target is left alone', async () => {
    const port = await freePort();
    const t = await startTestHub({
      villages: [testVillage],
      internet: { targets: [{ type: 'tcp', host: '127.0.0.1', port }], intervalS: 0.2, timeoutS: 0.5, failuresToDown: 1 },
    });
    hubs.push(t);
    expect(t.hub.sim.internet).toBeNull();
    await waitFor(async () => ((await (await t.fetch(`${t.httpUrl}/api/internet`)).json()) as InternetView).state === 'down', 10_000, 'the link down');
  });

  it('config/demo.yaml probes a loopback stand-in that goes down for a few minutes every so often', () => {
    const demo = parseConfig(readFileSync('config/demo.yaml', 'utf8'), 'config/demo.yaml');
    expect(demo.sim.enabled).toBe(true);
    expect(demo.internet.targets.length).toBeGreaterThan(0);
    for (const target of demo.internet.targets) {
      expect(target.type === 'http' ? isLoopback(new URL(target.url).hostname) : target.type === 'tcp' && isLoopback(target.host)).toBe(true);
    }
    expect(demo.sim.internetOutageS).toBeGreaterThanOrEqual(60);
    expect(demo.sim.internetOutageS).toBeLessThanOrEqual(600);
    expect(demo.sim.internetOutageEveryS).toBeGreaterThan(demo.sim.internetOutageS);
  });
});
