import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { connackCode, connect, issueDevice, mosquitto, villageCa } from './helpers.js';

/**
 * MQTT over TLS with a village's own certificate authority, made here with Debian's openssl the way
 * docs/security.md tells a village to: a self-signed CA, and a server certificate it signs (villageCa).
 */
const village = testVillage.id;
let dir: string;
let t: TestHub;
let secret = '';
let ca: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'langso-tls-'));
  const files = villageCa(dir);
  ca = readFileSync(files.ca);
  t = await startTestHub({
    villages: [testVillage],
    devices: [{ id: 'ap-1', village, name: 'Wi-Fi chợ', kind: 'wifi-ap', timeoutS: 600 }],
    broker: { allowAnonymous: false, tls: { port: 0, cert: files.cert, key: files.key } },
  });
  secret = await issueDevice(t, village, 'ap-1');
});

afterAll(async () => {
  await t?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('MQTTS', () => {
  it('mosquitto_pub with --cafile and mqtt.js with ca publish over TLS with the device’s credentials', async () => {
    const port = t.hub.ports.mqtts;
    expect(port).toBeGreaterThan(0);
    const pub = await mosquitto('mosquitto_pub', ['-h', 'localhost', '-p', String(port), '--cafile', path.join(dir, 'ca.crt'), '-i', 'ap-1-pub', '-u', 'dong-cam/ap-1', '-P', secret, '-q', '1', '-r', '-t', 'langso/dong-cam/ap-1/status', '-m', '{"state":"online"}']);
    expect(pub).toMatchObject({ code: 0, stderr: '' });
    await waitFor(() => t.hub.ctx.devices.get({ village, device: 'ap-1' })?.state === 'online', 3_000, 'online over TLS');
    const c = await connect(`mqtts://localhost:${port}`, { ca, clientId: 'ap-1-agent', username: 'dong-cam/ap-1', password: secret });
    await c.publishAsync('langso/dong-cam/ap-1/telemetry', '{"clients":7}', { qos: 1 });
    await waitFor(() => t.hub.ctx.devices.get({ village, device: 'ap-1' })?.telemetry?.fields.clients === 7, 3_000, 'reading over TLS');
    await c.endAsync();
  });

  it('the same accounts and guard: a client that does not trust the CA, or has no credentials, gets nowhere', async () => {
    const port = t.hub.ports.mqtts as number;
    const untrusting = await mosquitto('mosquitto_pub', ['-h', 'localhost', '-p', String(port), '--capath', '/nonexistent', '-u', 'dong-cam/ap-1', '-P', secret, '-t', 'x', '-m', 'x']);
    expect(untrusting.code).not.toBe(0);
    await expect(connect(`mqtts://localhost:${port}`, { clientId: 'no-ca', username: 'dong-cam/ap-1', password: secret })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    expect(await connackCode(`mqtts://localhost:${port}`, { ca, clientId: 'anon' })).toBe(5);
    // The packet guard reads the decrypted bytes: a 200 MB announcement ends the connection.
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    await once(s, 'secureConnect');
    s.on('error', () => undefined);
    s.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64]));
    await once(s, 'close');
    expect(t.hub.ctx.counters.get('broker.refused.not-connect-first')).toBe(1);
    expect(t.hub.ctx.counters.get('broker.refused.no-credentials')).toBe(1);
  });
});
