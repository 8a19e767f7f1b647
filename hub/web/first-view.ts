import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import type { HubContext } from '../context.js';
import { kindViews } from '../registry/kinds.js';
import type { Lang } from '../../shared/i18n.js';
import { devicesFor } from './api.js';
import { rules, secureRouter } from './access.js';
import { parseCookies, type WebAuth } from './auth.js';
import { firstViewMarkup, type FirstViewData } from './first-view-html.js';
import { uptimeAllFor } from './reports-api.js';

const DAY = 86_400_000;
/** Above this many readable devices the first view leaves the uptime figures to the script (see below). */
export const FIRST_VIEW_UPTIME_MAX_DEVICES = 60;
/** The cookie the dashboard writes when someone picks a language (dashboard/src/i18n/index.ts). */
export const LANG_COOKIE = 'langso_lang';
/** What the page's script reads the first view's data from (dashboard/src/first-view.ts). */
export const FIRST_VIEW_ID = 'first-view';

const langCookie = z.enum(['vi', 'en']);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * The language of the first view. The dashboard keeps the choice in localStorage, which the hub never sees,
 * and mirrors it into the `langso_lang` cookie: with the cookie the first paint is already in the chosen
 * language; without it (a first visit, or a choice made before the cookie existed) it is Vietnamese, the
 * default, and the script switches once — after that the cookie is there.
 */
export function firstViewLang(req: Request): Lang {
  const parsed = langCookie.safeParse(parseCookies(req.headers.cookie).get(LANG_COOKIE));
  return parsed.success ? parsed.data : 'vi';
}

/** JSON inside a `<script type="application/json">`: no `<` may close the element early, whatever a name says. */
export function jsonForScript(value: unknown, redact: (s: string) => string): string {
  return JSON.stringify(value, (_k: string, v: unknown) => (typeof v === 'string' ? redact(v) : v))
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The built page's stylesheet link (Vite writes one for the entry), and the file it names. */
const STYLESHEET = /<link rel="stylesheet"[^>]*href="\.?(\/assets\/[A-Za-z0-9_.-]+\.css)"[^>]*>/;

/**
 * The page's stylesheet in a `<style>` instead of a link: the first view cannot be painted before its
 * styles, and on a slow link the separate file shares the bandwidth with the script (measured: the
 * stylesheet arrived ~0.5 s after the HTML). A few KiB; the CSP allows inline styles (helmet's default).
 */
export async function inlineStylesheet(template: string, dir: string, cache: Map<string, string>): Promise<string> {
  const m = STYLESHEET.exec(template);
  if (!m) return template;
  const file = path.resolve(dir, `.${m[1]!}`);
  if (!file.startsWith(path.resolve(dir) + path.sep)) return template;
  let css = cache.get(file);
  if (css === undefined) {
    try {
      css = (await readFile(file, 'utf8')).replace(/<\/style/gi, '<\\/style');
    } catch {
      return template;
    }
    // Hashed names: a file's content never changes, a new build is a new name.
    cache.set(file, css);
  }
  const inlined = css;
  return template.replace(m[0], () => `<style>${inlined}</style>`);
}

/** index.html with the first view in #app, its data beside it, and no preloads of what the page now carries. */
export function withFirstView(template: string, lang: Lang, markup: string, json: string): string | null {
  if (!template.includes('<div id="app"></div>')) return null;
  return template
    .replace(/<html lang="[a-z]+">/, `<html lang="${lang}">`)
    .replace(/<link rel="preload" href="\/api\/[^"]*"[^>]*>\s*/g, '')
    .replace('<div id="app"></div>', () => `<div id="app" data-first-view="${lang}">${markup}</div><script type="application/json" id="${FIRST_VIEW_ID}">${json}</script>`);
}

/**
 * The dashboard's page (`/`, `/index.html`) for a logged-in user, with their overview already in it: the
 * tiles and the villages' uptime show as soon as the HTML arrives (on a slow phone link the script comes
 * about half a second later, and then draws over it in place). Same data, same role rule as GET
 * /api/devices and /api/uptime (devicesFor, uptimeAllFor), computed for each request; personal, so
 * `no-store`. Without a valid session, or with nothing to show, the plain built page is served as before
 * (the login page). The data goes in a `<script type="application/json">`, which the CSP does not have to
 * allow: it is never run.
 */
export function firstViewPage(ctx: HubContext, auth: WebAuth, dashboardDir: string, changes: () => number): Router {
  const indexFile = path.join(dashboardDir, 'index.html');
  const kinds = kindViews();
  const styles = new Map<string, string>();
  const handler = (req: Request, res: Response, next: NextFunction): void => {
    const session = auth.resolve(req);
    if (!session) return next();
    void (async () => {
      const p = session.principal;
      const now = ctx.clock.now();
      const started = performance.now();
      const devices = devicesFor(ctx, p, kinds, changes());
      let uptime: FirstViewData['uptime'] = null;
      const uptimeStarted = performance.now();
      try {
        // Reading a month of transitions costs about 0.2–1 ms per device on a 2-core box, mostly synchronous
        // with the SQLite store: a village's few dozen stay near the ~20 ms an event-loop turn may take; for
        // a commune's hundreds the page comes at once without them and the script asks, as it always did.
        if (devices.devices.length <= FIRST_VIEW_UPTIME_MAX_DEVICES) {
          const [day, month] = await Promise.all([uptimeAllFor(ctx, p, { from: now - DAY, to: now }), uptimeAllFor(ctx, p, { from: now - 30 * DAY, to: now })]);
          // The overview reads the villages' 24-hour figures and every device's 30-day figure (its worst list).
          uptime = { day: { villages: day.villages.map((v) => ({ ...v, devices: [] })) }, month };
        }
      } catch (err) {
        // The figures are extra: the page still shows the tiles, and the script asks again.
        ctx.counters.inc('api.store_errors');
        ctx.log.warn({ module: 'web', err: (err as Error).message }, 'first view: uptime report failed');
      }
      const renderStarted = performance.now();
      const lang = firstViewLang(req);
      // Redacted like every JSON answer (a reason may quote a URL with credentials), then drawn from that.
      // Each step yields to the event loop: with a thousand devices each takes a few ms, together more.
      const json = jsonForScript({ lang, at: now, user: { username: p.username, role: p.role, villages: [...p.villages] }, devices, uptime }, ctx.redact);
      await nextTurn();
      const data = JSON.parse(json) as FirstViewData;
      await nextTurn();
      const markup = firstViewMarkup(data, lang, now);
      const template = markup === null ? null : await inlineStylesheet(await readFile(indexFile, 'utf8'), dashboardDir, styles);
      const page = template === null || markup === null ? null : withFirstView(template, lang, markup, json);
      if (page === null) return next();
      ctx.counters.inc('web.first_views');
      const body = Buffer.from(page, 'utf8');
      res.setHeader('Cache-Control', 'no-store');
      res.vary('Cookie');
      res.vary('Accept-Encoding');
      res.type('html');
      res.setHeader('Server-Timing', `uptime;dur=${(renderStarted - uptimeStarted).toFixed(1)}, render;dur=${(performance.now() - renderStarted).toFixed(1)}, total;dur=${(performance.now() - started).toFixed(1)}`);
      // Compressed off the event loop (zlib's thread pool): the page is a few KiB to a few hundred.
      if (req.acceptsEncodings('br') === 'br') {
        res.setHeader('Content-Encoding', 'br');
        res.send(await brotli(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } }));
      } else if (req.acceptsEncodings('gzip') === 'gzip') {
        res.setHeader('Content-Encoding', 'gzip');
        res.send(await gz(body));
      } else {
        res.send(body);
      }
    })().catch(next);
  };
  // The page is public (the login page); what it carries for a session comes through devicesFor and
  // uptimeAllFor, the role rules of /api/devices and /api/uptime.
  const rule = rules.public('the dashboard page; the overview it carries for a session is read under the rules of /api/devices and /api/uptime');
  return secureRouter().get('/', rule, handler).get('/index.html', rule, handler).router;
}
