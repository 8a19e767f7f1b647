import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../../hub/config/load.js';
import { systemClock } from '../../../hub/core/clock.js';
import type { DeviceConfig, VillageConfig } from '../../../hub/config/schema.js';
import { createLogger } from '../../../hub/core/log.js';
import { CheckError, type CheckResult, type DriverInstance } from '../../../devices/driver.js';
import { reasonText } from '../../../shared/reasons.js';
import { PollRunner } from '../../../devices/runner.js';
import { counterRate, wifiApDriver } from '../../../devices/wifi-ap/driver.js';
import { extendOutputOid, UNIFI_VAP_NUM_STATIONS } from '../../../devices/wifi-ap/presets.js';
import { startSimulatedAp, type SimulatedAp, type SimulatedApOptions } from '../../../devices/wifi-ap/simulator.js';
import { startTestHub, testVillage, waitFor } from '../../helpers/hub.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';
import { configProblems } from '../../helpers/config.js';

const log = createLogger('silent');
const village: VillageConfig = { id: 'dong-cam', name: 'Đông Căm', timezone: 'Asia/Ho_Chi_Minh' };
const device: DeviceConfig = { id: 'ap-nha-van-hoa', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap' };

const cleanups = cleanupsAfter('each');

async function ap(o: SimulatedApOptions = {}): Promise<SimulatedAp> {
  const sim = await startSimulatedAp({ community: 'langso-ro', ...o });
  cleanups.push(() => sim.close());
  return sim;
}

function poller(poll: Record<string, unknown>): DriverInstance {
  const settings = wifiApDriver.configSchema.parse(poll);
  const inst = wifiApDriver.create({ village, device, settings, log, clock: systemClock, dataDir: '/tmp' });
  cleanups.push(() => inst.close?.());
  return inst;
}

const check = (inst: DriverInstance): Promise<CheckResult> => inst.check(new AbortController().signal);
const v2c = (sim: SimulatedAp, extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port: sim.port,
  community: 'langso-ro',
  ifName: 'wlan0',
  clientsPreset: 'openwrt',
  timeoutS: 1,
  ...extra,
});

describe('wifi-ap poller against the simulated AP', () => {
  it('reads uptime, clients and rx/tx rates from the 64-bit counters', async () => {
    const sim = await ap({ clients: 14 });
    sim.set({ rxBps: 125_000, txBps: 900_000, rxOctets: 5_000_000_000n });
    const p = poller(v2c(sim));

    const t0 = performance.now();
    const first = await check(p);
    const latencyMs = performance.now() - t0;
    // The first sample has nothing to compare with: no rate rather than a made-up one.
    expect(first.fields).toEqual({ uptimeS: expect.any(Number), clients: 14 });
    expect(first.down).toBeUndefined();
    expect(first.info).toMatchObject({ interface: 'wlan0', sysDescr: expect.stringContaining('OpenWrt') });

    sim.advance(10);
    const t1 = performance.now();
    const second = await check(p);
    const latency2Ms = performance.now() - t1;
    expect(second.fields.uptimeS).toBeGreaterThanOrEqual(10);
    expect(second.fields.rxBps).toBeGreaterThan(125_000 * 0.99);
    expect(second.fields.rxBps).toBeLessThan(125_000 * 1.01);
    expect(second.fields.txBps).toBeGreaterThan(900_000 * 0.99);
    expect(second.fields.txBps).toBeLessThan(900_000 * 1.01);
    console.log(`SNMP check latency (v2c, loopback): first ${latencyMs.toFixed(1)} ms (ifName lookup), then ${latency2Ms.toFixed(1)} ms`);
  });

  it.each([
    ['openwrt', {}],
    ['unifi', {}],
    ['tplink-eap', {}],
    ['custom', { clientsOid: '1.3.6.1.4.1.99999.7.0' }],
    ['custom', { clientsOid: UNIFI_VAP_NUM_STATIONS }],
  ])('counts clients with the %s preset %j', async (clientsPreset, extra) => {
    const sim = await ap({ clients: 23, customClientsOid: '1.3.6.1.4.1.99999.7.0' });
    const p = poller(v2c(sim, { clientsPreset, ...extra }));
    expect((await check(p)).fields.clients).toBe(23);
    sim.set({ clients: 5 });
    expect((await check(p)).fields.clients).toBe(5);
  });

  it('reads an OpenWrt extend under another name', async () => {
    const sim = await ap({ clients: 9, extendName: 'wlan-clients' });
    expect(extendOutputOid('wlan-clients')).toMatch(/\.12\.119\.108\.97\.110/);
    expect((await check(poller(v2c(sim, { clientsExtend: 'wlan-clients' })))).fields.clients).toBe(9);
    await expect(check(poller(v2c(sim)))).rejects.toThrow(`SNMP: no such object ${extendOutputOid('clients')}`);
    await expect(check(poller(v2c(sim)))).rejects.toMatchObject({ code: 'snmp-no-object', params: { oid: extendOutputOid('clients') } });
  });

  it.each([
    ['sha', 'aes'],
    ['sha256', 'aes'],
  ] as const)('speaks SNMP v3 authPriv (%s/%s)', async (authProtocol, privProtocol) => {
    const v3 = { user: 'langso', authProtocol, authKey: 'auth-key-dong-cam', privProtocol, privKey: 'priv-key-dong-cam' };
    const sim = await ap({ clients: 3, v3 });
    const p = poller({ host: '127.0.0.1', port: sim.port, version: 'v3', ...v3, ifIndex: 3, clientsPreset: 'unifi', timeoutS: 1 });
    const r = await check(p);
    expect(r.fields).toMatchObject({ clients: 3, uptimeS: expect.any(Number) });
    expect(r.info?.interface).toBe('wlan0');

    // A wrong privacy key is dropped by the agent like a wrong community: the poller times out.
    const wrong = poller({ host: '127.0.0.1', port: sim.port, version: 'v3', ...v3, privKey: 'not-the-key', ifIndex: 3, clientsPreset: 'unifi', timeoutS: 0.4 });
    await expect(check(wrong)).rejects.toThrow(/^SNMP: timeout after 1 retries$/);
    await expect(check(wrong)).rejects.toMatchObject({ code: 'snmp-timeout' });

    // A user the agent does not know is refused out loud (a USM report): the credentials, not the network.
    const stranger = poller({ host: '127.0.0.1', port: sim.port, version: 'v3', ...v3, user: 'khach', ifIndex: 3, clientsPreset: 'unifi', timeoutS: 0.4 });
    await expect(check(stranger)).rejects.toMatchObject({ code: 'snmp-auth', message: expect.stringMatching(/^SNMP: .*Unknown User Name/i) });
  });

  it('reports a wrong community as an SNMP timeout within the runner timeout', async () => {
    const sim = await ap();
    const p = poller(v2c(sim, { community: 'public', timeoutS: 0.4 }));
    const runner = new PollRunner({ settings: { intervalS: 10, timeoutS: 0.4, retries: 0 }, check: p.check, onResult: () => undefined });
    const t0 = performance.now();
    const r = await runner.runOnce();
    const elapsed = performance.now() - t0;
    expect(r).toMatchObject({ ok: false, error: 'SNMP: timeout after 1 retries', reason: { code: 'snmp-timeout', detail: 'SNMP: timeout after 1 retries' } });
    expect(elapsed).toBeLessThan(600); // net-snmp's default would be 5 s × 2 sends
    expect(sim.stats().dropped).toBeGreaterThanOrEqual(2);
  });

  it('says which interface is down, and still publishes the readings', async () => {
    const sim = await ap({ clients: 2 });
    const p = poller(v2c(sim));
    expect((await check(p)).down).toBeUndefined();
    sim.set({ oper: 'down' });
    const r = await check(p);
    expect(r.down).toEqual({ code: 'interface-down', params: { iface: 'wlan0' }, detail: 'interface wlan0 down' });
    expect(r.fields.clients).toBe(2);
    sim.set({ oper: 'up' });
    expect((await check(p)).down).toBeUndefined();
  });

  it('never reports a negative rate across a reboot, and resumes after it', async () => {
    const sim = await ap();
    sim.set({ rxBps: 50_000, txBps: 400_000 });
    const p = poller(v2c(sim));
    await check(p);
    sim.advance(3600);
    const before = await check(p);
    expect(before.fields.txBps).toBeGreaterThan(0);

    sim.fault('reboot');
    const after = await check(p);
    expect(after.fields.uptimeS).toBeLessThan(5);
    expect(after.fields).not.toHaveProperty('rxBps');
    expect(after.fields).not.toHaveProperty('txBps');

    sim.advance(10);
    const resumed = await check(p);
    expect(resumed.fields.rxBps).toBeGreaterThan(49_000);
    expect(resumed.fields.txBps).toBeGreaterThan(390_000);
  });

  it('treats a counter that went back to zero without a reboot as a reset, and a counter at its top as a wrap', async () => {
    const sim = await ap();
    sim.set({ rxBps: 1_000, txBps: 1_000, rxOctets: (1n << 64n) - 4_000n, txOctets: 8_000_000_000n });
    const p = poller(v2c(sim));
    await check(p);
    sim.advance(10);
    sim.set({ txOctets: 0n }); // interface re-created (e.g. `wifi reload`), the AP kept running
    const r = await check(p);
    expect(r.fields.rxBps).toBeGreaterThan(990); // wrapped through 2^64
    expect(r.fields.rxBps).toBeLessThan(1_010);
    expect(r.fields).not.toHaveProperty('txBps');

    expect(counterRate(100n, 50n, 32, 10)).toBeNull();
    expect(counterRate(2n ** 32n - 100n, 900n, 32, 10)).toBe(100);
    expect(counterRate(1n, 2n, 64, 0)).toBeNull();
  });

  it('fails with a readable error when the AP stops answering, and recovers when it is back', async () => {
    const sim = await ap({ clients: 4 });
    const p = poller(v2c(sim, { timeoutS: 0.4 }));
    await check(p);
    sim.fault('down');
    await expect(check(p)).rejects.toThrow('SNMP: timeout after 1 retries');

    // An aborted check (the runner's timeout) closes the session; the next check opens a new one.
    const ac = new AbortController();
    const pending = p.check(ac.signal);
    ac.abort(new CheckError('timeout', 'timeout after 0.1 s', { s: 0.1 }));
    await expect(pending).rejects.toMatchObject({ code: 'timeout', message: 'timeout after 0.1 s' });

    sim.fault('up');
    expect((await check(p)).fields.clients).toBe(4);
  });

  it('names the interfaces the AP has when ifName matches none', async () => {
    const sim = await ap();
    await expect(check(poller(v2c(sim, { ifName: 'wlan9' })))).rejects.toThrow('SNMP: no interface named "wlan9" (the AP has: lo, eth0, wlan0)');
    await expect(check(poller(v2c(sim, { ifName: 'wlan9' })))).rejects.toMatchObject({ code: 'interface-missing', params: { iface: 'wlan9' } });
  });
});

describe('wifi-ap poll config', () => {
  const doc = (poll: Record<string, unknown>) =>
    stringify({ villages: [testVillage], devices: [{ id: 'ap-san', village: 'dong-cam', name: 'AP sân', kind: 'wifi-ap', poll }] });
  const problems = (poll: Record<string, unknown>): string[] => configProblems(doc(poll), 'test.yaml');

  it('fills the defaults', () => {
    const c = parseConfig(doc({ host: '10.0.0.2', ifName: 'wlan0', clientsPreset: 'unifi' }), 'test.yaml');
    expect(wifiApDriver.configSchema.parse(c.devices[0]?.poll)).toMatchObject({ intervalS: 3, timeoutS: 2, retries: 1, port: 161, version: 'v2c', community: 'public' });
  });

  it('names the device and the field', () => {
    expect(problems({ host: '10.0.0.2', version: 'v3', ifName: 'wlan0', clientsPreset: 'openwrt', authKey: 'short' })).toEqual(
      expect.arrayContaining([
        'devices[0].poll.authKey: expected at least 8 characters (RFC 3414) (device "ap-san")',
        'devices[0].poll.user: required for SNMP v3 (authPriv) (device "ap-san")',
        'devices[0].poll.privKey: required for SNMP v3 (authPriv) (device "ap-san")',
      ]),
    );
    expect(problems({ host: '10.0.0.2', clientsPreset: 'custom', port: 70000 })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devices\[0\]\.poll\.port: .*\(device "ap-san"\)$/),
        'devices[0].poll.ifName: give the interface to measure: ifName (e.g. wlan0) or ifIndex (device "ap-san")',
        'devices[0].poll.clientsOid: required when clientsPreset is "custom" (device "ap-san")',
      ]),
    );
    expect(problems({ host: '10.0.0.2', ifName: 'wlan0', clientsPreset: 'cisco' })).toEqual([expect.stringMatching(/^devices\[0\]\.poll\.clientsPreset: .*"openwrt".*\(device "ap-san"\)$/)]);
  });
});

describe('wifi-ap polled by the hub', () => {
  it('goes online with telemetry, and offline with the reason when the interface goes down', async () => {
    const sim = await ap({ clients: 11 });
    sim.set({ txBps: 250_000 });
    const t = await startTestHub({
      villages: [testVillage],
      devices: [
        { id: 'ap-nha-van-hoa', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap', poll: { ...v2c(sim), intervalS: 0.3, timeoutS: 0.25 } },
      ],
    });
    cleanups.push(() => t.stop());
    const ref = { village: 'dong-cam', device: 'ap-nha-van-hoa' };
    const entry = await waitFor(() => {
      const e = t.hub.ctx.devices.get(ref);
      return e?.state === 'online' && e.telemetry?.fields.txBps !== undefined ? e : null;
    }, 8_000, 'AP online with a rate');
    expect(entry.telemetry?.fields).toMatchObject({ clients: 11, uptimeS: expect.any(Number), pollMs: expect.any(Number) });

    sim.set({ oper: 'down' });
    const off = await waitFor(() => (t.hub.ctx.devices.get(ref)?.state === 'offline' ? t.hub.ctx.devices.get(ref) : null), 5_000, 'offline');
    expect(off.reason).toBe('interface wlan0 down');
    expect(off.reasonCode).toBe('interface-down');
    expect(off.reasonParams).toEqual({ iface: 'wlan0' });
    expect(reasonText('interface-down', off.reasonParams, 'vi')).toBe('sóng Wi-Fi (wlan0) đang tắt');
  });

  it('goes offline with snmp-timeout when the community is wrong', async () => {
    const sim = await ap();
    const t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'ap-san', village: 'dong-cam', name: 'Wi-Fi sân', kind: 'wifi-ap', poll: { ...v2c(sim, { community: 'sai-mat-khau' }), intervalS: 0.3, timeoutS: 0.25, retries: 0 } }],
    });
    cleanups.push(() => t.stop());
    const ref = { village: 'dong-cam', device: 'ap-san' };
    const off = await waitFor(() => (t.hub.ctx.devices.get(ref)?.state === 'offline' ? t.hub.ctx.devices.get(ref) : null), 8_000, 'offline');
    expect(off).toMatchObject({ reasonCode: 'snmp-timeout', reason: 'SNMP: timeout after 1 retries' });
  });
});
