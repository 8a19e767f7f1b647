import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { SessionUser } from '../../shared/events';
import { allows, readsEverything, type Need } from '../../shared/roles';
import { ApiFailure, fetchSession, login as postLogin, logout as deleteSession, setUnauthorizedHandler } from './api';

/**
 * Who is logged in, as the dashboard knows it. `unknown` until the hub has answered; `out` shows the login
 * page (`expired` when a session ended under the person's feet: the page says so, and after logging in
 * they are back where they were — the address, #/…, never changes meanwhile).
 */
export type AuthState = { status: 'unknown' } | { status: 'out'; expired: boolean } | { status: 'in'; user: SessionUser };

export class Auth {
  private state: AuthState;
  private readonly listeners = new Set<(s: AuthState) => void>();

  /** `user`: who the page was drawn for (the hub's first view); start() still asks the hub. */
  constructor(user?: SessionUser) {
    this.state = user ? { status: 'in', user } : { status: 'unknown' };
  }

  get current(): AuthState {
    return this.state;
  }

  subscribe(fn: (s: AuthState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Asks the hub who is logged in; any 401 from the hub from now on ends the session here too. */
  async start(): Promise<void> {
    setUnauthorizedHandler(() => this.set({ status: 'out', expired: this.state.status === 'in' }));
    try {
      const res = await fetchSession();
      this.set({ status: 'in', user: res.user });
    } catch (err) {
      // 401: the handler has shown the login page. Anything else (the hub unreachable): the login page too,
      // where logging in tells what is wrong.
      if (!(err instanceof ApiFailure && err.status === 401)) this.set({ status: 'out', expired: false });
      // index.html preloads the device list, here without a session (a 401): taken now, so that the list
      // loaded after the login comes from the hub, not from that preload.
      void fetch('/api/devices', { credentials: 'same-origin' }).then(
        (r) => r.body?.cancel(),
        () => undefined,
      );
    }
  }

  /** Throws ApiFailure (`bad-login`, `rate-limited` with retryAfterS, a network failure). */
  async login(username: string, password: string): Promise<void> {
    const res = await postLogin(username, password);
    this.set({ status: 'in', user: res.user });
  }

  async logout(): Promise<void> {
    try {
      await deleteSession();
    } finally {
      this.set({ status: 'out', expired: false });
    }
  }

  private set(s: AuthState): void {
    if (JSON.stringify(s) === JSON.stringify(this.state)) return;
    this.state = s;
    for (const fn of this.listeners) fn(s);
  }
}

export function useAuthState(auth: Auth): AuthState {
  const [state, set] = useState(auth.current);
  useEffect(() => {
    set(auth.current);
    return auth.subscribe(set);
  }, [auth]);
  return state;
}

export const AuthContext = createContext<Auth | null>(null);
export const UserContext = createContext<SessionUser | null>(null);

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('AuthContext missing');
  return auth;
}

/** The logged-in user (inside the app, there always is one). */
export function useUser(): SessionUser {
  const user = useContext(UserContext);
  if (!user) throw new Error('UserContext missing');
  return user;
}

/**
 * What the controls may offer: the hub checks every request anyway (shared/roles.ts on both sides), the
 * dashboard only leaves out what would be refused.
 */
export function can(user: SessionUser, need: Need, village?: string): boolean {
  return allows(user, need, village);
}

export function seesEverything(user: SessionUser): boolean {
  return readsEverything(user);
}
