import type { NextFunction, Request, RequestHandler, Response as ExpressResponse } from 'express';
import type { BrowserContext } from 'playwright-core';
import { io as connect, type Socket } from 'socket.io-client';
import type { Hub } from '../../hub/main.js';
import type { Principal, Role } from '../../hub/security/roles.js';
import { SESSION_COOKIE } from '../../hub/web/auth.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events.js';

/** The password of every user the tests create (long enough for the hub's minimum). */
export const TEST_PASSWORD = 'mat-khau-thu-nghiem';

export type HubSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A logged-in client of a test hub. */
export interface Session {
  username: string;
  /** `langso_session=<token>`, for a Cookie header. */
  cookie: string;
  /** The session token alone (a browser context's cookie value). */
  token: string;
  /** fetch with the session cookie; `input` is a path on the hub or a whole URL. */
  fetch(input: string, init?: RequestInit): Promise<Response>;
  /** GET (or `init`) and parse JSON, failing on a non-2xx answer. */
  json<T>(input: string, init?: RequestInit): Promise<T>;
}

/** Creates a dashboard user in the hub's state database (kept when it exists: a restarted hub on the same data). */
export async function addUser(hub: Hub, username: string, role: Role, villages: readonly string[] = [], password = TEST_PASSWORD): Promise<void> {
  if (hub.security.users.get(username)) return;
  await hub.security.users.add(username, password, role, villages, Date.now());
}

/** Logs in over the API as a non-browser client would; returns the cookie pair. */
export async function login(httpUrl: string, username: string, password = TEST_PASSWORD): Promise<string> {
  const res = await fetch(`${httpUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login as ${username} answered ${res.status}: ${await res.text()}`);
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!set) throw new Error('login answered without a session cookie');
  return set.split(';')[0]!;
}

export function sessionOf(httpUrl: string, username: string, cookie: string): Session {
  const doFetch = (input: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('cookie', cookie);
    return fetch(input.startsWith('http') ? input : `${httpUrl}${input}`, { ...init, headers });
  };
  return {
    username,
    cookie,
    token: cookie.slice(cookie.indexOf('=') + 1),
    fetch: doFetch,
    async json<T>(input: string, init?: RequestInit): Promise<T> {
      const res = await doFetch(input, init);
      if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${input} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    },
  };
}

/** A user with this role (created if needed), logged in. */
export async function sessionAs(t: { hub: Hub; httpUrl: string }, username: string, role: Role, villages: readonly string[] = []): Promise<Session> {
  await addUser(t.hub, username, role, villages);
  return sessionOf(t.httpUrl, username, await login(t.httpUrl, username));
}

/**
 * A socket.io client opened with a session cookie (or none); resolves once connected, rejects if refused.
 * `listen` attaches listeners before the connection opens (the hub's `hello` comes right after it).
 */
export async function socketWith(httpUrl: string, cookie: string | null, extraHeaders: Record<string, string> = {}, listen?: (s: HubSocket) => void): Promise<HubSocket> {
  const socket: HubSocket = connect(httpUrl, {
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { ...(cookie ? { cookie } : {}), ...extraHeaders },
  });
  listen?.(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
  return socket;
}

/**
 * For router tests on a bare express app (no session layer): every request is this user's. The real
 * session and access layers are tested through whole hubs (test/web/access.test.ts and session.test.ts).
 */
export function asUser(p: Principal): RequestHandler {
  return (_req: Request, res: ExpressResponse, next: NextFunction) => {
    res.locals.principal = p;
    next();
  };
}

/** Puts a session's cookie into a browser context: its pages open logged in, as after the login page. */
export async function useSession(context: BrowserContext, httpUrl: string, s: Pick<Session, 'token'>): Promise<void> {
  await context.addCookies([{ name: SESSION_COOKIE, value: s.token, url: httpUrl, httpOnly: true, sameSite: 'Lax' }]);
}
