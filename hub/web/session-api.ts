import type { Request, Response } from 'express';
import { z } from 'zod';
import type { HubContext } from '../context.js';
import { USERNAME_PATTERN } from '../security/users.js';
import type { SessionResponse } from '../../shared/events.js';
import { principalOf, rules, secureRouter, unauthorized } from './access.js';
import { clientIp, type WebAuth } from './auth.js';
import { rejectInput, zodIssues } from './api.js';
import { sendError } from './errors.js';

const DAY = 86_400_000;

const loginBody = z.strictObject({
  username: z.string().trim().min(1, 'enter your user name').max(64, 'at most 64 characters'),
  password: z.string().min(1, 'enter your password').max(1024, 'at most 1024 characters'),
});

function view(p: NonNullable<ReturnType<typeof principalOf>>): SessionResponse {
  return { user: { username: p.username, role: p.role, villages: [...p.villages] } };
}

/**
 * Login and logout (mounted at /api/session):
 * POST {username, password} → 200 {user} with the session cookie; 401 `bad-login`; 429 `rate-limited`
 * (with Retry-After) after too many failures from one address or for one name (hub/web/login-limit.ts);
 * GET → 200 {user}, or 401 when nobody is logged in; DELETE → 204, the session ended and the cookie cleared.
 * Every login, failed login and logout is in the audit log with the client's address.
 */
export function sessionRouter(ctx: Pick<HubContext, 'clock' | 'config' | 'counters' | 'log'>, auth: WebAuth, onLogout: (token: string) => void) {
  const { users, sessions, limiter } = auth.security;
  const maxMs = ctx.config.http.session.maxDays * DAY;
  const r = secureRouter();

  r.post('/', rules.public('logging in is how a session begins'), async (req: Request, res: Response) => {
    const body = loginBody.safeParse(req.body ?? {});
    if (!body.success) return rejectInput(ctx, res, 'invalid login', zodIssues(body.error).map((i) => (i.path === '(query)' ? { ...i, path: '(body)' } : i)));
    const name = body.data.username.toLowerCase();
    const ip = clientIp(req);
    const at = ctx.clock.now();
    const verdict = limiter.attempt(ip, name, at);
    if (!verdict.ok) {
      ctx.counters.inc('auth.login_limited');
      res.setHeader('Retry-After', String(verdict.retryAfterS));
      return sendError(res, 429, `too many failed logins: try again in ${Math.ceil(verdict.retryAfterS / 60)} minute(s)`, undefined, 'rate-limited', { retryAfterS: verdict.retryAfterS });
    }
    const user = await users.verify(name, body.data.password);
    if (!user) {
      ctx.counters.inc('auth.login_failed');
      // The name as typed only when it could be a name: the log is no place for a password typed in the wrong box.
      auth.record(req, res, 'login-failed', { target: null }, USERNAME_PATTERN.test(name) ? name : '(not a user name)');
      ctx.log.warn({ module: 'web', ip }, 'failed login');
      return sendError(res, 401, 'wrong user name or password', undefined, 'bad-login');
    }
    limiter.succeed(ip, name, at);
    const old = res.locals.sessionToken as string | undefined;
    if (old) sessions.revoke(old);
    const now = ctx.clock.now();
    const { token } = sessions.create(user.id, ip, now);
    auth.setCookie(res, token, now + maxMs);
    res.locals.principal = { id: user.id, username: user.username, role: user.role, villages: [...user.villages] };
    ctx.counters.inc('auth.logins');
    auth.record(req, res, 'login', { target: user.username });
    res.json(view(res.locals.principal));
  });

  r.get('/', rules.public('answers 401 itself when nobody is logged in: how the dashboard knows to show the login page'), (_req: Request, res: Response) => {
    const p = principalOf(res);
    if (!p) return unauthorized(res);
    res.json(view(p));
  });

  r.delete('/', rules.public('logging out needs no live session: a stale cookie is cleared all the same'), (req: Request, res: Response) => {
    const token = res.locals.sessionToken as string | undefined;
    if (token) {
      sessions.revoke(token);
      auth.record(req, res, 'logout', { target: principalOf(res)?.username ?? null });
      onLogout(token);
    }
    auth.clearCookie(res);
    res.status(204).end();
  });

  return r.router;
}
