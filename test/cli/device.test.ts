import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { deviceCommand, readerCommand } from '../../hub/cli/device.js';
import { AuditLog } from '../../hub/security/audit.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { connackCode, connect } from '../security/helpers.js';
import { runLangso, type CommandRun } from '../helpers/cli.js';

/**
 * `langso device credentials|list` and `langso mqtt-reader add|remove`, run as commands against the
 * configuration of a hub that is running: what they print, and that the hub sees the change at once.
 */
const run = (args: string[], env: Record<string, string> = {}): Promise<CommandRun> =>
  runLangso(args, { env: { LANGSO_CONFIG: '', LANGSO_LOG_LEVEL: 'error', ...env }, timeoutMs: 20_000 });

/** The same commands in this process (quicker than a child each time); `run` checks the real command. */
async function call(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} };
  const code = args[0] === 'device' ? await deviceCommand(args.slice(1), io) : await readerCommand(args.slice(1), io);
  return { code, stdout, stderr };
}

/** The scripting contract: the secret is the last line, alone. */
const lastLine = (out: string): string => out.trimEnd().split('\n').at(-1) ?? '';

const village = testVillage.id;
let dir: string;
let file: string;
let t: TestHub;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'langso-cli-device-'));
  const doc = {
    villages: [testVillage],
    devices: [
      { id: 'cam-1', village, name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 600 },
      { id: 'ap-1', village, name: 'Wi-Fi chợ', kind: 'wifi-ap', timeoutS: 600 },
    ],
    broker: { allowAnonymous: false },
  };
  file = path.join(dir, 'langso.yaml');
  await writeFile(file, stringify({ ...doc, dataDir: path.join(dir, 'data') }));
  t = await startTestHub(doc, { dataDir: path.join(dir, 'data') });
});

afterAll(async () => {
  await t?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('langso device credentials', () => {
  it('prints a new secret alone on the last line; the running hub takes it; a rotation ends the old one', async () => {
    const first = await run(['device', 'credentials', 'dong-cam/cam-1', '--config', file]);
    expect(first.code).toBe(0);
    const secret = lastLine(first.stdout);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.stdout).toContain('user name: dong-cam/cam-1');
    const c = await connect(t.mqttUrl, { clientId: 'cam-1', username: 'dong-cam/cam-1', password: secret });
    await c.publishAsync('langso/dong-cam/cam-1/status', '{"state":"online"}', { qos: 1, retain: true });
    await waitFor(() => t.hub.ctx.devices.get({ village, device: 'cam-1' })?.state === 'online', 3_000, 'online');
    await c.endAsync();

    const second = await run(['device', 'credentials', 'dong-cam/cam-1', '--config', file]);
    const rotated = lastLine(second.stdout);
    expect(rotated).not.toBe(secret);
    expect(second.stdout).toContain('the previous password stops working');
    expect(await connackCode(t.mqttUrl, { clientId: 'cam-1', username: 'dong-cam/cam-1', password: secret })).toBe(4);
    expect(await connackCode(t.mqttUrl, { clientId: 'cam-1', username: 'dong-cam/cam-1', password: rotated })).toBe(0);

    const audit = new AuditLog(t.hub.ctx.state).list({ limit: 10 }).filter((e) => e.action === 'mqtt-credentials');
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ target: 'dong-cam/cam-1', village, detail: { rotated: true } });
    expect(audit[0]?.who).toMatch(/^cli/);
    expect(JSON.stringify(audit)).not.toContain(rotated);
  });

  it('refuses a device that is not in the configuration, naming it and the configured ones', async () => {
    const r = await call(['device', 'credentials', 'dong-cam/cam-9', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`No device "dong-cam/cam-9" in ${file}`);
    expect(r.stderr).toContain('dong-cam/cam-1, dong-cam/ap-1');
    const none = await call(['device', 'credentials', '--config', file]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/<village>\/<device>/);
  });

  it('langso device list shows who has credentials and when it last connected, in village time', async () => {
    const r = await call(['device', 'list', '--config', file]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^device\s+name\s+kind\s+credentials\s+last connected$/);
    expect(lines.find((l) => l.startsWith('dong-cam/cam-1'))).toMatch(/yes, since \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\+7\)\s+\d{4}-\d\d-\d\d \d\d:\d\d \(UTC\+7\) as "cam-1"$/);
    expect(lines.find((l) => l.startsWith('dong-cam/ap-1'))).toMatch(/\sno\s+never$/);
  });
});

describe('langso mqtt-reader', () => {
  it('adds a reader that reads everything and publishes nothing, and removes it', async () => {
    const add = await call(['mqtt-reader', 'add', 'home-assistant', '--config', file]);
    expect(add.code).toBe(0);
    const secret = lastLine(add.stdout);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const r = await connect(t.mqttUrl, { clientId: 'ha', username: 'home-assistant', password: secret });
    const granted = await r.subscribeAsync('#', { qos: 0 });
    expect(granted[0]?.qos).toBe(0);
    await r.endAsync();
    const list = await call(['device', 'list', '--config', file]);
    expect(list.stdout).toContain('Readers: home-assistant');

    const rm1 = await call(['mqtt-reader', 'remove', 'home-assistant', '--config', file]);
    expect(rm1.code).toBe(0);
    expect(await connackCode(t.mqttUrl, { clientId: 'ha', username: 'home-assistant', password: secret })).toBe(4);
    const again = await call(['mqtt-reader', 'remove', 'home-assistant', '--config', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No reader "home-assistant"');
    const bad = await call(['mqtt-reader', 'add', 'Home Assistant', '--config', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid reader name');
  });
});
