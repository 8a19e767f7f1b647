import { createHash } from 'node:crypto';
import type { StateDb } from '../state/db.js';
import { newSecret } from './passwords.js';
import type { UserRecord, UserStore } from './users.js';

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after login, used or not. */
  maxMs: number;
}

interface Row {
  token_hash: string;
  user_id: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** Only the hash of a session token is stored: a copy of state.db does not log anyone in. */
function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Sliding expiry is written at most this often, not on every request. */
const TOUCH_MS = 60_000;

/**
 * Dashboard sessions (state database, table `sessions`): a random token in an httpOnly cookie; the
 * session ends after `idleMs` without use or `maxMs` after login, at logout, and when the password changes.
 */
export class SessionStore {
  constructor(
    private readonly db: StateDb,
    private readonly users: UserStore,
    private readonly policy: SessionPolicy,
  ) {}

  create(userId: number, ip: string | null, now: number): { token: string; expiresAt: number } {
    const token = newSecret();
    const expiresAt = now + Math.min(this.policy.idleMs, this.policy.maxMs);
    this.db
      .prepare('INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip) VALUES (?, ?, ?, ?, ?, ?)')
      .run(tokenHash(token), userId, now, now, expiresAt, ip);
    return { token, expiresAt };
  }

  /** The user behind a live session token, extending its idle expiry; undefined when unknown or expired. */
  resolve(token: string, now: number): UserRecord | undefined {
    if (token.length < 20 || token.length > 100) return undefined;
    const hash = tokenHash(token);
    const row = this.db.prepare('SELECT * FROM sessions WHERE token_hash = ?').get(hash) as Row | undefined;
    if (!row) return undefined;
    if (row.expires_at <= now || now - row.created_at >= this.policy.maxMs) {
      this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hash);
      return undefined;
    }
    const user = this.users.byId(row.user_id);
    if (!user) return undefined;
    if (now - row.last_seen_at >= TOUCH_MS) {
      const expiresAt = Math.min(now + this.policy.idleMs, row.created_at + this.policy.maxMs);
      this.db.prepare('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?').run(now, expiresAt, hash);
    }
    return user;
  }

  revoke(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash(token));
  }

  revokeUser(userId: number): void {
    this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
  }

  purgeExpired(now: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
  }
}
