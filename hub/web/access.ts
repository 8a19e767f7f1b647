import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { allows, isAdmin, type Need, type Principal } from '../security/roles.js';
import { sendError } from './errors.js';

/**
 * Who may call which REST route (DESIGN.md §7), enforced on the server. Every route is registered through
 * `secureRouter()`, which puts the route's rule in front of its handlers; the web server refuses to start
 * when a mounted route has none (`assertEveryRouteRuled`), and test/web/access.test.ts calls every route
 * as each role. Unauthenticated requests get 401, forbidden ones 403, both as JSON.
 */

/** The village a request is about (from its path, its body or the thing it names); undefined = cannot tell. */
export type VillageOf = (req: Request) => string | undefined;

export type Rule =
  /** Anyone, logged in or not; `why` says why that is safe (the login itself, the liveness probe). */
  | { need: 'public'; why: string }
  /** Anyone logged in; the handler shows them only the villages they may read. */
  | { need: 'login' }
  /** Reading or acting in one village; `village` says which (undefined: the handler answers 400/404). */
  | { need: 'read' | 'act'; village: VillageOf }
  /** An admin; with `token`, also a machine presenting `Authorization: Bearer <token>` (Prometheus). */
  | { need: 'admin'; token?: BearerToken };

/** The bearer token a route accepts instead of an admin's login. */
export interface BearerToken {
  /** The configured token; undefined when none is (then only an admin may). */
  expected(): string | undefined;
  /** Called for a request with a wrong token (to count and log it; never the token itself). */
  refused(req: Request): void;
}

export const rules = {
  public: (why: string): Rule => ({ need: 'public', why }),
  login: { need: 'login' } as Rule,
  admin: { need: 'admin' } as Rule,
  adminOrToken: (token: BearerToken): Rule => ({ need: 'admin', token }),
  read: (village: VillageOf): Rule => ({ need: 'read', village }),
  act: (village: VillageOf): Rule => ({ need: 'act', village }),
};

/** `:village` of the route path. */
export const villageParam: VillageOf = (req) => (typeof req.params.village === 'string' ? req.params.village : undefined);

/** `village` of a JSON body; the handler's schema refuses anything else. */
export const villageInBody: VillageOf = (req) => {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const v = (body as Record<string, unknown>).village;
  return typeof v === 'string' ? v : undefined;
};

/** The logged-in person of this request (set by the session middleware), if any. */
export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** The logged-in person, in a handler behind a rule other than `public` (the guard made sure there is one). */
export function who(res: Response): Principal {
  const p = principalOf(res);
  if (!p) throw new Error('handler reached without a logged-in user: its route needs a rule other than public');
  return p;
}

const RULE = Symbol.for('langso.access-rule');
type Guard = RequestHandler & { [RULE]: Rule };

function refuse(res: Response, p: Principal, need: Need, village?: string): void {
  const what = need === 'admin' ? 'only an admin may do this' : need === 'act' ? (village ? `user "${p.username}" may not make changes in village "${village}"` : `a ${p.role} may not make changes`) : `user "${p.username}" may not see village "${village}"`;
  sendError(res, 403, what, undefined, 'forbidden');
}

export function unauthorized(res: Response): void {
  sendError(res, 401, 'log in first: POST /api/session with {"username","password"}', undefined, 'unauthorized');
}

/** The token of an `Authorization: Bearer <token>` header; undefined without one. */
function bearerOf(req: Request): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Compared in constant time (as digests of equal length), so the answer's timing says nothing about the token. */
function sameToken(presented: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function badToken(res: Response): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="langso", error="invalid_token"');
  sendError(res, 401, 'the bearer token is not the one configured (export.prometheus.token), or none is configured', undefined, 'unauthorized');
}

function guard(rule: Rule): Guard {
  const fn = ((req: Request, res: Response, next: NextFunction): void => {
    if (rule.need === 'public') return next();
    // A machine with the configured token needs no session; a wrong token is refused whatever the cookie says.
    const presented = rule.need === 'admin' && rule.token ? bearerOf(req) : undefined;
    if (presented !== undefined && rule.need === 'admin' && rule.token) {
      const expected = rule.token.expected();
      if (expected !== undefined && sameToken(presented, expected)) return next();
      rule.token.refused(req);
      return badToken(res);
    }
    const p = principalOf(res);
    if (!p) return unauthorized(res);
    if (rule.need === 'login') return next();
    if (rule.need === 'admin') return isAdmin(p) ? next() : refuse(res, p, 'admin');
    // A viewer never acts, whatever the village.
    if (!allows(p, rule.need)) return refuse(res, p, rule.need);
    const village = rule.village(req);
    if (village === undefined || allows(p, rule.need, village)) return next();
    refuse(res, p, rule.need, village);
  }) as Guard;
  Object.defineProperty(fn, RULE, { value: rule });
  return fn;
}

/** Checks a village found only inside the handler (a list query's `?village=`); false = a 403 was sent. */
export function mayIn(res: Response, need: 'read' | 'act', village: string): boolean {
  const p = who(res);
  if (allows(p, need, village)) return true;
  refuse(res, p, need, village);
  return false;
}

export interface SecureRouter {
  readonly router: Router;
  get(path: string, rule: Rule, ...handlers: RequestHandler[]): SecureRouter;
  post(path: string, rule: Rule, ...handlers: RequestHandler[]): SecureRouter;
  delete(path: string, rule: Rule, ...handlers: RequestHandler[]): SecureRouter;
}

/** A router whose routes cannot be added without a rule. */
export function secureRouter(): SecureRouter {
  const router = Router();
  const r: SecureRouter = {
    router,
    get: (path, rule, ...handlers) => (router.get(path, guard(rule), ...handlers), r),
    post: (path, rule, ...handlers) => (router.post(path, guard(rule), ...handlers), r),
    delete: (path, rule, ...handlers) => (router.delete(path, guard(rule), ...handlers), r),
  };
  return r;
}

export interface RouteInfo {
  method: string;
  /** The full path as mounted, with its parameters (`/api/alerts/:id/ack`). */
  path: string;
  /** Undefined for a route registered without a rule (a plain router): a bug the server refuses to start with. */
  rule: Rule | undefined;
}

/** The parts of express's (router 2.x) layers this walk reads. */
interface LayerLike {
  rawPath?: unknown;
  method?: string;
  handle?: { stack?: LayerLike[]; [RULE]?: Rule };
  route?: { path: unknown; methods: Record<string, boolean>; stack: LayerLike[] };
}

/** Every route mounted on the app, with its rule. */
export function listRoutes(app: Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  const walk = (stack: readonly LayerLike[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        const route = layer.route;
        const sub = String(route.path);
        for (const method of Object.keys(route.methods)) {
          if (!route.methods[method]) continue;
          const first = route.stack.find((l) => l.method === undefined || l.method === method);
          out.push({ method: method.toUpperCase(), path: prefix + (sub === '/' && prefix ? '' : sub), rule: first?.handle?.[RULE] });
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return out;
}

/** Throws naming every route mounted without a rule: the hub does not serve a route nobody decided about. */
export function assertEveryRouteRuled(app: Express): void {
  const missing = listRoutes(app).filter((r) => r.rule === undefined);
  if (missing.length > 0) {
    throw new Error(`route(s) without an access rule (register them with secureRouter()): ${missing.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  }
}
