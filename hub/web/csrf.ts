import type { NextFunction, Request, Response } from 'express';
import type { HubContext } from '../context.js';
import { sendError } from './errors.js';

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The media type of a Content-Type header, lowercase, without parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Cross-site request forgery defence for every change under /api (POST, PUT, PATCH, DELETE):
 * 1. the body must be declared `application/json` (415 otherwise; a DELETE without a body needs none): a page elsewhere can post a form or
 *    `text/plain` without asking, but a JSON post from another origin needs a CORS preflight the hub never
 *    grants;
 * 2. when the browser says where the request comes from (`Origin`, else `Referer`), it must be this hub's
 *    own origin (403 otherwise). A request with neither is not from a browser page — browsers always send
 *    Origin on cross-site POSTs — so scripts and curl need not invent one.
 * The session cookie is SameSite=Lax besides, so it does not travel with a cross-site POST at all.
 */
export function csrfGuard(ctx: Pick<HubContext, 'counters' | 'log'>, tls: boolean) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!CHANGES.has(req.method)) return next();
    // A DELETE without a body (logout, removing a window) has nothing to declare; no form can send one,
    // and another origin's script needs a CORS preflight for it, which the hub never grants.
    const bodyless = req.method === 'DELETE' && !req.headers['transfer-encoding'] && (req.headers['content-length'] ?? '0') === '0';
    if (!bodyless && mediaType(req.headers['content-type']) !== 'application/json') {
      ctx.counters.inc('http.csrf_refused');
      return sendError(res, 415, `${req.method} requests must send Content-Type: application/json`, undefined, 'json-only');
    }
    const own = `${tls ? 'https' : 'http'}://${String(req.headers.host ?? '').toLowerCase()}`;
    const origin = req.headers.origin;
    const referer = req.headers.referer;
    let from: string | null = null;
    if (origin !== undefined) from = origin.toLowerCase();
    else if (referer !== undefined) {
      try {
        from = new URL(referer).origin.toLowerCase();
      } catch {
        from = 'invalid';
      }
    }
    if (from !== null && from !== own) {
      ctx.counters.inc('http.csrf_refused');
      ctx.log.warn({ module: 'web', origin: from.slice(0, 200), path: req.path, ip: req.socket.remoteAddress }, 'change from another site refused');
      return sendError(res, 403, `changes are accepted only from the hub's own pages (${own}), not from ${from.slice(0, 200)}`, undefined, 'cross-origin');
    }
    next();
  };
}
