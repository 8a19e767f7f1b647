import { describe, expect, it } from 'vitest';
import { scryptSync, randomBytes } from 'node:crypto';
import { MqttAccounts } from '../../hub/broker/accounts.js';
import { hashSecret, needsRehash, newSecret, verifySecret } from '../../hub/security/passwords.js';
import { allows, canAct, canRead, HUB_WIDE_VILLAGE, readableVillages, type Principal } from '../../hub/security/roles.js';
import { SessionStore } from '../../hub/security/sessions.js';
import { UserError, UserStore } from '../../hub/security/users.js';
import { openStateDb } from '../../hub/state/db.js';

describe('secrets', () => {
  it('hashes with scrypt and a fresh salt; verifies the right secret only', async () => {
    const a = await hashSecret('mật khẩu dài đủ');
    const b = await hashSecret('mật khẩu dài đủ');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('mật khẩu');
    expect(await verifySecret('mật khẩu dài đủ', a)).toBe(true);
    expect(await verifySecret('mật khẩu dài đủ!', a)).toBe(false);
    expect(await verifySecret('x', 'plain-text-not-a-hash')).toBe(false);
    expect(await verifySecret('x', 'scrypt$99999999$8$1$AA==$AA==')).toBe(false);
    expect(newSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

/** A hash as the previous release made them (N = 2^14). */
function olderHash(secret: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(secret.normalize('NFC'), salt, 32, { N: 16_384, r: 8, p: 1 });
  return `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

describe('hashes made at an older cost', () => {
  it('still verify, and are made again at the current cost at the next successful login only', async () => {
    const db = openStateDb(':memory:');
    const users = new UserStore(db);
    await users.add('cu', 'mật khẩu cũ của tôi', 'admin', [], Date.now());
    const old = olderHash('mật khẩu cũ của tôi');
    db.prepare('UPDATE users SET hash = ? WHERE username = ?').run(old, 'cu');
    expect(needsRehash(old)).toBe(true);
    expect(await users.verify('cu', 'sai mật khẩu rồi')).toBeUndefined();
    expect((db.prepare('SELECT hash FROM users WHERE username = ?').get('cu') as { hash: string }).hash).toBe(old);
    expect((await users.verify('cu', 'mật khẩu cũ của tôi'))?.username).toBe('cu');
    const now = (db.prepare('SELECT hash FROM users WHERE username = ?').get('cu') as { hash: string }).hash;
    expect(now).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(needsRehash(now)).toBe(false);
    expect((await users.verify('cu', 'mật khẩu cũ của tôi'))?.username).toBe('cu');
    db.close();
  });

  it("a device's secret too, at its next connection's check; the remembered secret still lets it in", async () => {
    const db = openStateDb(':memory:');
    const accounts = new MqttAccounts(db);
    const secret = await accounts.issueDevice('dong-cam', 'cam-1', Date.now());
    const old = olderHash(secret);
    db.prepare('UPDATE mqtt_accounts SET hash = ? WHERE username = ?').run(old, 'dong-cam/cam-1');
    const fresh = new MqttAccounts(db);
    expect(await fresh.authenticate('dong-cam/cam-1', 'sai')).toBeUndefined();
    expect((await fresh.authenticate('dong-cam/cam-1', secret))?.username).toBe('dong-cam/cam-1');
    const now = (db.prepare('SELECT hash FROM mqtt_accounts WHERE username = ?').get('dong-cam/cam-1') as { hash: string }).hash;
    expect(now).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect((await fresh.authenticateCached('dong-cam/cam-1', secret))?.username).toBe('dong-cam/cam-1');
    db.close();
  });
});

describe('roles', () => {
  const viewer: Principal = { id: 1, username: 'xem', role: 'viewer', villages: [] };
  const scopedViewer: Principal = { id: 2, username: 'xem-dc', role: 'viewer', villages: ['dong-cam'] };
  const leader: Principal = { id: 3, username: 'truong-thon', role: 'leader', villages: ['dong-cam'] };
  const admin: Principal = { id: 4, username: 'quan-tri', role: 'admin', villages: [] };
  it('viewers read, leaders act in their villages only, admins do everything', () => {
    expect([canRead(viewer, 'lang-moi'), canRead(scopedViewer, 'lang-moi'), canRead(leader, 'lang-moi'), canRead(admin, 'lang-moi')]).toEqual([true, false, false, true]);
    expect([canAct(viewer, 'dong-cam'), canAct(leader, 'dong-cam'), canAct(leader, 'lang-moi'), canAct(admin, 'lang-moi')]).toEqual([false, true, false, true]);
    expect([allows(viewer, 'admin'), allows(leader, 'admin'), allows(admin, 'admin')]).toEqual([false, false, true]);
    expect(readableVillages(leader, ['dong-cam', 'lang-moi'])).toEqual(['dong-cam']);
    expect(canRead(scopedViewer, HUB_WIDE_VILLAGE)).toBe(true);
  });
});

describe('users and sessions', () => {
  const setup = () => {
    const db = openStateDb(':memory:');
    const users = new UserStore(db);
    const sessions = new SessionStore(db, users, { idleMs: 3_600_000, maxMs: 86_400_000 });
    return { db, users, sessions };
  };

  it('adds users with a hashed password and checks names, roles and villages', async () => {
    const { db, users } = setup();
    await users.add('quan-tri', 'mật-khẩu-quản-trị', 'admin', [], 1);
    await expect(users.add('quan-tri', 'mật-khẩu-khác-nữa', 'admin', [], 2)).rejects.toMatchObject({ code: 'exists' });
    await expect(users.add('Bad Name', 'mật-khẩu-quản-trị', 'viewer', [], 2)).rejects.toThrow(/invalid user name/);
    await expect(users.add('truong-thon', 'mật-khẩu-dài', 'leader', [], 2)).rejects.toThrow(/villages/);
    await expect(users.add('ngan', 'ngắn', 'viewer', [], 2)).rejects.toThrow(/too short/);
    const stored = db.prepare('SELECT hash FROM users').get() as { hash: string };
    expect(stored.hash).not.toContain('mật');
    expect(await users.verify('quan-tri', 'mật-khẩu-quản-trị')).toMatchObject({ username: 'quan-tri', role: 'admin' });
    expect(await users.verify('QUAN-TRI', 'mật-khẩu-quản-trị')).toMatchObject({ username: 'quan-tri' });
    expect(await users.verify('quan-tri', 'sai')).toBeUndefined();
    expect(await users.verify('khong-co', 'mật-khẩu-quản-trị')).toBeUndefined();
  });

  it('never removes or demotes the last admin', async () => {
    const { users } = setup();
    await users.add('quan-tri', 'mật-khẩu-quản-trị', 'admin', [], 1);
    expect(() => users.remove('quan-tri')).toThrow(UserError);
    expect(() => users.setRole('quan-tri', 'viewer', [], 2)).toThrow(/last admin/);
    await users.add('it-xa', 'mật-khẩu-it-xã', 'admin', [], 3);
    users.setRole('quan-tri', 'leader', ['dong-cam'], 4);
    expect(users.get('quan-tri')).toMatchObject({ role: 'leader', villages: ['dong-cam'] });
  });

  it('sessions resolve until idle or too old, end at logout and when the password changes', async () => {
    const { db, users, sessions } = setup();
    const u = await users.add('truong-thon', 'mật-khẩu-trưởng-thôn', 'leader', ['dong-cam'], 0);
    const s = sessions.create(u.id, '10.0.0.5', 0);
    expect((db.prepare('SELECT token_hash FROM sessions').get() as { token_hash: string }).token_hash).not.toBe(s.token);
    expect(sessions.resolve(s.token, 1_000)?.username).toBe('truong-thon');
    expect(sessions.resolve('x'.repeat(43), 1_000)).toBeUndefined();
    // Used every 50 minutes it stays alive past the first hour, until the 24 h cap.
    for (let t = 3_000_000; t < 86_400_000; t += 3_000_000) expect(sessions.resolve(s.token, t)).toBeDefined();
    expect(sessions.resolve(s.token, 86_400_000)).toBeUndefined();
    const idle = sessions.create(u.id, null, 0);
    expect(sessions.resolve(idle.token, 3_600_001)).toBeUndefined();
    const out = sessions.create(u.id, null, 0);
    sessions.revoke(out.token);
    expect(sessions.resolve(out.token, 1)).toBeUndefined();
    const pw = sessions.create(u.id, null, 0);
    await users.setPassword('truong-thon', 'mật-khẩu-mới-rất-dài', 10);
    expect(sessions.resolve(pw.token, 11)).toBeUndefined();
  });
});
