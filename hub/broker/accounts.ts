import { createHash, timingSafeEqual } from 'node:crypto';
import type { StateDb } from '../state/db.js';
import { hashSecret, needsRehash, newSecret, verifySecret } from '../security/passwords.js';

/**
 * Who connects to the broker (DESIGN.md §2 broker/auth):
 * - `device`: one account per device, user name `<village>/<device>`, issued by `langso device credentials`;
 * - `reader`: reads everything (a Home Assistant or Node-RED on the LAN), configured explicitly;
 * - `internal`: the hub's own pollers and the demo simulators, with a secret made at each start and never stored.
 */
export type AccountRole = 'device' | 'reader' | 'internal';

export interface MqttIdentity {
  username: string;
  role: AccountRole;
  /** For device accounts. */
  village?: string;
  device?: string;
}

export interface AccountInfo {
  username: string;
  role: 'device' | 'reader';
  village: string | null;
  device: string | null;
  createdAt: number;
  lastConnectedAt: number | null;
  lastClientId: string | null;
}

interface Row {
  username: string;
  role: 'device' | 'reader';
  village: string | null;
  device: string | null;
  hash: string;
  created_at: number;
  last_connected_at: number | null;
  last_client_id: string | null;
}

/** Reader names: a plain word, no "/" (that is a device's) and no "$" (the hub's own). */
export const READER_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;
/** How many client ids stay bound to one account (a device that changes its id now and then). */
const IDS_PER_ACCOUNT = 8;

export function deviceUsername(village: string, device: string): string {
  return `${village}/${device}`;
}

const fastKey = (username: string, password: string): Buffer => createHash('sha256').update(`${username}\0${password}`).digest();

/**
 * MQTT accounts in the state database (`mqtt_accounts`, secrets as scrypt hashes only) and the client
 * ids bound to them (`mqtt_client_ids`): once an account has used a client id, no other account may
 * connect with it, so nobody can kick a device off by borrowing its id.
 *
 * A scrypt check costs ~130 ms: a device that reconnects every few seconds must not cost that each time.
 * The last secret that verified for an account is remembered as a SHA-256 in memory, together with the
 * stored hash it matched: a secret rotated by another process (the `langso` command while the hub runs)
 * changes the stored hash, so the old secret stops working at the next connect.
 */
export class MqttAccounts {
  private readonly internal = new Map<string, Buffer>();
  /** Per account: the SHA-256 of the last secret that verified, and the stored hash it verified against. */
  private readonly verified = new Map<string, { key: Buffer; hash: string }>();

  constructor(private readonly db: StateDb) {}

  /** Issues (or rotates) a device's secret; returns it once — only its hash is kept. */
  async issueDevice(village: string, device: string, now: number): Promise<string> {
    return this.issue(deviceUsername(village, device), 'device', village, device, now);
  }

  async addReader(name: string, now: number): Promise<string> {
    if (!READER_PATTERN.test(name)) throw new Error(`invalid reader name "${name}": 2–32 characters a-z, 0-9, ".", "_" or "-"`);
    return this.issue(name, 'reader', null, null, now);
  }

  remove(username: string): boolean {
    this.verified.delete(username);
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM mqtt_client_ids WHERE username = ?').run(username);
      return this.db.prepare('DELETE FROM mqtt_accounts WHERE username = ?').run(username).changes > 0;
    })();
  }

  list(): AccountInfo[] {
    return (this.db.prepare('SELECT * FROM mqtt_accounts ORDER BY role, username').all() as Row[]).map((r) => ({
      username: r.username,
      role: r.role,
      village: r.village,
      device: r.device,
      createdAt: r.created_at,
      lastConnectedAt: r.last_connected_at,
      lastClientId: r.last_client_id,
    }));
  }

  has(username: string): boolean {
    return this.db.prepare('SELECT 1 FROM mqtt_accounts WHERE username = ?').get(username) !== undefined;
  }

  /** An account for one of the hub's own clients, valid until the hub stops. */
  internalAccount(name: string): { username: string; password: string } {
    const username = `$${name}`;
    const password = newSecret();
    this.internal.set(username, fastKey(username, password));
    return { username, password };
  }

  /** Who this is, when the user name and secret are right. */
  async authenticate(username: string, password: string): Promise<MqttIdentity | undefined> {
    return this.check(username, password, true);
  }

  /**
   * Like authenticate, but only when no scrypt check is needed (an internal account, or the secret that
   * verified last time): used while an address is blocked for guessing, so its real devices still get in.
   */
  async authenticateCached(username: string, password: string): Promise<MqttIdentity | undefined> {
    return this.check(username, password, false);
  }

  private async check(username: string, password: string, slow: boolean): Promise<MqttIdentity | undefined> {
    if (username.startsWith('$')) {
      const key = this.internal.get(username);
      return key && timingSafeEqual(key, fastKey(username, password)) ? { username, role: 'internal' } : undefined;
    }
    const row = this.db.prepare('SELECT * FROM mqtt_accounts WHERE username = ?').get(username) as Row | undefined;
    if (!row) return undefined;
    const key = fastKey(username, password);
    const known = this.verified.get(username);
    const cached = known !== undefined && known.hash === row.hash && timingSafeEqual(known.key, key);
    if (!cached && !(slow && (await verifySecret(password, row.hash)))) return undefined;
    this.verified.set(username, { key, hash: cached ? row.hash : await this.rehashed(username, password, row.hash) });
    return row.role === 'device' ? { username, role: 'device', village: row.village ?? '', device: row.device ?? '' } : { username, role: 'reader' };
  }

  /** The stored hash after a secret verified against it: made again at today's cost when it was older. */
  private async rehashed(username: string, secret: string, stored: string): Promise<string> {
    if (!needsRehash(stored)) return stored;
    const hash = await hashSecret(secret);
    try {
      // Unless the secret was rotated meanwhile.
      const changed = this.db.prepare('UPDATE mqtt_accounts SET hash = ? WHERE username = ? AND hash = ?').run(hash, username, stored).changes;
      return changed === 1 ? hash : stored;
    } catch {
      // A read-only or full state database: the old hash still verifies; tried again next time.
      return stored;
    }
  }

  /** The account a client id is bound to, if any. */
  boundTo(clientId: string): string | undefined {
    return (this.db.prepare('SELECT username FROM mqtt_client_ids WHERE client_id = ?').get(clientId) as { username: string } | undefined)?.username;
  }

  /** Records a successful connection: binds the client id to the account (keeping its newest few). */
  connected(username: string, clientId: string, now: number): void {
    if (username.startsWith('$')) return;
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO mqtt_client_ids (client_id, username, bound_at) VALUES (?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET bound_at = excluded.bound_at').run(clientId, username, now);
      this.db
        .prepare('DELETE FROM mqtt_client_ids WHERE username = ? AND client_id NOT IN (SELECT client_id FROM mqtt_client_ids WHERE username = ? ORDER BY bound_at DESC LIMIT ?)')
        .run(username, username, IDS_PER_ACCOUNT);
      this.db.prepare('UPDATE mqtt_accounts SET last_connected_at = ?, last_client_id = ? WHERE username = ?').run(now, clientId, username);
    })();
  }

  private async issue(username: string, role: 'device' | 'reader', village: string | null, device: string | null, now: number): Promise<string> {
    const secret = newSecret();
    const hash = await hashSecret(secret);
    this.verified.delete(username);
    this.db
      .prepare(
        `INSERT INTO mqtt_accounts (username, role, village, device, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at`,
      )
      .run(username, role, village, device, hash, now);
    return secret;
  }
}
