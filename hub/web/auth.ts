import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { HubContext } from '../context.js';
import type { AuditAction, AuditEntry, AuditLog } from '../security/audit.js';
import type { Principal } from '../security/roles.js';
import type { SessionStore } from '../security/sessions.js';
import type { UserRecord, UserStore } from '../security/users.js';
import type { LoginLimiter } from './login-limit.js';
import { principalOf } from './access.js';

/** The session cookie: a random token (only its hash is stored), httpOnly, SameSite=Lax, Secure over TLS. */
export const SESSION_COOKIE = 'langso_session';

/** What the web tier needs from hub/security, built by the composition root. */
export interface WebSecurity {
  users: UserStore;
  sessions: SessionStore;
  audit: AuditLog;
  limiter: LoginLimiter;
}

/** A Cookie header as name → value (the first of a repeated name wins, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!out.has(name)) {
      try {
        out.set(name, decodeURIComponent(value));
      } catch {
        out.set(name, value);
      }
    }
  }
  return out;
}

/** The address a request came from (no proxy headers are trusted: the hub is reached directly on the LAN). */
export function clientIp(req: IncomingMessage): string | null {
  return req.socket.remoteAddress ?? null;
}

export function principal(u: UserRecord): Principal {
  return { id: u.id, username: u.username, role: u.role, villages: [...u.villages] };
}

export type AuditFacts = Partial<Pick<AuditEntry, 'target' | 'village' | 'detail'>>;

/**
 * Sessions for the web tier: who a request or a socket handshake is (from the session cookie), the cookie
 * itself, and the audit log written with the request's user and address.
 */
export class WebAuth {
  constructor(
    private readonly ctx: Pick<HubContext, 'clock' | 'config' | 'log'>,
    readonly security: WebSecurity,
  ) {}

  get tls(): boolean {
    return this.ctx.config.http.tls !== undefined;
  }

  /** The user behind a session token; undefined when unknown, expired or revoked. */
  resolveToken(token: string | undefined): Principal | undefined {
    if (!token) return undefined;
    const user = this.security.sessions.resolve(token, this.ctx.clock.now());
    return user ? principal(user) : undefined;
  }

  /** The session token and user of a request (REST or socket.io handshake), if its cookie names a live session. */
  resolve(req: IncomingMessage): { token: string; principal: Principal } | undefined {
    const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    const p = this.resolveToken(token);
    return token && p ? { token, principal: p } : undefined;
  }

  /** Express middleware: `res.locals.principal` and `res.locals.sessionToken` for a logged-in request. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const s = this.resolve(req);
      if (s) {
        res.locals.principal = s.principal;
        res.locals.sessionToken = s.token;
      }
      next();
    };
  }

  setCookie(res: Response, token: string, expiresAt: number): void {
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: this.tls, path: '/', expires: new Date(expiresAt) });
  }

  clearCookie(res: Response): void {
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: this.tls, path: '/' });
  }

  /** An audit line for what the request's user just did (or `who` for a request without one: a failed login). */
  record(req: Request, res: Response, action: AuditAction, facts: AuditFacts = {}, who?: string): void {
    this.security.audit.record({
      ts: this.ctx.clock.now(),
      who: who ?? principalOf(res)?.username ?? '(anonymous)',
      action,
      target: facts.target ?? null,
      village: facts.village ?? null,
      detail: facts.detail ?? {},
      ip: clientIp(req),
    });
  }
}

/** Records what a logged-in user did through a route (hub/security/audit.ts). */
export type Auditor = Pick<WebAuth, 'record'>;
