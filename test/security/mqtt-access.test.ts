import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MqttAccounts } from '../../hub/broker/accounts.js';
import { TopicAcl } from '../../hub/broker/acl.js';
import { Duplex } from 'node:stream';
import { guardStream, PacketGuard } from '../../hub/broker/packet-guard.js';
import { Refusals } from '../../hub/broker/refusals.js';
import { Counters } from '../../hub/core/counters.js';
import { createLogger } from '../../hub/core/log.js';
import { Topics } from '../../hub/broker/topics.js';
import { openStateDb } from '../../hub/state/db.js';
import { varint } from './helpers.js';

describe('MQTT accounts', () => {
  it('issues a device secret once, keeps only its hash, rotates it, and binds client ids', async () => {
    const db = openStateDb(':memory:');
    const accounts = new MqttAccounts(db);
    const secret = await accounts.issueDevice('dong-cam', 'cam-1', 1);
    expect(JSON.stringify(db.prepare('SELECT * FROM mqtt_accounts').all())).not.toContain(secret);
    expect(await accounts.authenticate('dong-cam/cam-1', secret)).toEqual({ username: 'dong-cam/cam-1', role: 'device', village: 'dong-cam', device: 'cam-1' });
    expect(await accounts.authenticate('dong-cam/cam-1', `${secret}x`)).toBeUndefined();
    expect(await accounts.authenticate('dong-cam/cam-2', secret)).toBeUndefined();
    const rotated = await accounts.issueDevice('dong-cam', 'cam-1', 2);
    expect(await accounts.authenticate('dong-cam/cam-1', secret)).toBeUndefined();
    expect(await accounts.authenticate('dong-cam/cam-1', rotated)).toBeDefined();
    accounts.connected('dong-cam/cam-1', 'cam-1-client', 3);
    expect(accounts.boundTo('cam-1-client')).toBe('dong-cam/cam-1');
    expect(accounts.list()[0]).toMatchObject({ username: 'dong-cam/cam-1', lastConnectedAt: 3, lastClientId: 'cam-1-client' });
    for (let i = 0; i < 12; i++) accounts.connected('dong-cam/cam-1', `random-${i}`, 10 + i);
    expect((db.prepare("SELECT COUNT(*) AS n FROM mqtt_client_ids WHERE username = 'dong-cam/cam-1'").get() as { n: number }).n).toBe(8);
    const internal = accounts.internalAccount('pollers');
    expect(await accounts.authenticate(internal.username, internal.password)).toEqual({ username: '$pollers', role: 'internal' });
    expect(await accounts.authenticate(internal.username, 'guess')).toBeUndefined();
    await expect(accounts.addReader('Home Assistant', 1)).rejects.toThrow(/invalid reader name/);
  });
  it('a secret rotated by another process (the CLI while the hub runs) ends the old one at the next connect', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'langso-accounts-'));
    try {
      const hubDb = openStateDb(path.join(dir, 'state.db'));
      const cliDb = openStateDb(path.join(dir, 'state.db'));
      const hub = new MqttAccounts(hubDb);
      const first = await new MqttAccounts(cliDb).issueDevice('dong-cam', 'cam-1', 1);
      // Verified once: the next connects are checked from memory, without scrypt.
      expect(await hub.authenticate('dong-cam/cam-1', first)).toBeDefined();
      const second = await new MqttAccounts(cliDb).issueDevice('dong-cam', 'cam-1', 2);
      expect(await hub.authenticate('dong-cam/cam-1', first)).toBeUndefined();
      // Memory alone never admits a secret it has not verified against the stored hash.
      expect(await hub.authenticateCached('dong-cam/cam-1', second)).toBeUndefined();
      expect(await hub.authenticate('dong-cam/cam-1', second)).toBeDefined();
      hubDb.close();
      cliDb.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('topic ACL', () => {
  const acl = new TopicAcl(new Topics('langso'), (v, d) => v === 'dong-cam' && ['cam-1', 'ap-1'].includes(d));
  const cam = { username: 'dong-cam/cam-1', role: 'device' as const, village: 'dong-cam', device: 'cam-1' };
  const reader = { username: 'ha', role: 'reader' as const };
  const internal = { username: '$pollers', role: 'internal' as const };
  it('a device publishes under its own topics only and subscribes to its own cmd/# only', () => {
    expect(acl.publish(cam, 'langso/dong-cam/cam-1/status').ok).toBe(true);
    expect(acl.publish(cam, 'langso/dong-cam/ap-1/status').ok).toBe(false);
    expect(acl.publish(cam, 'langso/dong-cam/$hub/status').ok).toBe(false);
    expect(acl.publish(cam, '$SYS/x').ok).toBe(false);
    expect(acl.subscribe(cam, 'langso/dong-cam/cam-1/cmd/#').ok).toBe(true);
    for (const f of ['#', '$SYS/#', 'langso/#', 'langso/dong-cam/+/status', 'langso/dong-cam/ap-1/cmd/#', 'langso/dong-cam/ap-1/status', 'langso/dong-cam/cam-1/+', 'langso/dong-cam/cam-1/telemetry']) {
      expect(acl.subscribe(cam, f).ok, f).toBe(false);
    }
  });
  it('a device reads back its own status (an agent watching for its Last Will), nobody else’s', () => {
    expect(acl.subscribe(cam, 'langso/dong-cam/cam-1/status').ok).toBe(true);
    expect(acl.subscribe(cam, 'langso/dong-cam/ap-1/status').ok).toBe(false);
  });
  it('readers read everything and publish nothing; the hub\'s clients publish configured devices only; $hub is the hub\'s', () => {
    expect(acl.subscribe(reader, '#').ok).toBe(true);
    expect(acl.subscribe(reader, '$SYS/#').ok).toBe(true);
    expect(acl.publish(reader, 'langso/dong-cam/cam-1/status').ok).toBe(false);
    expect(acl.publish(internal, 'langso/dong-cam/ap-1/telemetry').ok).toBe(true);
    expect(acl.publish(internal, 'langso/dong-cam/unknown/telemetry').ok).toBe(false);
    expect(acl.publish({ role: 'anonymous', username: null }, 'langso/dong-cam/$hub/status').ok).toBe(false);
  });
});

describe('packet guard', () => {
  const header = (type: number, length: number): Buffer => Buffer.from([type << 4, ...varint(length)]);
  it('refuses a 200 MB announcement from its header alone, and a first packet that is not CONNECT', () => {
    const refused: string[] = [];
    const g = new PacketGuard({ maxPacketBytes: 256 * 1024, onRefuse: (why) => refused.push(why) });
    expect(g.check(Buffer.concat([header(1, 10), Buffer.alloc(10)]))).toBe(true);
    expect(g.check(header(3, 200 * 1024 * 1024))).toBe(false);
    expect(refused).toEqual(['packet-too-large']);
    const g2 = new PacketGuard({ maxPacketBytes: 1024, onRefuse: (why) => refused.push(why) });
    expect(g2.check(Buffer.concat([header(3, 5), Buffer.alloc(5)]))).toBe(false);
    expect(refused.at(-1)).toBe('not-connect-first');
  });
  it('follows packet boundaries across chunks of any size', () => {
    const g = new PacketGuard({ maxPacketBytes: 300, onRefuse: () => undefined });
    const stream = Buffer.concat([header(1, 20), Buffer.alloc(20), header(3, 200), Buffer.alloc(200, 0xff), header(12, 0), header(3, 297), Buffer.alloc(297)]);
    for (let i = 0; i < stream.length; i += 7) expect(g.check(stream.subarray(i, i + 7))).toBe(true);
    expect(g.check(header(3, 298))).toBe(false);
  });
});

describe('guarded stream', () => {
  it('hands writes made while corked to the socket in one batch (as aedes writes packets), and reads through', async () => {
    const batches: number[] = [];
    const inner = new Duplex({
      read() {},
      write(_c, _e, cb) {
        batches.push(1);
        cb();
      },
      writev(chunks, cb) {
        batches.push(chunks.length);
        cb();
      },
    });
    const outer = guardStream(inner, { maxPacketBytes: 1024, onRefuse: () => undefined, remoteAddress: '10.0.0.7' });
    expect(outer.remoteAddress).toBe('10.0.0.7');
    outer.cork();
    for (let i = 0; i < 5; i++) outer.write(Buffer.from([0x40, 0x02, 0, i]));
    process.nextTick(() => outer.uncork());
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([5]);
    const read: Buffer[] = [];
    outer.on('data', (d: Buffer) => read.push(d));
    inner.push(Buffer.from([0x10, 0x00]));
    await new Promise((r) => setTimeout(r, 20));
    expect(Buffer.concat(read)).toEqual(Buffer.from([0x10, 0x00]));
  });
});

describe('refusal log lines', () => {
  it('one line per (reason, client) a minute saying how many were left out, at most ten a minute per address; every refusal counted', () => {
    const lines: Array<{ msg: string; suppressedSinceLast?: number }> = [];
    const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) });
    const counters = new Counters();
    let now = 0;
    const r = new Refusals(counters, log, () => now);
    for (let i = 0; i < 5; i++) r.refuse('no-credentials', { key: 'cam-1', address: '10.0.0.5' }, {}, () => 'cam-1 refused');
    expect(lines.map((l) => l.msg)).toEqual(['cam-1 refused']);
    now = 61_000;
    r.refuse('no-credentials', { key: 'cam-1', address: '10.0.0.5' }, {}, () => 'cam-1 refused');
    expect(lines.at(-1)?.suppressedSinceLast).toBe(4);
    // A client with a new id at every attempt: ten lines from its address, then only counting.
    for (let i = 0; i < 500; i++) r.refuse('no-credentials', { key: `random-${i}`, address: '10.0.0.99' }, {}, () => `random-${i} refused`);
    expect(lines.filter((l) => l.msg.startsWith('random-'))).toHaveLength(10);
    expect(lines.at(-1)?.msg).toContain('More refusals from 10.0.0.99 this minute are counted, not logged.');
    expect(counters.get('broker.refused.no-credentials')).toBe(506);
  });
});
