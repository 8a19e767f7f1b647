import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, testVillage, waitFor, type TestHub } from '../../helpers/hub.js';
import { issueDevice, villageCa } from '../../security/helpers.js';

/**
 * The OpenWrt shell agent, run by dash (/bin/sh here: no bash-isms) against a real hub, with a
 * stand-in `ubus` on PATH printing a canned rpcd-iwinfo assoclist and a fake /sys statistics tree.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const agentScript = path.resolve(here, '../../../devices/wifi-ap/openwrt/langso-agent.sh');

/** Three stations as `ubus call iwinfo assoclist '{"device":"wlan0"}'` prints them (abridged). */
const station = (i: number) => ({
  mac: `AA:BB:CC:00:00:0${i}`,
  signal: -50 - i,
  noise: -95,
  inactive: 1200,
  connected_time: 300 + i,
  authorized: true,
  rx: { packets: 1000, bytes: 120000, rate: 72200, mcs: 7, mhz: 20 },
  tx: { packets: 900, bytes: 990000, rate: 65000, mcs: 6, mhz: 20 },
});
const assoclist = JSON.stringify({ results: [station(1), station(2), station(3)] }, null, '\t');

let dir: string;
let t: TestHub;
const village = testVillage.id;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'langso-openwrt-'));
  await mkdir(path.join(dir, 'bin'));
  await writeFile(path.join(dir, 'assoclist.json'), assoclist);
  // Like rpcd: wlan0 has stations, anything else is "Not found" (ubus exit status 4).
  await writeFile(
    path.join(dir, 'bin', 'ubus'),
    `#!/bin/sh\n[ "$1 $2 $3" = "call iwinfo assoclist" ] || exit 2\ncase "$4" in *'"wlan0"'*) cat "${dir}/assoclist.json" ;; *) echo 'Command failed: Not found' >&2; exit 4 ;; esac\n`,
  );
  await chmod(path.join(dir, 'bin', 'ubus'), 0o755);
  t = await startTestHub({
    villages: [testVillage],
    devices: [
      { id: 'ap-cho', village, name: 'Wi-Fi chợ', kind: 'wifi-ap', timeoutS: 60 },
      { id: 'ap-truong', village, name: 'Wi-Fi trường', kind: 'wifi-ap', timeoutS: 60 },
      { id: 'ap-cron', village, name: 'Wi-Fi bến xe', kind: 'wifi-ap', timeoutS: 300 },
    ],
  });
});

afterAll(async () => {
  await t?.stop();
  await rm(dir, { recursive: true, force: true });
});

const running: ChildProcess[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      process.kill(-c.pid!, 'SIGKILL');
      await once(c, 'exit');
    }
  }
});

async function sysfs(device: string, rx: number, tx: number): Promise<string> {
  const root = path.join(dir, `sys-${device}`);
  const stats = path.join(root, 'class', 'net', 'wlan0', 'statistics');
  await mkdir(stats, { recursive: true });
  await writeFile(path.join(stats, 'rx_bytes'), `${rx}\n`);
  await writeFile(path.join(stats, 'tx_bytes'), `${tx}\n`);
  return root;
}

function agent(device: string, sysRoot: string, args: string[] = [], extra: { port?: number; env?: Record<string, string> } = {}): ChildProcess & { stderrText: () => string } {
  const port = extra.port ?? t.hub.ports.mqtt;
  // detached: its own process group, so the test can kill the agent and its mosquitto_sub together,
  // the way an AP losing power takes everything with it.
  const child = spawn('sh', [agentScript, ...args], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      LANGSO_CONF: '/dev/null',
      HUB: '127.0.0.1',
      PORT: String(port),
      VILLAGE: village,
      DEVICE: device,
      INTERVAL: '1',
      SYSFS_ROOT: sysRoot,
      STATE_DIR: path.join(dir, 'state'),
      ...extra.env,
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  running.push(child);
  return Object.assign(child, { stderrText: () => stderr });
}

const entry = (device: string) => t.hub.ctx.devices.get({ village, device });

/**
 * The agent's presence connection (the mosquitto_sub that holds the Last Will) has subscribed: it wrote
 * a status it received to its file. "Online" alone does not show it: that status comes from a
 * mosquitto_pub, which can be done before the subscriber's (TLS) connection is, on a busy machine.
 */
async function presenceUp(device: string): Promise<void> {
  const file = path.join(dir, 'state', `${village}-${device}.status`);
  await waitFor(async () => ((await stat(file).catch(() => null))?.size ?? 0) > 0 || null, 8_000, `${device}: presence connection subscribed`);
}

describe('OpenWrt agent (langso-agent.sh under dash)', () => {
  it('reports clients, rates and uptime, and goes offline by Last Will when the AP dies', async () => {
    const root = await sysfs('ap-cho', 1_000_000, 5_000_000);
    const a = agent('ap-cho', root);
    const first = await waitFor(() => (entry('ap-cho')?.state === 'online' && entry('ap-cho')?.telemetry ? entry('ap-cho') : null), 8_000, `online + telemetry (${a.stderrText()})`);
    expect(first.telemetry?.fields).toMatchObject({ clients: 3, uptimeS: expect.any(Number) });

    // Traffic flows: the next reports carry rates (bytes per second).
    await sysfs('ap-cho', 1_500_000, 9_000_000);
    const withRates = await waitFor(() => {
      const f = entry('ap-cho')?.telemetry?.fields;
      return typeof f?.rxBps === 'number' && (f.rxBps as number) > 0 ? f : null;
    }, 8_000, 'telemetry with rates');
    expect(withRates.txBps).toBeGreaterThan(withRates.rxBps as number);

    // The AP loses power: agent and its MQTT connections die without a word; the broker sends the will.
    await presenceUp('ap-cho');
    process.kill(-a.pid!, 'SIGKILL');
    const off = await waitFor(() => (entry('ap-cho')?.state === 'offline' ? entry('ap-cho') : null), 5_000, 'offline by LWT');
    expect(off.reason).toBe('lwt');
    // The contract's LWT payload carries no code: "lwt" as the reason is read as the code.
    expect(off.reasonCode).toBe('lwt');
    expect(a.stderrText()).toBe('');
  });

  it('says "agent stopped" when stopped on purpose, and never reports a negative rate after a counter reset', async () => {
    const root = await sysfs('ap-truong', 9_000_000, 9_000_000);
    const a = agent('ap-truong', root);
    await waitFor(() => entry('ap-truong')?.state === 'online', 8_000, 'online');
    await sysfs('ap-truong', 100, 200); // `wifi reload`: the interface and its counters start again
    const seen: Array<Record<string, number | boolean>> = [];
    const t0 = Date.now();
    while (Date.now() - t0 < 2_500) {
      const f = entry('ap-truong')?.telemetry?.fields;
      if (f) seen.push(f);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const f of seen) {
      if ('rxBps' in f) expect(f.rxBps).toBeGreaterThanOrEqual(0);
      if ('txBps' in f) expect(f.txBps).toBeGreaterThanOrEqual(0);
    }

    // SIGTERM to the script alone, as procd stops a service: it must take its mosquitto_sub with it.
    process.kill(a.pid!, 'SIGTERM');
    await once(a, 'exit');
    const off = await waitFor(() => (entry('ap-truong')?.state === 'offline' ? entry('ap-truong') : null), 5_000, 'offline');
    expect(off.reason).toBe('agent stopped');
    expect(off.reasonCode).toBe('agent-stopped');
    const leftover = execFileSync('ps', ['-eo', 'stat,args'])
      .toString()
      .split('\n')
      .filter((l) => !l.startsWith('Z') && l.includes('mosquitto_sub') && l.includes(`-p ${t.hub.ports.mqtt} -i agent-${village}-ap-truong`));
    expect(leftover).toEqual([]);
  });

  it('reports once for cron with --once, keeping the previous sample for the rate', async () => {
    const root = await sysfs('ap-cron', 0, 0);
    const run = async () => {
      const a = agent('ap-cron', root, ['--once']);
      const [code] = (await once(a, 'exit')) as [number];
      expect(code, a.stderrText()).toBe(0);
    };
    await run();
    await waitFor(() => entry('ap-cron')?.telemetry?.fields.clients === 3, 5_000, 'first report');
    await new Promise((r) => setTimeout(r, 300));
    await sysfs('ap-cron', 40_000, 80_000);
    await run();
    const f = await waitFor(() => {
      const fields = entry('ap-cron')?.telemetry?.fields;
      return typeof fields?.txBps === 'number' ? fields : null;
    }, 5_000, 'second report with a rate');
    expect(f.txBps).toBeGreaterThan(f.rxBps as number);
    expect(entry('ap-cron')?.state).toBe('online');
  });

  it('refuses a bad configuration with a message', async () => {
    const a = spawn('sh', [agentScript], { env: { PATH: process.env.PATH, LANGSO_CONF: '/dev/null', HUB: '127.0.0.1', VILLAGE: 'Đông Căm', DEVICE: 'ap' } });
    let err = '';
    a.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(a, 'exit')) as [number];
    expect(code).toBe(78);
    expect(err).toContain("VILLAGE must be a lowercase slug");
  });
});

describe('OpenWrt agent with credentials and TLS', () => {
  let secure: TestHub;
  let tls: { ca: string; cert: string; key: string };
  let secret = '';
  beforeAll(async () => {
    const tlsDir = path.join(dir, 'tls');
    await mkdir(tlsDir);
    tls = villageCa(tlsDir);
    secure = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'ap-den', village, name: 'Wi-Fi đền', kind: 'wifi-ap', timeoutS: 60 }],
      broker: { allowAnonymous: false, tls: { port: 0, cert: tls.cert, key: tls.key } },
    });
    secret = await issueDevice(secure, village, 'ap-den');
  });
  afterAll(async () => secure?.stop());

  it('reads the password from PASSWORD_FILE, keeps it off every command line, speaks TLS, and its Last Will still works', async () => {
    const passwordFile = path.join(dir, 'mqtt-password');
    await writeFile(passwordFile, `${secret}\n`, { mode: 0o600 });
    const root = await sysfs('ap-den', 1_000, 2_000);
    const a = agent('ap-den', root, [], { port: secure.hub.ports.mqtts ?? 0, env: { HUB: 'localhost', PASSWORD_FILE: passwordFile, CAFILE: tls.ca } });
    const on = await waitFor(() => {
      const e = secure.hub.ctx.devices.get({ village, device: 'ap-den' });
      return e?.state === 'online' && e.telemetry ? e : null;
    }, 8_000, `online over TLS (${a.stderrText()})`);
    expect(on.telemetry?.fields.clients).toBe(3);
    const commandLines = execFileSync('ps', ['-eo', 'args']).toString();
    expect(commandLines).toContain('agent-dong-cam-ap-den');
    expect(commandLines).not.toContain(secret);
    const options = path.join(dir, 'state', 'mqtt-dong-cam-ap-den', 'mosquitto_sub');
    expect((await stat(options)).mode & 0o077).toBe(0);
    expect(secure.hub.ctx.counters.get('broker.refused.no-credentials')).toBe(0);

    await presenceUp('ap-den');
    process.kill(-a.pid!, 'SIGKILL');
    const off = await waitFor(() => {
      const e = secure.hub.ctx.devices.get({ village, device: 'ap-den' });
      return e?.state === 'offline' ? e : null;
    }, 5_000, 'offline by LWT');
    expect(off.reason).toBe('lwt');
    expect(a.stderrText()).toBe('');
  });
});
