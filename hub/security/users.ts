import type { StateDb } from '../state/db.js';
import { hashSecret, needsRehash, newSecret, verifySecret } from './passwords.js';
import { roles, type Principal, type Role } from './roles.js';

/** Login names: what people type on a phone; kept simple so they can be said over the phone too. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;
export const USERNAME_HINT = '2–32 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';
/** Long enough that guessing it over the login rate limit takes years. */
export const MIN_PASSWORD = 10;

export interface UserRecord extends Principal {
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: number;
  username: string;
  hash: string;
  role: Role;
  villages: string;
  created_at: number;
  updated_at: number;
}

export class UserError extends Error {
  constructor(
    message: string,
    readonly code: 'exists' | 'missing' | 'invalid' | 'last-admin',
  ) {
    super(message);
    this.name = 'UserError';
  }
}

function toRecord(r: Row): UserRecord {
  return {
    id: r.id,
    username: r.username,
    role: r.role,
    villages: JSON.parse(r.villages) as string[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function checkUser(username: string, role: string, villages: readonly string[]): void {
  if (!USERNAME_PATTERN.test(username)) throw new UserError(`invalid user name "${username}": ${USERNAME_HINT}`, 'invalid');
  if (!(roles as readonly string[]).includes(role)) throw new UserError(`invalid role "${role}": expected one of ${roles.join(', ')}`, 'invalid');
  if (role === 'leader' && villages.length === 0) throw new UserError('a leader needs the villages they lead (--villages a,b)', 'invalid');
  if (role === 'admin' && villages.length > 0) throw new UserError('an admin sees every village: leave --villages out', 'invalid');
}

export function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD) throw new UserError(`the password is too short: at least ${MIN_PASSWORD} characters`, 'invalid');
  if (password.length > 1024) throw new UserError('the password is too long: at most 1024 characters', 'invalid');
}

/**
 * People who log in to the dashboard (state database, table `users`). Passwords are kept as scrypt
 * hashes only. Used by the web login and by `langso user …`.
 */
export class UserStore {
  /** Checked for unknown names so that "no such user" takes as long as "wrong password". */
  private dummy: Promise<string> | null = null;

  constructor(private readonly db: StateDb) {}

  list(): UserRecord[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as Row[]).map(toRecord);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  get(username: string): UserRecord | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  byId(id: number): UserRecord | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  async add(username: string, password: string, role: Role, villages: readonly string[], now: number): Promise<UserRecord> {
    checkUser(username, role, villages);
    checkPassword(password);
    if (this.get(username)) throw new UserError(`user "${username}" already exists`, 'exists');
    const hash = await hashSecret(password);
    this.db
      .prepare('INSERT INTO users (username, hash, role, villages, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(username, hash, role, JSON.stringify(villages), now, now);
    return this.get(username) as UserRecord;
  }

  /** Sets a new password and ends every session of the user. */
  async setPassword(username: string, password: string, now: number): Promise<void> {
    checkPassword(password);
    const user = this.require(username);
    const hash = await hashSecret(password);
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET hash = ?, updated_at = ? WHERE id = ?').run(hash, now, user.id);
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(user.id);
    })();
  }

  setRole(username: string, role: Role, villages: readonly string[], now: number): UserRecord {
    checkUser(username, role, villages);
    const user = this.require(username);
    if (user.role === 'admin' && role !== 'admin') this.keepOneAdmin(user.id);
    this.db.prepare('UPDATE users SET role = ?, villages = ?, updated_at = ? WHERE id = ?').run(role, JSON.stringify(villages), now, user.id);
    return this.get(username) as UserRecord;
  }

  remove(username: string): void {
    const user = this.require(username);
    if (user.role === 'admin') this.keepOneAdmin(user.id);
    this.db.prepare('DELETE FROM users WHERE id = ?').run(user.id);
  }

  /** The user when the password is right; undefined otherwise (same time either way). */
  async verify(username: string, password: string): Promise<UserRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    if (!row) {
      this.dummy ??= hashSecret(newSecret());
      await verifySecret(password, await this.dummy);
      return undefined;
    }
    if (!(await verifySecret(password, row.hash))) return undefined;
    if (needsRehash(row.hash)) {
      // Made at an older, lower cost: again at today's, unless the password changed meanwhile.
      const hash = await hashSecret(password);
      try {
        this.db.prepare('UPDATE users SET hash = ? WHERE id = ? AND hash = ?').run(hash, row.id, row.hash);
      } catch {
        // A read-only or full state database: the old hash still verifies; tried again at the next login.
      }
    }
    return toRecord(row);
  }

  private require(username: string): UserRecord {
    const user = this.get(username);
    if (!user) throw new UserError(`no user "${username}"`, 'missing');
    return user;
  }

  private keepOneAdmin(exceptId: number): void {
    const others = (this.db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND id != ?").get(exceptId) as { n: number }).n;
    if (others === 0) throw new UserError('this is the last admin: make another admin first', 'last-admin');
  }
}
