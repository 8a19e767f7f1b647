import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runPcAgent } from '../../../devices/pc/agent.js';
import { cpuLoadBetween, cpuSample, PcCheck, pcConfigSchema, systemRoot } from '../../../devices/pc/driver.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../../helpers/hub.js';
import { issueDevice, villageCa } from '../../security/helpers.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';
import { configProblems } from '../../helpers/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cleanups = cleanupsAfter('each');

const check = (c: PcCheck) => c.check(new AbortController().signal);

describe('pc check (os and fs only)', () => {
  it('reports cpu, memory, disks and uptime in range', async () => {
    const c = new PcCheck(pcConfigSchema.parse({ mounts: [{ path: os.tmpdir(), label: 'tmp' }, { path: '/no/such/disk', label: 'usb' }] }));
    const r = await check(c);
    expect(r.fields).toEqual({
      cpuLoad: expect.any(Number),
      memUsedPct: expect.any(Number),
      diskFreePct: expect.any(Number),
      diskFreePct_tmp: expect.any(Number),
      uptimeS: expect.any(Number),
    });
    const f = r.fields as Record<string, number>;
    expect(f.cpuLoad).toBeGreaterThanOrEqual(0);
    expect(f.cpuLoad).toBeLessThanOrEqual(1);
    expect(f.memUsedPct).toBeGreaterThan(0);
    expect(f.memUsedPct).toBeLessThanOrEqual(100);
    for (const k of ['diskFreePct', 'diskFreePct_tmp'] as const) {
      expect(f[k]).toBeGreaterThanOrEqual(0);
      expect(f[k]).toBeLessThanOrEqual(100);
    }
    expect(f.uptimeS).toBeGreaterThan(0);
    expect(f.uptimeS).toBeLessThanOrEqual(os.uptime());
    // The unplugged disk is left out and named, without taking the PC offline.
    expect(r.down).toBeUndefined();
    expect(r.info).toMatchObject({ hostname: os.hostname(), unreadableDisks: 'usb (/no/such/disk): ENOENT' });
  });

  it('an unreadable system disk fails the check as disk-unreadable, naming the disk', async () => {
    const c = new PcCheck(pcConfigSchema.parse({}), '/no/such/disk');
    await expect(check(c)).rejects.toMatchObject({ code: 'disk-unreadable', params: { path: '/no/such/disk' }, message: 'disk /no/such/disk: ENOENT' });
  });

  it('measures cpuLoad between two samples, not from loadavg', async () => {
    expect(cpuLoadBetween({ busy: 1_000, total: 10_000 }, { busy: 1_600, total: 11_000 })).toBe(0.6);
    expect(cpuLoadBetween({ busy: 1_000, total: 10_000 }, { busy: 1_000, total: 10_000 })).toBeNull();
    expect(cpuLoadBetween({ busy: 5, total: 10 }, { busy: 1, total: 20 })).toBe(0); // never negative
    expect(cpuSample([])).toBeNull();

    const c = new PcCheck(pcConfigSchema.parse({}));
    await check(c);
    // Keep one core busy for a while: the next check's load covers exactly that stretch.
    const until = performance.now() + 400;
    while (performance.now() < until) Math.sqrt(Math.random());
    const busy = await check(c);
    expect(busy.fields.cpuLoad).toBeGreaterThan(0.8 / os.cpus().length);
  });

  it('finds the system disk on Windows and elsewhere', () => {
    expect(systemRoot('win32', { SystemDrive: 'D:' })).toBe('D:\\');
    expect(systemRoot('win32', {})).toBe('C:\\');
    expect(systemRoot('linux', {})).toBe('/');
  });
});

describe('pc poll config', () => {
  const problems = (poll: Record<string, unknown>): string[] => {
    const doc = stringify({ villages: [testVillage], devices: [{ id: 'pc-van-hoa', village: 'dong-cam', name: 'Máy tính nhà văn hóa', kind: 'pc', poll }] });
    return configProblems(doc, 'test.yaml');
  };

  it('fills the defaults', () => {
    expect(pcConfigSchema.parse({})).toEqual({ intervalS: 30, timeoutS: 5, retries: 0 });
  });

  it('names the device and the field', () => {
    expect(problems({ intervalS: 0, mounts: [{ path: '/srv', label: 'du-lieu' }], disks: true })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devices\[0\]\.poll: unknown setting\(s\): disks \(device "pc-van-hoa"\)$/),
        expect.stringMatching(/^devices\[0\]\.poll\.intervalS: .*\(device "pc-van-hoa"\)$/),
        'devices[0].poll.mounts[0].label: expected a short label: A-Z, a-z, 0-9 and "_" (it becomes the field diskFreePct_<label>) (device "pc-van-hoa")',
      ]),
    );
    expect(problems({ mounts: [{ path: '/a', label: 'data' }, { path: '/b', label: 'data' }] })).toEqual([
      'devices[0].poll.mounts[1].label: duplicate label "data" (device "pc-van-hoa")',
    ]);
  });
});

describe('pc agent', () => {
  const ref = { village: 'dong-cam', device: 'pc-van-hoa' };
  async function hub(): Promise<TestHub> {
    const t = await startTestHub({ villages: [testVillage], devices: [{ id: 'pc-van-hoa', village: 'dong-cam', name: 'Máy tính nhà văn hóa', kind: 'pc' }] });
    cleanups.push(() => t.stop());
    return t;
  }

  it('publishes as agent-<village>-<device>: online, telemetry, then offline on stop without the Last Will', async () => {
    const t = await hub();
    const reports: Array<{ state: string; reason?: string }> = [];
    t.hub.ctx.bus.on('test', 'status', (r) => {
      if (r.device === ref.device) reports.push({ state: r.state, ...(r.reason ? { reason: r.reason } : {}) });
    });
    const agent = await runPcAgent({ url: t.mqttUrl, village: 'dong-cam', device: 'pc-van-hoa', intervalS: 0.3, mounts: [{ path: os.tmpdir(), label: 'tmp' }] });
    const entry = await waitFor(() => {
      const e = t.hub.ctx.devices.get(ref);
      return e?.state === 'online' && e.telemetry ? e : null;
    }, 8_000, 'online with telemetry');
    expect(entry.telemetry?.fields).toMatchObject({ cpuLoad: expect.any(Number), memUsedPct: expect.any(Number), diskFreePct: expect.any(Number), diskFreePct_tmp: expect.any(Number), uptimeS: expect.any(Number) });
    expect(t.hub.ctx.devices.get(ref)?.registered).toBe(true);

    await agent.stop();
    const off = await waitFor(() => (t.hub.ctx.devices.get(ref)?.state === 'offline' ? t.hub.ctx.devices.get(ref) : null), 5_000, 'offline');
    expect(off.reason).toBe('agent stopped');
    expect(off.reasonCode).toBe('agent-stopped');
    await new Promise((r) => setTimeout(r, 200));
    expect(reports).toEqual([{ state: 'online' }, { state: 'offline', reason: 'agent stopped' }]);
  });

  it('runs from the command line and stops cleanly on SIGTERM', async () => {
    const t = await hub();
    const child = spawn(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'agent', 'pc', '--url', t.mqttUrl, '--village', 'dong-cam', '--device', 'pc-van-hoa', '--interval', '0.5'], {
      cwd: root,
      env: { ...process.env, LANGSO_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await waitFor(() => t.hub.ctx.devices.get(ref)?.telemetry?.fields.memUsedPct !== undefined, 15_000, `telemetry from the CLI agent (${out})`);
    expect(out).toContain('reporting dong-cam/pc-van-hoa');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    const off = await waitFor(() => (t.hub.ctx.devices.get(ref)?.state === 'offline' ? t.hub.ctx.devices.get(ref) : null), 5_000, 'offline');
    expect(off.reason).toBe('agent stopped');
  });

  it('with auth on: credentials from a file (never a flag), over MQTTS with the village CA; refused ones say how to fix them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'langso-pc-tls-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const tls = villageCa(dir);
    const t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'pc-van-hoa', village: 'dong-cam', name: 'Máy tính nhà văn hóa', kind: 'pc' }],
      broker: { allowAnonymous: false, tls: { port: 0, cert: tls.cert, key: tls.key } },
    });
    cleanups.push(() => t.stop());
    const secret = await issueDevice(t, 'dong-cam', 'pc-van-hoa');
    const passwordFile = path.join(dir, 'mqtt-password');
    await writeFile(passwordFile, `${secret}\n`, { mode: 0o600 });
    const url = `mqtts://localhost:${t.hub.ports.mqtts}`;
    const agent = (file: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'agent', 'pc', '--url', url, '--ca', tls.ca, '--village', 'dong-cam', '--device', 'pc-van-hoa', '--interval', '0.5', '--password-file', file], {
        cwd: root,
        env: { ...process.env, LANGSO_LOG_LEVEL: 'warn', LANGSO_MQTT_PASSWORD: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = { text: '' };
      child.stdout.on('data', (d: Buffer) => (out.text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out.text += d.toString()));
      cleanups.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      return { child, out };
    };

    const wrongFile = path.join(dir, 'wrong-password');
    await writeFile(wrongFile, 'not-the-password\n');
    const wrong = agent(wrongFile);
    await waitFor(() => wrong.out.text.includes('the hub refused the credentials'), 15_000, `the refusal explained (${wrong.out.text})`);
    expect(wrong.out.text).toContain('langso device credentials dong-cam/pc-van-hoa');
    wrong.child.kill('SIGTERM');
    await once(wrong.child, 'exit');

    const right = agent(passwordFile);
    expect(right.child.spawnargs.join(' ')).not.toContain(secret);
    await waitFor(() => t.hub.ctx.devices.get(ref)?.telemetry?.fields.memUsedPct !== undefined, 15_000, `telemetry over MQTTS (${right.out.text})`);
    right.child.kill('SIGTERM');
    await once(right.child, 'exit');
    const off = await waitFor(() => (t.hub.ctx.devices.get(ref)?.state === 'offline' ? t.hub.ctx.devices.get(ref) : null), 5_000, 'offline');
    expect(off.reason).toBe('agent stopped');
    expect(t.hub.ctx.counters.get('broker.refused.bad-credentials')).toBeGreaterThanOrEqual(1);
  });

  it('explains bad arguments', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'agent', 'pc', '--url', 'http://hub', '--village', 'Dong Cam', '--mount', '/srv=du-lieu'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(err).toContain('--url: expected mqtt://HOST:PORT');
    expect(err).toContain('--village: expected a lowercase slug');
    expect(err).toContain('--device: expected a lowercase slug');
    expect(err).toContain('--mounts: expected a short label');
  });
});
